import ArgumentParser
import JITServeEngine

/// Admission control, spelled alike for every command that runs an engine: `serve` sheds with
/// 429 + `Retry-After`, `simulate` and `bench` record the same request as shed at its simulated
/// arrival. On by default everywhere, with the same queue cap.
struct AdmissionOptions: ParsableArguments {
    /// `--admission` values.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case on, off
    }

    @Option(help: ArgumentHelp(
        "Admission control: on sheds a request at arrival when --max-waiting requests already wait, when its SLO cannot be met even alone, or when the queue ahead is predicted to outlast it; off takes every request (as vLLM does).",
        valueName: "on|off"))
    var admission: Mode = .on

    @Option(help: "With --admission on: requests waiting beyond which new ones are shed (429 from serve).")
    var maxWaiting = AdmissionControl.defaultMaxWaitingRequests

    func validate() throws {
        guard maxWaiting >= 1 else { throw ValidationError("--max-waiting must be at least 1, got \(maxWaiting)") }
    }

    /// The rule these options ask for (nil: off).
    var control: AdmissionControl? {
        admission == .on ? AdmissionControl(maxWaitingRequests: maxWaiting) : nil
    }
}
