import JITServeCore
import JITServePrediction
import Testing

@Suite struct OnlineLengthEvaluationTests {
    /// Says 100 tokens, learns nothing.
    struct Fixed: OutputLengthPredictor {
        let name = "fixed"
        func distribution(for request: Request) -> LengthDistribution { .exactly(100) }
    }

    /// Answers with the last length it was told: proves each row is bounded before it is observed.
    struct Echo: OutputLengthPredictor {
        let name = "echo"
        var last = 1
        func distribution(for request: Request) -> LengthDistribution { .exactly(last) }
        mutating func observe(_ request: Request, outputTokenCount: Int) { last = outputTokenCount }
    }

    static let rows = (0..<250).map { k in
        LengthExample(promptText: nil, promptTokenCount: 10, outputTokenCount: k < 150 ? 50 : 200, line: k + 1)
    }

    @Test func eachRowIsBoundedBeforeItsLengthIsRevealed() {
        let results = OnlineLengthEvaluation.replay(rows: Self.rows, predictors: [Fixed(), Echo()], quantile: 0.9, burnIn: 100)
        let (fixed, echo) = (results[0], results[1])
        #expect(fixed.whole.coverage == 0.6 && fixed.steady.coverage == 50.0 / 150)
        // Echo misses only the first row and the first row of the longer answers.
        #expect(echo.whole.count == 250 && echo.whole.coverage == 248.0 / 250)
        #expect(fixed.windowCoverage == [1, 0.5])
        #expect(fixed.steady.count == 150 && fixed.burnIn == 100)
        // Refinement after 64 tokens: only the 200-token rows remain, none within 100.
        let g64 = fixed.refinement.first { $0.generated == 64 }
        #expect(g64?.count == 100 && g64?.coverage == 0)
    }
}
