import ArgumentParser
import JITServeEngine

/// Admission control, spelled alike for every command that runs an engine: `serve` sheds with
/// 429 + `Retry-After`, `simulate` and `bench` record the same request as shed at its simulated
/// arrival. The same default everywhere (off), with the same queue cap when one is asked for.
struct AdmissionOptions: ParsableArguments {
    /// `--admission` values.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        /// Every request is taken (as vLLM does).
        case off
        /// The queue cap, and SLOs that the prompt's prefill alone would miss.
        case basic
        /// `basic`, and the queueing delay predicted from the queue and the departure rate.
        case predictive
    }

    @Option(help: ArgumentHelp(
        "Admission control: basic sheds a request at arrival when its SLO cannot be met even alone (a prefill longer than its TTFT, a workflow past its deadline) or when --max-waiting requests already wait; predictive also sheds when the queue ahead is predicted to outlast its SLO (for a server expecting overload: it reads the queue as first-come-first-served and sheds work jitserve would start at once), and sheds an admitted stream or call still waiting, unstarted, once nothing it could produce would meet its SLO; off takes every request (as vLLM does).",
        valueName: "off|basic|predictive"))
    var admission: Mode = .off

    @Option(help: "Requests waiting beyond which new ones are shed (429 from serve; default: no cap); not with --admission off.")
    var maxWaiting = AdmissionControl.defaultMaxWaitingRequests

    func validate() throws {
        guard maxWaiting >= 1 else { throw ValidationError("--max-waiting must be at least 1, got \(maxWaiting)") }
    }

    /// The rule these options ask for (nil: off).
    var control: AdmissionControl? {
        switch admission {
        case .off: nil
        case .basic: AdmissionControl(maxWaitingRequests: maxWaiting)
        case .predictive: AdmissionControl(maxWaitingRequests: maxWaiting, predictsQueueingDelay: true)
        }
    }
}
