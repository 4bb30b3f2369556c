import JITServeCore
import Testing

@testable import jitserve

@Suite struct BenchServeCPUCommandTests {
    static func result(
        sent: Double, tokens: [Double], ended: Double, usage: Int?, prompt: Int? = nil, cached: Int? = nil
    ) -> SSEBenchClient.Result {
        SSEBenchClient.Result(
            requestID: nil, sentAt: Instant(seconds: sent), tokenTimes: tokens.map { Instant(seconds: $0) },
            completionTokens: usage, promptTokens: prompt, cachedTokens: cached, endedAt: Instant(seconds: ended), error: nil)
    }

    @Test func servedRateCountsUsageTokensFromFirstSendToLastEnd() {
        let results = [
            Self.result(sent: 1, tokens: [1.5, 2, 2.5], ended: 3, usage: 10, prompt: 41),
            // No usage frame: its token frames count instead.
            Self.result(sent: 1.5, tokens: [2, 2.2, 2.4, 2.6, 2.8], ended: 5, usage: nil),
            SSEBenchClient.Result(error: "connect() failed"),
        ]
        let row = BenchServeCPUCommand.row(streams: 2, prefixCaching: true, kernel: [4, 8], results: results)
        #expect(row.servedTokensPerSecond == 15.0 / 4)
        #expect(row.servedOverKernel == 15.0 / 4 / 6)
        #expect(row.failedRequests == 1)
        // Only the request with a usage frame says how long its prompt was.
        #expect(row.promptTokensMean == 41)
        // TTFTs 500 ms and 500 ms; TPOTs (2.5-1.5)/9 s and (2.8-2)/4 s.
        #expect(abs(row.ttftMillisecondsP50 - 500) < 1e-9)
        #expect(abs(row.tpotMillisecondsP50 - 200) < 1e-9)
    }

    /// Results come client by client, conversation by conversation, turn by turn.
    @Test func turnRowsGroupEachTurnAcrossConversations() {
        let results = [
            Self.result(sent: 0, tokens: [0.2], ended: 1, usage: 4, prompt: 40, cached: 0),
            Self.result(sent: 1, tokens: [1.1], ended: 2, usage: 4, prompt: 90, cached: 32),
            Self.result(sent: 0, tokens: [0.4], ended: 1, usage: 4, prompt: 42, cached: 16),
            Self.result(sent: 1, tokens: [1.3], ended: 2, usage: 4, prompt: 94, cached: 64),
        ]
        let turns = BenchServeCPUCommand.turnRows(results, turns: 2)
        #expect(turns.map(\.turn) == [1, 2])
        #expect(turns.map(\.promptTokensMean) == [41, 92])
        #expect(turns.map(\.cachedTokensMean) == [8, 48])
        #expect(turns.map(\.prefilledTokensMean) == [33, 44])
        #expect(abs(turns[1].ttftMillisecondsMean - 200) < 1e-6)
    }

    @Test func rejectsBadPrefixCachingAndTurns() throws {
        for arguments in [["--prefix-caching", "maybe"], ["--turns", "0"], ["--turns", "33"]] {
            #expect(throws: (any Error).self, "\(arguments)") { _ = try BenchServeCPUCommand.parse(arguments) }
        }
        #expect(try BenchServeCPUCommand.parse(["--prefix-caching", "both"]).prefixCachingSettings == [false, true])
        #expect(try BenchServeCPUCommand.parse([]).prefixCachingSettings == [true])
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
