import Foundation
import JITServeCore

/// Learns each application's output lengths online and answers, for requests that carry no
/// prompt text, with the lengths its recent requests of similar prompt length produced.
///
/// The shipped forest was grown on chat prompts. A request known only by its token count (a tool
/// call replayed from a trace, an agent's call) is answered by the token-count forest, which can
/// only say "chat-like": for an application whose answers are much shorter or longer that bound
/// is wrong every time, and a deadline request judged by it looks hopeless when it is not. Once
/// `minimumObserved` requests of an application have finished, the `neighbourCount` of its last
/// `window` whose prompt lengths are nearest (on a log scale) are the better prior. Requests with
/// text keep the forest: it reads the prompt.
public struct ApplicationLengthPredictor: OutputLengthPredictor {
    public var name: String { base.name + "+app" }
    public private(set) var base: any OutputLengthPredictor
    /// Most recent finished requests kept per application.
    public let window: Int
    /// Finished requests of an application before its own lengths are used.
    public let minimumObserved: Int
    /// Observations of nearest prompt length that make one estimate.
    public let neighbourCount: Int

    /// One application's recent (prompt, output) lengths: in arrival order for eviction, and
    /// sorted by prompt length for the neighbour search.
    struct History: Sendable {
        var arrivalOrder: [(prompt: Int, output: Int)] = []
        var oldest = 0
        var byPrompt: [(prompt: Int, output: Int)] = []

        mutating func insert(_ pair: (prompt: Int, output: Int), window: Int) {
            if arrivalOrder.count < window {
                arrivalOrder.append(pair)
            } else {
                let evicted = arrivalOrder[oldest]
                arrivalOrder[oldest] = pair
                oldest = (oldest + 1) % window
                var i = position(of: evicted.prompt)
                while byPrompt[i] != evicted { i += 1 }
                byPrompt.remove(at: i)
            }
            byPrompt.insert(pair, at: position(of: pair.prompt))
        }

        /// First index whose prompt length is ≥ `prompt`.
        func position(of prompt: Int) -> Int {
            var lo = 0, hi = byPrompt.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if byPrompt[mid].prompt < prompt { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        /// Outputs of the `count` observations whose prompt lengths are nearest `prompt`.
        func nearestOutputs(prompt: Int, count: Int) -> [Int] {
            let target = log(Double(max(1, prompt)))
            func distance(_ i: Int) -> Double { abs(log(Double(max(1, byPrompt[i].prompt))) - target) }
            var below = position(of: prompt) - 1, above = below + 1
            var outputs: [Int] = []
            outputs.reserveCapacity(count)
            while outputs.count < count && (below >= 0 || above < byPrompt.count) {
                if above >= byPrompt.count || (below >= 0 && distance(below) <= distance(above)) {
                    outputs.append(byPrompt[below].output)
                    below -= 1
                } else {
                    outputs.append(byPrompt[above].output)
                    above += 1
                }
            }
            return outputs
        }
    }

    private var histories: [String: History] = [:]

    public init(base: any OutputLengthPredictor, window: Int = 512, minimumObserved: Int = 32, neighbourCount: Int = 64) {
        self.base = base
        self.window = max(1, window)
        self.minimumObserved = max(1, minimumObserved)
        self.neighbourCount = max(1, neighbourCount)
    }

    public func distribution(for request: Request) -> LengthDistribution {
        if request.promptText?.isEmpty ?? true, let app = request.application,
           let history = histories[app], history.byPrompt.count >= minimumObserved {
            let outputs = history.nearestOutputs(prompt: request.promptTokenCount, count: neighbourCount)
            return LengthDistribution(samples: outputs).capped(at: request.maxOutputTokens)
        }
        return base.distribution(for: request)
    }

    public mutating func observe(_ request: Request, outputTokenCount: Int) {
        base.observe(request, outputTokenCount: outputTokenCount)
        guard let app = request.application, outputTokenCount > 0 else { return }
        histories[app, default: History()].insert((request.promptTokenCount, outputTokenCount), window: window)
    }
}
