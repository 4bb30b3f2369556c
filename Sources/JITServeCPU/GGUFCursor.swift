/// A bounds-checked little-endian reader over a GGUF file's bytes. Every read checks the remaining
/// length first, so a truncated or corrupt file produces `CPUError.malformedGGUF`, never a trap.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset: Int = 0

    /// Deepest nesting of metadata arrays accepted; real files use one level.
    static let maximumArrayDepth = 4

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    func error(_ reason: String, at position: Int? = nil) -> CPUError {
        .malformedGGUF(path: path, offset: position ?? offset, reason: reason)
    }

    mutating func require(_ count: Int, for what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error("file ends inside \(what()) (needs \(count) bytes, \(remaining) left)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        try require(size, for: what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// Reads a u64 count or size and checks it fits `Int` and is plausible: a count of items each
    /// at least `minimumItemSize` bytes long cannot exceed what is left of the file.
    mutating func readCount(_ what: @autoclosure () -> String, minimumItemSize: Int) throws -> Int {
        let start = offset
        let raw = try read(UInt64.self, what())
        guard raw <= UInt64(Int.max / max(minimumItemSize, 1)),
            Int(raw) * minimumItemSize <= remaining
        else {
            throw error("\(what()) is \(raw), more than the \(remaining) bytes left can hold", at: start)
        }
        return Int(raw)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let length = try readCount("length of \(what())", minimumItemSize: 1)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func readValue(tag: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
        switch tag {
        case 0: return .uint8(try read(UInt8.self, "value of '\(key)'"))
        case 1: return .int8(try read(Int8.self, "value of '\(key)'"))
        case 2: return .uint16(try read(UInt16.self, "value of '\(key)'"))
        case 3: return .int16(try read(Int16.self, "value of '\(key)'"))
        case 4: return .uint32(try read(UInt32.self, "value of '\(key)'"))
        case 5: return .int32(try read(Int32.self, "value of '\(key)'"))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, "value of '\(key)'")))
        case 7:
            let position = offset
            let raw = try read(UInt8.self, "value of '\(key)'")
            guard raw <= 1 else { throw error("bool '\(key)' holds \(raw), not 0 or 1", at: position) }
            return .bool(raw == 1)
        case 8: return .string(try readString("string '\(key)'"))
        case 9:
            guard depth < Self.maximumArrayDepth else {
                throw error("arrays in '\(key)' nest deeper than \(Self.maximumArrayDepth) levels")
            }
            let elementTag = try read(UInt32.self, "array type of '\(key)'")
            guard let size = Self.minimumEncodedSize(ofTag: elementTag) else {
                throw error("array '\(key)' has unknown element type \(elementTag)", at: offset - 4)
            }
            let count = try readCount("element count of '\(key)'", minimumItemSize: size)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try readValue(tag: elementTag, key: key, depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try read(UInt64.self, "value of '\(key)'"))
        case 11: return .int64(try read(Int64.self, "value of '\(key)'"))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, "value of '\(key)'")))
        default:
            throw error("metadata '\(key)' has unknown value type \(tag)", at: offset - 4)
        }
    }

    /// The fewest bytes a value of this kind occupies; nil for an unknown tag.
    static func minimumEncodedSize(ofTag tag: UInt32) -> Int? {
        switch tag {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        case 9: return 12
        default: return nil
        }
    }

    mutating func skip(to position: Int) throws {
        guard position >= offset, position <= bytes.count else {
            throw error("cannot advance to byte \(position) (file has \(bytes.count))")
        }
        offset = position
    }
}
