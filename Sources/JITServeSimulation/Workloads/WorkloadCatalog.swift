import Foundation
import JITServeCore

/// Builds a workload by its CLI name: `paper-mix`, `artifact`, `azure-conv`, `azure-code`, or the path of a
/// trace CSV (Azure 2023, vidur, or a length-only vidur/Sarathi stats file, detected from the header),
/// or a ServeGen client directory.
public enum WorkloadCatalog {
    /// The built-in names, in the order help text lists them.
    public static let names = ["paper-mix", "artifact", "azure-conv", "azure-code"]

    /// `paper-mix` without `--rps` / `--duration`. Half a workflow-inclusive arrival per second
    /// already asks about 19k prompt and 2.3k output tokens per second of one replica (MetaGPT
    /// calls dominate), so a sweep starts well below 1.
    public static let defaultPaperMixRate = 0.5
    public static let defaultPaperMixDuration = Duration.seconds(600)
    /// `artifact` without `--rps`: the low end of the reference artifact's 2–6 req/s sweep.
    public static let defaultArtifactRate = 2.0

    /// Whether `path` names something `make` replays from disk: a file (its schema is checked
    /// when read) or a ServeGen client directory.
    public static func isReplayablePath(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        return !isDirectory.boolValue || ServeGenPool.isPool(directory: path)
    }

    /// - Parameters:
    ///   - name: a built-in name or a trace file path.
    ///   - rps: arrivals per second. `paper-mix`: the Poisson rate (default 0.5). Traces: when given,
    ///     timestamps are rescaled to this mean rate; when nil, real timestamps. A length-only trace
    ///     needs it: its Poisson rate.
    ///   - duration: the arrival window. `paper-mix`: default 600 s. Traces: when nil, the whole
    ///     trace; otherwise the trace's requests that arrive in the window. A ServeGen client
    ///     directory: from its busiest window on, default one window (600 s).
    ///   - seed: seeds every random draw (tiers, samples, arrivals).
    ///   - traceSLO: the SLO kind of a trace file's requests (default `.latency`); the Azure
    ///     workloads fix it (conv: latency, code: deadline).
    public static func make(
        name: String, rps: Double? = nil, duration: Duration? = nil, seed: UInt64 = 0,
        traceSLO: SLOKind? = nil
    ) throws -> Workload {
        // Checked before any file is read, so a bad number is reported as such.
        try PaperMix.validate(rate: rps, duration: duration)
        switch name {
        case "paper-mix":
            return try PaperMix(
                rate: rps ?? defaultPaperMixRate, duration: duration ?? defaultPaperMixDuration, seed: seed,
                sources: .bundled()
            ).make()
        case "artifact":
            return try ArtifactMix(
                rate: rps ?? defaultArtifactRate, duration: duration ?? defaultPaperMixDuration, seed: seed,
                sources: .bundled()
            ).make()
        case "azure-conv":
            let trace = try ArrivalTrace.load(path: WorkloadResource.azureConv.path())
            return try TraceReplay(
                name: name, trace: trace, sloKind: .latency, application: "chat", rate: rps, duration: duration,
                seed: seed
            ).make()
        case "azure-code":
            let trace = try ArrivalTrace.load(path: WorkloadResource.azureCode.path())
            return try TraceReplay(
                name: name, trace: trace, sloKind: .deadline, application: "code", rate: rps, duration: duration,
                seed: seed
            ).make()
        default:
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), !isDirectory.boolValue {
                let trace = try ArrivalTrace.load(path: name)
                return try TraceReplay(
                    name: name, trace: trace, sloKind: traceSLO ?? .latency, application: "trace", rate: rps,
                    duration: duration, seed: seed
                ).make()
            }
            if isDirectory.boolValue, ServeGenPool.isPool(directory: name) {
                // A day of statistics: replay its peak, one window unless a duration is given.
                let pool = try ServeGenPool.load(directory: name)
                let span = duration?.seconds ?? Double(ServeGenPool.windowSeconds)
                let trace = pool.trace(seed: seed, start: pool.busiestWindowStart, duration: span)
                guard trace.entries.count >= 2 else { throw SimulationError.emptyFile(path: name) }
                return try TraceReplay(
                    name: name, trace: trace, sloKind: traceSLO ?? .latency, application: "trace", rate: rps,
                    duration: .seconds(span), seed: seed
                ).make()
            }
            // Something that looks like a path deserves "no such file", not a list of names.
            if name.contains("/") || name.hasSuffix(".csv") {
                _ = try readFileBytes(name)
            }
            throw SimulationError.unknownWorkload(name: name, valid: names)
        }
    }
}
