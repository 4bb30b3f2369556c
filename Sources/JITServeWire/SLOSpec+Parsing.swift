import JITServeCore

extension SLOSpec {
    /// Milliseconds an SLO may span: positive, at most a day.
    static let millisecondRange: ClosedRange<Double> = 0...86_400_000

    /// The body's `slo` object: `kind`, `ttft_ms`, `tbt_ms`, `deadline_ms`, `workflow_id`, `stage`,
    /// `final`.
    public static func parse(body value: JSONValue, field: String = "slo") throws(HTTPError) -> SLOSpec {
        let reader = try FieldReader(value, path: field)
        var spec = SLOSpec()
        if let kind = try reader.string("kind") {
            guard let k = SLOKind(rawValue: kind) else {
                throw .invalidField(reader.name("kind"), reason: "'\(kind)' is not one of \(SLOKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            spec.kind = k
        }
        spec.ttftMilliseconds = try reader.double("ttft_ms", in: millisecondRange, excludingLower: true)
        spec.tbtMilliseconds = try reader.double("tbt_ms", in: millisecondRange, excludingLower: true)
        spec.deadlineMilliseconds = try reader.double("deadline_ms", in: millisecondRange, excludingLower: true)
        switch reader.value("workflow_id") {
        case nil: break
        case .string(let s) where !s.isEmpty: spec.workflowID = s
        case .integer(let i): spec.workflowID = String(i)
        case let v?:
            throw .invalidField(reader.name("workflow_id"), reason: "expected a non-empty string or an integer, got \(v.serialized)")
        }
        spec.stage = try reader.int("stage", in: 0...1_000_000)
        spec.isFinal = try reader.bool("final")
        return spec
    }

    /// Header names the server reads an SLO from (the ones routers already send).
    public enum Header: String, CaseIterable, Sendable {
        case ttft = "x-slo-ttft-ms"
        case tpot = "x-slo-tpot-ms"
        case deadline = "x-slo-deadline-ms"
        case workflowID = "x-workflow-id"
        case stage = "x-workflow-stage"
        case final = "x-workflow-final"
    }

    /// The SLO headers; `header` looks a header up by lower-case name.
    public static func parse(headers header: (String) -> String?) throws(HTTPError) -> SLOSpec {
        func milliseconds(_ h: Header) throws(HTTPError) -> Double? {
            guard let raw = header(h.rawValue) else { return nil }
            guard let v = Double(raw.trimmingSpaces), v.isFinite, v > 0, v <= millisecondRange.upperBound else {
                throw .invalidField(h.rawValue, reason: "'\(raw)' is not a positive number of milliseconds")
            }
            return v
        }
        var spec = SLOSpec()
        spec.ttftMilliseconds = try milliseconds(.ttft)
        spec.tbtMilliseconds = try milliseconds(.tpot)
        spec.deadlineMilliseconds = try milliseconds(.deadline)
        if let raw = header(Header.workflowID.rawValue) {
            let name = raw.trimmingSpaces
            guard !name.isEmpty else { throw .invalidField(Header.workflowID.rawValue, reason: "must not be empty") }
            spec.workflowID = name
        }
        if let raw = header(Header.stage.rawValue) {
            guard let stage = Int(raw.trimmingSpaces), stage >= 0 else {
                throw .invalidField(Header.stage.rawValue, reason: "'\(raw)' is not a non-negative integer")
            }
            spec.stage = stage
        }
        if let raw = header(Header.final.rawValue) {
            switch raw.trimmingSpaces.lowercased() {
            case "true", "1": spec.isFinal = true
            case "false", "0": spec.isFinal = false
            default: throw .invalidField(Header.final.rawValue, reason: "'\(raw)' is not true or false")
            }
        }
        return spec
    }

    /// The `--default-slo` option: `latency:ttft_ms=800,tbt_ms=80` or `deadline:deadline_ms=8000`.
    public static func parseDefault(_ text: String, option: String = "--default-slo") throws(HTTPError) -> SLO {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let usage = "expected latency:ttft_ms=N,tbt_ms=N or deadline:deadline_ms=N"
        guard let kindName = parts.first, let kind = SLOKind(rawValue: kindName), kind != .compound else {
            throw .invalidField(option, reason: "'\(text)': \(usage)")
        }
        var values: [String: Double] = [:]
        for pair in (parts.count > 1 ? parts[1] : "").split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, let v = Double(kv[1]), v.isFinite, v > 0 else {
                throw .invalidField(option, reason: "'\(pair)': \(usage)")
            }
            // The same bound as the body and the headers: larger values would overflow a
            // Duration (found by scripts/fuzz.sh slo-headers).
            guard v <= millisecondRange.upperBound else {
                throw .invalidField(option, reason: "'\(pair)': at most \(Int(millisecondRange.upperBound)) ms (a day)")
            }
            values[kv[0]] = v
        }
        let allowed: Set<String> = kind == .latency ? ["ttft_ms", "tbt_ms"] : ["deadline_ms"]
        if let unknown = values.keys.first(where: { !allowed.contains($0) }) {
            throw .invalidField(option, reason: "'\(unknown)' does not apply to kind \(kind.rawValue): \(usage)")
        }
        if kind == .latency {
            return .latency(ttft: .milliseconds(values["ttft_ms"] ?? 800), tbt: .milliseconds(values["tbt_ms"] ?? 80))
        }
        guard let deadline = values["deadline_ms"] else { throw .invalidField(option, reason: "deadline_ms is required: \(usage)") }
        return .deadline(ttlt: .milliseconds(deadline))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
