import FuzzDriver
import JITServeCore
import JITServeWire

/// SLO headers as a client sends them: the input is read as `name: value` lines, parsed by the
/// server's header parser and resolved against a default SLO; the same text also goes through the
/// `--default-slo` option's parser.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var headers: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...])
    }
    let defaultSLO = SLO.latency(ttft: .milliseconds(800), tbt: .milliseconds(80))
    if let spec = try? SLOSpec.parse(headers: { headers[$0] }) {
        _ = try? spec.resolve(default: defaultSLO) { _ in (WorkflowID(1), .zero) }
    }
    _ = try? SLOSpec.parseDefault(text)
    return 0
}

runFuzzer(fuzzOne)
