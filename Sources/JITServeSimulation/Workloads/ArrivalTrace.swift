import JITServeCore

/// One request of an arrival trace: when it came and its true prompt and output lengths.
public struct TraceEntry: Hashable, Sendable {
    /// Seconds from the trace's first request.
    public var arrivedAt: Instant
    public var promptTokenCount: Int
    public var outputTokenCount: Int
    /// The client it came from, where the trace names one (a ServeGen pool); a replay labels
    /// the rest with its own application.
    public var application: String?

    public init(arrivedAt: Instant, promptTokenCount: Int, outputTokenCount: Int, application: String? = nil) {
        self.arrivedAt = arrivedAt
        self.promptTokenCount = promptTokenCount
        self.outputTokenCount = outputTokenCount
        self.application = application
    }
}

/// A request trace: the Azure LLM inference traces (2023) or a trace in vidur's processed format,
/// with real timestamps, or a request-length trace (vidur's and Sarathi-Serve's `…_stats_….csv`)
/// that has lengths only. Entries with timestamps are in arrival order, the first at t = 0; a
/// length-only trace keeps the file's row order and every entry at t = 0 (`hasArrivalTimes` is
/// false: a replay draws its arrivals, as vidur's request-length generator does).
public struct ArrivalTrace: Sendable {
    /// The file it came from (or the name given to inline text).
    public var source: String
    public var entries: [TraceEntry]
    /// Rows left out because their prompt or output was empty (0 tokens); none in the real
    /// Azure and vidur traces.
    public var skippedRowCount: Int
    /// False for a length-only trace, whose entries all sit at t = 0 in file order.
    public var hasArrivalTimes: Bool

    public init(source: String, entries: [TraceEntry], skippedRowCount: Int = 0, hasArrivalTimes: Bool = true) {
        self.source = source
        self.entries = hasArrivalTimes ? entries.sorted { $0.arrivedAt < $1.arrivedAt } : entries
        self.skippedRowCount = skippedRowCount
        self.hasArrivalTimes = hasArrivalTimes
    }

    /// The supported file layouts, detected from the header.
    public enum Schema: String, CaseIterable, Sendable {
        /// `TIMESTAMP,ContextTokens,GeneratedTokens` (Azure/AzurePublicDataset, 2023).
        case azure
        /// `arrived_at,num_prefill_tokens,num_decode_tokens` (microsoft/vidur processed traces).
        case vidur
        /// `num_prefill_tokens,num_decode_tokens[,…]` without `arrived_at`: a request-length trace
        /// (vidur's `arxiv_summarization_stats_…`, Sarathi-Serve's `sharegpt_8k_filtered_stats_…`).
        case lengths
    }

    /// Time from the first arrival to the last.
    public var span: Duration {
        guard let first = entries.first, let last = entries.last else { return .zero }
        return last.arrivedAt - first.arrivedAt
    }

    /// Loads a trace file, detecting its schema from the header.
    public static func load(path: String) throws -> ArrivalTrace {
        try parse(CSVTable.load(path: path))
    }

    /// Parses trace text (for tests and piped input); `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> ArrivalTrace {
        try parse(CSVTable(text: text, source: source))
    }

    /// The schema a header line belongs to, if any.
    public static func schema(ofHeader header: [String]) -> Schema? {
        if header.contains("TIMESTAMP") { return .azure }
        if header.contains("arrived_at") { return .vidur }
        if header.contains("num_prefill_tokens") && header.contains("num_decode_tokens") { return .lengths }
        return nil
    }

    static func parse(_ table: CSVTable) throws -> ArrivalTrace {
        switch schema(ofHeader: table.header) {
        case .azure: return try parseAzure(table)
        case .vidur: return try parseVidur(table, timed: true)
        case .lengths: return try parseVidur(table, timed: false)
        case nil: throw SimulationError.unknownTraceSchema(file: table.source, header: table.headerLine)
        }
    }

    /// Azure rows: timestamps become seconds from the earliest row (the first, in the real
    /// files, which are sorted).
    private static func parseAzure(_ table: CSVTable) throws -> ArrivalTrace {
        let time = try table.column("TIMESTAMP")
        let context = try table.column("ContextTokens")
        let generated = try table.column("GeneratedTokens")
        var stamps: [(day: Int, secondOfDay: Double)] = []
        var lengths: [(Int, Int)] = []
        stamps.reserveCapacity(table.rowCount)
        lengths.reserveCapacity(table.rowCount)
        var skipped = 0
        try table.forEachRow { row in
            let stamp = try row.timestamp(time)
            let length = (try row.int(context, in: 0...Int.max), try row.int(generated, in: 0...Int.max))
            guard length.0 > 0 && length.1 > 0 else {
                skipped += 1
                return
            }
            stamps.append(stamp)
            lengths.append(length)
        }
        guard let origin = stamps.min(by: { ($0.day, $0.secondOfDay) < ($1.day, $1.secondOfDay) }) else {
            throw SimulationError.emptyFile(path: table.source)
        }
        var entries: [TraceEntry] = []
        entries.reserveCapacity(stamps.count)
        for (stamp, length) in zip(stamps, lengths) {
            let seconds = Double(stamp.day - origin.day) * 86_400 + (stamp.secondOfDay - origin.secondOfDay)
            entries.append(TraceEntry(
                arrivedAt: Instant(seconds: seconds), promptTokenCount: length.0, outputTokenCount: length.1))
        }
        return ArrivalTrace(source: table.source, entries: entries, skippedRowCount: skipped)
    }

    /// vidur rows: `arrived_at` is already seconds; shifted so the earliest is at zero. Without
    /// `timed` (a length-only file) every row sits at t = 0, in file order.
    private static func parseVidur(_ table: CSVTable, timed: Bool) throws -> ArrivalTrace {
        let arrived = timed ? try table.column("arrived_at") : nil
        let prefill = try table.column("num_prefill_tokens")
        let decode = try table.column("num_decode_tokens")
        var entries: [TraceEntry] = []
        entries.reserveCapacity(table.rowCount)
        var skipped = 0
        try table.forEachRow { row in
            let at = try arrived.map { try row.double($0) } ?? 0
            if let arrived, at < 0 { throw row.failure(arrived, "arrival time must not be negative") }
            let promptTokens = try row.int(prefill, in: 0...Int.max)
            let outputTokens = try row.int(decode, in: 0...Int.max)
            guard promptTokens > 0 && outputTokens > 0 else {
                skipped += 1
                return
            }
            entries.append(TraceEntry(
                arrivedAt: Instant(seconds: at), promptTokenCount: promptTokens, outputTokenCount: outputTokens))
        }
        guard let origin = entries.map(\.arrivedAt.seconds).min() else {
            throw SimulationError.emptyFile(path: table.source)
        }
        for i in entries.indices { entries[i].arrivedAt.seconds -= origin }
        return ArrivalTrace(source: table.source, entries: entries, skippedRowCount: skipped, hasArrivalTimes: timed)
    }
}
