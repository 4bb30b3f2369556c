/// What the decode kernels multiply the quantised weights with (`--activation-dtype`).
public enum ActivationDataType: String, Sendable, CaseIterable, Codable {
    /// fp32 activations against weights decoded to fp32: the reference numerics (the default).
    case float32 = "fp32"
    /// Each 32-element block of a token's activations rounded to signed bytes with one scale,
    /// as llama.cpp does (Q8): weights and activations then meet in byte dot products with
    /// integer sums, fewer instructions a weight. Outputs move by the rounding (about 0.4 % of
    /// a block's largest value per element); prefill batches, which take SGEMM, stay fp32.
    case q8
}
