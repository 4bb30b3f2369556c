import ArgumentParser
import Foundation
import JITServeRouter
import JITServeSetup
import JITServeSimulation

/// How a trace replay runs beyond the engine: replicas, the router in front of them, and how
/// long it may drain.
struct ReplayOptions: ParsableArguments {
    @Option(help: "Seconds after the arrival window that requests may still finish.")
    var drain = 600.0

    @Option(help: "Replicas behind the router.")
    var replicas = 1

    @Option(help: ArgumentHelp(
        "Router in front of the replicas: \(RouterCatalog.names.joined(separator: ", ")) (default \(RouterCatalog.defaultName), a workflow's calls on one replica). `bench` takes a comma-separated list: every router with every scheduler.",
        valueName: "name"))
    var router: String?

    @Option(help: "Seconds between the router's scrapes of each replica's /metrics; between scrapes it counts its own picks (0: a fresh view at every arrival).")
    var scrapeInterval = 0.0

    func validate() throws {
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        guard replicas >= 1 else { throw ValidationError("--replicas must be at least 1") }
        guard scrapeInterval >= 0, scrapeInterval.isFinite else {
            throw ValidationError("--scrape-interval must be a non-negative number of seconds")
        }
        if let router { _ = try CommaList.validated(router, option: "--router", among: RouterCatalog.names) }
    }

    /// The simulator's options for `replicas` replicas behind `router` (nil: the default),
    /// its router made as every world makes one.
    func simulatorOptions(
        replicas: Int, router: String?, lengths: LengthEstimatorSettings, progress: (@Sendable (Double) -> Void)? = nil
    ) throws -> Simulator.Options {
        try Self.simulatorOptions(
            drain: drain, scrapeInterval: scrapeInterval, replicas: replicas, router: router, lengths: lengths,
            progress: progress)
    }

    /// The one way every command sets up a replay's replicas and router.
    static func simulatorOptions(
        drain: Double, scrapeInterval: Double, replicas: Int, router: String?, lengths: LengthEstimatorSettings,
        progress: (@Sendable (Double) -> Void)? = nil
    ) throws -> Simulator.Options {
        // The simulator tells the router when each workflow ends, so none need expire.
        let made = try router.map { try RouterBuilder(name: $0, lengths: lengths).makeRouter(ledger: RoutingLedger(workflowExpiry: nil)) }
        return Simulator.Options(
            drainLimit: .seconds(drain), replicaCount: replicas, router: made, scrapeInterval: .seconds(scrapeInterval),
            progress: progress)
    }

    /// The routers named (empty: the default, unnamed).
    func routerNames() -> [String] {
        router.map(CommaList.items) ?? []
    }
}
