import JITServeSimulation
import Testing

@Suite("TokenTable")
struct LatencyTokenTableTests {
    /// value(x) = x on the fine grid, 512 + 2·(x − 512) on the coarse grid, slope 3 beyond 1024.
    let table = TokenTable(
        fine: (0...64).map { Double($0 * 8) },
        coarse: (1...8).map { 512 + 2 * Double($0 * 64) },
        tailSlope: 3, maxTokens: 1024)

    @Test func interpolatesOnTheFineGrid() {
        #expect(table.value(at: 0) == 0)
        #expect(table.value(at: 4) == 4)
        #expect(table.value(at: 13) == 13)
        #expect(table.value(at: 512) == 512)
    }

    @Test func interpolatesAcrossTheSeamAndTheCoarseGrid() {
        #expect(table.value(at: 544) == 512 + 2 * 32)
        #expect(table.value(at: 600) == 512 + 2 * 88)
    }

    @Test func extendsLinearlyPastTheEnd() {
        #expect(table.value(at: 1024) == 512 + 2 * 512)
        #expect(table.value(at: 1124) == 512 + 2 * 512 + 3 * 100)
    }
}
