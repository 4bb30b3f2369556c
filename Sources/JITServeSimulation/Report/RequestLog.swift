import Foundation
import JITServeCore

/// `--requests-out FILE`: every request of a run as one JSON line, with what its goodput
/// verdict was made from, so that anyone can recompute the run's figures (README, "Auditing a
/// run"; `scripts/goodput_from_requests.py`). `simulate`, `bench` and `bench live` write the
/// same schema; instants are seconds from the run's start on its clock (virtual for a
/// simulation, the client's for `bench live`).
///
///     {"run": {"scheduler": "jitserve", "workload": "paper-mix", "rps": 1, "seed": 1},
///      "id": 17, "kind": "latency", "application": "chat", "workflow_id": null, "stage": null,
///      "workflow_calls": null, "arrival_s": 12.5, "slo": {"ttft_s": 0.8, "tbt_s": 0.08},
///      "prompt_tokens": 310, "output_tokens": 3, "max_tokens": 4096,
///      "token_times_s": [12.9, 13.0, 13.1], "finished_s": 13.1, "finish_reason": "stop",
///      "slo_met": true, "good_tokens": 3, "window_s": 300}
///
/// `slo` is `{"ttft_s", "tbt_s"}` (latency), `{"deadline_s"}` (deadline: from arrival), or
/// `{"deadline_s", "workflow_start_s"}` (compound: from the workflow's start); `workflow_calls`
/// `run` names the run (`bench` writes many into one file); `workflow_calls`
/// is the workflow's true number of calls (a workflow missing some never met its deadline);
/// `finished_s` and `finish_reason` are null for a request the run ended before it finished.
public enum RequestLog {
    /// Which run a line belongs to.
    public struct Run: Hashable, Sendable {
        public var scheduler: String
        public var workload: String
        public var rps: Double?
        public var seed: UInt64

        public init(scheduler: String, workload: String, rps: Double?, seed: UInt64) {
            self.scheduler = scheduler
            self.workload = workload
            self.rps = rps
            self.seed = seed
        }

        var json: String {
            "{\"scheduler\":\(quoted(scheduler)),\"workload\":\(quoted(workload)),\"rps\":"
                + (rps.map(number) ?? "null") + ",\"seed\":\(seed)}"
        }
    }

    /// The JSON line of one record (newline included).
    public static func line(
        _ record: RequestRecord, run: Run, verdict: GoodputAccountant.Verdict, workflowCalls: Int?, window: Duration
    ) -> String {
        let r = record.request
        let t = record.timeline
        var out = "{\"run\":\(run.json),\"id\":\(r.id.rawValue),\"kind\":\"\(r.kind.rawValue)\""
        out += ",\"application\":" + (r.application.map(quoted) ?? "null")
        switch r.slo {
        case .compound(let c):
            out += ",\"workflow_id\":\(c.workflowID.rawValue),\"stage\":\(c.stage),\"workflow_calls\":"
                + (workflowCalls.map(String.init) ?? "null")
        default:
            out += ",\"workflow_id\":null,\"stage\":null,\"workflow_calls\":null"
        }
        out += ",\"arrival_s\":\(number(t.arrivedAt.seconds)),\"slo\":"
        switch r.slo {
        case .latency(let ttft, let tbt): out += "{\"ttft_s\":\(number(ttft.seconds)),\"tbt_s\":\(number(tbt.seconds))}"
        case .deadline(let ttlt): out += "{\"deadline_s\":\(number(ttlt.seconds))}"
        case .compound(let c):
            out += "{\"deadline_s\":\(number(c.deadline.seconds)),\"workflow_start_s\":\(number(c.workflowStartedAt.seconds))}"
        }
        out += ",\"prompt_tokens\":\(r.promptTokenCount),\"output_tokens\":\(t.outputTokenCount),\"max_tokens\":\(r.maxOutputTokens)"
        out += ",\"token_times_s\":[" + t.tokenDeliveredAt.map { number($0.seconds) }.joined(separator: ",") + "]"
        out += ",\"finished_s\":" + (t.finishedAt.map { number($0.seconds) } ?? "null")
        out += ",\"finish_reason\":" + (t.finishReason.map { "\"\($0.rawValue)\"" } ?? "null")
        out += ",\"slo_met\":\(verdict.isMet),\"good_tokens\":\(verdict.goodTokenCount)"
        out += ",\"window_s\":\(number(window.seconds))}\n"
        return out
    }

    /// Every record's line, in the order given.
    public static func lines(
        records: [RequestRecord], run: Run, workflowCallCounts: [WorkflowID: Int], window: Duration
    ) -> String {
        let verdicts = GoodputAccountant.verdicts(records: records, workflowCallCounts: workflowCallCounts)
        var out = ""
        for (record, verdict) in zip(records, verdicts) {
            let calls = record.request.slo.workflowID.flatMap { workflowCallCounts[$0] }
            out += line(record, run: run, verdict: verdict, workflowCalls: calls, window: window)
        }
        return out
    }

    /// Shortest text that reads back as the same double (JSON accepts Swift's spelling).
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
