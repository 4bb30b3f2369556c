import JITServePrediction
import JITServeRouter

/// The one place where a router name becomes a router, for every world that runs one — the
/// simulator's replicas (`simulate`, `bench`) and `jitserve route` alike — told what the
/// schedulers are told: a fresh length estimator of the same settings (it learns from the
/// requests this router sees finish) and, for `jitserve`, the workflow pattern analyzer.
public struct RouterBuilder: Sendable {
    public let name: String
    public let lengths: LengthEstimatorSettings

    /// - Throws: `RouterError.unknownRouter` for a name `RouterCatalog` lacks.
    public init(name: String, lengths: LengthEstimatorSettings) throws {
        _ = try RouterCatalog.make(name)
        self.name = name
        self.lengths = lengths
    }

    /// A fresh router (each run or picker process its own: routers learn as they go).
    public func makeRouter(ledger: RoutingLedger = RoutingLedger()) -> any Router {
        // The name was checked in init.
        try! RouterCatalog.make(name, lengths: lengths.makeEstimator(), ledger: ledger)
    }
}
