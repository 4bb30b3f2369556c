/// The ggml tensor element types this module decodes. Raw values are ggml's type IDs as stored in
/// a GGUF tensor directory.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8

    /// Elements per quantisation block (1 for plain floats).
    public var blockSize: Int {
        switch self {
        case .f32, .f16: return 1
        case .q4_0, .q4_1, .q8_0: return 32
        }
    }

    /// Bytes per block: Q4_0 = fp16 scale + 16 nibble bytes; Q4_1 = fp16 scale + fp16 min + 16
    /// nibble bytes; Q8_0 = fp16 scale + 32 int8.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: return 4
        case .f16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        }
    }

    /// ggml's lower-case spelling of the type.
    public var name: String { Self.name(forTypeID: rawValue) }

    /// ggml's name for any type ID, including those this module does not decode, so errors can
    /// say which type a file uses.
    public static func name(forTypeID id: UInt32) -> String {
        let names: [UInt32: String] = [
            0: "f32", 1: "f16", 2: "q4_0", 3: "q4_1", 6: "q5_0", 7: "q5_1", 8: "q8_0", 9: "q8_1",
            10: "q2_K", 11: "q3_K", 12: "q4_K", 13: "q5_K", 14: "q6_K", 15: "q8_K",
            16: "iq2_xxs", 17: "iq2_xs", 18: "iq3_xxs", 19: "iq1_s", 20: "iq4_nl", 21: "iq3_s",
            22: "iq2_s", 23: "iq4_xs", 24: "i8", 25: "i16", 26: "i32", 27: "i64", 28: "f64",
            29: "iq1_m", 30: "bf16", 34: "tq1_0", 35: "tq2_0", 39: "mxfp4",
        ]
        return names[id] ?? "unknown"
    }
}
