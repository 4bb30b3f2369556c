import Foundation
import JITServeCPU
import JITServeCore
import Testing

@Suite("GGUF reader")
struct GGUFFileTests {
    static let scalars: [(String, GGUFValue)] = [
        ("test.u8", .uint8(200)), ("test.i8", .int8(-100)), ("test.u16", .uint16(60000)),
        ("test.i16", .int16(-30000)), ("test.u32", .uint32(4_000_000_000)), ("test.i32", .int32(-2_000_000_000)),
        ("test.f32", .float32(1.5)), ("test.bool", .bool(true)), ("test.string", .string("héllo ✓ 🙂")),
        ("test.u64", .uint64(1 << 40)), ("test.i64", .int64(-(1 << 40))), ("test.f64", .float64(-2.25)),
        ("test.array", .array([.string("a"), .string(""), .string("ü")])),
        ("test.nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])])),
        ("test.empty", .array([])),
    ]

    /// One tensor of each supported type, each a whole number of 32-byte-aligned chunks so the
    /// file ends exactly where the last tensor does.
    static func sampleTensors() -> [GGUFTestWriter.Tensor] {
        func bytes(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) &+ seed } }
        return [
            .init(name: "a.f32", typeID: 0, dimensions: [8, 2], data: bytes(64, seed: 1)),
            .init(name: "b.f16", typeID: 1, dimensions: [4], data: bytes(8, seed: 2)),
            .init(name: "c.q4_0", typeID: 2, dimensions: [64, 3], data: bytes(6 * 18, seed: 3)),
            .init(name: "d.q4_1", typeID: 3, dimensions: [32], data: bytes(20, seed: 4)),
            .init(name: "e.q8_0", typeID: 8, dimensions: [32, 2, 2], data: bytes(4 * 34, seed: 5)),
        ]
    }

    static func sampleWriter() -> GGUFTestWriter {
        var writer = GGUFTestWriter()
        writer.metadata = [("general.architecture", .string("llama"))] + scalars
        writer.tensors = sampleTensors()
        return writer
    }

    @Test func parsesEveryMetadataKind() throws {
        let file = try GGUFFile(contentsOf: try Self.sampleWriter().write())
        #expect(file.version == 3)
        #expect(file.architecture == "llama")
        for (key, value) in Self.scalars {
            #expect(file.metadata[key] == value, "\(key)")
        }
        #expect(file.metadata["test.u64"]?.int == 1 << 40)
        #expect(file.metadata["test.i8"]?.int == -100)
        #expect(file.metadata["test.f32"]?.double == 1.5)
        #expect(file.metadata["test.u32"]?.double == 4e9)
        #expect(file.metadata["test.bool"]?.bool == true)
        #expect(file.metadata["test.string"]?.string == "héllo ✓ 🙂")
        #expect(file.metadata["test.array"]?.array?.compactMap(\.string) == ["a", "", "ü"])
        #expect(file.metadata["test.string"]?.int == nil)
        #expect(file.metadata["test.f64"]?.int == nil)
    }

    @Test func readsEachTensorTypeAndItsBytes() throws {
        let writer = Self.sampleWriter()
        let file = try GGUFFile(contentsOf: try writer.write())
        #expect(file.tensorNames == writer.tensors.map(\.name))
        let expectedTypes: [GGMLType] = [.f32, .f16, .q4_0, .q4_1, .q8_0]
        for (written, type) in zip(writer.tensors, expectedTypes) {
            let tensor = try #require(file.tensors[written.name])
            #expect(tensor.type == type)
            #expect(tensor.dimensions == written.dimensions.map { Int($0) })
            #expect(tensor.elementCount == written.dimensions.reduce(1) { $0 * Int($1) })
            #expect(tensor.byteCount == written.data.count)
            #expect(tensor.offset % file.alignment == 0)
            #expect(Array(file.data(of: tensor)) == written.data, "\(written.name)")
        }
    }

    @Test func honoursCustomAlignmentAndVersion2() throws {
        var writer = Self.sampleWriter()
        writer.version = 2
        writer.alignment = 64
        writer.metadata.append(("general.alignment", .uint32(64)))
        let file = try GGUFFile(contentsOf: try writer.write())
        #expect(file.version == 2)
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        for written in writer.tensors {
            let tensor = try #require(file.tensors[written.name])
            #expect(tensor.offset % 64 == 0)
            #expect(Array(file.data(of: tensor)) == written.data)
        }
    }

    @Test func everyTruncationThrows() throws {
        let bytes = Self.sampleWriter().bytes()
        let path = try Self.sampleWriter().write()
        #expect(throws: Never.self) { try GGUFFile(contentsOf: path) }
        // The last tensor (q8_0, 136 bytes) is followed by padding; cut anywhere before its end.
        let trailingPadding = (32 - 136 % 32) % 32
        let lastEnd = bytes.count - trailingPadding
        // In memory: writing hundreds of files is slow on these disks, and parsing is the same.
        for length in stride(from: 0, to: lastEnd, by: 1) {
            #expect(throws: CPUError.self, "prefix of \(length) bytes") {
                try GGUFFile(bytes: Array(bytes[0..<length]), name: "prefix-\(length)")
            }
        }
        #expect(throws: Never.self) { try GGUFFile(bytes: Array(bytes[0..<lastEnd])) }
        for length in [0, 23, 24, 100] {
            let truncated = try GGUFTestWriter().write(Array(bytes[0..<length]))
            #expect(throws: CPUError.self, "file prefix of \(length) bytes") { try GGUFFile(contentsOf: truncated) }
        }
    }

    @Test func rejectsBadMagicAndVersions() throws {
        var bytes = Self.sampleWriter().bytes()
        bytes[0] = UInt8(ascii: "X")
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "magic")
        for version: UInt32 in [0, 1, 4, 0x0300_0000] {
            var writer = Self.sampleWriter()
            writer.version = version
            expectMalformed(try writer.write(), mentioning: "version \(version)")
        }
    }

    @Test func rejectsUnsupportedTensorTypeByName() throws {
        var writer = Self.sampleWriter()
        writer.tensors.append(.init(name: "f.q6k", typeID: 14, dimensions: [256], data: [UInt8](repeating: 0, count: 210)))
        let path = try writer.write()
        do {
            _ = try GGUFFile(contentsOf: path)
            Issue.record("expected an error")
        } catch let error as CPUError {
            guard case .unsupportedTensorType(_, let tensor, let typeID) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(tensor == "f.q6k" && typeID == 14)
            #expect(error.description.contains("q6_K") && error.description.contains(path))
        }
    }

    @Test func rejectsCorruptTensorDirectory() throws {
        var pastEnd = Self.sampleWriter()
        pastEnd.tensors[0].offsetOverride = 1 << 20
        expectMalformed(try pastEnd.write(), mentioning: "past the end")

        var unaligned = Self.sampleWriter()
        unaligned.tensors[1].offsetOverride = 4
        expectMalformed(try unaligned.write(), mentioning: "alignment")

        var partialBlock = Self.sampleWriter()
        partialBlock.tensors[2].dimensions = [48, 4]
        expectMalformed(try partialBlock.write(), mentioning: "block")

        var noDimensions = Self.sampleWriter()
        noDimensions.tensors[0].dimensions = []
        expectMalformed(try noDimensions.write(), mentioning: "dimensions")

        var fiveDimensions = Self.sampleWriter()
        fiveDimensions.tensors[0].dimensions = [8, 1, 1, 1, 2]
        expectMalformed(try fiveDimensions.write(), mentioning: "dimensions")

        var zeroDimension = Self.sampleWriter()
        zeroDimension.tensors[0].dimensions = [8, 0]
        expectMalformed(try zeroDimension.write(), mentioning: "dimension 0")

        var huge = Self.sampleWriter()
        huge.tensors[0].dimensions = [1 << 30, 1 << 30]
        expectMalformed(try huge.write(), mentioning: "absurd")

        var duplicate = Self.sampleWriter()
        duplicate.tensors[1].name = duplicate.tensors[0].name
        expectMalformed(try duplicate.write(), mentioning: "duplicate tensor")
    }

    @Test func rejectsAbsurdCountsAndUnknownKinds() throws {
        // Header: magic(4) version(4) tensor count(8) metadata count(8).
        var bytes = Self.sampleWriter().bytes()
        withUnsafeBytes(of: UInt64(1 << 60).littleEndian) { bytes.replaceSubrange(8..<16, with: $0) }
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "tensor count")

        bytes = Self.sampleWriter().bytes()
        withUnsafeBytes(of: UInt64.max.littleEndian) { bytes.replaceSubrange(16..<24, with: $0) }
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "metadata count")

        // First key's length field follows the header.
        bytes = Self.sampleWriter().bytes()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { bytes.replaceSubrange(24..<32, with: $0) }
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "length")

        // The first key is "general.architecture" (20 bytes); its type tag follows it.
        bytes = Self.sampleWriter().bytes()
        bytes[32 + 20] = 99
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "unknown value type 99")

        var badArray = GGUFTestWriter()
        badArray.metadata = [("a", .array([.uint8(1)]))]
        bytes = badArray.bytes()
        // key "a": length(8) + 1 byte, tag(4), element tag(4), count(8).
        let countAt = 24 + 9 + 4 + 4
        withUnsafeBytes(of: UInt64(1 << 50).littleEndian) { bytes.replaceSubrange(countAt..<countAt + 8, with: $0) }
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "element count")

        var badBool = GGUFTestWriter()
        badBool.metadata = [("b", .bool(true))]
        bytes = badBool.bytes()
        bytes[24 + 9 + 4] = 7
        expectMalformed(try GGUFTestWriter().write(bytes), mentioning: "bool")

        var duplicateKey = GGUFTestWriter()
        duplicateKey.metadata = [("k", .uint8(1)), ("k", .uint8(2))]
        expectMalformed(try duplicateKey.write(), mentioning: "duplicate metadata key")

        var badAlignment = Self.sampleWriter()
        badAlignment.metadata.append(("general.alignment", .uint32(48)))
        expectMalformed(try badAlignment.write(), mentioning: "alignment")
    }

    @Test func rejectsMissingEmptyAndNonRegularFiles() throws {
        let missing = "/nonexistent/dir/model.gguf"
        #expect { try GGUFFile(contentsOf: missing) } throws: { error in
            guard case CPUError.unreadableFile(let path, _) = error else { return false }
            return path == missing && (error as! CPUError).description.contains(missing)
        }
        expectMalformed(try GGUFTestWriter().write([]), mentioning: "shorter than")
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: CPUError.self) { try GGUFFile(contentsOf: directory) }
    }

    @Test func randomCorruptionNeverCrashes() throws {
        let original = Self.sampleWriter().bytes()
        var generator = SplitMix64(seed: 42)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let index = Int(generator.next() % UInt64(min(bytes.count, 400)))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            // Either outcome is fine; reaching the next iteration is the test.
            if let file = try? GGUFFile(bytes: bytes) {
                for tensor in file.tensors.values { _ = file.data(of: tensor).reduce(0, &+) }
            }
        }
    }

    @Test func emptyFileWithOnlyHeaderParses() throws {
        let file = try GGUFFile(contentsOf: try GGUFTestWriter().write())
        #expect(file.tensors.isEmpty && file.metadata.isEmpty)
    }

    private func expectMalformed(_ path: String, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try GGUFFile(contentsOf: path)
            Issue.record("expected an error mentioning '\(fragment)'", sourceLocation: sourceLocation)
        } catch {
            let message = String(describing: error)
            #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
            #expect(message.contains(path), "\(message)", sourceLocation: sourceLocation)
        }
    }
}
