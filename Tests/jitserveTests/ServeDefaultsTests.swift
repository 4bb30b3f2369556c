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

    /// The model loads after the server listens (its health says 503 meanwhile), so a model
    /// that cannot be found at all is refused before: a typo should fail the start, naming
    /// the option.
    @Test func aModelThatDoesNotExistFailsTheStartNotTheLoadedServer() throws {
        #expect { try ServeCommand.parseAsRoot(["--model", "/nonexistent/model.gguf"]) } throws: { error in
            ServeCommand.message(for: error).contains("--model")
        }
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--model", "no-such-model"]) }
        // Only the CPU executor reads a GGUF.
        _ = try ServeCommand.parseAsRoot(["--executor", "echo", "--model", "/nonexistent/model.gguf"])
    }
}
