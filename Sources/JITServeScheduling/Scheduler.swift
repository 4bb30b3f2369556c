/// An iteration-level scheduling policy.
///
/// `schedule` must be a pure function of the snapshot: no clock reads, no I/O, no executor calls.
/// The same policy then drives the simulator and the live server alike (DESIGN §2).
public protocol Scheduler: Sendable {
    /// The policy's CLI name (`vllm`, `sarathi`, `las`, `sjf`, `edf`, `jitserve`, …).
    var name: String { get }
    func schedule(_ snapshot: SchedulerSnapshot) -> SchedulePlan
}
