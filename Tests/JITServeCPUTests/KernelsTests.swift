import Foundation
import JITServeCPU
import JITServeCore
import Testing

struct KernelsTests {
    @Test func vectorExpIsAccurate() {
        for x in stride(from: Float(-80), through: 80, by: 0.37) {
            let got = Kernels.exp(SIMD8(repeating: x))[3]
            let want = Foundation.exp(Double(x))
            #expect(abs(Double(got) - want) <= 1e-6 * want, "exp(\(x))")
        }
    }

    @Test func rmsNormMatchesTheDefinition() {
        var generator = SplitMix64(seed: 11)
        let x = (0..<64).map { _ in generator.uniform(-3, 3) }
        let w = (0..<64).map { _ in generator.uniform(0.5, 1.5) }
        var out = [Float](repeating: 0, count: 64)
        Kernels.rmsNorm(x, weight: w, into: &out, count: 64, epsilon: 1e-5)
        let rms = (x.reduce(0.0) { $0 + Double($1) * Double($1) } / 64 + 1e-5).squareRoot()
        for i in 0..<64 { #expect(abs(Double(out[i]) - Double(x[i]) / rms * Double(w[i])) < 1e-5) }
    }

    @Test func softmaxSumsToOneAndKeepsOrder() {
        var values: [Float] = [1, 3, 2, -1, 0.5, 7, 7, -20, 4, 2.5, 1]
        let original = values
        Kernels.softmax(&values, count: values.count)
        #expect(abs(values.reduce(0, +) - 1) < 1e-5)
        let denominator = original.reduce(0.0) { $0 + Foundation.exp(Double($1 - 7)) }
        for (p, x) in zip(values, original) {
            #expect(abs(Double(p) - Foundation.exp(Double(x - 7)) / denominator) < 1e-6)
        }
    }

    @Test func ropeRotatesAdjacentPairs() {
        // Two heads of width 4; the table holds cos/sin for the two pair frequencies.
        var vector: [Float] = [1, 0, 0, 1, 2, 3, 4, 5]
        let angles: [Double] = [0.3, 1.1]
        let table = angles.flatMap { [Float(cos($0)), Float(sin($0))] }
        Kernels.rope(&vector, headCount: 2, headDimension: 4, table: table)
        func rotated(_ a: Float, _ b: Float, _ angle: Double) -> (Float, Float) {
            (a * Float(cos(angle)) - b * Float(sin(angle)), a * Float(sin(angle)) + b * Float(cos(angle)))
        }
        let expected: [(Float, Float)] = [
            rotated(1, 0, 0.3), rotated(0, 1, 1.1), rotated(2, 3, 0.3), rotated(4, 5, 1.1),
        ]
        for (pair, want) in expected.enumerated() {
            #expect(abs(vector[2 * pair] - want.0) < 1e-6)
            #expect(abs(vector[2 * pair + 1] - want.1) < 1e-6)
        }
    }

    @Test func swiGLUIsSiluOfGateTimesUp() {
        var gate: [Float] = (0..<16).map { Float($0) / 2 - 4 }
        let up: [Float] = (0..<16).map { Float($0) / 3 }
        let original = gate
        Kernels.swiGLU(&gate, up: up, count: 16)
        for i in 0..<16 {
            let g = Double(original[i])
            #expect(abs(Double(gate[i]) - g / (1 + Foundation.exp(-g)) * Double(up[i])) < 1e-5)
        }
    }

    @Test func threadPoolCoversEveryIndexOnce() {
        let pool = ThreadPool(threadCount: 3)
        for count in [0, 1, 5, 100, 1001] {
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, count))
            hits.initialize(repeating: 0)
            let address = UInt(bitPattern: hits.baseAddress)
            pool.parallelFor(count, granularity: 4) { range in
                let base = UnsafeMutablePointer<Int>(bitPattern: address)!
                for i in range { base[i] += 1 }
            }
            #expect(hits.prefix(count).allSatisfy { $0 == 1 }, "count \(count)")
            hits.deallocate()
        }
    }

    @Test func threadPoolWakesParkedWorkersForEveryJob() {
        // A pause between jobs outlasts the workers' spinning, so each job finds them parked
        // (or parking): every index must still be covered exactly once, every time.
        let pool = ThreadPool(threadCount: 3)
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        defer { hits.deallocate() }
        let address = UInt(bitPattern: hits.baseAddress)
        for round in 0..<40 {
            hits.initialize(repeating: 0)
            usleep(UInt32(round % 4 == 0 ? 0 : 2_000))
            pool.parallelFor(64) { range in
                let base = UnsafeMutablePointer<Int>(bitPattern: address)!
                for i in range { base[i] += 1 }
            }
            #expect(hits.allSatisfy { $0 == 1 }, "round \(round)")
        }
    }
}
