import JITServeCore

/// Writes one response's JSON: SSE chunks, the final non-streamed body, usage and error frames,
/// in the shapes vLLM and OpenAI use. Chunk text is built by string concatenation around a
/// precomputed prefix: a streamed token must cost microseconds, not a JSON encoder.
public struct ResponseRenderer: Sendable {
    public let endpoint: GenerationRequest.Endpoint
    public let id: String
    public let created: Int
    public let model: String
    private let chunkPrefix: String

    public init(endpoint: GenerationRequest.Endpoint, requestID: RequestID, created: Int, model: String) {
        self.endpoint = endpoint
        id = (endpoint == .chat ? "chatcmpl-" : "cmpl-") + String(requestID.rawValue)
        self.created = created
        self.model = model
        var prefix = "data: {\"id\":"
        JSONValue.writeString(id, into: &prefix)
        prefix += ",\"object\":\"" + (endpoint == .chat ? "chat.completion.chunk" : "text_completion")
        prefix += "\",\"created\":\(created),\"model\":"
        JSONValue.writeString(model, into: &prefix)
        prefix += ",\"choices\":["
        chunkPrefix = prefix
    }

    public static let done = "data: [DONE]\n\n"

    /// One SSE frame carrying `text` for choice `index`; the chat `role` goes out with the
    /// first one. `logprobs` is the choice's `logprobs` object for this frame (nil: `null`).
    public func chunk(
        text: String, isFirst: Bool, finishReason: String? = nil, index: Int = 0, logprobs: JSONValue? = nil
    ) -> String {
        var out = chunkPrefix
        out.reserveCapacity(chunkPrefix.utf8.count + text.utf8.count + 96)
        let finish = finishReason.map { "\"\($0)\"" } ?? "null"
        var logprobsText = "null"
        if let logprobs { logprobsText = logprobs.serialized }
        if endpoint == .chat {
            out += "{\"index\":\(index),\"delta\":{"
            if isFirst { out += "\"role\":\"assistant\"" }
            if !text.isEmpty || (isFirst && finishReason == nil) {
                if isFirst { out += "," }
                out += "\"content\":"
                JSONValue.writeString(text, into: &out)
            }
            out += "},\"logprobs\":" + logprobsText + ",\"finish_reason\":" + finish + "}]}\n\n"
        } else {
            out += "{\"index\":\(index),\"text\":"
            JSONValue.writeString(text, into: &out)
            out += ",\"logprobs\":" + logprobsText + ",\"finish_reason\":" + finish + "}]}\n\n"
        }
        return out
    }

    /// The last frame of `stream_options.include_usage`: no choices, only usage.
    public func usageChunk(_ usage: JSONValue) -> String {
        var out = chunkPrefix + "],\"usage\":"
        usage.write(into: &out)
        out += "}\n\n"
        return out
    }

    /// One choice of a non-streamed response; chat messages carry OpenAI's `refusal: null`.
    public func choice(text: String, finishReason: String, index: Int = 0, logprobs: JSONValue = nil) -> JSONValue {
        endpoint == .chat
            ? ["index": .integer(index), "message": ["role": "assistant", "content": .string(text), "refusal": nil],
               "logprobs": logprobs, "finish_reason": .string(finishReason)]
            : ["index": .integer(index), "text": .string(text), "logprobs": logprobs,
               "finish_reason": .string(finishReason)]
    }

    /// The non-streamed response body with one choice.
    public func response(text: String, finishReason: String, usage: JSONValue) -> JSONValue {
        response(choices: [choice(text: text, finishReason: finishReason)], usage: usage)
    }

    /// The non-streamed response body.
    public func response(choices: [JSONValue], usage: JSONValue) -> JSONValue {
        [
            "id": .string(id), "object": .string(endpoint.rawValue), "created": .integer(created),
            "model": .string(model), "choices": .array(choices), "usage": usage,
        ]
    }

    /// An error inside a stream whose 200 status has already gone out.
    public static func errorFrame(_ error: JITServeWire.HTTPError) -> String {
        var out = "data: "
        var body = error.body
        if case .object(var o) = body, case .object(var inner)? = o["error"] {
            inner["code"] = .integer(error.status)
            inner["jitserve_code"] = .string(error.code)
            o["error"] = .object(inner)
            body = .object(o)
        }
        body.write(into: &out)
        out += "\n\n"
        return out
    }

    /// OpenAI's usage object plus jitserve's SLO figures.
    public static func usage(
        promptTokenCount: Int, completionTokenCount: Int, record: RequestRecord?, workflowEstimate: WorkflowEstimate? = nil
    ) -> JSONValue {
        var usage: JSONObject = [
            "prompt_tokens": .integer(promptTokenCount),
            "completion_tokens": .integer(completionTokenCount),
            "total_tokens": .integer(promptTokenCount + completionTokenCount),
        ]
        if let record {
            // OpenAI's count of prompt tokens served from cache (here: the prefix cache).
            usage["prompt_tokens_details"] = .object(["cached_tokens": .integer(record.timeline.cachedPromptTokenCount)])
            usage["jitserve"] = sloFigures(record, workflowEstimate: workflowEstimate)
        }
        return .object(usage)
    }

    /// jitserve's figures for one request; a compound call's include what the workflow analyzer
    /// told the scheduler as it arrived (`workflow_estimate`: its stage's sub-deadline, in ms
    /// from the call's arrival, and what it expected to remain).
    public static func sloFigures(_ record: RequestRecord, workflowEstimate: WorkflowEstimate? = nil) -> JSONValue {
        let timeline = record.timeline
        func ms(_ d: Duration?) -> JSONValue { d.map { .number(($0.milliseconds * 1000).rounded() / 1000) } ?? .null }
        var slo: JSONObject = ["kind": .string(record.request.kind.rawValue)]
        switch record.request.slo {
        case .latency(let ttft, let tbt):
            slo["ttft_ms"] = ms(ttft)
            slo["tbt_ms"] = ms(tbt)
        case .deadline(let ttlt):
            slo["deadline_ms"] = ms(ttlt)
        case .compound(let c):
            slo["workflow_id"] = .integer(Int(c.workflowID.rawValue))
            slo["stage"] = .integer(c.stage)
            slo["deadline_ms"] = ms(c.deadline)
        }
        var figures: JSONObject = [
            "slo": .object(slo),
            "slo_met": .bool(GoodputAccountant.metInFull(record)),
            "good_tokens": .integer(GoodputAccountant.goodTokenCount(record)),
            "ttft_ms": ms(timeline.ttft),
            "queue_ms": ms(timeline.queueing),
            "e2e_ms": ms(timeline.endToEnd),
            "preemptions": .integer(timeline.preemptionCount),
        ]
        if let e = workflowEstimate {
            figures["workflow_estimate"] = [
                "stage_due_ms": ms(e.currentStageDueAt - timeline.arrivedAt),
                "remaining_stages": .integer(e.remainingStageCount),
                "remaining_output_tokens": .integer(e.remainingFutureOutputTokens),
                "remaining_critical_path_tokens": .integer(e.remainingCriticalPathTokens),
            ]
        }
        return .object(figures)
    }
}
