#!/usr/bin/env bash
# Regenerates Sources/JITServeGateway/Generated/ — the Swift code of Envoy's ext_proc v3 API and
# gRPC health, as the endpoint picker (`jitserve route --ext-proc`) uses them. Run by hand when
# the pinned versions below change; the build never runs it (the output is committed).
#
#   scripts/generate_ext_proc.sh
#
# 1. A venv (.venv-protos) with PyPI's xds-protos and grpcio-health-checking: their _pb2 modules
#    embed the serialized FileDescriptorProtos (neither ships .proto files).
# 2. protoc-gen-swift (apple/swift-protobuf), built from the local package mirror in a scratch
#    package (.build-protoc-plugins).
# 3. scripts/generate_ext_proc.py: extracts and prunes the descriptors to what the two services
#    need, writes the FileDescriptorSet to .build-protoc-plugins/ext_proc.pb, and runs the plugin
#    over it (protoc's plugin protocol, no protoc needed). Messages only: the picker serves the
#    services with its own gRPC server on NIOHTTP2 (Sources/JITServeGateway/GRPC/).
set -euo pipefail
cd "$(dirname "$0")/.."

XDS_PROTOS=1.85.0
GRPC_HEALTH=1.85.1
SWIFT_PROTOBUF=1.39.0
SCRATCH=.build-protoc-plugins
OUT=Sources/JITServeGateway/Generated

if [[ ! -x .venv-protos/bin/python ]]; then python3 -m venv .venv-protos; fi
.venv-protos/bin/pip install --quiet "xds-protos==$XDS_PROTOS" "grpcio-health-checking==$GRPC_HEALTH"

mkdir -p "$SCRATCH"
cat > "$SCRATCH/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "protoc-plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "$SWIFT_PROTOBUF"),
    ],
    targets: []
)
SWIFT
echo "building protoc-gen-swift in $SCRATCH (minutes the first time)..." >&2
(cd "$SCRATCH" && swift build --product protoc-gen-swift)
BIN="$(cd "$SCRATCH" && swift build --show-bin-path)"

.venv-protos/bin/python scripts/generate_ext_proc.py \
    --protoc-gen-swift "$BIN/protoc-gen-swift" \
    --descriptor-set "$SCRATCH/ext_proc.pb" --out "$OUT"
