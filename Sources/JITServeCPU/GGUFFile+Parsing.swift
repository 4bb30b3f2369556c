extension GGUFFile {
    struct Parsed {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var tensors: [String: GGUFTensor]
        var tensorNames: [String]
        var alignment: Int
        var dataOffset: Int
    }

    /// ggml's limit on tensor rank.
    static let maximumDimensionCount = 4

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Parsed {
        var cursor = GGUFCursor(bytes: bytes, path: path)
        guard Array(bytes[0..<4]) == magic else {
            let seen = bytes[0..<4].map { String($0, radix: 16) }.joined(separator: " ")
            throw cursor.error("bad magic (bytes \(seen), expected 'GGUF')", at: 0)
        }
        try cursor.skip(to: 4)
        let version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw cursor.error("unsupported GGUF version \(version) (this reader handles 2 and 3)", at: 4)
        }
        // Minimum encoded sizes: a tensor entry is name length + rank + type + offset; a metadata
        // entry is key length + type tag + at least one byte of value.
        let tensorCount = try cursor.readCount("tensor count", minimumItemSize: 24)
        let metadataCount = try cursor.readCount("metadata count", minimumItemSize: 13)

        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(metadataCount)
        for index in 0..<metadataCount {
            let keyOffset = cursor.offset
            let key = try cursor.readString("metadata key \(index)")
            guard metadata[key] == nil else { throw cursor.error("duplicate metadata key '\(key)'", at: keyOffset) }
            let tag = try cursor.read(UInt32.self, "type of '\(key)'")
            metadata[key] = try cursor.readValue(tag: tag, key: key)
        }

        var alignment = defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                throw CPUError.malformedGGUF(
                    path: path, offset: 0, reason: "general.alignment \(value) is not a power of two")
            }
            alignment = a
        }

        var entries: [(tensor: GGUFTensor, directoryOffset: Int)] = []
        entries.reserveCapacity(tensorCount)
        var seen = Set<String>()
        for index in 0..<tensorCount {
            let entryOffset = cursor.offset
            let name = try cursor.readString("name of tensor \(index)")
            guard seen.insert(name).inserted else { throw cursor.error("duplicate tensor '\(name)'", at: entryOffset) }
            let rank = try cursor.read(UInt32.self, "rank of '\(name)'")
            guard rank >= 1, rank <= maximumDimensionCount else {
                throw cursor.error("tensor '\(name)' has \(rank) dimensions (1…\(maximumDimensionCount) allowed)")
            }
            var dimensions: [Int] = []
            var elements = 1
            for _ in 0..<rank {
                let raw = try cursor.read(UInt64.self, "dimensions of '\(name)'")
                guard raw >= 1, raw <= UInt64(Int32.max) else {
                    throw cursor.error("tensor '\(name)' has dimension \(raw)")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(raw))
                guard !overflow, product <= Int(Int32.max) * 64 else {
                    throw cursor.error("tensor '\(name)' has an absurd element count")
                }
                elements = product
                dimensions.append(Int(raw))
            }
            let typeID = try cursor.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: typeID) else {
                throw CPUError.unsupportedTensorType(path: path, tensor: name, typeID: typeID)
            }
            guard dimensions[0] % type.blockSize == 0 else {
                throw cursor.error(
                    "tensor '\(name)' rows of \(dimensions[0]) are not a multiple of the \(type.name) block (\(type.blockSize))")
            }
            let rawOffset = try cursor.read(UInt64.self, "offset of '\(name)'")
            guard rawOffset <= UInt64(Int.max / 2), Int(rawOffset) % alignment == 0 else {
                throw cursor.error("tensor '\(name)' offset \(rawOffset) is not a multiple of the alignment \(alignment)")
            }
            let byteCount = elements / type.blockSize * type.bytesPerBlock
            let tensor = GGUFTensor(
                name: name, type: type, dimensions: dimensions, offset: Int(rawOffset), byteCount: byteCount)
            entries.append((tensor, entryOffset))
        }

        let dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        let dataSize = bytes.count - dataOffset
        var tensors: [String: GGUFTensor] = [:]
        tensors.reserveCapacity(entries.count)
        for (tensor, entryOffset) in entries {
            guard dataSize >= 0, tensor.offset + tensor.byteCount <= dataSize else {
                throw cursor.error(
                    "tensor '\(tensor.name)' (\(tensor.byteCount) bytes at data offset \(tensor.offset)) "
                        + "runs past the end of the file (data section holds \(max(dataSize, 0)) bytes)",
                    at: entryOffset)
            }
            tensors[tensor.name] = tensor
        }
        return Parsed(
            version: version, metadata: metadata, tensors: tensors, tensorNames: entries.map(\.tensor.name),
            alignment: alignment, dataOffset: dataOffset)
    }
}
