import Foundation
import JITServeGateway
import JITServeRouter
import Testing

@testable import jitserve

/// `deploy/kubernetes/` cannot be applied here (no cluster, no image): these tests read it and
/// check that what it runs is what the CLI accepts, and that its names and ports agree.
@Suite struct KubernetesManifestTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/kubernetes")

    /// Every object of every manifest, by kind and name.
    func objects() throws -> [String: ManifestYAML] {
        var objects: [String: ManifestYAML] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 4, "manifests found: \(files)")
        for file in files {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            for document in try ManifestYAML.documents(text) {
                let kind = try #require(document["kind"]?.string, "\(file): an object without kind")
                let name = try #require(document[["metadata", "name"]]?.string, "\(file): a \(kind) without a name")
                #expect(document["apiVersion"]?.string != nil, "\(file): \(kind) \(name) has no apiVersion")
                #expect(objects["\(kind)/\(name)"] == nil, "\(kind)/\(name) defined twice")
                objects["\(kind)/\(name)"] = document
            }
        }
        return objects
    }

    func container(_ deployment: ManifestYAML) throws -> ManifestYAML {
        try #require(deployment[["spec", "template", "spec", "containers", 0]])
    }

    @Test func theReplicasRunServeWithItsOwnOptions() throws {
        let objects = try objects()
        let deployment = try #require(objects["Deployment/jitserve"])
        let container = try container(deployment)
        let args = container["args"]?.strings ?? []
        #expect(args.first == "serve")
        let serve = try #require(try ServeCommand.parseAsRoot(Array(args.dropFirst())) as? ServeCommand)
        #expect(serve.host == "0.0.0.0", "a replica must listen beyond loopback")
        #expect(container[["ports", 0, "containerPort"]]?.int == serve.port)
        #expect(container[["readinessProbe", "httpGet", "port"]]?.int == serve.port)
        let labels = deployment[["spec", "template", "metadata", "labels"]]
        #expect(deployment[["spec", "selector", "matchLabels"]] == labels)
        for name in ["Service/jitserve", "Service/jitserve-replicas"] {
            let service = try #require(objects[name])
            #expect(service[["spec", "selector"]] == labels, "\(name) selects other pods")
            #expect(service[["spec", "ports", 0, "targetPort"]]?.int == serve.port)
        }
        #expect(objects["Service/jitserve-replicas"]?[["spec", "clusterIP"]]?.string == "None", "the picker resolves a headless Service")
    }

    @Test func thePoolSelectsTheReplicasAndNamesThePicker() throws {
        let objects = try objects()
        let pool = try #require(objects["InferencePool/jitserve-pool"])
        #expect(pool["apiVersion"]?.string == "inference.networking.k8s.io/v1")
        let replicas = try #require(objects["Deployment/jitserve"])
        #expect(pool[["spec", "selector", "matchLabels"]] == replicas[["spec", "template", "metadata", "labels"]])
        let serve = try #require(try ServeCommand.parseAsRoot(Array((try container(replicas)["args"]?.strings ?? []).dropFirst())) as? ServeCommand)
        #expect(pool[["spec", "targetPorts", 0, "number"]]?.int == serve.port)
        let pickerName = try #require(pool[["spec", "endpointPickerRef", "name"]]?.string)
        let pickerService = try #require(objects["Service/\(pickerName)"], "endpointPickerRef names no Service")
        #expect(pool[["spec", "endpointPickerRef", "port", "number"]]?.int == pickerService[["spec", "ports", 0, "port"]]?.int)
        #expect(["FailOpen", "FailClose"].contains(pool[["spec", "endpointPickerRef", "failureMode"]]?.string ?? ""))
        let route = try #require(objects["HTTPRoute/jitserve"])
        let backend = try #require(route[["spec", "rules", 0, "backendRefs", 0]])
        #expect(backend["kind"]?.string == "InferencePool")
        #expect(backend["group"]?.string == "inference.networking.k8s.io")
        #expect(backend["name"]?.string == "jitserve-pool")
    }

    @Test func thePickerRunsRouteWithItsOwnOptions() throws {
        let objects = try objects()
        let deployment = try #require(objects["Deployment/jitserve-picker"])
        let container = try container(deployment)
        let args = container["args"]?.strings ?? []
        #expect(args.first == "route")
        let route = try #require(try RouteCommand.parseAsRoot(Array(args.dropFirst())) as? RouteCommand)
        let port = try #require(route.extProc, "the picker must serve ext_proc")
        #expect(route.host == "0.0.0.0")
        #expect(RouterCatalog.names.contains(route.router))
        #expect(container[["ports", 0, "containerPort"]]?.int == port)
        let service = try #require(objects["Service/jitserve-picker"])
        #expect(service[["spec", "ports", 0, "targetPort"]]?.int == port)
        #expect(service[["spec", "selector"]] == deployment[["spec", "template", "metadata", "labels"]])
        // Health probes ask for services the picker's gRPC health answers.
        #expect(container[["readinessProbe", "grpc", "service"]]?.string == GAIEProtocol.readinessService)
        #expect(container[["livenessProbe", "grpc", "service"]]?.string == GAIEProtocol.livenessService)
        #expect(container[["readinessProbe", "grpc", "port"]]?.int == port)
        // It discovers the replicas through the headless Service, on the replicas' port.
        guard case .dns(let host, let dnsPort) = try route.source() else {
            Issue.record("the picker should discover replicas with --endpoints-dns")
            return
        }
        #expect(host.split(separator: ".").first.map(String.init) == "jitserve-replicas")
        let replicas = try #require(objects["Deployment/jitserve"])
        let serve = try #require(try ServeCommand.parseAsRoot(Array((try self.container(replicas)["args"]?.strings ?? []).dropFirst())) as? ServeCommand)
        #expect(dnsPort == serve.port)
        #expect(route.defaultSlo == serve.defaultSlo, "the picker and the replicas must default to the same SLO")
    }

    @Test func theParserRefusesWhatItCannotRead() {
        #expect(throws: ManifestYAML.ParseError.self) { try ManifestYAML.documents("a: {b: 1}\n") }
        #expect(throws: ManifestYAML.ParseError.self) { try ManifestYAML.documents("a:\n  - b\n c: 1\n") }
        let parsed = try? ManifestYAML.documents("a:\n  - x: \"1\"\n    y: z # note\n  - w\nb: c\n---\nd: e\n")
        #expect(parsed?.count == 2)
        #expect(parsed?.first?[["a", 0, "y"]]?.string == "z")
        #expect(parsed?.first?[["a", 0, "x"]]?.int == 1)
        #expect(parsed?.first?[["a", 1]]?.string == "w")
        #expect(parsed?.last?["d"]?.string == "e")
    }
}
