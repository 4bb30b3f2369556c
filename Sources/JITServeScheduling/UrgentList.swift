/// The `capacity` rows with the smallest keys seen so far, ascending: one pass over a long
/// queue keeps only what can be weighed, at a comparison per row once full.
struct UrgentList {
    let capacity: Int
    private(set) var keys: [Double] = []
    private(set) var rows: [Int] = []

    init(capacity: Int) {
        self.capacity = capacity
        keys.reserveCapacity(capacity + 1)
        rows.reserveCapacity(capacity + 1)
    }

    mutating func offer(_ key: Double, _ row: Int) {
        guard capacity > 0 else { return }
        if keys.count == capacity, let last = keys.last, last <= key { return }
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] <= key { lo = mid + 1 } else { hi = mid }
        }
        keys.insert(key, at: lo)
        rows.insert(row, at: lo)
        if keys.count > capacity {
            keys.removeLast()
            rows.removeLast()
        }
    }
}
