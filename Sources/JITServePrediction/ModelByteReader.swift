/// Reads little-endian scalars with bounds checks: the model file's decoder. Every failure names
/// the file and the byte offset, so a truncated or foreign file gives a clear error, not a trap.
struct ModelByteReader {
    let bytes: [UInt8]
    let path: String
    private(set) var offset = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else {
            throw PredictionError.malformedModel(path: path, reason: "truncated at byte \(offset)")
        }
        var value: T = 0
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }

    mutating func readASCII(count: Int) throws -> String {
        guard offset + count <= bytes.count else {
            throw PredictionError.malformedModel(path: path, reason: "truncated at byte \(offset)")
        }
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    /// A count that must not exceed `limit` (guards allocations against corrupt headers).
    mutating func readCount(_ field: String, limit: Int) throws -> Int {
        let value = Int(try read(UInt32.self))
        guard value <= limit else {
            throw PredictionError.malformedModel(path: path, reason: "\(field) = \(value) exceeds \(limit) at byte \(offset - 4)")
        }
        return value
    }

    func fail(_ reason: String) -> PredictionError {
        .malformedModel(path: path, reason: "\(reason) (byte \(offset))")
    }
}
