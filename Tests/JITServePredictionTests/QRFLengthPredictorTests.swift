import Foundation
import JITServeCore
import JITServePrediction
import Testing

@Suite struct QRFLengthPredictorTests {
    /// Prompts whose wording decides the answer's length: "list" prompts get long answers,
    /// "yes or no" prompts short ones.
    static func examples(count: Int, seed: UInt64) -> [LengthExample] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { k in
            let long = rng.next() % 2 == 0
            let text = long
                ? "Write a detailed list of \(k % 7 + 3) ideas about topic \(k % 13)."
                : "Answer yes or no: is \(k % 11) even?"
            let length = long ? 300 + Int(rng.next() % 200) : 2 + Int(rng.next() % 8)
            return LengthExample(id: "row-\(k)", promptText: text, promptTokenCount: text.utf8.count / 4,
                                 outputTokenCount: length, line: k + 1)
        }
    }

    static func smallConfiguration() -> QRFLengthPredictor.TrainingConfiguration {
        QRFLengthPredictor.TrainingConfiguration(
            text: .init(treeCount: 8, minimumLeafSize: 8, featureFraction: 0.5),
            tokenCount: .init(treeCount: 4, minimumLeafSize: 16, featureFraction: 1))
    }

    static func request(_ text: String?, tokens: Int, maxOutput: Int = 4096) -> Request {
        Request(id: RequestID(1), arrivedAt: .zero, promptTokenCount: tokens, promptText: text,
                maxOutputTokens: maxOutput, slo: .deadline(ttlt: .seconds(8)))
    }

    @Test func promptWordingSeparatesLengths() throws {
        let model = try QRFLengthPredictor.train(examples: Self.examples(count: 800, seed: 1), configuration: Self.smallConfiguration())
        let long = model.distribution(for: Self.request("Write a detailed list of 5 ideas about topic 2.", tokens: 12))
        let short = model.distribution(for: Self.request("Answer yes or no: is 4 even?", tokens: 7))
        #expect(long.upperBound(quantile: 0.5) >= 300)
        #expect(short.upperBound(quantile: 0.95) <= 10)
        // The global baseline cannot tell them apart.
        let global = model.globalPredictor()
        #expect(global.distribution(for: Self.request("x", tokens: 1)).upperBound(quantile: 0.95) >= 300)
    }

    @Test func worksWithoutPromptText() throws {
        let model = try QRFLengthPredictor.train(examples: Self.examples(count: 400, seed: 2), configuration: Self.smallConfiguration())
        let distribution = model.distribution(for: Self.request(nil, tokens: 10))
        #expect(distribution.upperBound(quantile: 0.95) >= 1)
        #expect(model.distribution(for: Self.request("", tokens: 10)) == distribution)
    }

    @Test func boundRespectsMaxOutputTokens() throws {
        let model = try QRFLengthPredictor.train(examples: Self.examples(count: 400, seed: 3), configuration: Self.smallConfiguration())
        let capped = model.distribution(for: Self.request("Write a detailed list of 5 ideas about topic 2.", tokens: 12, maxOutput: 50))
        #expect(capped.upperBound(quantile: 0.95) <= 50)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let model = try QRFLengthPredictor.train(examples: Self.examples(count: 300, seed: 4), configuration: Self.smallConfiguration())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qrf-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let loaded = try QRFLengthPredictor.load(path: path)
        #expect(loaded.textForest == model.textForest)
        #expect(loaded.tokenCountForest == model.tokenCountForest)
        #expect(loaded.trainingLengths == model.trainingLengths)
        let request = Self.request("Write a detailed list of 4 ideas about topic 1.", tokens: 12)
        #expect(loaded.distribution(for: request) == model.distribution(for: request))
    }

    @Test func corruptModelsAreRejected() throws {
        let model = try QRFLengthPredictor.train(examples: Self.examples(count: 200, seed: 5), configuration: Self.smallConfiguration())
        let bytes = model.serialized()
        for cut in [0, 4, 12, bytes.count / 2, bytes.count - 1] {
            #expect(throws: PredictionError.self) { try QRFLengthPredictor(serialized: Array(bytes.prefix(cut)), path: "cut") }
        }
        var foreign = bytes
        foreign[0] = UInt8(ascii: "X")
        #expect(throws: PredictionError.self) { try QRFLengthPredictor(serialized: foreign, path: "foreign") }
        #expect(throws: PredictionError.self) { try QRFLengthPredictor(serialized: bytes + [0], path: "trailing") }
    }

    @Test func defaultModelLoadsFromTheBundle() throws {
        let model = try QRFLengthPredictor.loadDefault()
        #expect(model.trainingLengths.count > 1000)
        let withText = model.distribution(for: Self.request("Write a 1000-word essay about the history of Rome.", tokens: 14))
        let withoutText = model.distribution(for: Self.request(nil, tokens: 14))
        for g in [0, 16, 64, 256, 4000] {
            #expect(withText.upperBound(quantile: 0.95, generated: g) > g)
            #expect(withoutText.upperBound(quantile: 0.95, generated: g) > g)
        }
    }
}
