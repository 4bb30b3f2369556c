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

/// Methods: a known path asked with the wrong method says which it takes (405 with `Allow`), and
/// load balancers' HEAD probes of /health are answered.
@Suite struct ServeMethodsTests {
    func send(_ served: ServedJITServe, _ method: String, _ path: String) async throws -> (status: Int, allow: String?, body: String) {
        let response = try await served.client.send(served.url.request(method, path), timeout: .seconds(10))
        let allow = response.headers.first { $0.name.lowercased() == "allow" }?.value
        return (response.status, allow, String(decoding: try await response.collect().bytes, as: UTF8.self))
    }

    @Test func aKnownPathWithTheWrongMethodIs405AndHeadProbesHealth() async throws {
        let served = try await ServedJITServe.start(["--executor", "echo"])
        let wrong = try await send(served, "GET", "/v1/chat/completions")
        #expect(wrong.status == 405 && wrong.allow == "POST")
        #expect(wrong.body.contains("\"code\":\"method_not_allowed\""))
        let model = try await send(served, "DELETE", "/v1/models/smollm2")
        #expect(model.status == 405 && model.allow == "GET")
        #expect(try await send(served, "HEAD", "/health").status == 200)
        #expect(try await send(served, "GET", "/v1/embeddings").status == 404)
        #expect(try await send(served, "DELETE", "/v1/models/a/b").status == 404)
        await served.stop()
    }
}
