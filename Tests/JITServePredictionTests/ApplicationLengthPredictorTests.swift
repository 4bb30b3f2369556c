import JITServeCore
import JITServePrediction
import Testing

@Suite struct ApplicationLengthPredictorTests {
    /// A base predictor that always says 800 tokens, like a chat forest asked about tool calls.
    struct Fixed: OutputLengthPredictor {
        let name = "fixed"
        func distribution(for request: Request) -> LengthDistribution { .exactly(800) }
    }

    static func request(_ id: UInt64, app: String?, text: String? = nil, prompt: Int = 2000) -> Request {
        Request(id: RequestID(id), arrivedAt: .zero, promptTokenCount: prompt, promptText: text,
                maxOutputTokens: 4096, slo: .deadline(ttlt: .seconds(8)), application: app)
    }

    @Test func textLessRequestsGetTheirApplicationsRecentLengthsOnceEnoughFinished() {
        var predictor = ApplicationLengthPredictor(base: Fixed(), window: 64, minimumObserved: 8, neighbourCount: 8)
        for i in 0..<7 { predictor.observe(Self.request(UInt64(i), app: "code"), outputTokenCount: 20 + i) }
        // Seven finished: still the base.
        #expect(predictor.distribution(for: Self.request(100, app: "code")).upperBound(quantile: 0.95) == 800)
        predictor.observe(Self.request(7, app: "code"), outputTokenCount: 27)
        let learned = predictor.distribution(for: Self.request(101, app: "code"))
        #expect(learned.upperBound(quantile: 1) == 27 && learned.upperBound(quantile: 0.01) == 20)
        // Other applications, and requests whose prompt text the forest can read, keep the base.
        #expect(predictor.distribution(for: Self.request(102, app: "chat")).upperBound(quantile: 0.5) == 800)
        #expect(predictor.distribution(for: Self.request(103, app: "code", text: "hello")).upperBound(quantile: 0.5) == 800)
        #expect(predictor.distribution(for: Self.request(104, app: nil)).upperBound(quantile: 0.5) == 800)
    }

    @Test func theWindowForgetsOldLengths() {
        var predictor = ApplicationLengthPredictor(base: Fixed(), window: 8, minimumObserved: 8, neighbourCount: 8)
        for i in 0..<8 { predictor.observe(Self.request(UInt64(i), app: "code"), outputTokenCount: 10) }
        for i in 8..<16 { predictor.observe(Self.request(UInt64(i), app: "code"), outputTokenCount: 300) }
        let d = predictor.distribution(for: Self.request(99, app: "code"))
        #expect(d.samples == Array(repeating: 300, count: 8))
        // Capped by the request's max_tokens like every other estimate.
        var short = Self.request(98, app: "code")
        short.maxOutputTokens = 100
        #expect(predictor.distribution(for: short).upperBound(quantile: 1) == 100)
    }

    @Test func neighboursAreTheNearestPromptLengths() {
        // Short prompts (≈100 tokens) answered in 20 tokens, long ones (≈4,000) in 500.
        var predictor = ApplicationLengthPredictor(base: Fixed(), window: 64, minimumObserved: 8, neighbourCount: 4)
        for i in 0..<8 {
            predictor.observe(Self.request(UInt64(i), app: "agent", prompt: 90 + i), outputTokenCount: 20)
            predictor.observe(Self.request(UInt64(100 + i), app: "agent", prompt: 3900 + i), outputTokenCount: 500)
        }
        #expect(predictor.distribution(for: Self.request(200, app: "agent", prompt: 120)).samples == [20, 20, 20, 20])
        #expect(predictor.distribution(for: Self.request(201, app: "agent", prompt: 5000)).samples == [500, 500, 500, 500])
    }
}
