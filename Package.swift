// swift-tools-version: 6.1
import PackageDescription

// Hot loops (simulator, schedulers, CPU kernels) are compiled with optimisation even in debug
// builds: a debug `swift test` would otherwise spend minutes in a forward pass or a trace replay.
// Exclusivity is checked at run time in every debug build, where it catches aliasing bugs in the
// tests. Release builds skip the checks only in the engine and the simulator, the two modules whose
// classes the checks cost in the hot loop: `jitserve bench simulator` (release, 4 alternating runs)
// took 14.3-15.2 s of CPU with every check on, 12.3-13.4 s with them off everywhere, and 13.1 s with
// them off in these two modules alone.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]
let optimisedUnchecked: [SwiftSetting] =
    optimised + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
// The CPU kernels want FMA/AVX2; `haswell` is the portable floor measured in STACK.md.
let kernels: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]

let package = Package(
    name: "jitserve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jitserve", targets: ["jitserve"]),
        // The parsers of untrusted input, for the libFuzzer targets in Fuzz/ (scripts/fuzz.sh).
        .library(name: "JITServeHTTP", targets: ["JITServeHTTP"]),
        .library(name: "JITServeWire", targets: ["JITServeWire"]),
        .library(name: "JITServeCPU", targets: ["JITServeCPU"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        // Already built for Hummingbird; named here so the server can end through its graceful
        // shutdown instead of a cancellation.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Already built for Hummingbird; named here for the HTTP client (bench live, the proxy).
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        // The ext_proc endpoint picker (`jitserve route --ext-proc`) serves gRPC itself over
        // plaintext HTTP/2 (h2c) on NIOHTTP2, with the protobuf code generated once by
        // scripts/generate_ext_proc.sh and committed. grpc-swift's NIO transport was dropped: it
        // pulls TLS (swift-nio-ssl, swift-crypto, swift-certificates) the in-cluster hop never uses.
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.36.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
    ],
    targets: [
        .target(name: "JITServeCore", swiftSettings: optimised),
        .target(name: "JITServePrediction", dependencies: ["JITServeCore"], resources: [.copy("Resources")], swiftSettings: optimised),
        .target(
            name: "JITServeScheduling",
            dependencies: ["JITServeCore"],
            swiftSettings: optimised
        ),
        .target(
            name: "JITServeEngine",
            dependencies: ["JITServeCore", "JITServeScheduling"],
            swiftSettings: optimisedUnchecked
        ),
        // The one wiring of policy, predictors and engine, shared by serve, simulate, bench and
        // generate.
        .target(
            name: "JITServeSetup",
            dependencies: ["JITServeCore", "JITServePrediction", "JITServeScheduling", "JITServeEngine", "JITServeRouter"]
        ),
        // Replica selection across engines, simulated and real (DESIGN §10).
        .target(name: "JITServeRouter", dependencies: ["JITServeCore", "JITServePrediction"], swiftSettings: optimised),
        .target(
            name: "JITServeSimulation",
            dependencies: ["JITServeCore", "JITServeScheduling", "JITServeEngine", "JITServeRouter"],
            // The fitted tables' provenance: documentation, not a resource.
            exclude: ["Latency/README.md"],
            resources: [.copy("Resources")],
            swiftSettings: optimisedUnchecked
        ),
        .systemLibrary(name: "COpenBLAS"),
        .systemLibrary(name: "CByteDot"),
        // The interleaved-rows decode kernels (AVX-512 VNNI or AVX2); -O2 in debug builds too, as the
        // Swift kernels get -O, so that the tests run it at speed.
        .target(name: "CInterleavedRows", cSettings: [.unsafeFlags(["-O2"])]),
        .target(
            name: "JITServeCPU",
            dependencies: ["JITServeCore", "JITServeEngine", "COpenBLAS", "CByteDot", "CInterleavedRows"],
            swiftSettings: kernels
        ),
        // The server's wire format (JSON, request bodies, SLO headers, errors): no HTTP stack, so
        // the fuzz targets of its parsers build in seconds.
        .target(name: "JITServeWire", dependencies: ["JITServeCore"]),
        .target(
            name: "JITServeHTTP",
            dependencies: [
                "JITServeCore", "JITServeEngine", "JITServeWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A small streaming HTTP/1.1 client on SwiftNIO (bench live; a proxy can use it too).
        .target(
            name: "JITServeHTTPClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Client-side load generation: replays a workload against any OpenAI-compatible server.
        .target(
            name: "JITServeLoad",
            dependencies: ["JITServeCore", "JITServeSimulation", "JITServeHTTPClient"]
        ),
        // `jitserve route`: the transport around a JITServeRouter policy — endpoint discovery and
        // /metrics scraping, Envoy's ext_proc endpoint picker over gRPC, and a plain HTTP reverse
        // proxy. Kept apart so JITServeRouter stays free of gRPC and NIO (DESIGN §2).
        .target(
            name: "JITServeGateway",
            dependencies: [
                "JITServeCore", "JITServeRouter", "JITServeHTTP",
                "JITServeHTTPClient",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Generated/README.md"]
        ),
        .executableTarget(
            name: "jitserve",
            dependencies: [
                "JITServeCore", "JITServePrediction", "JITServeScheduling", "JITServeEngine",
                "JITServeSetup", "JITServeSimulation", "JITServeCPU", "JITServeHTTP", "JITServeRouter",
                "JITServeHTTPClient", "JITServeLoad", "JITServeGateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "JITServeCoreTests", dependencies: ["JITServeCore"]),
        .testTarget(name: "JITServePredictionTests", dependencies: ["JITServePrediction"]),
        .testTarget(name: "JITServeSchedulingTests", dependencies: ["JITServeScheduling"]),
        .testTarget(name: "JITServeEngineTests", dependencies: ["JITServeEngine"]),
        .testTarget(name: "JITServeSetupTests", dependencies: ["JITServeSetup"]),
        .testTarget(
            name: "JITServeSimulationTests",
            dependencies: ["JITServeSimulation"]
        ),
        .testTarget(name: "JITServeCPUTests", dependencies: ["JITServeCPU"], resources: [.copy("Fixtures")]),
        .testTarget(name: "JITServeHTTPTests", dependencies: ["JITServeHTTP"]),
        .testTarget(name: "JITServeWireTests", dependencies: ["JITServeWire"]),
        .testTarget(name: "JITServeRouterTests", dependencies: ["JITServeRouter"]),
        .testTarget(
            name: "JITServeHTTPClientTests",
            dependencies: [
                "JITServeHTTPClient", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "JITServeLoadTests", dependencies: ["JITServeLoad"]),
        .testTarget(
            name: "JITServeGatewayTests",
            dependencies: ["JITServeGateway", "JITServeHTTPClient", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // The command-line tool's own wiring (serve and simulate build the same JITServe).
        .testTarget(name: "jitserveTests", dependencies: ["jitserve"]),
    ]
)
