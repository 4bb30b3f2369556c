import Testing

@testable import jitserve

#if canImport(Glibc)
import Glibc
#endif

/// The serve-time arena cap (issue 16: resident memory flat over a soak).
@Suite struct MallocArenasTests {
    @Test func serveCapsTheArenasAtTwoByDefaultAndRefusesANegativeCap() throws {
        let serve = try ServeCommand.parseAsRoot([]) as! ServeCommand
        #expect(serve.mallocArenaMax == 2)
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--malloc-arena-max", "-1"]) }
    }

    @Test func theCapReachesGlibcUnlessTheEnvironmentSetsIt() {
        #if canImport(Glibc)
        // True only when `mallopt` was found by name and answered success; what the cap does to
        // resident memory is measured by scripts/soak.sh, not here.
        #expect(MallocArenas.limit(to: 2) == (getenv("MALLOC_ARENA_MAX") == nil))
        #endif
        #expect(!MallocArenas.limit(to: 0))
    }
}
