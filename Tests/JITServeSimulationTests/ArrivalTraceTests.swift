import JITServeCore
import JITServeSimulation
import Testing

@Suite struct ArrivalTraceTests {
    @Test func azureTimestampsBecomeSecondsFromTheFirstRow() throws {
        let text = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:17:03.9799600,4808,10
            2023-11-16 18:17:04.0319600,3180,8
            2023-11-16 18:18:03.4799600,100,1
            2023-11-17 00:00:00,7,2
            """
        let trace = try ArrivalTrace.parse(text, source: "inline.csv")
        #expect(trace.entries.count == 4)
        #expect(trace.entries[0].arrivedAt.seconds == 0)
        #expect(abs(trace.entries[1].arrivedAt.seconds - 0.052) < 1e-9)
        #expect(abs(trace.entries[2].arrivedAt.seconds - 59.5) < 1e-9)
        // Across midnight: 5 h 42 min 56.02004 s after the first row.
        #expect(abs(trace.entries[3].arrivedAt.seconds - (5 * 3600 + 42 * 60 + 56.02004)) < 1e-6)
        #expect(trace.entries[0].promptTokenCount == 4808)
        #expect(trace.entries[1].outputTokenCount == 8)
    }

    @Test func vidurRowsAreShiftedToStartAtZero() throws {
        let text = "arrived_at,num_prefill_tokens,num_decode_tokens\n2.5,374,44\r\n6.75,396,109\n\n"
        let trace = try ArrivalTrace.parse(text, source: "vidur.csv")
        #expect(trace.entries.map(\.arrivedAt.seconds) == [0, 4.25])
        #expect(trace.entries.map(\.promptTokenCount) == [374, 396])
        #expect(trace.span == .seconds(4.25))
    }

    @Test func lengthOnlyRowsKeepFileOrderWithoutArrivalTimes() throws {
        let text = "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n3772,54,3826,69.8\n74,918,992,0.08\n9,0,9,0\n"
        let trace = try ArrivalTrace.parse(text, source: "stats.csv")
        #expect(!trace.hasArrivalTimes)
        #expect(trace.entries.map(\.promptTokenCount) == [3772, 74])
        #expect(trace.entries.map(\.outputTokenCount) == [54, 918])
        #expect(trace.skippedRowCount == 1)
        #expect(try ArrivalTrace.parse("arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n", source: "v.csv")
            .hasArrivalTimes)
    }

    @Test func zeroLengthRowsAreSkippedAndCounted() throws {
        let text = "arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,0\n1,10,5\n2,0,5\n"
        let trace = try ArrivalTrace.parse(text, source: "t.csv")
        #expect(trace.entries.count == 1)
        #expect(trace.skippedRowCount == 2)
        // The replay says so, naming the file, rather than leaving them out silently.
        let workload = try TraceReplay(
            name: "t.csv", trace: trace, sloKind: .latency, application: "trace", rate: nil, duration: nil, seed: 1
        ).make()
        #expect(workload.requests.count == 1)
        #expect(workload.notes.count == 1 && workload.notes[0].contains("t.csv") && workload.notes[0].contains("2 row"))
        let whole = try ArrivalTrace.parse("arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,3\n", source: "u.csv")
        #expect(try TraceReplay(
            name: "u.csv", trace: whole, sloKind: .latency, application: "trace", rate: nil, duration: nil, seed: 1
        ).make().notes.isEmpty)
    }

    @Test(arguments: [
        ("2023-11-16 18:17:03.9,10,5\n2023-11-16 18:17:0x.1,10,5", 3),
        ("2023-11-16 18:17:03.9,10,5\n2023-11-16 18:17:04.1,ten,5", 3),
        ("2023-11-16 18:17:03.9,10,5\n\n2023-11-16 18:17:04.1,10,-5", 4),
        ("2023-11-16 18:17:03.9,10\n", 2),
        ("2023-13-16 18:17:03.9,10,5", 2),
        ("2023-11-16 18:17:03.9,10,5,7", 2),
        ("2023-11-16 18:17:03.9,99999999999999999999999,5", 2),
    ])
    func malformedAzureRowsNameTheirLine(body: String, line: Int) {
        let text = "TIMESTAMP,ContextTokens,GeneratedTokens\n" + body
        #expect(malformedLine { _ = try ArrivalTrace.parse(text, source: "bad.csv") } == line)
    }

    @Test func malformedRowMessageNamesFileLineAndColumn() {
        let text = "arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n-3,5,5\n"
        do {
            _ = try ArrivalTrace.parse(text, source: "neg.csv")
            Issue.record("a negative arrival time was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("neg.csv:3:"))
            #expect(message.contains("arrived_at"))
        }
    }

    @Test func unknownHeadersAndMissingColumnsAreRefused() {
        #expect(throws: SimulationError.unknownTraceSchema(file: "x.csv", header: "a,b,c")) {
            try ArrivalTrace.parse("a,b,c\n1,2,3\n", source: "x.csv")
        }
        #expect(throws: SimulationError.missingColumn(
            file: "y.csv", column: "GeneratedTokens", header: "TIMESTAMP,ContextTokens")) {
            try ArrivalTrace.parse("TIMESTAMP,ContextTokens\n2023-11-16 18:17:03,5\n", source: "y.csv")
        }
        #expect(throws: SimulationError.emptyFile(path: "z.csv")) {
            try ArrivalTrace.parse("", source: "z.csv")
        }
        #expect(throws: SimulationError.emptyFile(path: "l.csv")) {
            try ArrivalTrace.parse("num_prefill_tokens,num_decode_tokens\n5,0\n", source: "l.csv")
        }
        #expect(throws: SimulationError.emptyFile(path: "h.csv")) {
            try ArrivalTrace.parse("arrived_at,num_prefill_tokens,num_decode_tokens\n", source: "h.csv")
        }
    }

    @Test func missingFileIsAnUnreadableFileError() {
        #expect(throws: SimulationError.unreadableFile(path: "/nonexistent/trace.csv", reason: "no such file")) {
            try ArrivalTrace.load(path: "/nonexistent/trace.csv")
        }
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func azureAndVidurCopiesOfTheConvTraceAgree() throws {
        let azure = try ArrivalTrace.load(path: SharedData.path("azure2023/AzureLLMInferenceTrace_conv.csv"))
        let vidur = try ArrivalTrace.load(path: SharedData.path("vidur/processed_traces/splitwise_conv.csv"))
        #expect(azure.entries.count == 19_366)
        #expect(vidur.entries.count == azure.entries.count)
        #expect(azure.entries.map(\.promptTokenCount) == vidur.entries.map(\.promptTokenCount))
        #expect(azure.entries.map(\.outputTokenCount) == vidur.entries.map(\.outputTokenCount))
        let worst = zip(azure.entries, vidur.entries).map { abs($0.arrivedAt.seconds - $1.arrivedAt.seconds) }.max()!
        #expect(worst < 1e-3)
    }
}
