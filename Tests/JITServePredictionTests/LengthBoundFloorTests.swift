import Foundation
import JITServeCore
import JITServePrediction
import Testing

@Suite struct LengthBoundFloorTests {
    /// exp(μ + σZ) with Z standard normal, from a seeded stream: its q-quantile is exp(μ + σ·z_q).
    struct LogNormal {
        var mu: Double
        var sigma: Double
        var rng: SplitMix64

        mutating func value() -> Double {
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12)
            let u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return exp(mu + sigma * sqrt(-2 * log(u1)) * cos(2 * .pi * u2))
        }

        mutating func next() -> Int { max(1, Int(value().rounded())) }
    }

    /// z such that P(Z ≤ z) = 0.9.
    static let z90 = 1.2815515655446004

    @Test func constantFloorIsTheQuantileOfEachApplication() {
        // Two applications an order of magnitude apart: one bound for both would cover the
        // short one entirely and the long one barely; per application each covers 90 %.
        var short = LogNormal(mu: log(40), sigma: 0.8, rng: SplitMix64(seed: 1))
        var long = LogNormal(mu: log(400), sigma: 0.8, rng: SplitMix64(seed: 2))
        var truths: [Int] = [], apps: [String] = []
        for k in 0..<20_000 {
            let isShort = k % 2 == 0
            truths.append(isShort ? short.next() : long.next())
            apps.append(isShort ? "chat" : "summarise")
        }
        let floor = LengthBoundFloor.measure(truths: truths, applications: apps, quantile: 0.9)
        #expect(floor.rows == 20_000 && floor.stratified == nil)
        #expect(abs(floor.constant.coverage - 0.9) < 0.005)
        // Median of bound ÷ true is the 0.9-quantile over the median: exp(σ·z₀.₉) = 2.79 here,
        // the same for both applications; a pooled bound would give a far larger median.
        #expect(abs(floor.constant.medianRatio - exp(0.8 * Self.z90)) < 0.1)
    }

    @Test func strataByAPredictiveAnchorTightenTheFloor() {
        // The length is the anchor times log-normal noise (σ = 0.3): knowing the anchor, the
        // best bound is anchor · exp(0.3·z₀.₉), median ratio 1.47; without it, much looser.
        // Anchors of hundreds of tokens keep ties at the bound (which over-cover) rare.
        var noise = LogNormal(mu: 0, sigma: 0.3, rng: SplitMix64(seed: 3))
        var anchors: [Double] = [], truths: [Int] = []
        for k in 0..<16_000 {
            let anchor = [200.0, 800, 3200, 12800][k % 4]
            anchors.append(anchor)
            truths.append(max(1, Int((anchor * noise.value()).rounded())))
        }
        let apps = Array(repeating: "default", count: truths.count)
        let floor = LengthBoundFloor.measure(truths: truths, applications: apps, anchors: anchors, quantile: 0.9, strataCount: 4)
        let stratified = try! #require(floor.stratified)
        #expect(abs(stratified.coverage - 0.9) < 0.005)
        #expect(abs(stratified.medianRatio - exp(0.3 * Self.z90)) < 0.05)
        #expect(floor.constant.medianRatio > 2 * stratified.medianRatio)
        #expect(stratified.pinballLoss < floor.constant.pinballLoss / 2)
    }

    @Test func onlyRowsAfterTheBurnInAreJudged() {
        // 100 rows of 1000 tokens, then 100 of 10: after a burn-in of 100 the floor is 10 exactly.
        let truths = Array(repeating: 1000, count: 100) + Array(repeating: 10, count: 100)
        let floor = LengthBoundFloor.measure(truths: truths, applications: Array(repeating: "a", count: 200), quantile: 0.9, burnIn: 100)
        #expect(floor.rows == 100)
        #expect(floor.constant.coverage == 1 && floor.constant.medianRatio == 1 && floor.constant.pinballLoss == 0)
    }

    @Test func quantileBoundIsTheSmallestLengthCoveringTheShare() {
        // 110 rows 1…110: 99 of them are ≤ 99, so 99 covers 0.9 (0.9 · 110 is 99.000…01 in binary).
        let truths = Array(1...110)
        let floor = LengthBoundFloor.measure(truths: truths, applications: Array(repeating: "a", count: 110), quantile: 0.9)
        #expect(floor.constant.coverage == 0.9)
        #expect(abs(floor.constant.medianRatio - 99.0 / 55.5) < 0.02)
    }
}
