import Foundation
import JITServeCore
import JITServeHTTPClient

/// What one call's client saw: when it was sent, when each token arrived, how it ended.
struct CallOutcome: Sendable {
    var sentAt: Instant
    var tokenTimes: [Instant] = []
    var finishedAt: Instant?
    /// `stop`/`length` from the response; `shed` for a 429 (admission control's refusal, as the
    /// simulator records one), at the head or in a stream's error frame; `rejected` for any
    /// other error answer; nil when the run ended before the answer did.
    var finishReason: FinishReason?
    /// The error class for the run's tally: an HTTP status (`429`), `timeout` or `transport`.
    var errorClass: String?
    var errorMessage: String?
    /// The status of the answer's head (nil when none arrived): 200 admitted, 429 shed.
    var status: Int?
    /// A 429's `Retry-After` header, as sent (nil: absent or not a 429).
    var retryAfter: String?

    init(sentAt: Instant) { self.sentAt = sentAt }

    mutating func fail(_ errorClass: String, _ message: String, at now: Instant) {
        self.errorClass = errorClass
        errorMessage = message
        // A 429 error frame inside an admitted stream is a shed too: predictive admission's
        // refusal of a stream still waiting, unstarted, that could no longer meet its SLO.
        finishReason = isShed || errorClass == "429" ? .shed : .rejected
        finishedAt = now
    }

    /// The server took the call in (a 200 head), whatever happened to it afterwards.
    var isAdmitted: Bool { status == 200 }
    /// Refused by admission control.
    var isShed: Bool { status == 429 }
    /// A server error: a 5xx head, or an error frame with a 5xx code inside an admitted stream.
    var isServerError: Bool {
        if let status, (500..<600).contains(status) { return true }
        return isAdmitted && errorClass.flatMap(Int.init).map { (500..<600).contains($0) } == true
    }
}

/// Reads a response into a `CallOutcome`, on the client's clock.
struct ResponseReader {
    /// Converts the HTTP client's read instants to the run's clock.
    let instant: @Sendable (ContinuousClock.Instant) -> Instant

    /// An SSE stream: one token per frame that carries text, each at the instant its bytes were
    /// read. A frame may carry the text of several tokens (a character split across tokens is
    /// sent whole): when the final usage counts more tokens than frames, the extra ones are
    /// stamped with the last frame's arrival — never earlier than they could have been seen.
    func readStream(_ response: StreamingHTTPResponse, into outcome: inout CallOutcome) async throws {
        var decoder = SSEDecoder()
        var usageCount: Int?
        var lastAt: Instant?
        for try await chunk in response.body {
            let at = instant(chunk.receivedAt)
            for data in decoder.feed(chunk.bytes) {
                if data == "[DONE]" { continue }
                guard let frame = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { continue }
                if let error = frame["error"] as? [String: Any] {
                    let code = (error["code"] as? Int).map(String.init) ?? "stream-error"
                    outcome.fail(code, (error["message"] as? String) ?? data, at: at)
                    return
                }
                if let usage = frame["usage"] as? [String: Any], let n = usage["completion_tokens"] as? Int { usageCount = n }
                guard let choice = (frame["choices"] as? [[String: Any]])?.first else { continue }
                let text = (choice["text"] as? String) ?? ((choice["delta"] as? [String: Any])?["content"] as? String) ?? ""
                if !text.isEmpty {
                    outcome.tokenTimes.append(at)
                    lastAt = at
                }
                if let reason = choice["finish_reason"] as? String {
                    outcome.finishReason = reason == "length" ? .length : .stop
                    outcome.finishedAt = lastAt ?? at
                }
            }
        }
        guard outcome.finishReason != nil else {
            throw HTTPClientError.connectionClosed(beforeHead: false)
        }
        if let usageCount, usageCount > outcome.tokenTimes.count, let last = outcome.tokenTimes.last ?? outcome.finishedAt {
            outcome.tokenTimes += Array(repeating: last, count: usageCount - outcome.tokenTimes.count)
        } else if let usageCount, usageCount < outcome.tokenTimes.count {
            outcome.tokenTimes.removeLast(outcome.tokenTimes.count - usageCount)
        }
    }

    /// A whole JSON answer: every token counts as delivered when its last byte arrived.
    func readWhole(_ response: StreamingHTTPResponse, into outcome: inout CallOutcome) async throws {
        let (bytes, lastRead) = try await response.collect()
        let at = lastRead.map(instant) ?? outcome.sentAt
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let choice = (json["choices"] as? [[String: Any]])?.first
        else {
            outcome.fail("bad-response", String(decoding: bytes.prefix(200), as: UTF8.self), at: at)
            return
        }
        let count = ((json["usage"] as? [String: Any])?["completion_tokens"] as? Int) ?? 0
        outcome.tokenTimes = Array(repeating: at, count: count)
        outcome.finishReason = (choice["finish_reason"] as? String) == "length" ? .length : .stop
        outcome.finishedAt = at
    }

    /// The error class and message of a non-200 answer (OpenAI-style error JSON or plain text).
    static func errorDetail(status: Int, body: [UInt8]) -> String {
        if let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let error = json["error"] as? [String: Any], let message = error["message"] as? String {
            return message
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}
