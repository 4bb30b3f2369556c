import JITServeCore
import JITServeHTTPClient

/// One call of a replay as it goes over HTTP: a `POST /v1/completions` with the workload's
/// prompt length, output length and SLO (as the headers routers use), streamed for latency
/// requests and awaited whole otherwise.
struct ReplayCall: Sendable {
    /// The workload's request (ID, lengths, SLO, application); its arrival is replaced by the
    /// instant the call is sent.
    var request: Request
    var outputTokenCount: Int
    var prompt: PromptPayload
    /// Compound calls: the workflow's name on the wire, its stage, and whether it is the last.
    var workflowName: String?
    var isFinal = false

    /// Latency requests stream (their SLO is per token); the others wait for the whole answer.
    var streams: Bool { request.kind == .latency }

    /// The call's HTTP request for `profile`, forcing the output length as `forcing` says.
    func httpRequest(profile: ServerProfile, forcing: LengthForcing) -> HTTPClientRequest {
        var body = JSONText()
        body.string("model", profile.model)
        switch prompt {
        case .text(let text): body.string("prompt", text)
        case .tokens(let ids): body.ints("prompt", ids)
        }
        switch forcing {
        case .replay:
            var cap = request.maxOutputTokens
            if let context = profile.maxModelLength { cap = min(cap, context - request.promptTokenCount) }
            body.int("max_tokens", max(outputTokenCount, cap))
            body.int("replay_output_tokens", outputTokenCount)
        case .maxTokens:
            body.int("max_tokens", outputTokenCount)
        }
        body.bool("ignore_eos", true)
        body.int("temperature", 0)
        body.bool("stream", streams)
        if streams { body.field("stream_options", #"{"include_usage":true}"#) }
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")] + profile.authorization
        if streams { headers.append(("Accept", "text/event-stream")) }
        // Fractional milliseconds: a rounded 0 would be refused, and rounding shifts the SLO.
        func ms(_ d: Duration) -> String {
            let v = (d.milliseconds * 1000).rounded() / 1000
            return v == v.rounded() ? String(Int(v)) : String(v)
        }
        switch request.slo {
        case .latency(let ttft, let tbt):
            headers += [("x-slo-ttft-ms", ms(ttft)), ("x-slo-tpot-ms", ms(tbt))]
        case .deadline(let ttlt):
            headers.append(("x-slo-deadline-ms", ms(ttlt)))
        case .compound(let c):
            headers += [
                ("x-workflow-id", workflowName ?? "workflow-\(c.workflowID.rawValue)"),
                ("x-workflow-stage", String(c.stage)), ("x-slo-deadline-ms", ms(c.deadline)),
            ]
            if isFinal { headers.append(("x-workflow-final", "true")) }
        }
        if let application = request.application { headers.append(("x-application", application)) }
        return profile.url.request("POST", "/v1/completions", headers: headers, body: body.bytes)
    }
}
