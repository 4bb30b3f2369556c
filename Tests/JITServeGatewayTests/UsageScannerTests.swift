import Testing

@testable import JITServeGateway

@Suite struct UsageScannerTests {
    static let body = Array(#"data: {"choices":[]}\#n\#ndata: {"usage":{"prompt_tokens":12,"completion_tokens":345,"total_tokens":357}}\#n\#n"#.utf8)

    @Test func findsTheCountWhereverTheChunksSplit() {
        for cut in 1..<Self.body.count {
            var scanner = UsageScanner()
            scanner.scan(Self.body[..<cut])
            scanner.scan(Self.body[cut...])
            scanner.finish()
            #expect(scanner.completionTokens == 345, "split at \(cut)")
        }
    }

    @Test func aNumberCutByTheEndOfTheBodyCounts() {
        var scanner = UsageScanner()
        scanner.scan(Array(#"{"usage": {"completion_tokens": 7"#.utf8))
        #expect(scanner.completionTokens == nil)
        scanner.finish()
        #expect(scanner.completionTokens == 7)
    }

    @Test func noUsageMeansNil() {
        var scanner = UsageScanner()
        scanner.scan(Array(#"data: {"choices":[{"delta":{"content":"completion_tokens"}}]}"#.utf8))
        scanner.finish()
        #expect(scanner.completionTokens == nil)
    }
}
