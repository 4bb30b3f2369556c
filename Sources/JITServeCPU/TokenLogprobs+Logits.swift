import Foundation
import JITServeEngine

extension TokenLogprobs {
    /// `chosen`'s log-softmax over `logits` and the `top` largest, computed only for requests
    /// that ask (one pass for the log-sum-exp, one for the top entries).
    public init(_ logits: UnsafeBufferPointer<Float>, chosen: Int32, top: Int) {
        let largest = Kernels.argmax(logits)
        let maximum = largest < 0 ? -Float.infinity : logits[largest]
        var sum: Double = 0
        var index = 0
        if let base = logits.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= logits.count {
                let lanes = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) - maximum
                sum += Double(Kernels.exp(lanes).sum())
                index += 8
            }
        }
        while index < logits.count {
            sum += Double(Kernels.exp(SIMD8(repeating: logits[index] - maximum))[0])
            index += 1
        }
        let logSum = maximum + Float(Foundation.log(sum))
        var best: [Candidate] = []
        if top > 0 {
            // Insertion into a short sorted list: k is at most 20.
            for (token, value) in logits.enumerated() {
                if best.count == top, let last = best.last, value <= last.logprob { continue }
                let entry = Candidate(tokenID: Int32(token), logprob: value)
                let at = best.firstIndex { value > $0.logprob } ?? best.count
                best.insert(entry, at: at)
                if best.count > top { best.removeLast() }
            }
            for i in best.indices { best[i].logprob -= logSum }
        }
        let chosenLogit = logits.indices.contains(Int(chosen)) ? logits[Int(chosen)] : -Float.infinity
        self.init(logprob: chosenLogit - logSum, top: best)
    }
}
