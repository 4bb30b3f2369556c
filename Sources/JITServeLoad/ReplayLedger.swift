import JITServeCore
import Synchronization

/// What a replay has seen so far, filled from many tasks at once: every call's record, errors
/// by class, and counts for the progress line.
final class ReplayLedger: Sendable {
    struct State {
        var records: [RequestRecord] = []
        var errors: [String: Int] = [:]
        var firstErrors: [String: String] = [:]
        var sent = 0
        var finished = 0
        /// Calls answered 200, answered 429, and ended by a server error (5xx).
        var admitted = 0
        var shed = 0
        var serverErrors = 0
        /// 429s that did not say when to come back (a positive integer `Retry-After`).
        var shedWithoutRetryAfter = 0
        var admittedLatencyWithoutFirstToken = 0
    }

    private let state = Mutex(State())

    func sent() { state.withLock { $0.sent += 1 } }

    func record(_ record: RequestRecord, outcome: CallOutcome) {
        state.withLock { s in
            s.records.append(record)
            if outcome.finishedAt != nil { s.finished += 1 }
            if outcome.isAdmitted {
                s.admitted += 1
                if record.request.slo.kind == .latency && outcome.tokenTimes.isEmpty { s.admittedLatencyWithoutFirstToken += 1 }
            }
            if outcome.isShed {
                s.shed += 1
                if (outcome.retryAfter.flatMap { Int($0) } ?? 0) < 1 { s.shedWithoutRetryAfter += 1 }
            }
            if outcome.isServerError { s.serverErrors += 1 }
            if let error = outcome.errorClass {
                s.errors[error, default: 0] += 1
                if s.firstErrors[error] == nil { s.firstErrors[error] = outcome.errorMessage }
            }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}
