import Testing

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
