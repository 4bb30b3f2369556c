import Testing

@testable import jitserve

#if canImport(Glibc)
import Glibc
#endif

/// The serve-time arena cap (issue 16: resident memory flat over a soak) and the thresholds
/// that keep a decision's buffers in the heap (issue 10: decisions that scale).
@Suite struct MallocTuningTests {
    @Test func serveCapsTheArenasAtTwoByDefaultAndRefusesANegativeCap() throws {
        let serve = try ServeCommand.parseAsRoot([]) as! ServeCommand
        #expect(serve.mallocArenaMax == 2)
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--malloc-arena-max", "-1"]) }
    }

    @Test func theCapReachesGlibcUnlessTheEnvironmentSetsIt() {
        #if canImport(Glibc)
        // True only when `mallopt` was found by name and answered success; what the cap does to
        // resident memory is measured by scripts/soak.sh, not here.
        #expect(MallocTuning.limit(to: 2) == (getenv("MALLOC_ARENA_MAX") == nil))
        #endif
        #expect(!MallocTuning.limit(to: 0))
    }

    @Test func serveTrimsOnceAMinuteByDefaultAndRefusesANegativeInterval() throws {
        let serve = try ServeCommand.parseAsRoot([]) as! ServeCommand
        #expect(serve.mallocTrimSeconds == 60)
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--malloc-trim-seconds", "-1"]) }
    }

    @Test func trimmingGivesFreedPagesInsideTheHeapBack() throws {
        #if os(Linux)
        /// Resident pages of this process, in MiB (/proc/self/statm's second field).
        func residentMiB() throws -> Double {
            let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return Double(fields[1])! * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
        }
        // 64 MiB in 16 KiB blocks (below the mmap threshold: from the heap), written so that
        // they are resident; all freed but the last, which pins the heap's top so that free()
        // alone gives nothing back.
        let blocks = (0..<4096).map { _ in
            let p = UnsafeMutableRawPointer.allocate(byteCount: 16384, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 1, count: 16384)
            return p
        }
        for p in blocks.dropLast() { p.deallocate() }
        let before = try residentMiB()
        #expect(MallocTuning.trim() == true)
        let after = try residentMiB()
        blocks.last!.deallocate()
        #expect(before - after > 32, "resident \(before) MiB before trimming, \(after) after")
        #endif
    }

    @Test func aDecisionSizedBufferComesFromTheHeapOnceTheThresholdsAreRaised() {
        #if os(Linux)
        guard !MallocTuning.environmentSetsThresholds else { return }
        MallocTuning.keepIterationBuffers()
        // 16 MiB: far past glibc's default threshold (128 KiB, raised only to the size of an
        // mmapped block freed before), below the 32 MiB set. glibc marks a block it mapped on
        // its own with bit 1 of the size word just before it.
        let p = malloc(16 << 20)!
        defer { free(p) }
        let sizeWord = p.load(fromByteOffset: -MemoryLayout<Int>.size, as: Int.self)
        #expect(sizeWord & 2 == 0, "a 16 MiB block was mapped on its own: the threshold did not reach glibc")
        #endif
    }
}
