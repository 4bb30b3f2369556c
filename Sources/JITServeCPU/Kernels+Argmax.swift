extension Kernels {
    /// The index of the largest of `values` (the first one on a tie), leaving out index
    /// `excluded` (`-1`: none); `-1` when nothing is left. Eight lanes at a time: a decode step
    /// takes it once per sequence over the whole vocabulary (49,152 logits for SmolLM2), where a
    /// scalar loop cost tens of microseconds a token.
    public static func argmax(_ values: UnsafeBufferPointer<Float>, excluding excluded: Int = -1) -> Int {
        let count = values.count
        guard let base = values.baseAddress, count > 0 else { return -1 }
        let raw = UnsafeRawPointer(base)
        var best = SIMD8<Float>(repeating: -.infinity)
        var bestIndex = SIMD8<Int32>(repeating: -1)
        var index = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var i = 0
        // Strictly greater: each lane keeps its first maximum, and lanes see indices in order.
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let better = v .> best
            best.replace(with: v, where: better)
            bestIndex.replace(with: index, where: better)
            index &+= 8
            i += 8
        }
        var result = -1
        var resultValue = -Float.infinity
        for lane in 0..<8 where bestIndex[lane] >= 0 {
            let candidate = Int(bestIndex[lane])
            if result < 0 || best[lane] > resultValue || (best[lane] == resultValue && candidate < result) {
                result = candidate
                resultValue = best[lane]
            }
        }
        while i < count {
            if result < 0 || values[i] > resultValue {
                result = i
                resultValue = values[i]
            }
            i += 1
        }
        // Lanes start at -inf, so a maximum of -inf (or NaN) leaves them unset: fall back.
        if result < 0 || result == excluded || !(resultValue > -.infinity) {
            return scalarArgmax(values, excluding: excluded)
        }
        return result
    }

    /// `argmax` one element at a time: for the rare step whose largest logit is the excluded
    /// token (end-of-sequence below `min_tokens`), and for vectors the lanes cannot rank.
    private static func scalarArgmax(_ values: UnsafeBufferPointer<Float>, excluding excluded: Int) -> Int {
        var result = -1
        var resultValue = -Float.infinity
        for (index, value) in values.enumerated() where index != excluded && (result < 0 || value > resultValue) {
            result = index
            resultValue = value
        }
        return result
    }
}
