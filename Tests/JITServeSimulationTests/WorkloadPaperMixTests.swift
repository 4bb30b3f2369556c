import JITServeCore
import JITServeSimulation
import Testing

/// Small hand-made pools, so long windows stay fast; the shipped pools are exercised below.
private func tinySources() throws -> PaperMixSources {
    try PaperMixSources(
        chatPrompts: [
            ChatPrompt(text: "hi", promptTokenCount: 5, outputTokenCount: 7),
            ChatPrompt(text: "long answer please", promptTokenCount: 9, outputTokenCount: 5000),
        ],
        codeLengths: [LengthPair(promptTokenCount: 100, outputTokenCount: 3)],
        treeOfThoughts: [WorkflowSpec(id: WorkflowID(0), application: "tot", stages: [
            .init(calls: [.init(promptTokenCount: 10, outputTokenCount: 2)]),
            .init(calls: [.init(promptTokenCount: 20, outputTokenCount: 1), .init(promptTokenCount: 20, outputTokenCount: 1)]),
        ])],
        metaGPT: [WorkflowSpec(id: WorkflowID(0), application: "metagpt", stages: [
            .init(calls: [.init(promptTokenCount: 100, outputTokenCount: 50)]),
            .init(calls: [.init(promptTokenCount: 300, outputTokenCount: 40), .init(promptTokenCount: 300, outputTokenCount: 60)]),
            .init(calls: [.init(promptTokenCount: 400, outputTokenCount: 30)]),
        ])])
}

/// Everything the workload promises, flattened for equality checks.
private func fingerprint(_ w: Workload) -> [String] {
    w.requests.map {
        "r \($0.request.id) \($0.request.arrivedAt.seconds) \($0.request.promptTokenCount) \($0.outputTokenCount) "
            + "\($0.request.slo) \($0.request.promptText ?? "-")"
    } + w.workflows.map {
        "w \($0.spec.id) \($0.arrivedAt.seconds) \($0.tier) \($0.deadline) \($0.spec.stages)"
    }
}

@Suite struct WorkloadPaperMixTests {
    @Test func longWindowHasThePoissonRateAndOneToOneToOneMix() throws {
        let rate = 5.0, seconds = 20_000.0
        let w = try PaperMix(rate: rate, duration: .seconds(seconds), seed: 42, sources: try tinySources()).make()
        let arrivals = Double(w.requests.count + w.workflows.count)
        // Expected 100,000 arrivals, standard deviation 316: 2 % is over six deviations.
        #expect(abs(arrivals / seconds - rate) / rate < 0.02)
        let latency = Double(w.requests.filter { $0.request.kind == .latency }.count)
        let deadline = Double(w.requests.filter { $0.request.kind == .deadline }.count)
        let compound = Double(w.workflows.count)
        for share in [latency, deadline, compound] {
            #expect(abs(share / arrivals - 1.0 / 3) < 0.01)
        }
        let tot = Double(w.workflows.filter { $0.spec.application == "tot" }.count)
        #expect(abs(tot / compound - 0.5) < 0.015)
        // Inter-arrival gaps are exponential: their standard deviation equals their mean.
        let times = (w.requests.map(\.request.arrivedAt.seconds) + w.workflows.map(\.arrivedAt.seconds)).sorted()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let sd = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(abs(sd / mean - 1) < 0.03)
        #expect(times.allSatisfy { $0 >= 0 && $0 < seconds })
    }

    @Test func slosAreTheBaseScaledByUniformTiers() throws {
        let w = try PaperMix(rate: 5, duration: .seconds(4000), seed: 7, sources: try tinySources()).make()
        var tierCounts = [Int: Int]()
        for traced in w.requests {
            switch traced.request.slo {
            case .latency(let ttft, let tbt):
                let tier = Int((ttft.seconds / 0.8).rounded())
                #expect(abs(ttft.seconds - 0.8 * Double(tier)) < 1e-9)
                #expect(abs(tbt.seconds - 0.08 * Double(tier)) < 1e-9)
                tierCounts[tier, default: 0] += 1
                #expect(traced.request.application == "chat")
                #expect(traced.request.promptText != nil)
            case .deadline(let ttlt):
                let tier = Int((ttlt.seconds / 8).rounded())
                #expect(abs(ttlt.seconds - 8 * Double(tier)) < 1e-9)
                tierCounts[tier, default: 0] += 1
                #expect(traced.request.application == "code")
            case .compound:
                Issue.record("an independent request carries a compound SLO")
            }
            // The cap never cuts the true length, and the true length is not the cap.
            #expect(traced.request.maxOutputTokens >= traced.outputTokenCount)
            #expect(traced.request.maxOutputTokens >= 4096)
        }
        for workflow in w.workflows {
            #expect(abs(workflow.deadline.seconds - 8 * Double(workflow.tier * workflow.spec.stages.count)) < 1e-9)
            tierCounts[workflow.tier, default: 0] += 1
        }
        #expect(Set(tierCounts.keys) == [1, 2, 3, 4])
        let total = Double(tierCounts.values.reduce(0, +))
        for count in tierCounts.values { #expect(abs(Double(count) / total - 0.25) < 0.02) }
        // The 5,000-token answer gets a cap above the floor.
        #expect(w.requests.contains { $0.outputTokenCount == 5000 && $0.request.maxOutputTokens == 5000 })
    }

    @Test func idsAreUniqueInArrivalOrderAndLeaveTheWorkflowCallRangeFree() throws {
        let w = try PaperMix(rate: 3, duration: .seconds(1000), seed: 1, sources: try tinySources()).make()
        let ids = w.requests.map(\.request.id.rawValue)
        #expect(ids == Array(1...UInt64(ids.count)))
        #expect(ids.allSatisfy { $0 < 1 << 40 })
        #expect(w.workflows.map(\.spec.id.rawValue) == Array(1...UInt64(w.workflows.count)))
        #expect(zip(w.requests.dropFirst(), w.requests).allSatisfy { $0.request.arrivedAt >= $1.request.arrivedAt })
    }

    @Test func sameSeedSameWorkloadDifferentSeedDifferent() throws {
        let sources = try PaperMixSources.bundled()
        let a = try PaperMix(rate: 4, duration: .seconds(300), seed: 11, sources: sources).make()
        let b = try PaperMix(rate: 4, duration: .seconds(300), seed: 11, sources: sources).make()
        let c = try PaperMix(rate: 4, duration: .seconds(300), seed: 12, sources: sources).make()
        #expect(fingerprint(a) == fingerprint(b))
        #expect(fingerprint(a) != fingerprint(c))
        #expect(!a.requests.isEmpty && !a.workflows.isEmpty)
    }

    @Test func bundledMixUsesRealShapes() throws {
        let w = try WorkloadCatalog.make(name: "paper-mix", rps: 2, duration: .seconds(300), seed: 3)
        #expect(w.name == "paper-mix")
        #expect(w.duration == .seconds(300))
        #expect(Set(w.workflows.map(\.spec.application)) == ["tot", "metagpt"])
        #expect(w.workflows.allSatisfy {
            $0.spec.application == "metagpt" ? $0.spec.stages.count == 8 : (4...8).contains($0.spec.stages.count)
        })
        #expect(w.requests.filter { $0.request.kind == .latency }.allSatisfy { !($0.request.promptText ?? "").isEmpty })
    }
}
