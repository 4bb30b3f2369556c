import Testing

@testable import jitserve

/// What a server nobody configured exposes (issue 16, security basics).
@Suite struct ServeDefaultsTests {
    @Test func serveListensOnLoopbackByDefault() throws {
        let serve = try ServeCommand.parseAsRoot([]) as! ServeCommand
        #expect(serve.host == "127.0.0.1")
        let exposed = try ServeCommand.parseAsRoot(["--host", "0.0.0.0"]) as! ServeCommand
        #expect(exposed.host == "0.0.0.0")
    }
}
