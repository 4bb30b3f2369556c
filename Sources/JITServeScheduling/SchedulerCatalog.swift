/// Every policy by its CLI name.
///
/// A policy whose name ends in `-oracle` is the only kind allowed to be told true output
/// lengths and workflow shapes; callers use `isOracle` to hand it an oracle predictor.
public enum SchedulerCatalog {
    /// Policy names in the order reports list them.
    public static let names = ["vllm", "sarathi", "las", "sjf", "sjf-oracle", "edf"]

    public static func isOracle(_ name: String) -> Bool { name.hasSuffix("-oracle") }

    public static func make(_ name: String) throws -> any Scheduler {
        switch name {
        case "vllm": VLLMScheduler()
        case "sarathi": SarathiScheduler()
        case "las": PriorityScheduler.leastAttainedService()
        case "sjf": PriorityScheduler.shortestJobFirst()
        case "sjf-oracle": PriorityScheduler.shortestJobFirst(name: "sjf-oracle")
        case "edf": PriorityScheduler.earliestDeadlineFirst()
        default: throw SchedulingError.unknownScheduler(name, valid: names)
        }
    }
}
