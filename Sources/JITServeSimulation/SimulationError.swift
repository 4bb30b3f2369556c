/// Everything that can go wrong building or running a simulation, with enough context in each
/// case for the message to name the file, line, field or option at fault.
public enum SimulationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file could not be read at all (missing, a directory, no permission).
    case unreadableFile(path: String, reason: String)
    /// A CSV or JSONL file has no header line or no data rows.
    case emptyFile(path: String)
    /// A CSV header lacks a column the schema needs.
    case missingColumn(file: String, column: String, header: String)
    /// A data row could not be parsed; `line` is 1-based and counts the header as line 1.
    case malformedRow(file: String, line: Int, reason: String)
    /// A trace file's header matches none of the supported schemas.
    case unknownTraceSchema(file: String, header: String)
    /// A workload name that is neither a catalogue name nor an existing file.
    case unknownWorkload(name: String, valid: [String])
    /// A command-line option or parameter with an impossible value (negative rate, zero duration).
    case invalidOption(option: String, value: String, reason: String)
    /// A data file that should ship with the module is missing from its resource bundle.
    case missingResource(name: String)
    /// A `--model` or `--gpu` (or their pairing) the simulator has no latency tables for.
    case unknownHardware(option: String, value: String, valid: [String])

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            "cannot read \(path): \(reason)"
        case .emptyFile(let path):
            "\(path): no data rows"
        case .missingColumn(let file, let column, let header):
            "\(file):1: missing column '\(column)' (header is '\(header)')"
        case .malformedRow(let file, let line, let reason):
            "\(file):\(line): \(reason)"
        case .unknownTraceSchema(let file, let header):
            "\(file):1: unknown trace schema (header '\(header)'); expected an Azure 2023 trace "
                + "(TIMESTAMP,ContextTokens,GeneratedTokens), a vidur trace "
                + "(arrived_at,num_prefill_tokens,num_decode_tokens) or a request-length trace "
                + "(num_prefill_tokens,num_decode_tokens)"
        case .unknownWorkload(let name, let valid):
            "unknown workload '\(name)': valid names are \(valid.joined(separator: ", ")), "
                + "or the path of an Azure, vidur or request-length trace CSV"
        case .invalidOption(let option, let value, let reason):
            "invalid \(option) '\(value)': \(reason)"
        case .missingResource(let name):
            "bundled data file '\(name)' is missing from the JITServeSimulation resources"
        case .unknownHardware(let option, let value, let valid):
            "unknown \(option) '\(value)': valid names are \(valid.joined(separator: ", "))"
        }
    }
}
