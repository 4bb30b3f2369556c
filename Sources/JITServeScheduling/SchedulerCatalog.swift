/// Every policy by its CLI name.
///
/// A policy whose name ends in `-oracle` is the only kind allowed to be told true output
/// lengths and workflow shapes; callers use `isOracle` to hand it an oracle predictor.
public enum SchedulerCatalog {
    /// Policy names in the order reports list them.
    public static let names = [
        "vllm", "sarathi", "las", "sjf", "sjf-oracle", "edf", "slos-serve", "jitserve", "jitserve-oracle",
        "jitserve-no-grouping", "jitserve-no-refinement", "jitserve-no-topup", "jitserve-no-tbt-guard",
        "jitserve-no-commitment", "jitserve-no-ration", "jitserve-no-reservation",
    ]
    /// The policies `jitserve bench` compares by default.
    public static let benchmarkNames = [
        "vllm", "sarathi", "las", "sjf", "edf", "slos-serve", "jitserve", "jitserve-oracle",
    ]

    public static func isOracle(_ name: String) -> Bool { name.hasSuffix("-oracle") }

    public static func make(_ name: String) throws -> any Scheduler {
        switch name {
        case "vllm": VLLMScheduler()
        case "sarathi": SarathiScheduler()
        case "las": PriorityScheduler.leastAttainedService()
        case "sjf": PriorityScheduler.shortestJobFirst()
        case "sjf-oracle": PriorityScheduler.shortestJobFirst(name: "sjf-oracle")
        case "edf": PriorityScheduler.earliestDeadlineFirst()
        case "slos-serve": SLOsServeScheduler()
        case "jitserve", "jitserve-oracle": GMAXScheduler(name: name)
        case "jitserve-no-grouping": GMAXScheduler(name: name, options: with { $0.grouping = false })
        case "jitserve-no-refinement": GMAXScheduler(name: name, options: with { $0.refinement = false })
        case "jitserve-no-topup": GMAXScheduler(name: name, options: with { $0.workflowTopUp = false })
        case "jitserve-no-tbt-guard": GMAXScheduler(name: name, options: with { $0.tbtGuard = false })
        case "jitserve-no-commitment": GMAXScheduler(name: name, options: with { $0.commitmentShare = nil })
        case "jitserve-no-ration": GMAXScheduler(name: name, options: with { $0.hopelessPrefillShare = nil })
        case "jitserve-no-reservation": GMAXScheduler(name: name, options: with { $0.workflowReservation = false })
        default: throw SchedulingError.unknownScheduler(name, valid: names)
        }
    }

    private static func with(_ change: (inout GMAXScheduler.Options) -> Void) -> GMAXScheduler.Options {
        var options = GMAXScheduler.Options()
        change(&options)
        return options
    }
}
