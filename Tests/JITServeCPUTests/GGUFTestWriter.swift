import Foundation
import JITServeCPU

/// Builds GGUF files byte by byte for tests: an independent writer of the format, so the reader is
/// checked against the specification rather than against itself. Knobs let tests write files that
/// are wrong in one specific way.
struct GGUFTestWriter {
    struct Tensor {
        var name: String
        var typeID: UInt32
        var dimensions: [UInt64]
        var data: [UInt8]
        /// Overrides the offset the writer would compute.
        var offsetOverride: UInt64? = nil
    }

    var version: UInt32 = 3
    var alignment = 32
    var metadata: [(String, GGUFValue)] = []
    var tensors: [Tensor] = []

    func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        append(version, to: &out)
        append(UInt64(tensors.count), to: &out)
        append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            appendString(key, to: &out)
            append(value.typeTag, to: &out)
            appendValue(value, to: &out)
        }
        var offsets: [UInt64] = []
        var next: UInt64 = 0
        for tensor in tensors {
            offsets.append(next)
            next += UInt64(tensor.data.count)
            next = (next + UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment)
        }
        for (index, tensor) in tensors.enumerated() {
            appendString(tensor.name, to: &out)
            append(UInt32(tensor.dimensions.count), to: &out)
            for dimension in tensor.dimensions { append(dimension, to: &out) }
            append(tensor.typeID, to: &out)
            append(tensor.offsetOverride ?? offsets[index], to: &out)
        }
        pad(&out)
        let dataStart = out.count
        for (index, tensor) in tensors.enumerated() {
            while out.count < dataStart + Int(offsets[index]) { out.append(0) }
            out.append(contentsOf: tensor.data)
        }
        if !tensors.isEmpty { pad(&out) }
        return out
    }

    /// Writes the file to a fresh temporary path and returns the path.
    func write(_ bytes: [UInt8]? = nil) throws -> String {
        let url = Self.directory.appendingPathComponent("\(UUID().uuidString).gguf")
        try Data(bytes ?? self.bytes()).write(to: url)
        return url.path
    }

    /// One scratch directory per test process.
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jitserve-gguf-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private func pad(_ out: inout [UInt8]) {
        while out.count % alignment != 0 { out.append(0) }
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private func appendString(_ string: String, to out: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &out)
        out.append(contentsOf: string.utf8)
    }

    private func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let v): appendString(v, to: &out)
        case .array(let elements):
            append(elements.first?.typeTag ?? 4, to: &out)
            append(UInt64(elements.count), to: &out)
            for element in elements { appendValue(element, to: &out) }
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        }
    }
}
