import Foundation
import JITServeCore

/// A ServeGen client pool (alibaba/ServeGen, Apache-2.0; `data/<category>/<model>/`): a day of
/// production traffic to one model on Alibaba's Bailian, as statistics per API client — not
/// requests. Each client `N` has `chunk-N-trace.csv` (no header; per 600-s window its rate, the
/// inter-arrival CV and the fitted inter-arrival family, `Gamma` or `Weibull` with shape and
/// scale, or nothing when idle) and `chunk-N-dataset.json` (every 21,600 s, the PDFs of its
/// input and output token counts, as Python dict text).
///
/// `trace(seed:start:duration:)` draws requests from it the way ServeGen's own
/// `generate_workload` does at the clients' own rates. Clients without a dataset file are left
/// out, as ServeGen leaves them.
public struct ServeGenPool: Sendable {
    /// One client's arrivals in one window.
    public struct Window: Hashable, Sendable {
        public enum Family: String, Sendable { case gamma = "Gamma", weibull = "Weibull" }
        /// Seconds from the start of the day.
        public var start: Int
        /// Mean requests per second.
        public var rate: Double
        public var family: Family
        public var shape: Double
        public var scale: Double
    }

    /// A discrete token-count distribution, as its ascending values and cumulative probabilities.
    public struct TokenDistribution: Hashable, Sendable {
        public var values: [Int]
        public var cumulative: [Double]

