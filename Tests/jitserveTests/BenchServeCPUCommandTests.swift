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
        // TTFTs 500 ms and 500 ms; TPOTs (2.5-1.5)/9 s and (2.8-2)/4 s, whose median is their mean.
        #expect(abs(row.ttftMillisecondsP50 - 500) < 1e-9)
        #expect(abs(row.tpotMillisecondsP50 - (1000.0 / 9 + 200) / 2) < 1e-9)
    }

    @Test func medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        #expect(BenchServeCPUCommand.median([3, 1, 2]) == 2)
        #expect(BenchServeCPUCommand.median([4, 1, 3, 2]) == 2.5)
        #expect(BenchServeCPUCommand.median([]).isNaN)
    }

    /// Passes of the same stream count and cache setting are summarised together, in the order
    /// the rows first show them; a pass without a same-work figure adds nothing to that median.
    @Test func summaryTakesEachRatiosMedianOverThePasses() {
        func row(pass: Int, streams: Int, caching: Bool, served: Double, overKernel: Double, overSameWork: Double?) -> BenchServeCPUCommand.Row {
            var row = BenchServeCPUCommand.row(streams: streams, prefixCaching: caching, kernel: [1], results: [])
            row.pass = pass
            row.servedTokensPerSecond = served
            row.servedOverKernel = overKernel
            row.servedOverSameWork = overSameWork
            return row
        }
        let rows = [
            row(pass: 1, streams: 4, caching: true, served: 500, overKernel: 0.80, overSameWork: 0.90),
            row(pass: 1, streams: 16, caching: true, served: 700, overKernel: 0.85, overSameWork: 1.00),
            row(pass: 2, streams: 4, caching: true, served: 600, overKernel: 0.95, overSameWork: nil),
            row(pass: 2, streams: 16, caching: true, served: 760, overKernel: 0.75, overSameWork: 0.94),
            row(pass: 3, streams: 4, caching: true, served: 550, overKernel: 0.90, overSameWork: 0.96),
            row(pass: 3, streams: 16, caching: true, served: 720, overKernel: 0.90, overSameWork: 0.92),
        ]
        let summary = BenchServeCPUCommand.summary(rows)
        #expect(summary.map(\.streams) == [4, 16])
        #expect(summary[0].servedOverKernel == [0.80, 0.95, 0.90])
        #expect(summary[0].servedOverKernelMedian == 0.90)
        #expect(abs(summary[0].servedOverSameWorkMedian - 0.93) < 1e-12)
        #expect(summary[0].servedTokensPerSecondMedian == 550)
        #expect(summary[1].servedOverKernelMedian == 0.85)
        #expect(summary[1].servedOverSameWorkMedian == 0.94)
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
        for arguments in [["--prefix-caching", "maybe"], ["--turns", "0"], ["--turns", "33"], ["--repeats", "0"], ["--repeats", "21"]] {
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
