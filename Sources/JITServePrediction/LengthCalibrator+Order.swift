extension LengthCalibrator {
    /// Run length `sortAscending` insertion-sorts before merging: short enough that a reversed
    /// run costs little (120 moves), long enough that most of a refit's small moves stay inside
    /// one run.
    static let sortRun = 16

    /// Sorts `scores` ascending, stably, moving `slots` with them; `scratchScores` and
    /// `scratchSlots` hold at least `scores.count` elements each.
    ///
    /// A refit moves the line a little, so the window's previous order re-read with the new
    /// scores is nearly sorted, but by how much depends on how far the line moved: this must
    /// cost little then and stay O(n log n) however far it moved, because it runs inside one
    /// update. Runs of `sortRun` are insertion-sorted (about one compare each when nearly
    /// sorted, at most 120 moves each when not), then merged bottom-up; a merge touches only
    /// the overlap of its two runs (none when they are already in order), found by binary
    /// search, and picks each element without a data-dependent branch, so a refit that
    /// scrambled the order costs about as much as one that did not (measured by `jitserve
    /// bench predictor`, "calibration per update").
    static func sortAscending(
        _ scores: UnsafeMutableBufferPointer<Double>, carrying slots: UnsafeMutableBufferPointer<Int>,
        scratchScores: UnsafeMutableBufferPointer<Double>, scratchSlots: UnsafeMutableBufferPointer<Int>
    ) {
        let n = scores.count
        precondition(slots.count == n && scratchScores.count >= n && scratchSlots.count >= n)
        var start = 0
        while start < n {
            let end = min(start + sortRun, n)
            var k = start + 1
            while k < end {
                let score = scores[k], slot = slots[k]
                var j = k
                while j > start && scores[j - 1] > score {
                    scores[j] = scores[j - 1]
                    slots[j] = slots[j - 1]
                    j -= 1
                }
                scores[j] = score
                slots[j] = slot
                k += 1
            }
            start = end
        }
        var width = sortRun
        while width < n {
            var lo = 0
            while lo + width < n {
                let mid = lo + width, hi = min(lo + 2 * width, n)
                if scores[mid - 1] > scores[mid] {
                    mergeOverlap(scores, slots, lo: lo, mid: mid, hi: hi, scratchScores, scratchSlots)
                }
                lo = hi
            }
            width *= 2
        }
    }

    /// Merges the sorted runs `lo..<mid` and `mid..<hi` (which overlap: the left's last
    /// exceeds the right's first). Left elements not above the right's first, and right
    /// elements not below the left's last, are already where they belong; only the rest move.
    private static func mergeOverlap(
        _ scores: UnsafeMutableBufferPointer<Double>, _ slots: UnsafeMutableBufferPointer<Int>,
        lo: Int, mid: Int, hi: Int,
        _ scratchScores: UnsafeMutableBufferPointer<Double>, _ scratchSlots: UnsafeMutableBufferPointer<Int>
    ) {
        // First left element above the right's first (ties stay left: stable).
        var a = lo, b = mid
        let rightFirst = scores[mid]
        while a < b {
            let m = (a + b) / 2
            if scores[m] <= rightFirst { a = m + 1 } else { b = m }
        }
        let from = a
        // First right element not below the left's last.
        a = mid
        b = hi
        let leftLast = scores[mid - 1]
        while a < b {
            let m = (a + b) / 2
            if scores[m] < leftLast { a = m + 1 } else { b = m }
        }
        let to = a
        let leftCount = mid - from
        for t in 0..<leftCount {
            scratchScores[t] = scores[from + t]
            scratchSlots[t] = slots[from + t]
        }
        // The write position stays below `j`, so the right run is read before it is overwritten.
        var i = 0, j = mid, out = from
        while i < leftCount && j < to {
            let left = scratchScores[i], right = scores[j]
            let takeRight = right < left
            scores[out] = takeRight ? right : left
            slots[out] = takeRight ? slots[j] : scratchSlots[i]
            j += takeRight ? 1 : 0
            i += takeRight ? 0 : 1
            out += 1
        }
        while i < leftCount {
            scores[out] = scratchScores[i]
            slots[out] = scratchSlots[i]
            i += 1
            out += 1
        }
    }
}
