import JITServeEngine
import JITServeHTTP
import JITServeSimulation
import Testing

@testable import jitserve

/// `serve` and `simulate` must run the same JITServe (DESIGN §2): the same scheduler, told the
/// same predictors with the same settings, behind the same admission control. Fails if either
/// command's wiring drifts.
@Suite struct WiringTests {
    func servedWiring(_ arguments: [String]) throws -> String {
        // The served model is part of the calibration key: serve the model the simulation models.
        let command = try ServeCommand.parseAsRoot(["--executor", "echo", "--model", "llama-3.1-8b"] + arguments) as! ServeCommand
        let backend = try command.makeBackend(metrics: ServerMetrics(modelName: "echo"))
        defer { Task { await backend.engine.shutdown(grace: .zero) } }
        return backend.engine.wiring.description
    }

    func simulatedWiring(_ arguments: [String]) throws -> String {
        let command = try SimulateCommand.parseAsRoot(["--duration", "5", "--quiet"] + arguments) as! SimulateCommand
        let builder = try command.engineBuilder()
        return try command.makeSimulator(builder: builder).engineWiring.description
    }

    @Test(arguments: ["jitserve", "sjf", "jitserve-no-grouping"])
    func servedAndSimulatedPoliciesAreWiredAlike(policy: String) throws {
        let served = try servedWiring(["--scheduler", policy])
        let simulated = try simulatedWiring(["--scheduler", policy])
        #expect(served == simulated)
    }

    @Test func theServersDefaultIsJITServeWithTheAnalyzer() throws {
        let served = try servedWiring([])
        #expect(served == (try simulatedWiring(["--scheduler", "jitserve"])))
        #expect(served.contains("GMAXScheduler") && served.contains("ApplicationLengthPredictor"))
        #expect(served.contains("QRFLengthPredictor") && served.contains("WorkflowPatternAnalyzer"))
    }

    @Test(arguments: [[], ["--admission", "basic"], ["--admission", "basic", "--max-waiting", "7"], ["--admission", "predictive", "--max-waiting", "64"]])
    func servedAndSimulatedAdmissionAreWiredAlike(options: [String]) throws {
        let served = try servedWiring(options)
        #expect(served == (try simulatedWiring(options)))
        let expected = options.isEmpty ? "admission off" : "maxWaitingRequests=\(options.last.flatMap(Int.init) ?? Int.max)"
        #expect(served.contains(expected))
        if !options.isEmpty {
            #expect(served.contains("predictsQueueingDelay=\(options.contains("predictive"))"))
        }
    }

    /// `bench` (the paper recipe) and `bench matrix` have the same default as serve (off) and
    /// take the same spellings to turn a rule on.
    @Test func benchAndMatrixShedAsServeDoes() throws {
        let basic = AdmissionControl(maxWaitingRequests: AdmissionControl.defaultMaxWaitingRequests)
        let bench = try BenchPaperCommand.parseAsRoot([]) as! BenchPaperCommand
        #expect(bench.engineConfiguration().admission == nil)
        let benchBasic = try BenchPaperCommand.parseAsRoot(["--admission", "basic"]) as! BenchPaperCommand
        #expect(benchBasic.engineConfiguration().admission == basic)
        let cell = BenchmarkMatrix.quickCells[0]
        let matrix = try BenchMatrixCommand.parseAsRoot(["--quick"]) as! BenchMatrixCommand
        #expect(matrix.engine(for: cell).admission == nil)
        let matrixOff = try BenchMatrixCommand.parseAsRoot(["--quick", "--admission", "off", "--max-waiting", "9"]) as! BenchMatrixCommand
        #expect(matrixOff.engine(for: cell).admission == nil)
        let matrixCap = try BenchMatrixCommand.parseAsRoot(["--admission", "basic", "--max-waiting", "9"]) as! BenchMatrixCommand
        #expect(matrixCap.engine(for: cell).admission == AdmissionControl(maxWaitingRequests: 9))
        let predictive = try BenchPaperCommand.parseAsRoot(["--admission", "predictive"]) as! BenchPaperCommand
        #expect(predictive.engineConfiguration().admission == AdmissionControl(maxWaitingRequests: .max, predictsQueueingDelay: true))
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--admission", "on"]) }
        #expect(throws: (any Error).self) { try ServeCommand.parseAsRoot(["--admission", "maybe"]) }
        #expect(throws: (any Error).self) { try SimulateCommand.parseAsRoot(["--max-waiting", "0"]) }
    }

    @Test func bothSpellingsOfTheEngineLimitsWork() throws {
        for spelling in [["--max-num-seqs", "7", "--max-num-batched-tokens", "99"], ["--max-running", "7", "--max-batched-tokens", "99"]] {
            let command = try SimulateCommand.parseAsRoot(spelling) as! SimulateCommand
            #expect(command.engine.configuration().maxRunning == 7)
            #expect(command.engine.configuration().maxBatchedTokens == 99)
        }
    }

    /// vLLM's spelling; on unless turned off, for every command sharing the engine options.
    @Test func prefixCachingIsOnByDefaultAndCanBeTurnedOff() throws {
        let serve = { (arguments: [String]) throws -> Bool in
            try ServeCommand.parse(arguments).engine.configuration().enablePrefixCaching
        }
        #expect(try serve([]) && serve(["--enable-prefix-caching"]))
        #expect(try !serve(["--no-enable-prefix-caching"]))
        let simulate = try SimulateCommand.parseAsRoot(["--no-enable-prefix-caching"]) as! SimulateCommand
        #expect(!simulate.engine.configuration().enablePrefixCaching)
    }
}
