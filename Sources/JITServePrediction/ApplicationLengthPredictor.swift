import JITServeCore

/// Learns each application's output lengths online and answers, for requests that carry no
/// prompt text, with the lengths that application's recent requests actually produced.
///
/// The shipped forest was grown on chat prompts. A request known only by its token count (a tool
/// call replayed from a trace, an agent's call) is answered by the token-count forest, which can
/// only say "chat-like": for an application whose answers are much shorter or longer that bound
/// is wrong every time, and a deadline request judged by it looks hopeless when it is not. Once
/// `minimumObserved` requests of an application have finished, its recent lengths (the last
/// `window`) are the better prior. Requests with text keep the forest: it reads the prompt.
public struct ApplicationLengthPredictor: OutputLengthPredictor {
    public var name: String { base.name + "+app" }
    public private(set) var base: any OutputLengthPredictor
    /// Most recent lengths kept per application.
    public let window: Int
    /// Finished requests of an application before its own lengths are used.
    public let minimumObserved: Int
    /// Observations between rebuilds of an application's distribution (a sort of `window`).
    public let rebuildEvery: Int

    private var recent: [String: [Int]] = [:]
    private var nextSlot: [String: Int] = [:]
    private var sinceRebuild: [String: Int] = [:]
    private var learned: [String: LengthDistribution] = [:]

    public init(base: any OutputLengthPredictor, window: Int = 512, minimumObserved: Int = 32, rebuildEvery: Int = 32) {
        self.base = base
        self.window = max(1, window)
        self.minimumObserved = max(1, minimumObserved)
        self.rebuildEvery = max(1, rebuildEvery)
    }

    /// The learned distribution of `application`, nil until enough of its requests finished.
    public func learnedDistribution(application: String) -> LengthDistribution? { learned[application] }

    public func distribution(for request: Request) -> LengthDistribution {
        if request.promptText?.isEmpty ?? true, let app = request.application, let lengths = learned[app] {
            return lengths.capped(at: request.maxOutputTokens)
        }
        return base.distribution(for: request)
    }

    public mutating func observe(_ request: Request, outputTokenCount: Int) {
        base.observe(request, outputTokenCount: outputTokenCount)
        guard let app = request.application, outputTokenCount > 0 else { return }
        var lengths = recent[app, default: []]
        if lengths.count < window {
            lengths.append(outputTokenCount)
        } else {
            let slot = nextSlot[app, default: 0]
            lengths[slot] = outputTokenCount
            nextSlot[app] = (slot + 1) % window
        }
        recent[app] = lengths
        let pending = sinceRebuild[app, default: 0] + 1
        if lengths.count >= minimumObserved && (learned[app] == nil || pending >= rebuildEvery) {
            learned[app] = LengthDistribution(samples: lengths)
            sinceRebuild[app] = 0
        } else {
            sinceRebuild[app] = pending
        }
    }
}
