import Foundation

/// A hand-written reader for the plain numeric CSVs the traces use: a header line, then rows of
/// comma-separated fields, with no quoting (none of the supported schemas quotes a field).
///
/// It works on the file's bytes and hands out byte ranges, parsing numbers itself: the 19k-row
/// Azure trace loads in milliseconds, and every error names the file and the 1-based line
/// (the header is line 1).
struct CSVTable {
    /// The file name used in error messages.
    let source: String
    let header: [String]
    private let bytes: [UInt8]
    /// Byte ranges of the data lines (after the header), each with its 1-based line number.
    private let lines: [(number: Int, range: Range<Int>)]

    /// Reads the file at `path`.
    static func load(path: String) throws -> CSVTable {
        try CSVTable(bytes: readFileBytes(path), source: path)
    }

    init(text: String, source: String) throws {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    init(bytes: [UInt8], source: String) throws {
        self.source = source
        self.bytes = bytes
        var start = 0
        // A UTF-8 byte-order mark would otherwise glue itself to the first column's name.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var found: [(number: Int, range: Range<Int>)] = []
        var headerRange: Range<Int>?
        var lineNumber = 0
        var index = start
        let count = bytes.count
        while index < count {
            var end = index
            while end < count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            var contentEnd = end
            if contentEnd > index && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            if contentEnd > index {  // blank lines are skipped but still counted
                if headerRange == nil {
                    headerRange = index..<contentEnd
                } else {
                    found.append((lineNumber, index..<contentEnd))
                }
            }
            index = end + 1
        }
        guard let headerRange else { throw SimulationError.emptyFile(path: source) }
        header = Self.split(bytes, headerRange).map {
            String(decoding: bytes[$0], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        lines = found
    }

    var rowCount: Int { lines.count }
    var headerLine: String { header.joined(separator: ",") }

    /// The index of the named column, or a `missingColumn` error.
    func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw SimulationError.missingColumn(file: source, column: name, header: headerLine)
        }
        return index
    }

    /// Calls `body` with each data row, in file order.
    func forEachRow(_ body: (CSVRow) throws -> Void) throws {
        for line in lines {
            let fields = Self.split(bytes, line.range)
            guard fields.count == header.count else {
                throw SimulationError.malformedRow(
                    file: source, line: line.number,
                    reason: "expected \(header.count) fields (\(headerLine)), found \(fields.count)")
            }
            try body(CSVRow(table: self, line: line.number, fields: fields))
        }
    }

    fileprivate func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    fileprivate func byte(_ index: Int) -> UInt8 { bytes[index] }

    private static func split(_ bytes: [UInt8], _ range: Range<Int>) -> [Range<Int>] {
        var fields: [Range<Int>] = []
        var start = range.lowerBound
        for i in range where bytes[i] == UInt8(ascii: ",") {
            fields.append(start..<i)
            start = i + 1
        }
        fields.append(start..<range.upperBound)
        return fields
    }
}

/// One data row of a `CSVTable`, with typed accessors that name the column and line on error.
struct CSVRow {
    fileprivate let table: CSVTable
    let line: Int
    fileprivate let fields: [Range<Int>]

    /// The field's text, surrounding spaces removed.
    func string(_ column: Int) -> String {
        table.text(trimmed(column)).trimmingCharacters(in: .whitespaces)
    }

    /// A base-10 integer (optional sign) in `range`.
    func int(_ column: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        let r = trimmed(column)
        var i = r.lowerBound
        var negative = false
        if i < r.upperBound && (table.byte(i) == UInt8(ascii: "-") || table.byte(i) == UInt8(ascii: "+")) {
            negative = table.byte(i) == UInt8(ascii: "-")
            i += 1
        }
        guard i < r.upperBound else { throw failure(column, "expected an integer") }
        var value = 0
        while i < r.upperBound {
            let digit = Int(table.byte(i)) - 48
            guard (0...9).contains(digit) else { throw failure(column, "expected an integer") }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            guard !o1 && !o2 else { throw failure(column, "integer out of range") }
            value = sum
            i += 1
        }
        if negative { value = -value }
        guard range.contains(value) else {
            throw failure(column, "must be in \(range.lowerBound)…\(range.upperBound)", value: value)
        }
        return value
    }

    /// A finite decimal number.
    func double(_ column: Int) throws -> Double {
        guard let value = Double(table.text(trimmed(column))), value.isFinite else {
            throw failure(column, "expected a finite number")
        }
        return value
    }

    /// A timestamp `YYYY-MM-DD HH:MM:SS[.fraction]` (a `T` separator is accepted too) as whole
    /// days since 1970-01-01 plus seconds into that day; the caller subtracts the first row's
    /// in integers first, so no precision is lost to a large epoch offset.
    func timestamp(_ column: Int) throws -> (day: Int, secondOfDay: Double) {
        let r = trimmed(column)
        func digits(_ offset: Int, _ count: Int) -> Int? {
            guard r.lowerBound + offset + count <= r.upperBound else { return nil }
            var value = 0
            for i in 0..<count {
                let digit = Int(table.byte(r.lowerBound + offset + i)) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        func separator(_ offset: Int, _ allowed: [UInt8]) -> Bool {
            r.lowerBound + offset < r.upperBound && allowed.contains(table.byte(r.lowerBound + offset))
        }
        let dash = [UInt8(ascii: "-")], colon = [UInt8(ascii: ":")]
        guard let year = digits(0, 4), separator(4, dash), let month = digits(5, 2), separator(7, dash),
            let day = digits(8, 2), separator(10, [UInt8(ascii: " "), UInt8(ascii: "T")]),
            let hour = digits(11, 2), separator(13, colon), let minute = digits(14, 2), separator(16, colon),
            let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { throw failure(column, "expected a timestamp like 2023-11-16 18:17:03.9799600") }
        var fraction = 0.0
        if r.lowerBound + 19 < r.upperBound {
            guard table.byte(r.lowerBound + 19) == UInt8(ascii: "."),
                let value = Double("0" + table.text((r.lowerBound + 19)..<r.upperBound))
            else { throw failure(column, "expected a timestamp like 2023-11-16 18:17:03.9799600") }
            fraction = value
        }
        let secondOfDay = Double(hour * 3600 + minute * 60 + second) + fraction
        return (Self.daysFromCivil(year: year, month: month, day: day), secondOfDay)
    }

    /// A `malformedRow` error for this row naming the column and the offending text.
    func failure(_ column: Int, _ reason: String, value: Int? = nil) -> SimulationError {
        let found = value.map(String.init) ?? string(column)
        return .malformedRow(
            file: table.source, line: line,
            reason: "column '\(table.header[column])': \(reason), found '\(found)'")
    }

    private func trimmed(_ column: Int) -> Range<Int> {
        var r = fields[column]
        while r.lowerBound < r.upperBound && table.byte(r.lowerBound) == UInt8(ascii: " ") {
            r = (r.lowerBound + 1)..<r.upperBound
        }
        while r.lowerBound < r.upperBound && table.byte(r.upperBound - 1) == UInt8(ascii: " ") {
            r = r.lowerBound..<(r.upperBound - 1)
        }
        return r
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The bytes of the file at `path`, or an `unreadableFile` error.
func readFileBytes(_ path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw SimulationError.unreadableFile(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
        throw SimulationError.unreadableFile(path: path, reason: "is a directory")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw SimulationError.unreadableFile(path: path, reason: "permission denied or I/O error")
    }
    return [UInt8](data)
}
