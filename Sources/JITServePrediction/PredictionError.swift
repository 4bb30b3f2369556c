/// Everything that can go wrong in the request analyzer: reading data, reading or writing models.
/// Each case names the file (and line or field) so a user can find the fault.
public enum PredictionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A data row could not be used.
    case badRow(file: String, line: Int, reason: String)
    /// A data file held no usable rows.
    case emptyDataset(file: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A model file is not in the expected format.
    case malformedModel(path: String, reason: String)
    /// The default model is missing from the module's resources.
    case missingDefaultModel(resource: String)
    /// A parameter is outside its valid range.
    case invalidParameter(name: String, reason: String)

    public var description: String {
        switch self {
        case .badRow(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .emptyDataset(let file): "\(file): no usable rows"
        case .io(let path, let reason): "\(path): \(reason)"
        case .malformedModel(let path, let reason): "\(path): not a jitserve QRF model: \(reason)"
        case .missingDefaultModel(let resource): "default model resource \(resource) is missing from the bundle"
        case .invalidParameter(let name, let reason): "invalid \(name): \(reason)"
        }
    }
}
