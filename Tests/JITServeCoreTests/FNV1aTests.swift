import JITServeCore
import Testing

@Suite struct FNV1aTests {
    // Published FNV-1a 64-bit test vectors (Fowler/Noll/Vo reference).
    @Test func matchesReferenceVectors() {
        #expect(FNV1a.hash64("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func heldOutRuleIsTheHashModTen() {
        for id in ["QWJhYvA_0", "abc", "x", "conversation-42"] {
            #expect(FNV1a.isHeldOut(id) == (FNV1a.hash64(id) % 10 == 0))
        }
        let ids = (0..<2000).map { "row-\($0)" }
        let share = Double(ids.filter(FNV1a.isHeldOut).count) / Double(ids.count)
        #expect(share > 0.07 && share < 0.13)
    }
}
