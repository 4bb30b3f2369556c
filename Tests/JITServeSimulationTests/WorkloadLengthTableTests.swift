import JITServeSimulation
import Testing

@Suite struct WorkloadLengthTableTests {
    @Test func shareGPTTurnPromptsIncludeTheConversationSoFar() throws {
        let text = """
            conv_id,turn_index,context_tokens_llama3,prompt_tokens_llama3,response_tokens_llama3,prompt_chars,response_chars
            QWJhYvA_0,0,0,34,244,190,1298
            QWJhYvA_0,2,278,36,319,188,1659
            x_0,0,0,0,12,0,50
            """
        let table = try LengthTable.parse(text, source: "turns.csv")
        #expect(table.pairs == [
            LengthPair(promptTokenCount: 34, outputTokenCount: 244),
            LengthPair(promptTokenCount: 314, outputTokenCount: 319),
        ])
        #expect(table.skippedRowCount == 1)
    }

    @Test func sarathiStatsReadPrefillAndDecode() throws {
        let text = "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n74,918,992,0.08\n290,905,1195,0.32\n"
        let table = try LengthTable.parse(text, source: "sarathi.csv")
        #expect(table.pairs.map(\.promptTokenCount) == [74, 290])
        #expect(table.pairs.map(\.outputTokenCount) == [918, 905])
    }

    @Test func malformedLengthRowsNameTheLine() {
        let text = "num_prefill_tokens,num_decode_tokens,num_total_tokens,pd_ratio\n74,918,992,0.08\n290,9x5,1195,0.32\n"
        #expect(malformedLine { _ = try LengthTable.parse(text, source: "s.csv") } == 3)
        let negative = "num_prefill_tokens,num_decode_tokens\n-1,5\n"
        #expect(malformedLine { _ = try LengthTable.parse(negative, source: "s.csv") } == 2)
    }

    @Test func chatPromptsReadBothSpellings() throws {
        let text = """
            {"prompt": "Hello, world", "prompt_tokens": 4, "output_tokens": 12}

            {"conv_id": "a", "prompt": "Hi", "response": "Yo", "prompt_tokens_llama3": 2, "response_tokens_llama3": 3}
            """
        let sample = try ChatPromptSample.parse(text, source: "p.jsonl")
        #expect(sample.prompts == [
            ChatPrompt(text: "Hello, world", promptTokenCount: 4, outputTokenCount: 12),
            ChatPrompt(text: "Hi", promptTokenCount: 2, outputTokenCount: 3),
        ])
    }

    @Test func malformedChatPromptLinesNameTheLine() {
        let good = #"{"prompt": "a", "prompt_tokens": 1, "output_tokens": 1}"#
        #expect(malformedLine { _ = try ChatPromptSample.parse(good + "\n{not json\n", source: "p.jsonl") } == 2)
        #expect(malformedLine {
            _ = try ChatPromptSample.parse(good + "\n" + good + "\n" + #"{"prompt": "a", "prompt_tokens": 1}"#,
                                           source: "p.jsonl")
        } == 3)
        #expect(malformedLine {
            _ = try ChatPromptSample.parse(#"{"prompt": "a", "prompt_tokens": -1, "output_tokens": 1}"#,
                                           source: "p.jsonl")
        } == 1)
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func realLengthTablesLoad() throws {
        let turns = try LengthTable.load(path: SharedData.path("sharegpt/sharegpt_turn_lengths.csv"))
        #expect(turns.pairs.count + turns.skippedRowCount == 61_223)
        let sarathi = try LengthTable.load(path: SharedData.path("sarathi/sharegpt_8k_filtered_stats_llama2_tokenizer.csv"))
        #expect(sarathi.pairs.count == 30_731)
        #expect(sarathi.pairs.allSatisfy { $0.outputTokenCount <= 1024 })
    }
}