        /// The value at cumulative probability `u` ∈ [0, 1).
        func value(at u: Double) -> Int {
            let total = cumulative.last ?? 1
            var lo = 0, hi = values.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] <= u * total { lo = mid + 1 } else { hi = mid }
            }
            return values[lo]
        }
    }

    /// The lengths a client's requests had from `start` (seconds of the day) on.
    public struct Lengths: Hashable, Sendable {
        public var start: Int
        public var input: TokenDistribution
        public var output: TokenDistribution
    }

    public struct Client: Hashable, Sendable {
        public var id: Int
        /// Active windows only, by start.
        public var windows: [Window]
        /// By start.
        public var lengths: [Lengths]

        /// The lengths in force at `second` (the latest that started by then), if any.
        func lengths(at second: Int) -> Lengths? { lengths.last { $0.start <= second } }
    }

    /// The window every trace row covers.
    public static let windowSeconds = 600

    /// The directory it was read from.
    public var source: String
    /// By id.
    public var clients: [Client]

    public init(source: String, clients: [Client]) {
        self.source = source
        self.clients = clients.sorted { $0.id < $1.id }
    }

    /// Whether `directory` holds ServeGen client files (`chunk-N-trace.csv`).
    public static func isPool(directory: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0.hasPrefix("chunk-") && $0.hasSuffix("-trace.csv") }
    }

    /// Reads every client of `directory` that has both files.
    public static func load(directory: String) throws -> ServeGenPool {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SimulationError.unreadableFile(path: directory, reason: "not a readable directory")
        }
        var clients: [Client] = []
        for name in names.sorted() where name.hasPrefix("chunk-") && name.hasSuffix("-dataset.json") {
            let idText = name.dropFirst("chunk-".count).dropLast("-dataset.json".count)
            guard let id = Int(idText) else { continue }
            let tracePath = (directory as NSString).appendingPathComponent("chunk-\(id)-trace.csv")
            let datasetPath = (directory as NSString).appendingPathComponent(name)
            let windows = try parseTrace(String(decoding: readFileBytes(tracePath), as: UTF8.self), source: tracePath)
            let lengths = try parseDataset(readFileBytes(datasetPath), source: datasetPath)
            clients.append(Client(id: id, windows: windows, lengths: lengths))
        }
        guard !clients.isEmpty else {
            throw SimulationError.unreadableFile(
                path: directory,
                reason: "no ServeGen client has both chunk-N-trace.csv and chunk-N-dataset.json (request lengths come from the dataset files)")
        }
        return ServeGenPool(source: directory, clients: clients)
    }

    /// The active windows of a `chunk-N-trace.csv`: `start,rate,cv,family,shape,scale` per line
    /// (the shipped files end lines with CRLF, one `Character` in Swift: split on any newline).
    static func parseTrace(_ text: String, source: String) throws -> [Window] {
        var windows: [Window] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func bad(_ reason: String) -> SimulationError { .malformedRow(file: source, line: index + 1, reason: reason) }
            guard fields.count == 6 else { throw bad("\(fields.count) fields, a ServeGen trace row has 6") }
            guard let start = Int(fields[0]), start >= 0 else { throw bad("start '\(fields[0])' is not a second count") }
            guard let rate = Double(fields[1]), rate >= 0, rate.isFinite else { throw bad("rate '\(fields[1])' is not a non-negative number") }
            if fields[3].isEmpty || rate == 0 { continue }  // idle
            guard let family = Window.Family(rawValue: fields[3]) else {
                throw bad("inter-arrival family '\(fields[3])' is neither Gamma nor Weibull")
            }
            guard let shape = Double(fields[4]), let scale = Double(fields[5]), shape > 0, scale > 0,
                  shape.isFinite, scale.isFinite else {
                throw bad("\(family.rawValue) shape and scale must be positive numbers, got '\(fields[4])', '\(fields[5])'")
            }
            windows.append(Window(start: start, rate: rate, family: family, shape: shape, scale: scale))
        }
        return windows.sorted { $0.start < $1.start }
    }

    /// The length distributions of a `chunk-N-dataset.json`. A period with an empty PDF is
    /// left out (ServeGen skips it too), so the one before stays in force.
    static func parseDataset(_ bytes: [UInt8], source: String) throws -> [Lengths] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
              let periods = object as? [String: Any] else {
            throw SimulationError.malformedRow(file: source, line: 1, reason: "not a JSON object of periods")
        }
        var lengths: [Lengths] = []
        for (key, value) in periods {
            guard let start = Int(key), let fields = value as? [String: Any] else {
                throw SimulationError.malformedRow(file: source, line: 1, reason: "period '\(key)' is not a second count with fields")
            }
            guard let inputText = fields["input_tokens"] as? String, let outputText = fields["output_tokens"] as? String else {
                throw SimulationError.missingColumn(file: source, column: "input_tokens/output_tokens", header: "period \(key)")
            }
            guard let input = try parsePDF(inputText, source: source, field: "input_tokens"),
                  let output = try parsePDF(outputText, source: source, field: "output_tokens") else { continue }
            lengths.append(Lengths(start: start, input: input, output: output))
        }
        return lengths.sorted { $0.start < $1.start }
    }

    /// `{tokens: probability, …}` (Python dict text) as a distribution; nil when empty.
    ///
    /// Read as Substrings, with no Foundation trimming: a pool holds millions of entries (the
    /// DeepSeek-R1 pool ~5 M), and bridging each to NSString made loading it take seconds — once
    /// per cell in `bench matrix`.
    static func parsePDF(_ text: String, source: String, field: String) throws -> TokenDistribution? {
        var pairs: [(Int, Double)] = []
        for item in text.split(separator: ",") {
            let entry = item.drop { $0 == " " || $0 == "{" || $0.isNewline }
            guard let colon = entry.firstIndex(of: ":") else {
                if entry.allSatisfy({ $0 == " " || $0 == "}" || $0.isNewline }) { continue }  // "{}"
                throw SimulationError.malformedRow(file: source, line: 1, reason: "\(field) entry '\(item)' is not tokens: probability")
            }
            var key = entry[..<colon], value = entry[entry.index(after: colon)...]
            while key.last == " " { key.removeLast() }
            value = value.drop { $0 == " " }
            while let last = value.last, last == " " || last == "}" || last.isNewline { value.removeLast() }
            guard let tokens = Int(key), let p = Double(value), tokens >= 0, p >= 0, p.isFinite else {
                throw SimulationError.malformedRow(file: source, line: 1, reason: "\(field) entry '\(item)' is not tokens: probability")
            }
            if p > 0 { pairs.append((tokens, p)) }
        }
        if pairs.isEmpty { return nil }
        pairs.sort { $0.0 < $1.0 }
        var cumulative: [Double] = [], running = 0.0
        for (_, p) in pairs {
            running += p
            cumulative.append(running)
        }
        return TokenDistribution(values: pairs.map(\.0), cumulative: cumulative)
    }
}
