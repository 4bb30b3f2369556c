import Foundation
import Testing

@testable import jitserve

@Suite struct SimulateCommandTests {
    /// The JSON a multi-replica `simulate` writes says how many replicas ran (it said 1 whatever
    /// `--replicas` was).
    @Test func theJSONCountsTheReplicasThatRan() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("simulate-replicas-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try SimulateCommand.parseAsRoot([
            "--workload", "azure-conv", "--duration", "5", "--replicas", "3", "--quiet", "--json", path,
        ]) as! SimulateCommand
        try command.run()
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        #expect(object["replicas"] as? Int == 3)
    }
}
