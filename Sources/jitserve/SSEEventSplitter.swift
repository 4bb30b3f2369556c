import Foundation

/// Splits a `text/event-stream` body into its events' `data` as bytes arrive, however the
/// network cut them (an event ends at a blank line). Enough for an OpenAI-style stream.
struct SSEEventSplitter {
    private var pending: [UInt8] = []

    /// Feeds `bytes`; returns the data of every event they complete, in order.
    mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending.append(contentsOf: bytes)
        var events: [String] = []
        var start = 0
        var i = 0
        while i + 1 < pending.count {
            if pending[i] == 10, pending[i + 1] == 10 {
                events.append(Self.data(pending[start..<i]))
                start = i + 2
                i = start
            } else {
                i += 1
            }
        }
        pending.removeFirst(start)
        return events.filter { !$0.isEmpty }
    }

    private static func data(_ event: ArraySlice<UInt8>) -> String {
        event.split(separator: 10).compactMap { line -> String? in
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .init(charactersIn: "\r"))
            guard text.hasPrefix("data:") else { return nil }
            return String(text.dropFirst(5).drop { $0 == " " })
        }.joined(separator: "\n")
    }
}
