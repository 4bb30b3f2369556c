/// How the KV cache stores keys and values (`--kv-cache-dtype`).
public enum KVCacheDataType: String, Sendable, CaseIterable, Codable {
    /// Full precision: attention as exact as the rest of the fp32 forward pass (the default).
    case float32 = "fp32"
    /// Half precision, as llama.cpp keeps its cache: half the memory and half the bytes read
    /// per decoded token, at fp16's 11-bit precision.
    case float16 = "fp16"

    /// Bytes one element takes.
    public var elementByteCount: Int {
        switch self {
        case .float32: 4
        case .float16: 2
        }
    }
}
