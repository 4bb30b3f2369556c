import Foundation
import JITServeCore

/// One line of a length log: a request the server finished, with what the length forest
/// needs to learn from it. The file is JSONL, one object per finished request:
///
///     {"served_model": "smollm2-135m", "application": "chat", "slo_kind": "latency",
///      "prompt": "What is the capital of France?", "prompt_tokens": 38,
///      "output_tokens": 9, "max_tokens": 256, "finish_reason": "stop",
///      "finished_at": "2025-01-31T12:00:00Z"}
///
/// **It contains prompts.** Where the text must not be stored, `prompt` is left out and
/// `prompt_features` carries the forest's hashed features instead (`PromptFeaturizer`
/// `.text`, sparse: `{"version": 1, "indices": […], "values": […]}`), which is all training
/// needs; hashed word n-grams still say something about a prompt, so treat the file as
/// sensitive either way.
///
/// `predictor train --data` and `predictor eval --data` read it like any length dataset:
/// `prompt`/`prompt_tokens`/`output_tokens`/`slo_kind` are the dataset's own fields.
public struct LengthLogRecord: Codable, Hashable, Sendable {
    /// The forest's text features of a prompt, sparse (only non-zero slots).
    public struct Features: Codable, Hashable, Sendable {
        /// `QRFLengthPredictor.featurizerVersion` when written; a different version is refused.
        public var version: UInt32
        public var indices: [Int]
        public var values: [Float]

        public init(version: UInt32, indices: [Int], values: [Float]) {
            self.version = version
            self.indices = indices
            self.values = values
        }

        public init(dense: [Float], version: UInt32 = QRFLengthPredictor.featurizerVersion) {
            self.version = version
            indices = dense.indices.filter { dense[$0] != 0 }
            values = indices.map { dense[$0] }
        }

        /// The dense vector of `count` slots; nil when an index is out of range or the
        /// lists differ in length.
        public func dense(count: Int) -> [Float]? {
            guard indices.count == values.count else { return nil }
            var vector = [Float](repeating: 0, count: count)
            for (i, v) in zip(indices, values) {
                guard i >= 0 && i < count else { return nil }
                vector[i] = v
            }
            return vector
        }
    }

    public var servedModel: String
    public var application: String?
    public var sloKind: SLOKind?
    /// The prompt as the model saw it; nil when the log stores features instead.
    public var prompt: String?
    public var promptFeatures: Features?
    public var promptTokens: Int
    public var outputTokens: Int
    public var maxTokens: Int
    /// `stop` (the model ended it) or `length` (cut at `max_tokens`: the true length is longer).
    public var finishReason: FinishReason
    public var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case servedModel = "served_model"
        case application
        case sloKind = "slo_kind"
        case prompt
        case promptFeatures = "prompt_features"
        case promptTokens = "prompt_tokens"
        case outputTokens = "output_tokens"
        case maxTokens = "max_tokens"
        case finishReason = "finish_reason"
        case finishedAt = "finished_at"
    }

    public init(
        servedModel: String, application: String?, sloKind: SLOKind?, prompt: String?, promptFeatures: Features?,
        promptTokens: Int, outputTokens: Int, maxTokens: Int, finishReason: FinishReason, finishedAt: Date?
    ) {
        self.servedModel = servedModel
        self.application = application
        self.sloKind = sloKind
        self.prompt = prompt
        self.promptFeatures = promptFeatures
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.maxTokens = maxTokens
        self.finishReason = finishReason
        self.finishedAt = finishedAt
    }

    /// The record of `request`, finished after `outputTokenCount` tokens. With
    /// `includesPromptText` false the prompt's features replace its text.
    public init(
        request: Request, servedModel: String, outputTokenCount: Int, finishReason: FinishReason,
        finishedAt: Date? = Date(), includesPromptText: Bool
    ) {
        let text = request.promptText.flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            servedModel: servedModel, application: request.application, sloKind: request.kind,
            prompt: includesPromptText ? text : nil,
            promptFeatures: includesPromptText || text == nil ? nil : Features(dense: PromptFeaturizer.features(
                .text, promptText: text, promptTokenCount: request.promptTokenCount, kind: request.kind)),
            promptTokens: request.promptTokenCount, outputTokens: outputTokenCount, maxTokens: request.maxOutputTokens,
            finishReason: finishReason, finishedAt: finishedAt)
    }

    /// Whether a finished request belongs in the log: it produced tokens and ended on its own
    /// or at its cap (cancelled and rejected requests say nothing about length, nor do scoring
    /// calls, `Request.isScoringCall`, which the engine does not learn from either).
    public static func isLogged(_ reason: FinishReason, outputTokenCount: Int, isScoringCall: Bool = false) -> Bool {
        outputTokenCount > 0 && (reason == .stop || reason == .length) && !isScoringCall
    }

    /// The record as one JSON line, newline included.
    public func jsonLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Parses one line written by `jsonLine()`.
    public static func decode(line: Data) throws -> LengthLogRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(LengthLogRecord.self, from: line)
    }
}
