import JITServeCore
import JITServeEngine
import JITServeHTTP
import Testing

@Suite struct HTTPErrorTests {
    @Test(arguments: [
        (HTTPError.malformedJSON(reason: "x", offset: 0), 400),
        (.invalidField("temperature", reason: "x"), 400),
        (.missingField("messages"), 400),
        (.promptTooLong(field: "prompt", promptTokenCount: 9, maxModelLength: 8), 400),
        (.unauthorized(reason: "x"), 401),
        (.unknownModel("gpt-4", served: "m"), 404),
        (.unknownRoute(method: "GET", path: "/x"), 404),
        (.bodyTooLarge(limit: 10), 413),
        (.overloaded(reason: "x", retryAfterSeconds: 3), 429),
        (.sloUnattainable(reason: "x", retryAfterSeconds: 1), 429),
        (.engineFailure("x"), 500),
        (.notReady, 503),
        (.shuttingDown, 503),
    ])
    func mapsToStatus(error: HTTPError, status: Int) {
        #expect(error.status == status)
        if status == 429 { #expect(error.retryAfterSeconds != nil) }
    }

    @Test func bodyHasOpenAIsShape() throws {
        let body = HTTPError.invalidField("messages[0].role", reason: "bad").body
        let error = try #require(body["error"])
        #expect(error["param"] == .string("messages[0].role"))
        #expect(error["type"] == .string("invalid_request_error"))
        #expect(error["code"] == .string("invalid_value"))
        guard case .string(let message)? = error["message"] else {
            Issue.record("message missing")
            return
        }
        #expect(message.contains("messages[0].role"))
        #expect(HTTPError.bodyTooLarge(limit: 1).body["error"]?["param"] == .null)
    }

    @Test func engineRefusalsBecomeClientErrors() {
        let id = RequestID(1)
        #expect(HTTPError(EngineError.promptTooLong(id, promptTokenCount: 10, maxModelLength: 8), promptField: "messages").status == 400)
        #expect(HTTPError(EngineError.promptTooLong(id, promptTokenCount: 10, maxModelLength: 8), promptField: "messages").param == "messages")
        #expect(HTTPError(EngineError.shuttingDown, promptField: "prompt") == .shuttingDown)
        #expect(HTTPError(EngineError.executorFailed("boom"), promptField: "prompt").status == 500)
    }

    @Test func admissionRefusalsBecome429WithRetryAfter() {
        let full = HTTPError(EngineError.overloaded(waitingCount: 12, limit: 10, retryAfterSeconds: 4), promptField: "prompt")
        #expect(full == .overloaded(reason: "12 requests are waiting (limit 10)", retryAfterSeconds: 4))
        #expect(full.status == 429 && full.type == "rate_limit_error")
        let late = HTTPError(EngineError.sloUnattainable(reason: "too late", retryAfterSeconds: 2), promptField: "prompt")
        #expect(late == .sloUnattainable(reason: "too late", retryAfterSeconds: 2))
        #expect(late.status == 429 && late.retryAfterSeconds == 2)
    }

    @Test func theEnginesValidationNamesTheClientsField() {
        let id = RequestID(1)
        let tooMany = HTTPError(
            EngineError.outputExceedsContext(id, promptTokenCount: 10, maxOutputTokens: 100, maxModelLength: 64),
            promptField: "messages", maxTokensField: "max_completion_tokens")
        #expect(tooMany.status == 400 && tooMany.param == "max_completion_tokens")
        #expect(tooMany.description.contains("leaving 54, but 100 were requested"))
        let empty = HTTPError(
            EngineError.invalidRequest(id, field: "promptTokenCount", reason: "must be at least 1"), promptField: "prompt")
        #expect(empty == .invalidField("prompt", reason: "encodes to no tokens"))
    }
}
