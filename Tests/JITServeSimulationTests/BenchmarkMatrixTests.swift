import JITServeCore
import JITServeEngine
import JITServeSimulation
import Testing

@Suite struct BenchmarkMatrixTests {
    @Test func theFullGridIsEveryCombination() {
        let grid = BenchmarkMatrix.full
        #expect(grid.cells.count == grid.profiles.count * grid.maxRunning.count * grid.preemptions.count
                * grid.workloads.count * grid.loadMultiples.count)
        #expect(Set(grid.cells).count == grid.cells.count)
    }

    @Test(arguments: [[0.5, 1, 2], [5, 10], [3]])
    func theQuickSubsetCoversEveryAxisValueAndEveryWorkloadLoadPair(loads: [Double]) {
        let grid = BenchmarkMatrix.full.withLoads(loads)
        let quick = BenchmarkMatrix.quickCells(of: grid)
        #expect(quick.count == grid.workloads.count * loads.count)
        #expect(Set(quick.map(\.loadMultiple)) == Set(loads))
        #expect(Set(quick).isSubset(of: Set(grid.cells)))
        #expect(Set(quick.map { "\($0.model)@\($0.gpu)" }) == Set(grid.profiles.map { "\($0.model)@\($0.gpu)" }))
        #expect(Set(quick.map(\.maxRunning)) == Set(grid.maxRunning))
        #expect(Set(quick.map(\.preemption)) == Set(grid.preemptions.map(\.rawValue)))
        for workload in grid.workloads {
            for load in grid.loadMultiples {
                #expect(quick.contains { $0.workload == workload && $0.loadMultiple == load }, "\(workload) at \(load)×")
            }
        }
    }

    @Test func aSaturatingRateFallsWithDemandAndNeverWithMoreSlots() throws {
        let profile = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "a100")
        let workload = try WorkloadCatalog.make(name: "paper-mix", rps: 2, duration: .seconds(120), seed: 1)
        func rate(_ w: Workload, slots: Int) -> Double {
            SaturationEstimate(workload: w, profile: profile, engine: EngineConfiguration(maxRunning: slots)).saturatingRate
        }
        #expect(rate(workload, slots: 64) >= rate(workload, slots: 32))
        #expect(rate(workload, slots: 256) >= rate(workload, slots: 64))
        // The same arrivals asking twice the output each saturate the replica sooner.
        let doubled = Workload(
            name: "doubled", requests: workload.requests.map { var r = $0; r.outputTokenCount *= 2; return r },
            workflows: [], duration: workload.duration)
        let single = Workload(name: "single", requests: workload.requests, workflows: [], duration: workload.duration)
        #expect(rate(doubled, slots: 64) < rate(single, slots: 64))
        // A faster GPU keeps up with more.
        let h100 = try HardwareProfile.named(model: "llama-3.1-8b", gpu: "h100")
        #expect(SaturationEstimate(workload: workload, profile: h100, engine: EngineConfiguration(maxRunning: 64)).saturatingRate
                > rate(workload, slots: 64))
    }
}
