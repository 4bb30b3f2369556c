import JITServeCore

/// What a workload asks of a server, per class: arrivals, calls, tokens, and for workflows how
/// many could meet their deadline even alone on an idle replica. For choosing a sweep's rates
/// and checking a derivation, not for scoring a run.
public struct WorkloadStatistics: Sendable {
    /// One class of arrivals: `latency` / `deadline` requests, or workflows by application.
    public struct Class: Sendable {
        public var name: String
        public var arrivals: Int
        public var calls: Int
        public var promptTokens: Int
        public var outputTokens: Int
        /// Workflows whose `idleCompletionEstimate()` is within their deadline (nil for requests).
        public var feasibleWhenIdle: Int?
    }

    public var name: String
    public var duration: Duration
    public var classes: [Class]

    public init(
        _ workload: Workload, prefillTokensPerSecond: Double = 10_000, decodeTime: Duration = .milliseconds(25)
    ) {
        name = workload.name
        duration = workload.duration
        var classes: [Class] = []
        for kind in [SLOKind.latency, .deadline] {
            let requests = workload.requests.filter { $0.request.kind == kind }
            guard !requests.isEmpty else { continue }
            classes.append(Class(
                name: kind.rawValue, arrivals: requests.count, calls: requests.count,
                promptTokens: requests.reduce(0) { $0 + $1.request.promptTokenCount },
                outputTokens: requests.reduce(0) { $0 + $1.outputTokenCount }, feasibleWhenIdle: nil))
        }
        let applications = workload.workflows.reduce(into: [String]()) {
            if !$0.contains($1.spec.application) { $0.append($1.spec.application) }
        }
        for application in applications {
            let workflows = workload.workflows.filter { $0.spec.application == application }
            classes.append(Class(
                name: "compound:\(application)", arrivals: workflows.count,
                calls: workflows.reduce(0) { $0 + $1.spec.callCount },
                promptTokens: workflows.reduce(0) { $0 + $1.spec.totalPromptTokenCount },
                outputTokens: workflows.reduce(0) { $0 + $1.spec.outputTokenCount },
                feasibleWhenIdle: workflows.filter {
                    $0.spec.idleCompletionEstimate(
                        prefillTokensPerSecond: prefillTokensPerSecond, decodeTime: decodeTime) <= $0.deadline
                }.count))
        }
        self.classes = classes
    }

    public var arrivals: Int { classes.reduce(0) { $0 + $1.arrivals } }
    public var calls: Int { classes.reduce(0) { $0 + $1.calls } }
    public var promptTokens: Int { classes.reduce(0) { $0 + $1.promptTokens } }
    public var outputTokens: Int { classes.reduce(0) { $0 + $1.outputTokens } }

    /// A fixed-width table, one row per class and a total.
    public func table() -> String {
        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let seconds = duration.seconds
        var lines = ["workload \(name): \(arrivals) arrivals over \(formatted(seconds)) s"
            + " (\(formatted(Double(arrivals) / seconds, digits: 3))/s)"]
        lines.append(pad("class", 18) + pad("arrivals", 10) + pad("calls", 9) + pad("prompt tok", 13)
            + pad("output tok", 12) + pad("prompt/s", 10) + pad("output/s", 10) + pad("idle-feasible", 15))
        let total = Class(name: "total", arrivals: arrivals, calls: calls, promptTokens: promptTokens,
                          outputTokens: outputTokens, feasibleWhenIdle: nil)
        for c in classes + [total] {
            lines.append(pad(c.name, 18) + pad("\(c.arrivals)", 10) + pad("\(c.calls)", 9)
                + pad("\(c.promptTokens)", 13) + pad("\(c.outputTokens)", 12)
                + pad(formatted(Double(c.promptTokens) / seconds), 10)
                + pad(formatted(Double(c.outputTokens) / seconds), 10)
                + pad(c.feasibleWhenIdle.map { "\($0)/\(c.arrivals)" } ?? "-", 15))
        }
        return lines.joined(separator: "\n")
    }

    private func formatted(_ value: Double, digits: Int = 1) -> String {
        let scale = Double((0..<digits).reduce(1) { r, _ in r * 10 })
        let rounded = (value * scale).rounded() / scale
        return "\(rounded)"
    }
}
