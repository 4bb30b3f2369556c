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
    /// Attention scratch, one area per thread (see `AttentionScratch`).
    private let attentionArea: UnsafeMutablePointer<Float>
    private let attentionAreaSize: Int
    let threadCount: Int
    /// The largest KV block size: each scores row is padded to whole blocks of any size up to it.
    static let maxBlockSize = 64

    /// One thread's attention buffers.
    struct AttentionScratch {
        /// The GQA group's queries, pre-scaled (`groupSize × headDimension`).
        var queries: UnsafeMutablePointer<Float>
        /// One scores row per query head, each padded to whole blocks.
        var scores: UnsafeMutablePointer<Float>
    }

    init(configuration c: LlamaConfiguration, threadCount: Int) {
        configuration = c
        let largest = max(
            (c.embeddingLength + 2 * c.kvWidth) * c.embeddingLength,
            2 * c.feedForwardLength * c.embeddingLength, c.embeddingLength * c.embeddingLength)
        dequantized = .allocate(capacity: largest)
        self.threadCount = threadCount
        let paddedContext = Self.paddedContext(c)
        // Rounded to whole cache lines so that two threads never share one.
        attentionAreaSize = (c.groupSize * (c.headDimension + paddedContext) + 15) / 16 * 16
        attentionArea = .allocate(capacity: threadCount * attentionAreaSize)
    }

    /// Room for one scores row: the context rounded up to whole blocks of any size up to
    /// `maxBlockSize`.
    static func paddedContext(_ c: LlamaConfiguration) -> Int {
        (c.contextLength + maxBlockSize - 1) / maxBlockSize * maxBlockSize + maxBlockSize
    }

    /// Thread `thread`'s attention buffers.
    @inline(__always)
    func attentionScratch(thread: Int) -> AttentionScratch {
        let base = attentionArea + thread * attentionAreaSize
        return AttentionScratch(queries: base, scores: base + configuration.groupSize * configuration.headDimension)
    }

    deinit {
        for buffer in [x, normed, qkv, attention, feedForward, logits, dequantized, attentionArea] {
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
