@testable import JITServePrediction
import Testing

@Suite struct RightCensoringTests {
    /// The Kaplan–Meier survival function S(t) = Π over event lengths ℓ ≤ t of (1 − d/n at risk),
    /// computed by its product-limit definition.
    static func productLimitSurvival(at t: Int, exact: [Int], censored: [Int]) -> Double {
        var survival = 1.0
        for length in Set(exact).sorted() where length <= t {
            let atRisk = exact.filter { $0 >= length }.count + censored.filter { $0 >= length }.count
            let ended = exact.filter { $0 == length }.count
            survival *= 1 - Double(ended) / Double(atRisk)
        }
        return survival
    }

    @Test func redistributionToTheRightIsTheProductLimitEstimate() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let exact = (0..<Int.random(in: 1...30, using: &generator)).map { _ in Int.random(in: 1...40, using: &generator) }
            // Censored bounds strictly between exact values' grid, so ties follow the rule
            // "an exact one ends first" as in the product-limit definition with ≥ at risk.
            let censored = (0..<Int.random(in: 0...30, using: &generator)).map { _ in Int.random(in: 1...40, using: &generator) }
            let (values, weights) = RightCensoring.weighted(exact: exact, censored: censored)
            let total = Double(exact.count + censored.count)
            #expect(abs(weights.reduce(0, +) - total) < 1e-9)
            #expect(values == values.sorted())
            // Below the largest exact length the weighted sample's survival is Kaplan–Meier's.
            for t in 1...(exact.max()! - 1) {
                let above = zip(values, weights).filter { $0.0 > t }.map(\.1).reduce(0, +) / total
                let expected = Self.productLimitSurvival(at: t, exact: exact, censored: censored)
                #expect(abs(above - expected) < 1e-9, "t=\(t) exact=\(exact) censored=\(censored)")
            }
        }
    }

    @Test func aCensoredValueAboveEveryExactOneKeepsItsWeightAtItsBound() {
        let (values, weights) = RightCensoring.weighted(exact: [10, 20], censored: [5, 50])
        // 5 hands 1/3 to each of 10, 20 and 50; 50 has nothing above it.
        #expect(values == [10, 20, 50])
        #expect(weights.map { ($0 * 3).rounded() } == [4, 4, 4])
    }

    @Test func withNothingCensoredEveryValueWeighsOne() {
        let (values, weights) = RightCensoring.weighted(exact: [3, 1, 2], censored: [Int]())
        #expect(values == [1, 2, 3] && weights == [1, 1, 1])
    }
}
