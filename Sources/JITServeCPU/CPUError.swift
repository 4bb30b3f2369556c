/// Everything that can go wrong in the CPU executor's module: model files, tokenizer, chat
/// template, the model cache and the forward pass. Each case carries the file, field or value
/// that is wrong so the message alone tells the user where to look.
public enum CPUError: Error, CustomStringConvertible, Sendable {
    /// The file could not be opened, read or mapped.
    case unreadableFile(path: String, reason: String)
    /// The GGUF structure is invalid at `offset` bytes into the file.
    case malformedGGUF(path: String, offset: Int, reason: String)
    /// A tensor uses a ggml type this reader does not decode.
    case unsupportedTensorType(path: String, tensor: String, typeID: UInt32)
    /// A metadata key the model needs is absent.
    case missingMetadata(key: String)
    /// A metadata key is present but holds the wrong kind or an out-of-range value.
    case invalidMetadata(key: String, reason: String)
    /// The tokenizer described by the metadata cannot be built.
    case invalidTokenizer(reason: String)
    /// The GGUF's `tokenizer.chat_template` uses Jinja this renderer does not implement, or is
    /// not valid Jinja.
    case unsupportedChatTemplate(reason: String)
    /// Rendering the chat template failed: its own `raise_exception` (e.g. roles that do not
    /// alternate), or an operation on values it was not written for.
    case chatTemplateFailed(reason: String)
    /// No model of this name is in the cache (and pulling was not allowed or not possible).
    case modelNotFound(name: String, fix: String)
    /// Fetching a model failed; `fix` says what the user can do about it.
    case modelFetchFailed(name: String, reason: String, fix: String)
    /// A downloaded or registered file does not have the pinned SHA-256.
    case checksumMismatch(path: String, expected: String, actual: String)
    /// A weight tensor's shape or size does not fit what the model needs.
    case invalidTensorShape(tensor: String, dimensions: [Int], reason: String)
    /// An execution batch the executor cannot run (bad block table, context too long, …).
    case invalidBatch(request: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedGGUF(let path, let offset, let reason):
            return "\(path): not a valid GGUF file (at byte \(offset)): \(reason)"
        case .unsupportedTensorType(let path, let tensor, let typeID):
            let name = GGMLType.name(forTypeID: typeID)
            return "\(path): tensor '\(tensor)' has ggml type \(name) (id \(typeID)), "
                + "which this reader does not support (supported: f32, f16, q4_0, q4_1, q8_0)"
        case .missingMetadata(let key):
            return "GGUF metadata key '\(key)' is missing"
        case .invalidMetadata(let key, let reason):
            return "GGUF metadata key '\(key)' is invalid: \(reason)"
        case .invalidTokenizer(let reason):
            return "cannot build the tokenizer: \(reason)"
        case .unsupportedChatTemplate(let reason):
            return "unsupported chat template (tokenizer.chat_template): \(reason)"
        case .chatTemplateFailed(let reason):
            return "the model's chat template refused these messages: \(reason)"
        case .modelNotFound(let name, let fix):
            return "model '\(name)' is not in the model cache; \(fix)"
        case .modelFetchFailed(let name, let reason, let fix):
            return "cannot fetch model '\(name)': \(reason); \(fix)"
        case .checksumMismatch(let path, let expected, let actual):
            return "\(path): SHA-256 is \(actual), expected \(expected) (file corrupt or not the pinned release)"
        case .invalidTensorShape(let tensor, let dimensions, let reason):
            return "tensor '\(tensor)' with dimensions \(dimensions): \(reason)"
        case .invalidBatch(let request, let reason):
            return "cannot execute request \(request): \(reason)"
        }
    }
}
