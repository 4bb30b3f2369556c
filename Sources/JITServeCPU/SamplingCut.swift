/// Which candidate tokens survive the top-k and top-p cuts: those ranked at or above one
/// boundary token in the order of decreasing weight, then increasing token ID (the order both
/// cuts are defined in).
///
/// Found without sorting the vocabulary: the candidates' weights go into a histogram over the
/// top bits of their float patterns (monotone in the value for positive floats), the buckets
/// are walked from the heaviest until the cut falls inside one, and only that bucket's members
/// are sorted. With 2⁸ buckets per power of two, the one bucket holds a handful of tokens.
struct SamplingCut {
    /// The boundary: a token stays when its weight is larger, or equal with a token ID not larger.
    private(set) var weight: Float
    private(set) var token: Int

    /// The cut of `weights` (each in 0...1, the largest 1) to those above `floor`, then the `topK`
    /// heaviest (0: no limit), then the shortest heaviest prefix holding `topP` of their weight.
    init(_ weights: UnsafeMutableBufferPointer<Float>, floor: Float, topK: Int, topP: Double) {
        // Token -1 keeps exactly the weights above the floor.
        weight = floor
        token = -1
        guard topK > 0 || topP < 1 else { return }
        let histogram = Histogram(weights, floor: floor)
        var mass = histogram.totalMass
        if topK > 0 {
            let top = histogram.prefix { count, _ in count >= topK }
            (weight, token, mass) = (top.weight, top.token, top.mass)
        }
        if topP < 1 {
            let target = Float(topP) * mass
            let nucleus = histogram.prefix { _, mass in mass >= target }
            // The nucleus of the top k lies within them: keep the narrower boundary.
            if nucleus.weight > weight || (nucleus.weight == weight && nucleus.token < token) {
                (weight, token) = (nucleus.weight, nucleus.token)
            }
        }
    }

    /// Whether `token` of `weight` survives the cut.
    func keeps(_ token: Int, weight: Float) -> Bool {
        weight > self.weight || (weight == self.weight && token <= self.token)
    }

    /// Sets every weight the cut drops to 0, eight lanes at a time (a lane equal to the
    /// boundary weight is decided by its token ID), and returns the sum of those it keeps.
    @discardableResult
    func zeroOthers(in weights: UnsafeMutableBufferPointer<Float>) -> Float {
        let raw = UnsafeMutableRawPointer(weights.baseAddress!)
        var kept = SIMD8<Float>()
        var i = 0
        while i + 8 <= weights.count {
            var lanes = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let ties = lanes .== weight
            if any(ties) {
                for lane in 0..<8 where !keeps(i + lane, weight: lanes[lane]) { lanes[lane] = 0 }
            } else {
                lanes.replace(with: 0, where: lanes .<= weight)
            }
            raw.storeBytes(of: lanes, toByteOffset: i * 4, as: SIMD8<Float>.self)
            kept += lanes
            i += 8
        }
        var total = kept.sum()
        while i < weights.count {
            if !keeps(i, weight: weights[i]) { weights[i] = 0 }
            total += weights[i]
            i += 1
        }
        return total
    }

    /// Candidate counts and summed weights per bucket of weight, heaviest bucket last, over the
    /// weights it was built from (valid while they are).
    private struct Histogram {
        let weights: UnsafeMutableBufferPointer<Float>
        let floor: Float
        /// The bucket of `floor`: bucket indices count up from it.
        let base: Int
        var counts: [Int]
        var masses: [Float]
        var totalMass: Float { masses.reduce(0, +) }

        init(_ weights: UnsafeMutableBufferPointer<Float>, floor: Float) {
            let base = Self.key(floor)
            let top = Self.key(1) - base
            var counts = [Int](repeating: 0, count: top + 1)
            var masses = [Float](repeating: 0, count: top + 1)
            counts.withUnsafeMutableBufferPointer { counts in
                masses.withUnsafeMutableBufferPointer { masses in
                    for weight in weights where weight > floor {
                        // Weights are at most 1; `min` keeps a rounding above it in the top bucket.
                        let bucket = min(Self.key(weight) - base, top)
                        counts[bucket] += 1
                        masses[bucket] += weight
                    }
                }
            }
            self.weights = weights
            self.floor = floor
            self.base = base
            self.counts = counts
            self.masses = masses
        }

        /// A bucket key for a weight in 0...1: its sign-less float bits without the low 15
        /// mantissa bits, so 2⁸ buckets per power of two.
        static func key(_ weight: Float) -> Int { Int(weight.bitPattern >> 15) }

        /// The last token, in the cut's order, of the shortest prefix of candidates for which
        /// `isEnough(count, mass)` holds (all candidates if none), and that prefix's weight.
        func prefix(isEnough: (Int, Float) -> Bool) -> (weight: Float, token: Int, mass: Float) {
            var count = 0
            var mass: Float = 0
            for bucket in counts.indices.reversed() where counts[bucket] > 0 {
                guard isEnough(count + counts[bucket], mass + masses[bucket]) else {
                    count += counts[bucket]
                    mass += masses[bucket]
                    continue
                }
                let members = self.members(of: bucket)
                for member in members {
                    count += 1
                    mass += member.weight
                    if isEnough(count, mass) { return (member.weight, member.token, mass) }
                }
                // Summed in another order, the bucket's members can fall a rounding short.
                if let last = members.last { return (last.weight, last.token, mass) }
            }
            return (floor, -1, mass)
        }

        /// The candidates in `bucket`, heaviest first (then by token ID). The bucket is a range
        /// of weights, so whole blocks of eight outside it are passed over at once.
        private func members(of bucket: Int) -> [(token: Int, weight: Float)] {
            let low = Swift.max(floor.nextUp, Float(bitPattern: UInt32(bucket + base) << 15))
            let high = bucket == counts.count - 1 ? Float.infinity : Float(bitPattern: UInt32(bucket + base + 1) << 15)
            let raw = UnsafeRawPointer(weights.baseAddress!)
            var members: [(token: Int, weight: Float)] = []
            var i = 0
            while i < weights.count {
                let end = Swift.min(i + 8, weights.count)
                if end - i == 8 {
                    let lanes = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    if !any((lanes .>= low) .& (lanes .< high)) {
                        i = end
                        continue
                    }
                }
                for token in i..<end where weights[token] >= low && weights[token] < high {
                    members.append((token, weights[token]))
                }
                i = end
            }
            members.sort { $0.weight > $1.weight || ($0.weight == $1.weight && $0.token < $1.token) }
            return members
        }
    }
}
