@testable import JITServeCPU
import JITServeCore
import Testing

struct SamplingCutTests {
    /// The cut by its definition: sort every candidate (weight down, token up), take the first
    /// `topK`, then the shortest prefix whose running sum reaches `topP` of theirs.
    func reference(_ weights: [Float], floor: Float, topK: Int, topP: Double) -> Set<Int> {
        var ranked = weights.indices.filter { weights[$0] > floor }
        ranked.sort { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
        if topK > 0 { ranked = Array(ranked.prefix(topK)) }
        if topP < 1 {
            let target = Float(topP) * ranked.reduce(0) { $0 + weights[$1] }
            var cumulative: Float = 0
            var cut = 0
            while cut < ranked.count && (cut == 0 || cumulative < target) {
                cumulative += weights[ranked[cut]]
                cut += 1
            }
            ranked = Array(ranked.prefix(cut))
        }
        return Set(ranked)
    }

    func kept(_ weights: [Float], floor: Float, topK: Int, topP: Double) -> Set<Int> {
        var copy = weights
        return copy.withUnsafeMutableBufferPointer { buffer in
            let cut = SamplingCut(buffer, floor: floor, topK: topK, topP: topP)
            let mass = cut.zeroOthers(in: buffer)
            let sum = buffer.reduce(0, +)
            #expect(abs(mass - sum) <= 1e-5 * sum, "the kept mass it returns is what it kept")
            // Zeroing and `keeps` must agree.
            for index in buffer.indices {
                #expect((buffer[index] > 0) == (weights[index] > floor && cut.keeps(index, weight: weights[index])))
            }
            return Set(buffer.indices.filter { buffer[$0] > 0 })
        }
    }

    @Test func keepsWhatSortingEveryCandidateKeeps() {
        var generator = SplitMix64(seed: 17)
        for length in [5, 8, 100, 4099] {
            for trial in 0..<8 {
                // Peaked (a language model's usual shape) and flat distributions, with ties.
                let spread: Float = trial % 2 == 0 ? 12 : 2
                var weights = (0..<length).map { _ in Kernels.exp(SIMD8(repeating: -generator.uniform(0, spread)))[0] }
                for index in stride(from: 0, to: length, by: 7) { weights[index] = weights[0] }
                weights[Int(generator.next() % UInt64(length))] = 1
                let floor = weights.reduce(0, +) * 1e-9
                for (topK, topP) in [(0, 1.0), (1, 1.0), (40, 1.0), (0, 0.9), (0, 0.5), (0, 0.01), (40, 0.9), (3, 0.999)] {
                    #expect(
                        kept(weights, floor: floor, topK: topK, topP: topP)
                            == reference(weights, floor: floor, topK: topK, topP: topP),
                        "length \(length), trial \(trial), top-k \(topK), top-p \(topP)")
                }
            }
        }
    }

    @Test func theFloorAloneKeepsEveryWeightAboveIt() {
        let weights: [Float] = [1, 1e-12, 0.5, 0, 1e-10, 0.25, 0.25, 3e-9, 0.1]
        #expect(kept(weights, floor: 2e-9, topK: 0, topP: 1) == [0, 2, 5, 6, 7, 8])
    }
}
