#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's resident set size, for `/metrics` (`process_resident_memory_bytes`, the name
/// Prometheus' own process collectors use): what an operator watches for a leak.
enum ResidentMemory {
    /// Bytes resident now, from `/proc/self/statm`; nil where there is no procfs.
    static func bytes() -> Double? {
        #if os(Linux)
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var size = 0, resident = 0
        guard withUnsafeMutablePointer(to: &size, { sizePointer in
            withUnsafeMutablePointer(to: &resident) { residentPointer in
                withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
            }
        }) == 2 else { return nil }
        return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return nil
        #endif
    }
}
