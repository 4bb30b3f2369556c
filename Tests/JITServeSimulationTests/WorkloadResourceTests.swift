import Foundation
import JITServeCore
import JITServeSimulation
import Testing

/// FNV-1a, 64-bit, over UTF-8 bytes: the split the length predictor trains on.
private func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}

@Suite struct WorkloadResourceTests {
    @Test func everyShippedFileIsInTheBundle() throws {
        for resource in WorkloadResource.allCases {
            let path = try resource.path()
            #expect(FileManager.default.fileExists(atPath: path), "\(resource.rawValue)")
        }
    }

    @Test func shippedTracesLoadWhole() throws {
        let conv = try ArrivalTrace.load(path: WorkloadResource.azureConv.path())
        let code = try ArrivalTrace.load(path: WorkloadResource.azureCode.path())
        #expect(conv.entries.count == 19_366)
        #expect(code.entries.count == 8_819)
        // About an hour each (58 and 57 minutes per the data catalogue).
        #expect(conv.span.seconds > 55 * 60 && conv.span.seconds < 61 * 60)
        #expect(code.span.seconds > 55 * 60 && code.span.seconds < 61 * 60)
    }

    @Test func shippedWorkflowShapesLoad() throws {
        let tot = try TreeOfThoughtsTrace.load(path: WorkloadResource.treeOfThoughts.path())
        let metaGPT = try MetaGPTTrace.load(path: WorkloadResource.metaGPT.path())
        #expect(tot.count == 100)
        #expect(metaGPT.count == 1)
    }

    @Test func shippedChatPromptsAreHeldOutAndCut() throws {
        let path = try WorkloadResource.chatPrompts.path()
        let sample = try ChatPromptSample.load(path: path)
        #expect(sample.prompts.count > 500 && sample.prompts.count <= 2000)
        #expect(sample.prompts.allSatisfy { $0.text.count <= 2000 && $0.outputTokenCount > 0 })
        // Every row's conversation is in the held-out tenth.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        struct Row: Decodable { var conv_id: String }
        for line in text.split(separator: "\n") {
            let row = try JSONDecoder().decode(Row.self, from: Data(line.utf8))
            #expect(fnv1a64(row.conv_id) % 10 == 0, "\(row.conv_id) is not held out")
        }
    }

    @Test func shippedChatLengthsAreHeldOut() throws {
        let table = try LengthTable.load(path: WorkloadResource.chatLengths.path())
        #expect(table.pairs.count > 1000)
        let text = try String(contentsOfFile: WorkloadResource.chatLengths.path(), encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst() {
            let id = String(line.prefix { $0 != "," })
            #expect(fnv1a64(id) % 10 == 0, "\(id) is not held out")
        }
    }

    @Test func tierFourWorkflowsAreFeasibleOnAnIdleReplica() throws {
        let shapes = try TreeOfThoughtsTrace.load(path: WorkloadResource.treeOfThoughts.path())
            + MetaGPTTrace.load(path: WorkloadResource.metaGPT.path())
        for spec in shapes {
            let deadline = SLOTiers.paper.workflowDeadline(tier: 4, stageCount: spec.stages.count)
            #expect(spec.idleCompletionEstimate() < deadline, "\(spec.application) \(spec.id)")
        }
    }

    @Test(.enabled(if: SharedData.isAvailable, "needs ../shared/data"))
    func wholeFileCopiesMatchTheSharedOriginals() throws {
        let copies: [(WorkloadResource, String)] = [
            (.azureConv, "azure2023/AzureLLMInferenceTrace_conv.csv"),
            (.azureCode, "azure2023/AzureLLMInferenceTrace_code.csv"),
            (.metaGPT, "parrot_metagpt/metagpt_calls_summary.csv"),
        ]
        for (resource, original) in copies {
            let shipped = FileManager.default.contents(atPath: try resource.path())
            #expect(shipped != nil && shipped == FileManager.default.contents(atPath: SharedData.path(original)),
                    "\(resource.rawValue) differs from ../shared/data/\(original)")
        }
    }
}
