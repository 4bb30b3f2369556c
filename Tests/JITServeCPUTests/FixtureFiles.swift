import Foundation

/// The test target's data files (Tests/JITServeCPUTests/Fixtures): the tiny random-weight
/// GGUFs and numpy reference runs of scripts/make_model_fixtures.py, the chat templates and
/// jinja2's renderings of them (scripts/chat_template_reference.py).
enum FixtureFiles {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }
}
