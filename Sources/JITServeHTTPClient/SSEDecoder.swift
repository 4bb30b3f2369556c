/// Splits a `text/event-stream` body into events as bytes arrive, however the network cut them:
/// an event ends at a blank line (`\n\n`, or `\r\n\r\n`); its `data:` lines are joined with
/// newlines. Comments and other fields are skipped (all an OpenAI-style stream uses is `data`).
public struct SSEDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Feeds `bytes`; returns the data of every event they complete, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        buffer.append(contentsOf: bytes)
        var events: [String] = []
        while let (end, next) = eventEnd() {
            if let data = Self.data(of: buffer[start..<end]) { events.append(data) }
            start = next
        }
        if start > 4096 {
            buffer.removeFirst(start)
            start = 0
        }
        return events
    }

    /// End of the first complete event (exclusive) and where the next begins.
    private func eventEnd() -> (Int, Int)? {
        var i = start
        while i + 1 < buffer.count {
            if buffer[i] == 10 {
                if buffer[i + 1] == 10 { return (i, i + 2) }
                if buffer[i + 1] == 13, i + 2 < buffer.count, buffer[i + 2] == 10 { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    private static func data(of event: ArraySlice<UInt8>) -> String? {
        var lines: [String] = []
        for rawLine in event.split(separator: 10, omittingEmptySubsequences: true) {
            var line = rawLine
            if line.last == 13 { line = line.dropLast() }
            guard line.starts(with: Self.dataPrefix) else { continue }
            var value = line.dropFirst(Self.dataPrefix.count)
            if value.first == 32 { value = value.dropFirst() }
            lines.append(String(decoding: value, as: UTF8.self))
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    private static let dataPrefix: [UInt8] = Array("data:".utf8)
}
