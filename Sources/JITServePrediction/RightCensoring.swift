/// Kaplan–Meier weights for a sample in which some values are only lower bounds.
///
/// Online estimators here learn from finished requests, and a queue makes the long ones finish
/// last: the requests still running are exactly the long tail the finished ones lack. Each of
/// them is a right-censored observation (its length, or its score, is at least what it has
/// reached so far). Efron's redistribution to the right turns them into weights: a censored
/// value hands its weight in equal shares to every observation above it, so the finished
/// long ones stand for the running ones too. That is the Kaplan–Meier estimate.
enum RightCensoring {
    /// The exact values of `exact` and `censored` (lower bounds), ascending, with their
    /// Kaplan–Meier weights (summing to the number of observations). A censored value above
    /// every exact one has nothing to hand its weight to: it keeps it, at its bound.
    ///
    /// At equal values an exact observation comes first: a censored one is known to lie
    /// above its bound, so it is still at risk when an exact one ends there.
    static func weighted<Value: Comparable>(exact: [Value], censored: [Value]) -> (values: [Value], weights: [Double]) {
        var all = exact.map { (value: $0, isCensored: false) }
        all += censored.map { (value: $0, isCensored: true) }
        all.sort { $0.value < $1.value || ($0.value == $1.value && !$0.isCensored && $1.isCensored) }
        var values: [Value] = [], weights: [Double] = []
        values.reserveCapacity(all.count)
        weights.reserveCapacity(all.count)
        // Every observation after a censored one receives the same share, so one running sum
        // carries all the weight handed on so far.
        var received = 0.0
        for (i, o) in all.enumerated() {
            let weight = 1 + received
            let later = all.count - i - 1
            if o.isCensored && later > 0 {
                received += weight / Double(later)
            } else {
                values.append(o.value)
                weights.append(weight)
            }
        }
        return (values, weights)
    }
}
