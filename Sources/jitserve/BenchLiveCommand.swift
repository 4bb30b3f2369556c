import ArgumentParser
import Foundation
import JITServeCore
import JITServeHTTPClient
import JITServeLoad
import JITServeSimulation

/// `jitserve bench live --url URL`: replays a workload against a running OpenAI-compatible
/// server and measures goodput on the client, with the simulator's accounting.
struct BenchLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Replay a workload against any OpenAI-compatible server over HTTP and measure goodput on the client.",
        discussion: """
            Builds the same workload `simulate --workload W --rps R --duration D --seed S` builds and \
            sends it in real time: one concurrent POST /v1/completions per call, latency requests \
            streamed (SSE) with x-slo-ttft-ms/x-slo-tpot-ms, deadline requests with x-slo-deadline-ms \
            and workflow calls with x-workflow-id/-stage/-final awaited whole, each workflow stage \
            sent once the stage before has answered. Token times are taken as bytes arrive; goodput, \
            attainment and latency percentiles are computed as `simulate` computes them. \
            Prompts are real text (held-out ShareGPT) of each request's length in the server's own \
            tokens (through its /tokenize endpoint; text-less requests as token IDs). Output \
            lengths: on a jitserve, replay_output_tokens ends each answer at the trace's length \
            without telling the scheduler (max_tokens stays the workload's cap); elsewhere \
            max_tokens = the trace's length with ignore_eos. Progress goes to stderr.
            """
    )

    @Option(help: "The server, http://host:port (a path prefix is kept).")
    var url: String
    @OptionGroup var workload: WorkloadOptions
    @Option(help: """
        trace: the trace's timestamps rescaled to --rps (its bursts kept); poisson: a constant-rate Poisson \
        process at --rps over --duration, each arrival a request drawn from the whole trace (a soak that stays below capacity).
        """)
    var arrivals: String = ArrivalPattern.trace.rawValue
    @Option(help: "Multiply every prompt and output length by this (e.g. 0.1 for a small CPU model).")
    var scaleLengths = 1.0
    @Option(help: "Model name to send (default: the first /v1/models lists).")
    var model: String?
    @Option(help: "Bearer token (also read from JITSERVE_API_KEY, then OPENAI_API_KEY).")
    var apiKey: String?
    @Option(help: "How output lengths are forced: auto (replay on a jitserve, else max-tokens), replay, max-tokens.")
    var lengthForcing = "auto"
    @Option(help: "Seconds after the arrival window that calls may still finish; the rest are cancelled.")
    var drain = 600.0
    @Option(help: "Seconds one call may take (default: no limit but the drain).")
    var requestTimeout: Double?
    @Option(help: "Name of the policy in the figures (default: the one a jitserve reports, else the model).")
    var label: String?
    @Option(help: "Write one JSON line per request (schema in the README) to this file.")
    var requestsOut: String?
    @Option(help: "Write an HTML report with SVG plots and summary.json into this directory.")
    var report: String?
    @OptionGroup var output: OutputOptions
    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        _ = try parsedURL()
        guard scaleLengths > 0, scaleLengths <= 100, scaleLengths.isFinite else {
            throw ValidationError("--scale-lengths must be in (0, 100], got \(scaleLengths)")
        }
        guard lengthForcing == "auto" || LengthForcing(rawValue: lengthForcing) != nil else {
            throw ValidationError("--length-forcing must be auto, replay or max-tokens, got '\(lengthForcing)'")
        }
        guard let pattern = ArrivalPattern(rawValue: arrivals) else {
            throw ValidationError("--arrivals must be trace or poisson, got '\(arrivals)'")
        }
        if pattern == .poisson, workload.rps == nil || workload.duration == nil {
            throw ValidationError("--arrivals poisson needs --rps and --duration")
        }
        guard drain >= 0 else { throw ValidationError("--drain must not be negative") }
        if let requestTimeout, !(requestTimeout > 0) { throw ValidationError("--request-timeout must be positive") }
    }

    /// The workload as `simulate` builds it, or (poisson) all of its requests re-timed at one rate.
    func makeWorkload() throws -> Workload {
        guard ArrivalPattern(rawValue: arrivals) == .poisson, let rps = workload.rps, let duration = workload.duration else {
            return try workload.make()
        }
        // The whole trace, so that the window's arrivals draw on all of its lengths before any repeat.
        let whole = try WorkloadCatalog.make(name: workload.workload, rps: nil, duration: nil, seed: workload.seed)
        return try whole.poissonArrivals(rate: rps, duration: .milliseconds(Int64(duration * 1000)), seed: workload.seed)
    }

    func parsedURL() throws -> ServerURL {
        do {
            return try ServerURL(parsing: url)
        } catch {
            throw ValidationError("--url: \(error)")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let key = apiKey ?? environment["JITSERVE_API_KEY"] ?? environment["OPENAI_API_KEY"]
        let built = try makeWorkload().scalingLengths(by: scaleLengths)
        // Opened first: a path that cannot be written fails before the run, not after it.
        let requestLog = try requestsOut.map { try RequestLogFile(path: $0) }
        let client = NIOHTTPClient()
        do {
            let summary = try await replay(built, client: client, apiKey: key, requestLog: requestLog)
            await client.shutdown()
            try requestLog?.finish()
            print(summary.table())
            try output.write(summary)
            if let report {
                try summary.writeReport(to: report)
                Console.error("bench live: report written to \(report)/index.html")
            }
        } catch {
            requestLog?.abandon()
            await client.shutdown()
            throw error
        }
    }

    @Sendable static func showProgress(_ p: LiveReplay.Progress) {
        let inFlight = p.sent - p.finished
        Console.progress(String(
            format: "bench live: %.0f s of %.0f s window · %d sent · %d done · %d in flight · %d errors (%d shed)   ",
            p.elapsedSeconds, p.windowSeconds, p.sent, p.finished, inFlight, p.errors, p.shed))
    }

    private func replay(
        _ built: Workload, client: NIOHTTPClient, apiKey: String?, requestLog: RequestLogFile?
    ) async throws -> LiveBenchSummary {
        let profile = try await ServerProfile.discover(url: try parsedURL(), client: client, model: model, apiKey: apiKey)
        let tokenizer = await ServerTokenizer.probe(profile: profile, client: client)
        if tokenizer == nil {
            Console.error("bench live: \(profile.url) has no tokenize endpoint; prompt lengths are estimated at 4 characters a token")
        }
        let prompts = try await PromptFactory.make(texts: try PaperMixSources.bundled().chatPrompts.map(\.text), tokenizer: tokenizer)
        let quiet = self.quiet
        let replay = LiveReplay(
            workload: built, profile: profile, client: client, prompts: prompts,
            options: .init(
                forcing: LengthForcing(rawValue: lengthForcing), drain: .milliseconds(Int64(drain * 1000)),
                requestTimeout: requestTimeout.map { .milliseconds(Int64($0 * 1000)) }, lengthScale: scaleLengths,
                runTag: "bench-\(UInt32.random(in: .min ... .max))",
                progress: quiet ? nil : Self.showProgress))
        if !quiet {
            let window = Int(built.duration.seconds)
            let target = "\(profile.model) at \(profile.url.description)"
            Console.error("bench live: \(built.name), \(built.callCount) calls over \(window) s → \(target) (lengths forced by \(replay.forcing.rawValue))")
        }
        let prepared = try await replay.preparePrompts()
        let result = await replay.run(prepared: prepared)
        if !quiet { Console.error("") }
        let name = label ?? profile.policyName ?? profile.model
        try requestLog?.append(
            records: result.records,
            run: RequestLog.Run(scheduler: name, workload: built.name, rps: workload.rps, seed: workload.seed),
            workflowCallCounts: result.workflowCallCounts, window: built.duration)
        return LiveBenchSummary(
            result: result, replay: replay, label: name, rps: workload.rps, seed: workload.seed, lengthScale: scaleLengths)
    }
}
