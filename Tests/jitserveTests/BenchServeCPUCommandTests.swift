import JITServeCore
import Testing

@testable import jitserve

@Suite struct BenchServeCPUCommandTests {
    static func result(sent: Double, tokens: [Double], ended: Double, usage: Int?, prompt: Int? = nil) -> SSEBenchClient.Result {
        SSEBenchClient.Result(
            requestID: nil, sentAt: Instant(seconds: sent), tokenTimes: tokens.map { Instant(seconds: $0) },
            completionTokens: usage, promptTokens: prompt, endedAt: Instant(seconds: ended), error: nil)
    }

    @Test func servedRateCountsUsageTokensFromFirstSendToLastEnd() {
        let results = [
            Self.result(sent: 1, tokens: [1.5, 2, 2.5], ended: 3, usage: 10, prompt: 41),
            // No usage frame: its token frames count instead.
            Self.result(sent: 1.5, tokens: [2, 2.2, 2.4, 2.6, 2.8], ended: 5, usage: nil),
            SSEBenchClient.Result(error: "connect() failed"),
        ]
        let row = BenchServeCPUCommand.row(streams: 2, kernel: [4, 8], results: results)
        #expect(row.servedTokensPerSecond == 15.0 / 4)
        #expect(row.servedOverKernel == 15.0 / 4 / 6)
        #expect(row.failedRequests == 1)
        // Only the request with a usage frame says how long its prompt was.
        #expect(row.promptTokensMean == 41)
        // TTFTs 500 ms and 500 ms; TPOTs (2.5-1.5)/9 s and (2.8-2)/4 s.
        #expect(abs(row.ttftMillisecondsP50 - 500) < 1e-9)
        #expect(abs(row.tpotMillisecondsP50 - 200) < 1e-9)
    }

    @Test func rejectsBadStreamLists() throws {
        for streams in ["", "1,x", "0", "1,,4", "300"] {
            #expect(throws: (any Error).self, "\(streams)") {
                _ = try BenchServeCPUCommand.parse(["--streams", streams])
            }
        }
        let command = try BenchServeCPUCommand.parse(["--streams", "1, 4,16"])
        #expect(command.streamCounts == [1, 4, 16])
    }
}
