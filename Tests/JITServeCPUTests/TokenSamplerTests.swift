import Foundation
import JITServeCPU
import JITServeCore
import Testing

struct TokenSamplerTests {
    let logits: [Float] = [0.1, 2.5, -1, 2.4, 0.3, 1.9, -3, 0]

    func sample(_ parameters: SamplingParameters, step: Int = 0, banned: Int32? = nil, id: UInt64 = 1) -> Int32 {
        let sampler = TokenSampler(parameters: parameters, requestID: RequestID(id))
        return logits.withUnsafeBufferPointer { sampler.sample($0, step: step, bannedToken: banned) }
    }

    @Test func greedyTakesTheArgmaxAndSkipsTheBannedToken() {
        #expect(sample(.greedy) == 1)
        #expect(sample(.greedy, banned: 1) == 3)
    }

    @Test func topKOfOneAndTinyTopPAreGreedy() {
        for step in 0..<20 {
            #expect(sample(SamplingParameters(temperature: 1.5, topK: 1), step: step) == 1)
            #expect(sample(SamplingParameters(temperature: 1.5, topP: 0.01), step: step) == 1)
        }
    }

    @Test func topKLimitsTheCandidates() {
        var seen = Set<Int32>()
        for step in 0..<200 { seen.insert(sample(SamplingParameters(temperature: 5, topK: 3), step: step)) }
        #expect(seen == [1, 3, 5])
    }

    @Test func sameSeedSameDrawsAcrossRequests() {
        let parameters = SamplingParameters(temperature: 2, seed: 42)
        let first = (0..<50).map { sample(parameters, step: $0, id: 1) }
        let second = (0..<50).map { sample(parameters, step: $0, id: 99) }
        #expect(first == second)
        #expect(Set(first).count > 1)
        let unseeded = SamplingParameters(temperature: 2)
        let a = (0..<50).map { sample(unseeded, step: $0, id: 1) }
        let b = (0..<50).map { sample(unseeded, step: $0, id: 2) }
        #expect(a != b)
    }

    @Test func frequenciesFollowTheSoftmax() {
        // Temperature 1 over two tokens with logits 0 and ln 3: expect about 3:1.
        let pair: [Float] = [0, Float(Foundation.log(3.0))]
        let sampler = TokenSampler(parameters: SamplingParameters(temperature: 1, seed: 7), requestID: RequestID(1))
        var ones = 0
        for step in 0..<4000 where pair.withUnsafeBufferPointer({ sampler.sample($0, step: step) }) == 1 {
            ones += 1
        }
        #expect(ones > 2800 && ones < 3200)
    }

    @Test func drawsOverALargeVocabularyStayInTheNucleusAndFollowIt() {
        // 1,001 logits: the vector passes, the block skipping and the cut's buckets all run,
        // which the eight-token cases above do not reach.
        var generator = SplitMix64(seed: 3)
        let large = (0..<1001).map { _ in generator.uniform(-6, 2) }
        let probabilities = large.map { Foundation.exp(Double($0)) }
        let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        let total = probabilities.reduce(0, +)
        var nucleus: [Int] = []
        var mass = 0.0
        for token in ranked where mass < 0.5 * total {
            nucleus.append(token)
            mass += probabilities[token]
        }
        let sampler = TokenSampler(parameters: SamplingParameters(temperature: 1, topP: 0.5, seed: 9), requestID: RequestID(1))
        var counts: [Int: Int] = [:]
        let draws = 4000
        for step in 0..<draws {
            counts[Int(large.withUnsafeBufferPointer { sampler.sample($0, step: step) }), default: 0] += 1
        }
        #expect(Set(counts.keys).isSubset(of: Set(nucleus)))
        let top = ranked[0]
        let expected = probabilities[top] / mass
        let sigma = (expected * (1 - expected) / Double(draws)).squareRoot()
        #expect(abs(Double(counts[top, default: 0]) / Double(draws) - expected) < 4 * sigma)
        // Untruncated, every token can come up: about 1,001 distinct ones would need far more
        // draws, but well beyond the nucleus must.
        let open = TokenSampler(parameters: SamplingParameters(temperature: 1, seed: 9), requestID: RequestID(1))
        let seen = Set((0..<draws).map { step in large.withUnsafeBufferPointer { open.sample($0, step: step) } })
        #expect(seen.count > 2 * nucleus.count)
    }
}
