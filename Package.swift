// swift-tools-version: 6.1
import PackageDescription

// Hot loops (simulator, schedulers, CPU kernels) are compiled with optimisation even in debug
// builds: a debug `swift test` would otherwise spend minutes in a forward pass or a trace replay.
// Exclusivity stays checked in debug builds, where it catches aliasing bugs in the tests.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]
// The CPU kernels want FMA/AVX2; `haswell` is the portable floor measured in STACK.md.
let kernels: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]

let package = Package(
    name: "jitserve",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jitserve", targets: ["jitserve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
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
            swiftSettings: optimised
        ),
        // The one wiring of policy, predictors and engine, shared by serve, simulate, bench and
        // generate.
        .target(
            name: "JITServeSetup",
            dependencies: ["JITServeCore", "JITServePrediction", "JITServeScheduling", "JITServeEngine"]
        ),
        .target(
            name: "JITServeSimulation",
            dependencies: ["JITServeCore", "JITServeScheduling", "JITServeEngine"],
            // The fitted tables' provenance: documentation, not a resource.
            exclude: ["Latency/README.md"],
            resources: [.copy("Resources")],
            swiftSettings: optimised
        ),
        .systemLibrary(name: "COpenBLAS"),
        .target(
            name: "JITServeCPU",
            dependencies: ["JITServeCore", "JITServeEngine", "COpenBLAS"],
            swiftSettings: kernels
        ),
        .target(
            name: "JITServeHTTP",
            dependencies: [
                "JITServeCore", "JITServeEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "jitserve",
            dependencies: [
                "JITServeCore", "JITServePrediction", "JITServeScheduling", "JITServeEngine",
                "JITServeSetup", "JITServeSimulation", "JITServeCPU", "JITServeHTTP",
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
        .testTarget(name: "JITServeCPUTests", dependencies: ["JITServeCPU"]),
        .testTarget(name: "JITServeHTTPTests", dependencies: ["JITServeHTTP"]),
        // The command-line tool's own wiring (serve and simulate build the same JITServe).
        .testTarget(name: "jitserveTests", dependencies: ["jitserve"]),
    ]
)
