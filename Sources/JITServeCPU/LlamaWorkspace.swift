/// The activation buffers of a forward pass, grown on demand and reused between iterations so
/// a decode step allocates nothing.
final class LlamaWorkspace: @unchecked Sendable {
    let configuration: LlamaConfiguration
    private(set) var rowCapacity = 0
    private(set) var sampledCapacity = 0

    /// Residual stream `[T × width]`.
    private(set) var x: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// RMS-normalised rows `[T × width]`.
    private(set) var normed: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Queries, keys and values `[T × (width + 2·kvWidth)]`.
    private(set) var qkv: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Attention output `[T × width]`.
    private(set) var attention: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Gate and up projections `[T × 2·hidden]`.
    private(set) var feedForward: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Logits of the sampled rows `[S × vocabulary]`.
    private(set) var logits: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// A dequantised weight matrix for the SGEMM path (largest layer matrix).
    let dequantized: UnsafeMutablePointer<Float>
    /// Attention scores, one `groupSize × contextLength` area per thread.
    let scores: UnsafeMutablePointer<Float>

    init(configuration c: LlamaConfiguration, threadCount: Int) {
        configuration = c
        let largest = max(
            (c.embeddingLength + 2 * c.kvWidth) * c.embeddingLength,
            2 * c.feedForwardLength * c.embeddingLength, c.embeddingLength * c.embeddingLength)
        dequantized = .allocate(capacity: largest)
        scores = .allocate(capacity: threadCount * c.groupSize * c.contextLength)
    }

    deinit {
        for buffer in [x, normed, qkv, attention, feedForward, logits, dequantized, scores] {
            buffer.deallocate()
        }
    }

    /// Makes room for `rows` tokens and `sampledRows` rows of logits.
    func reserve(rows: Int, sampledRows: Int) {
        let c = configuration
        if rows > rowCapacity {
            let capacity = max(rows, rowCapacity * 2)
            for buffer in [x, normed, qkv, attention, feedForward] { buffer.deallocate() }
            x = .allocate(capacity: capacity * c.embeddingLength)
            normed = .allocate(capacity: capacity * c.embeddingLength)
            qkv = .allocate(capacity: capacity * (c.embeddingLength + 2 * c.kvWidth))
            attention = .allocate(capacity: capacity * c.embeddingLength)
            feedForward = .allocate(capacity: capacity * 2 * c.feedForwardLength)
            rowCapacity = capacity
        }
        if sampledRows > sampledCapacity {
            let capacity = max(sampledRows, sampledCapacity * 2)
            logits.deallocate()
            logits = .allocate(capacity: capacity * c.vocabularySize)
            sampledCapacity = capacity
        }
    }
}
