import Foundation

extension Kernels {
    /// Rotates the pairs `(x[i], x[i + d/2])` of each of `headCount` heads by the angles of one
    /// position: ggml's NeoX RoPE layout, which Qwen 2 uses (its weights are not permuted for
    /// adjacent pairs). `table` holds `cos, sin` interleaved for the `headDimension / 2`
    /// frequencies, as for `rope`.
    public static func ropeHalves(
        _ vector: UnsafeMutablePointer<Float>, headCount: Int, headDimension: Int,
        table: UnsafePointer<Float>
    ) {
        let half = headDimension / 2
        for head in 0..<headCount {
            let x = vector + head * headDimension
            for pair in 0..<half {
                let cosine = table[2 * pair], sine = table[2 * pair + 1]
                let a = x[pair], b = x[pair + half]
                x[pair] = a * cosine - b * sine
                x[pair + half] = a * sine + b * cosine
            }
        }
    }

    /// The RoPE table: `cos, sin` of `position / factor_i · base^(−2i/d)` for every position and
    /// frequency i, `headDimension` floats a position. `frequencyFactors` (Llama 3's scaling)
    /// divide each frequency; `linearFactor` divides every position.
    public static func ropeTable(
        positions: Int, headDimension: Int, base: Double, frequencyFactors: [Float]?, linearFactor: Double
    ) -> [Float] {
        var table = [Float](repeating: 0, count: positions * headDimension)
        let pairs = headDimension / 2
        var frequencies = [Double](repeating: 0, count: pairs)
        for pair in 0..<pairs {
            var frequency = 1 / Foundation.pow(base, Double(2 * pair) / Double(headDimension))
            if let frequencyFactors { frequency /= Double(frequencyFactors[pair]) }
            frequencies[pair] = frequency / linearFactor
        }
        for position in 0..<positions {
            for pair in 0..<pairs {
                let angle = Double(position) * frequencies[pair]
                table[position * headDimension + 2 * pair] = Float(Foundation.cos(angle))
                table[position * headDimension + 2 * pair + 1] = Float(Foundation.sin(angle))
            }
        }
        return table
    }
}
