import JITServeHTTP
import Testing

@testable import jitserve

/// `serve` and `simulate` must run the same JITServe (DESIGN §2): the same scheduler, told the
/// same predictors with the same settings. Fails if either command's wiring drifts.
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
