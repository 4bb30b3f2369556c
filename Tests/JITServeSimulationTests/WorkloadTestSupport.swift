import Foundation
import JITServeSimulation

/// Where the shared data checkout lives (`../shared/data` beside the repository), or nil in a
/// user's clone that has none; tests that need it skip.
enum SharedData {
    static let root: URL? = {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = repository.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: data.path) ? data : nil
    }()

    static var isAvailable: Bool { root != nil }

    static func path(_ relative: String) -> String { root!.appendingPathComponent(relative).path }
}

/// The line a `malformedRow` error names, or nil for any other error.
func malformedLine(_ body: () throws -> Void) -> Int? {
    do {
        try body()
    } catch let SimulationError.malformedRow(_, line, _) {
        return line
    } catch {
        return nil
    }
    return nil
}
