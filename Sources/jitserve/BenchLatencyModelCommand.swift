import ArgumentParser
import Foundation
import JITServeCore
import JITServeEngine
import JITServeSimulation

/// `jitserve bench latency-model`: the simulated GPU's iteration times for every profile, and what
/// one `iterationTime` call costs on this machine.
struct BenchLatencyModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency-model",
        abstract: "Print modelled decode/prefill iteration times per profile and the cost of one call.")

    @Option(help: "Batch size of the per-call cost measurement.")
    var batchSize = 256

    @Option(help: "Calls timed per profile for the per-call cost.")
    var calls = 200_000

    @Option(help: "KV context of each decode in the decode table (tokens).")
    var context = 1024

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard calls > 0 else { throw ValidationError("--calls must be positive, got \(calls)") }
        guard context > 0 else { throw ValidationError("--context must be positive, got \(context)") }
    }

    func run() throws {
        let models = HardwareProfile.catalogue.map { LatencyModel(profile: $0) }
        print("KV capacity (tokens) and swap link per profile")
        for model in models {
            let p = model.profile
            print("  \(pad(p.name, 22)) \(pad(String(p.kvCapacityTokens), 9, right: true)) tokens"
                + "  (\(p.kvBlockCapacity) blocks of \(p.blockSize); \(p.gpu.hostLink))")
        }

        let batches = [1, 8, 32, 64, 128, 256]
        print("\nDecode iteration (ms), every sequence at \(context) tokens of context")
        print("  " + pad("profile", 22) + batches.map { pad("b=\($0)", 9, right: true) }.joined())
        for model in models {
            let row = batches.map { b in
                format(model.iterationTime(for: decodeBatch(b, context: context)).milliseconds)
            }
            print("  " + pad(model.profile.name, 22) + row.map { pad($0, 9, right: true) }.joined())
        }

        let prompts = [128, 512, 2048, 8192]
        print("\nPrefill iteration (ms), one prompt from empty KV")
        print("  " + pad("profile", 22) + prompts.map { pad("p=\($0)", 9, right: true) }.joined())
        for model in models {
            let row = prompts.map { n in
                let batch = ExecutionBatch(sequences: [
                    ScheduledSequence(requestID: RequestID(0), tokenCount: n, computedTokenCount: 0, samplesToken: true)
                ])
                return format(model.iterationTime(for: batch).milliseconds)
            }
            print("  " + pad(model.profile.name, 22) + row.map { pad($0, 9, right: true) }.joined())
        }

        print("\nMixed iteration (ms): 64 decodes at \(context) + one 512-token chunk over 1,024 cached")
        for model in models {
            var sequences = decodeBatch(64, context: context).sequences
            sequences.append(ScheduledSequence(
                requestID: RequestID(99_999), tokenCount: 512, computedTokenCount: 1024, samplesToken: false))
            print("  \(pad(model.profile.name, 22)) \(format(model.iterationTime(for: ExecutionBatch(sequences: sequences)).milliseconds))")
        }

        print("\nCost of iterationTime(for:), batch of \(batchSize) (mixed contexts, one prefill chunk), \(calls) calls")
        for model in models {
            var sequences = (0..<(batchSize - 1)).map { i in
                ScheduledSequence(
                    requestID: RequestID(UInt64(i)), tokenCount: 1, computedTokenCount: 200 + (i * 37) % 3000,
                    samplesToken: true, generatedTokenCount: 1)
            }
            sequences.append(ScheduledSequence(
                requestID: RequestID(1_000_000), tokenCount: 256, computedTokenCount: 512, samplesToken: true))
            let batch = ExecutionBatch(sequences: sequences)
            var sink = 0.0
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<calls { sink += model.iterationTime(for: batch).seconds }
            }
            let ns = elapsed.seconds * 1e9 / Double(calls)
            // `sink` keeps the optimiser from deleting the loop.
            print("  \(pad(model.profile.name, 22)) \(format(ns, digits: 1)) ns/call  (checksum \(format(sink, digits: 3)) s)")
        }
    }

    private func decodeBatch(_ count: Int, context: Int) -> ExecutionBatch {
        ExecutionBatch(sequences: (0..<count).map {
            ScheduledSequence(
                requestID: RequestID(UInt64($0)), tokenCount: 1, computedTokenCount: context, samplesToken: true,
                generatedTokenCount: 1)
        })
    }

    private func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
