// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for jitserve's parsers of untrusted input. A package of its own, beside the
// main one, so that `swift build` and `swift test` never compile them: they are built only by
// `scripts/fuzz.sh`, with `-sanitize=fuzzer,address`; each target's `main` hands over to libFuzzer
// through `LLVMFuzzerRunDriver` (FuzzDriver). The request and header targets link only the wire
// module (JITServeCore + JITServeWire, no HTTP stack), so their instrumented build is short.
let package = Package(
    name: "jitserve-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "jitserve", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzDriver", dependencies: ["CFuzzerDriver"]),
        .executableTarget(
            name: "FuzzRequestJSON", dependencies: ["FuzzDriver", .product(name: "JITServeWire", package: "jitserve")]),
        .executableTarget(
            name: "FuzzSLOHeaders", dependencies: ["FuzzDriver", .product(name: "JITServeWire", package: "jitserve")]),
        .executableTarget(
            name: "FuzzChatTemplate", dependencies: ["FuzzDriver", .product(name: "JITServeCPU", package: "jitserve")]),
        .executableTarget(
            name: "FuzzGGUF", dependencies: ["FuzzDriver", .product(name: "JITServeCPU", package: "jitserve")]),
    ]
)
