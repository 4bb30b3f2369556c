#if canImport(Glibc)
import Glibc
#endif

/// glibc's malloc, set for a process that serves: how many arenas it keeps, and when it gives
/// memory back to the system.
///
/// glibc's malloc gives each thread that contends for a lock an arena of its own, up to eight per
/// core. A server's threads (event loops, the engine, the kernel pool, Swift's cooperative pool)
/// each free into their arena what another thread allocated, and memory freed in one arena is not
/// reused by another: measured over a 30-minute soak below capacity, resident memory grew 7.7 %
/// from minute 1 with the default and 4.4 % with two arenas, at no cost to streaming throughput
/// or per-token latency (`jitserve bench http`, six alternating runs each).
enum MallocTuning {
    /// Keeps the buffers a scheduling decision allocates and frees every iteration in the heap.
    ///
    /// A decision over a burst's queue builds a few arrays of a row per request — ten thousand
    /// requests, about a megabyte each. Past glibc's thresholds (128 KiB at first) each such
    /// array is its own `mmap`, or the heap's top is trimmed once it is freed, so the next
    /// iteration takes a page fault and a page clear for every 4 KiB again: a quarter of GMAX's
    /// decision at 10,000 waiting (`jitserve bench scheduler`). Raised thresholds keep freed
    /// memory for the next iteration; `serve` still gives it back with `trim()` on its timer.
    /// Does nothing where the environment sets either threshold (glibc already read it and it
    /// wins) or where there is no `mallopt`. Call before threads start.
    static func keepIterationBuffers() {
        #if canImport(Glibc)
        guard !environmentSetsThresholds, let mallopt = mallOpt() else { return }
        // 32 MiB is glibc's own ceiling for the mmap threshold (64-bit); the heap is trimmed
        // only past 64 MiB free at its top.
        _ = mallopt(mmapThresholdParameter, 32 << 20)
        _ = mallopt(trimThresholdParameter, 64 << 20)
        #endif
    }

    /// Whether the environment sets glibc's thresholds itself (then `keepIterationBuffers`
    /// leaves them be).
    static var environmentSetsThresholds: Bool {
        #if canImport(Glibc)
        let names: [String] = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"]
        return names.contains { getenv($0) != nil }
        #else
        return false
        #endif
    }

    /// Caps the arenas at `count` (0 leaves glibc's default), unless `MALLOC_ARENA_MAX` is set in
    /// the environment, which glibc already read and which wins. Call before threads start.
    /// Returns whether the cap was set.
    @discardableResult
    static func limit(to count: Int) -> Bool {
        #if canImport(Glibc)
        guard count > 0, getenv("MALLOC_ARENA_MAX") == nil else { return false }
        guard let mallopt = mallOpt() else { return false }
        return mallopt(arenaMaxParameter, Int32(clamping: count)) == 1
        #else
        return false
        #endif
    }

    /// Gives the pages of memory freed since back to the system (glibc's `malloc_trim(0)`, which
    /// also releases whole free pages inside the heap, not only at its top). Without it, resident
    /// memory stays at the high-water mark of the busiest moment so far: a burst of 70 requests
    /// in flight left a soak's RSS 4 MiB up for the rest of the run. Returns whether any memory
    /// was released; nil where there is no `malloc_trim`.
    @discardableResult
    static func trim() -> Bool? {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)(0) == 1
        #else
        return nil
        #endif
    }

    #if canImport(Glibc)
    /// `mallopt`, declared in <malloc.h>, which Swift's Glibc module does not import: it is looked
    /// up by name instead (absent on a libc without it, e.g. musl: nothing is set).
    private static func mallOpt() -> (@convention(c) (Int32, Int32) -> Int32)? {
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return nil }
        return unsafeBitCast(symbol, to: MallOpt.self)
    }
    #endif

    /// glibc's `M_ARENA_MAX`, `M_MMAP_THRESHOLD` and `M_TRIM_THRESHOLD` (<malloc.h>), part of
    /// its stable ABI.
    private static let arenaMaxParameter: Int32 = -8
    private static let mmapThresholdParameter: Int32 = -3
    private static let trimThresholdParameter: Int32 = -1
}
