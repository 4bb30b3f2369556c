import FuzzDriver
import JITServeWire

/// A request body as a client sends it to `/v1/chat/completions` or `/v1/completions`: the JSON
/// parser, then the OpenAI field reader on both endpoints. Any error is a clean refusal; a crash,
/// a hang or a sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONValue.parse(body) {
        _ = value.serialized
    }
    for endpoint in [GenerationRequest.Endpoint.chat, .completion] {
        _ = try? GenerationRequest.parse(body, endpoint: endpoint)
    }
    return 0
}

runFuzzer(fuzzOne)
