import ArgumentParser
import Foundation

/// Where a command's figures go besides the table on stdout.
struct OutputOptions: ParsableArguments {
    @Option(help: "Also write the figures as JSON to this path.")
    var json: String?

    /// Writes `value` to `--json`, if given: pretty, keys sorted, atomically.
    func write<T: Encodable>(_ value: T) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Console.write(try encoder.encode(value), to: json)
    }
}
