import JITServeEngine
import JITServeSetup
import JITServeSimulation

extension EngineBuilder {
    /// The engine of one simulated replica, built as every engine is; an oracle policy is told
    /// the plan's true lengths and workflow shapes.
    func makeReplayEngine(executor: any TraceReplayExecutor, plan: WorkloadPlan) throws -> EngineCore {
        try makeEngine(executor: executor, oracle: {
            OracleKnowledge(lengths: OracleLengthPredictor(plan: plan), workflows: OracleWorkflowPredictor(plan: plan))
        })
    }
}
