/// Appends little-endian scalars to a byte buffer: the model file's encoder.
struct ModelByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Float) { append(value.bitPattern) }

    mutating func append(ascii: String) { bytes.append(contentsOf: ascii.utf8) }
}
