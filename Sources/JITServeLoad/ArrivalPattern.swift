/// When a replay's requests arrive.
public enum ArrivalPattern: String, CaseIterable, Sendable {
    /// The trace's own timestamps (rescaled to the mean rate asked for): the rate varies over
    /// the window as the trace's did, so a mean below capacity can still go above it for minutes.
    case trace
    /// A Poisson process at one constant rate, each arrival a request (lengths, SLO) drawn from
    /// the whole trace: "80 % of capacity" stays below capacity for the whole window.
    case poisson
}
