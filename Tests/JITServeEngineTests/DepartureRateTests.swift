import JITServeCore
import JITServeEngine
import Testing

/// The departure rate admission control divides the queue by.
@Suite struct DepartureRateTests {
    @Test func countsTheWindowOnly() {
        let rate = DepartureRate(window: 10, minimumCount: 5)
        for i in 0..<30 { rate.record(at: Instant(seconds: Double(i) * 0.5)) }  // 2/s from 0 to 14.5 s
        // At 15 s the window (5, 15] holds the 20 departures from 5 to 14.5 s.
        #expect(rate.perSecond(at: Instant(seconds: 15)) == 2)
        // Long after, nothing is left: no rate, rather than a stale one.
        #expect(rate.perSecond(at: Instant(seconds: 100)) == nil)
    }

    @Test func tooFewDeparturesGiveNoRate() {
        let rate = DepartureRate(window: 10, minimumCount: 5)
        for i in 0..<4 { rate.record(at: Instant(seconds: Double(i))) }
        #expect(rate.perSecond(at: Instant(seconds: 5)) == nil)
        rate.record(at: Instant(seconds: 4))
        #expect(rate.perSecond(at: Instant(seconds: 5)) == 0.5)
    }
}
