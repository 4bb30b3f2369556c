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

    @Test func aCancelledRequestsEstimateIsDroppedAtOnce() {
        var predictor = ApplicationLengthPredictor(base: Fixed(), servedModel: "m", calibration: .init())
        let kept = Self.request(1, app: "chat", text: "a")
        let cancelled = Self.request(2, app: "chat", text: "b")
        _ = predictor.distribution(for: kept)
        _ = predictor.distribution(for: cancelled)
        #expect(predictor.pendingCount == 2)
        predictor.forget(cancelled)
        #expect(predictor.pendingCount == 1)
        predictor.observe(kept, outputTokenCount: 40)
        #expect(predictor.pendingCount == 0)
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

@Suite struct CalibratedEstimatorTests {
    /// A forest-like base that believes answers run 50–400 tokens whatever the prompt.
    struct Wide: OutputLengthPredictor {
        let name = "wide"
        func distribution(for request: Request) -> LengthDistribution {
            LengthDistribution(samples: Array(stride(from: 50, through: 400, by: 10)))
        }
    }

    static func request(_ id: UInt64, app: String?, text: String? = "Say something.", maxOutput: Int = 4096) -> Request {
        Request(id: RequestID(id), arrivedAt: .zero, promptTokenCount: 40, promptText: text,
                maxOutputTokens: maxOutput, slo: .latency(ttft: .milliseconds(800), tbt: .milliseconds(80)), application: app)
    }

    static func estimator(model: String = "llama-3-8b") -> ApplicationLengthPredictor {
        ApplicationLengthPredictor.estimator(forest: Wide(), servedModel: model, calibration: .init(window: 128))
    }

    @Test func learnsPerApplicationAndLeavesOthersAlone() {
        var estimator = Self.estimator()
        // The served model answers "code" requests in about 20 tokens.
        for k in 0..<200 {
            let request = Self.request(UInt64(k), app: "code")
            _ = estimator.distribution(for: request)
            estimator.observe(request, outputTokenCount: 18 + k % 5)
        }
        #expect(estimator.distribution(for: Self.request(1000, app: "code")).upperBound(quantile: 0.95) <= 23)
        let untouched = estimator.distribution(for: Self.request(1001, app: "chat"))
        #expect(untouched == Wide().distribution(for: Self.request(0, app: nil)))
        let codeKey = estimator.calibrationKey(for: Self.request(0, app: "code"))
        #expect(estimator.calibrationCount(for: codeKey) == 128)
        // Another served model's estimator shares nothing, and keys its windows apart.
        let other = Self.estimator(model: "smollm2-135m")
        #expect(other.calibrationKey(for: Self.request(0, app: "code")) != codeKey)
        #expect(other.calibrationCount(for: codeKey) == 0)
    }

    @Test func anOutcomeWithoutAnEarlierEstimateStillCounts() {
        var estimator = Self.estimator()
        for k in 0..<10 { estimator.observe(Self.request(UInt64(k), app: "chat"), outputTokenCount: 900) }
        #expect(estimator.calibrationCount(for: estimator.calibrationKey(for: Self.request(0, app: "chat"))) == 10)
        #expect(estimator.distribution(for: Self.request(99, app: "chat")).upperBound(quantile: 0.9) > 400)
    }

    @Test func boundsAreCappedAndNeverBelowGenerated() {
        var estimator = Self.estimator()
        for k in 0..<300 {
            let request = Self.request(UInt64(k), app: "chat")
            _ = estimator.distribution(for: request)
            estimator.observe(request, outputTokenCount: 700 + (k * 37) % 500)
        }
        let distribution = estimator.distribution(for: Self.request(500, app: "chat", maxOutput: 1000))
        #expect(distribution.upperBound(quantile: 1) <= 1000)
        for g in stride(from: 0, to: 5000, by: 13) { #expect(distribution.upperBound(quantile: 0.95, generated: g) > g) }
    }

    @Test func textLessRequestsUseCalibratedNeighbours() {
        var estimator = ApplicationLengthPredictor(base: Wide(), minimumObserved: 8, servedModel: "m", calibration: .init())
        for k in 0..<100 {
            let request = Self.request(UInt64(k), app: "tool", text: nil)
            _ = estimator.distribution(for: request)
            estimator.observe(request, outputTokenCount: 5 + k % 10)
        }
        var key = estimator.calibrationKey(for: Self.request(0, app: "tool", text: nil))
        #expect(key.source == .neighbours && estimator.calibrationCount(for: key) == 92)
        key.source = .tokenCount
        #expect(estimator.calibrationCount(for: key) == 8)
        let bound = estimator.distribution(for: Self.request(200, app: "tool", text: nil)).upperBound(quantile: 0.9)
        #expect(bound >= 12 && bound <= 16)
    }
}
