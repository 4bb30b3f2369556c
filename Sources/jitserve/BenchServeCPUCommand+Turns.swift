import Foundation
import JITServeCore
import JITServeHTTP

/// Multi-turn conversations for `bench serve-cpu --turns N`: what a chat client does, and what
/// prefix caching is for — each turn resends the whole history.
extension BenchServeCPUCommand {
    /// `streams` clients on their own threads, each holding `rounds` conversations one after
    /// another; a conversation's turn k sends turns 1…k−1 (user message and the server's
    /// answer, as streamed) and a new user message. Results are client by client, conversation
    /// by conversation, turn by turn.
    static func conversations(
        streams: Int, rounds: Int, turns: Int, port: Int, clock: WallClock, requests: RequestMaker, seedBase: UInt64
    ) -> [SSEBenchClient.Result] {
        let results = SSEBenchClient.ResultSlots(count: streams * rounds * turns)
        let group = DispatchGroup()
        for stream in 0..<streams {
            group.enter()
            let thread = Thread {
                for round in 0..<rounds {
                    var history: [(user: String, assistant: String)] = []
                    for turn in 0..<turns {
                        let user = requests.promptText(seed: seedBase + UInt64(1 + stream * 1000 + round * 50 + turn))
                        var request = requests.chat(history: history, user: user)
                        request.collectsText = true
                        let result = SSEBenchClient.stream(port: port, request: request, clock: clock, cutAfter: nil)
                        results.set((stream * rounds + round) * turns + turn, result)
                        history.append((user, result.text))
                    }
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return results.all
    }

    /// Per-turn figures over every client's conversations (results ordered as `conversations`
    /// returns them).
    static func turnRows(_ results: [SSEBenchClient.Result], turns: Int) -> [TurnRow] {
        (0..<turns).map { turn in
            let good = results.enumerated()
                .filter { $0.offset % turns == turn && $0.element.error == nil }
                .map(\.element)
            let prompts = good.compactMap(\.promptTokens).map(Double.init)
            let cached = good.compactMap(\.cachedTokens).map(Double.init)
            let prefilled = good.compactMap { r in r.promptTokens.map { Double($0 - (r.cachedTokens ?? 0)) } }
            let ttfts = good.compactMap { r in
                r.tokenTimes.first.flatMap { first in r.sentAt.map { (first.seconds - $0.seconds) * 1000 } }
            }
            return TurnRow(
                turn: turn + 1, promptTokensMean: mean(prompts), cachedTokensMean: mean(cached),
                prefilledTokensMean: mean(prefilled), ttftMillisecondsP50: median(ttfts), ttftMillisecondsMean: mean(ttfts))
        }
    }
}
