import JITServeSimulation
import Testing

@Suite("HardwareProfile")
struct LatencyHardwareProfileTests {
    @Test("KV capacity of Llama-3.1-8B on A100-80GB, by hand")
    func kvCapacityByHand() throws {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        // usable   = 81,920 MiB × 0.9                                = 77,309,411,328 B
        // weights  = 8,030,261,248 parameters × 2 B                 = 16,060,522,496 B
        // reserve  = 8,192 × (3 × 14,336 + 4 × 4,096) × 2 + 1 GiB   =  2,046,820,352 B
        // free     = 59,202,068,480 B; KV per token = 2 × 32 × 8 × 128 × 2 = 131,072 B
        // blocks   = ⌊59,202,068,480 / (131,072 × 16)⌋ = ⌊28,229.7⌋ = 28,229
        #expect(profile.model.kvBytesPerToken == 131_072)
        #expect(profile.kvBlockCapacity == 28_229)
        #expect(profile.kvCapacityTokens == 451_664)
        // 64 GiB of host swap / (131,072 B × 16) = 32,768 blocks.
        #expect(profile.swapBlockCapacity == 32_768)
    }

    @Test("70B is tensor-parallel 4 and keeps a quarter of the KV bytes per GPU")
    func seventyB() throws {
        let profile = try HardwareProfile.named(model: "llama-3-70b", gpu: "a100")
        #expect(profile.tensorParallelism == 4)
        #expect(profile.kvBytesPerTokenPerGPU == 81_920)
        #expect(profile.kvCapacityTokens > 100_000)
    }

    @Test("names are case-insensitive")
    func caseInsensitive() throws {
        #expect(try HardwareProfile.named(model: "Llama-3.1-8B", gpu: "H100").gpu == .h100)
    }

    @Test("an unknown model lists the valid models")
    func unknownModel() {
        #expect(throws: SimulationError.unknownHardware(
            option: "--model", value: "gpt-4", valid: ["llama-3.1-8b", "llama-3-70b"])
        ) {
            try HardwareProfile.named(model: "gpt-4", gpu: "a100")
        }
    }

    @Test("an unknown GPU lists the valid GPUs, and the message names them")
    func unknownGPU() {
        do {
            _ = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "v100")
            Issue.record("v100 was accepted")
        } catch let error as SimulationError {
            #expect(error == .unknownHardware(option: "--gpu", value: "v100", valid: ["a100", "h100"]))
            #expect(error.description.contains("a100") && error.description.contains("h100"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("every catalogue profile has memory left for KV")
    func catalogue() {
        #expect(HardwareProfile.catalogue.count == 4)
        for profile in HardwareProfile.catalogue {
            #expect(profile.kvBlockCapacity > 0, "\(profile.name)")
        }
    }
}
