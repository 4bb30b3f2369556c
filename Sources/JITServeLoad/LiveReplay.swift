import JITServeCore
import JITServeHTTPClient
import JITServeSimulation

/// Replays a workload against an OpenAI-compatible server in real time, with one concurrent
/// HTTP request per call, and measures goodput on the client with the simulator's accounting
/// (`GoodputAccountant`, the same workflow call counts).
///
/// Arrivals are sent at their offsets from the run's start. Latency requests stream; deadline
/// requests and workflow calls wait for the whole answer. A workflow sends each stage's calls
/// once every answer of the stage before has arrived (after the stage's `delayBefore`), as the
/// simulator releases them; calls of its last stage are marked final. A call answered with an
/// error still ends its stage, as a call the engine refuses does in the simulator. When the
/// arrival window plus `drain` has passed, calls still running are cancelled (their connections
/// close) and recorded unfinished; stages never sent are missing, and their workflows fail.
public final class LiveReplay: Sendable {
    public struct Options: Sendable {
        /// How output lengths are forced; nil picks `replay` for a jitserve, `maxTokens` otherwise.
        public var forcing: LengthForcing?
        /// How long after the arrival window calls may still finish.
        public var drain: Duration
        /// Limit on each call (nil: none but the drain limit).
        public var requestTimeout: Duration?
        /// The factor the workload's lengths were scaled by (output caps of workflow calls
        /// scale with it, as `Workload.scalingLengths` scales the others').
        public var lengthScale: Double
        /// Prefix of workflow names on the wire, unique per run so that runs against one
        /// server never share a workflow.
        public var runTag: String
        /// Called every `progressInterval` with the run's counts.
        public var progress: (@Sendable (Progress) -> Void)?
        public var progressInterval: Duration

        public init(
            forcing: LengthForcing? = nil, drain: Duration = .seconds(600), requestTimeout: Duration? = nil,
            lengthScale: Double = 1, runTag: String = "bench", progress: (@Sendable (Progress) -> Void)? = nil,
            progressInterval: Duration = .seconds(5)
        ) {
            self.forcing = forcing
            self.drain = drain
            self.requestTimeout = requestTimeout
            self.lengthScale = lengthScale
            self.runTag = runTag
            self.progress = progress
            self.progressInterval = progressInterval
        }
    }

    /// The run's counts so far, for a progress line.
    public struct Progress: Sendable {
        public var elapsedSeconds: Double
        public var windowSeconds: Double
        public var sent: Int
        public var finished: Int
        public var errors: Int
        /// Of `errors`, calls answered 429.
        public var shed: Int
    }

    public let workload: Workload
    public let plan: WorkloadPlan
    public let profile: ServerProfile
    let client: any StreamingHTTPClient
    let prompts: PromptFactory
    let options: Options

    /// - Parameter workload: What to replay, lengths already scaled.
    public init(
        workload: Workload, profile: ServerProfile, client: any StreamingHTTPClient, prompts: PromptFactory,
        options: Options = .init()
    ) {
        self.workload = workload
        plan = WorkloadPlan(workload)
        self.profile = profile
        self.client = client
        self.prompts = prompts
        self.options = options
    }

    /// How lengths are forced on this server.
    public var forcing: LengthForcing { options.forcing ?? (profile.isJITServe ? .replay : .maxTokens) }

    /// Prompts of the requests that carry text, made before the clock starts (fitting text to a
    /// token count asks the server's tokenizer several times).
    public func preparePrompts() async throws -> [RequestID: PromptPayload] {
        var prepared: [RequestID: PromptPayload] = [:]
        var cache: [String: PromptPayload] = [:]
        for traced in workload.requests {
            guard let text = traced.request.promptText, !text.isEmpty else { continue }
            let key = "\(traced.request.promptTokenCount)\u{0}\(text)"
            if let known = cache[key] {
                prepared[traced.request.id] = known
                continue
            }
            let payload = try await prompts.text(text, tokenCount: traced.request.promptTokenCount, seed: traced.request.id.rawValue)
            cache[key] = payload
            prepared[traced.request.id] = payload
        }
        return prepared
    }

    /// Runs the replay; returns when every call has ended or the drain limit has passed.
    public func run(prepared: [RequestID: PromptPayload]) async -> LiveReplayResult {
        let origin = ContinuousClock.now
        let run = Run(replay: self, origin: origin, prepared: prepared)
        let arrivals = workload.requests.map { ($0.request.arrivedAt, Arrival.request($0)) }
            + plan.workflows.map { ($0.traced.arrivedAt, Arrival.workflow($0)) }
        let ordered = arrivals.sorted { $0.0 < $1.0 }
        let stopAt = origin + workload.duration + options.drain
        await withTaskGroup(of: ChildKind.self) { group in
            group.addTask {
                try? await Task.sleep(until: stopAt)
                return .deadline
            }
            if let progress = options.progress {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.options.progressInterval)
                        progress(run.progress())
                    }
                    return .progress
                }
            }
            for (at, arrival) in ordered {
                try? await Task.sleep(until: origin + .seconds(at.seconds))
                group.addTask {
                    switch arrival {
                    case .request(let traced): await run.perform(run.call(for: traced))
                    case .workflow(let planned): await run.runWorkflow(planned)
                    }
                    return .work
                }
            }
            var pending = ordered.count
            while pending > 0, let kind = await group.next() {
                if kind == .deadline { break }
                if kind == .work { pending -= 1 }
            }
            group.cancelAll()
        }
        return run.result(wallSeconds: (ContinuousClock.now - origin).seconds)
    }

    enum Arrival: Sendable {
        case request(TracedRequest)
        case workflow(WorkloadPlan.PlannedWorkflow)
    }

    enum ChildKind: Sendable { case work, deadline, progress }
}
