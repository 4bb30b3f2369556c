import Foundation
import JITServeCore

extension ApplicationLengthPredictor {
    /// One application's requests still running, with the tokens each had generated at its
    /// last reported milestone: right-censored lengths (each will be at least one longer).
    ///
    /// Why keep them: the neighbour estimate learns from finished requests, and under a queue
    /// the long ones finish last, so the finished window is biased short exactly when bounds
    /// matter most. Replaying 8B A100 · 256 · azure-code · ½× (a median of 176 in flight at
    /// each arrival), a q0.95 bound from the last finished calls covered 81 % of the next call.
    struct Running: Sendable {
        /// Per request: the log of its prompt length (what neighbours are measured by) and the
        /// tokens it had generated at its last milestone.
        private(set) var entries: [RequestID: (logPrompt: Double, generated: Int)] = [:]
        /// Requests kept at most; beyond it new ones are not tracked. Engines retire every
        /// request through `observe` or `forget`, so this only bounds a caller that does not.
        static let capacity = 1 << 14

        mutating func update(_ id: RequestID, prompt: Int, generated: Int) {
            guard entries[id] != nil || entries.count < Self.capacity else { return }
            entries[id] = (log(Double(max(1, prompt))), generated)
        }

        mutating func remove(_ id: RequestID) { entries[id] = nil }

        /// Generated counts of the running requests whose prompt length is within `radius`
        /// of `prompt` on a log scale.
        func censored(prompt: Int, radius: Double) -> [Int] {
            let target = log(Double(max(1, prompt)))
            var out: [Int] = []
            for e in entries.values where abs(e.logPrompt - target) <= radius {
                out.append(e.generated)
            }
            return out
        }
    }

    /// The Kaplan–Meier estimate of the length distribution from `finished` lengths and
    /// `censored` ones (requests still running after that many tokens: each will run at least
    /// one more), as weighted samples (see `RightCensoring`).
    static func censoredEstimate(finished: [Int], censored: [Int]) -> LengthDistribution {
        guard !censored.isEmpty else { return LengthDistribution(samples: finished) }
        let (lengths, weights) = RightCensoring.weighted(exact: finished.map { max(1, $0) }, censored: censored.map { $0 + 1 })
        return LengthDistribution(ascendingSamples: lengths, weights: weights)
    }
}
