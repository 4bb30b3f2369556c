import JITServeCore

extension ServeGenPool {
    /// The start (seconds of the day) of the window whose clients' rates sum highest: the
    /// day's peak, where a server is tested. The earliest on a tie; 0 for an idle pool.
    public var busiestWindowStart: Int {
        var total: [Int: Double] = [:]
        for client in clients {
            for window in client.windows { total[window.start, default: 0] += window.rate }
        }
        return total.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 0
    }

    /// Requests drawn for `[start, start + duration)` of the day, at t = 0 from `start`.
    ///
    /// As ServeGen's `generate_workload` at the clients' own rates: per active window of each
    /// client, ⌈rate · 600⌉ gaps from the window's family, scaled so that they add up to the
    /// window, the last arrivals (at or past its end) dropped; each request's input and output
    /// lengths drawn from the client's distributions then in force (at least 1 token each).
    /// Every client is its own application (`client-N`), as every API client of a real server is.
    public func trace(seed: UInt64, start: Int, duration: Double) -> ArrivalTrace {
        // Its own branch of the seed: a replay draws tiers from low labels of the same seed.
        let root = SplitMix64(seed: seed).split(0x5E_6E6E)
        let end = Double(start) + duration
        var entries: [TraceEntry] = []
        for client in clients {
            for window in client.windows where Double(window.start) < end && window.start + Self.windowSeconds > start {
                guard let lengths = client.lengths(at: window.start) else { continue }
                var draws = root.split(UInt64(client.id) &* 1_000_003 &+ UInt64(window.start / Self.windowSeconds))
                let count = Int((window.rate * Double(Self.windowSeconds)).rounded(.up))
                var gaps: [Double] = []
                gaps.reserveCapacity(count)
                for _ in 0..<count {
                    gaps.append(window.family == .gamma
                        ? draws.nextGamma(shape: window.shape, scale: window.scale)
                        : draws.nextWeibull(shape: window.shape, scale: window.scale))
                }
                let sum = gaps.reduce(0, +)
                // A window whose draws all underflowed (a tiny shape) is one burst at its start.
                let factor = sum > 0 ? Double(Self.windowSeconds) / sum : 0
                var at = Double(window.start)
                for gap in gaps {
                    at += gap * factor
                    guard at < Double(window.start + Self.windowSeconds) else { break }
                    guard at >= Double(start) && at < end else { continue }
                    entries.append(TraceEntry(
                        arrivedAt: Instant(seconds: at - Double(start)),
                        promptTokenCount: max(1, lengths.input.value(at: draws.nextUnit())),
                        outputTokenCount: max(1, lengths.output.value(at: draws.nextUnit())),
                        application: "client-\(client.id)"))
                }
            }
        }
        return ArrivalTrace(source: source, entries: entries)
    }
}
