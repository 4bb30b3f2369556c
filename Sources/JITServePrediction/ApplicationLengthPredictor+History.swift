import Foundation

extension ApplicationLengthPredictor {
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
}
