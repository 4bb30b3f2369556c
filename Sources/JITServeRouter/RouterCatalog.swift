import JITServeCore
import JITServePrediction

/// Every routing policy by its CLI name (like `SchedulerCatalog`).
public enum RouterCatalog {
    /// Names in the order reports list them.
    public static let names = ["round-robin", "least-loaded", "gaie-default", "slo-headroom", "jitserve"]
    /// The simulator's default: what it did before routers were pluggable.
    public static let defaultName = "least-loaded"

    /// A fresh router.
    ///
    /// - Parameters:
    ///   - lengths: The output-length estimator, the same kind every non-oracle scheduler is
    ///     told (each router gets its own: it learns from the requests it routed). Read by
    ///     `slo-headroom` and `jitserve`.
    ///   - ledger: How the picker keeps its own record (assumed-load horizon, workflow expiry).
    /// - Throws: `RouterError.unknownRouter` for a name not listed.
    public static func make(
        _ name: String, lengths: (any OutputLengthPredictor)? = nil, ledger: RoutingLedger = RoutingLedger()
    ) throws(RouterError) -> any Router {
        switch name {
        case "round-robin": RoundRobinRouter()
        case "least-loaded": LeastLoadedRouter(ledger: ledger)
        case "gaie-default": GAIEDefaultRouter(ledger: ledger)
        case "slo-headroom": SLOHeadroomRouter(lengths: lengths, ledger: ledger)
        case "jitserve": GoodputRouter(lengths: lengths, workflows: WorkflowPatternAnalyzer(), ledger: ledger)
        default: throw .unknownRouter(name, valid: names)
        }
    }
}
