#!/usr/bin/env python3
"""Generates the Swift code of the ext_proc endpoint picker's gRPC API.

PyPI's `xds-protos` (Envoy's API) and `grpcio-health-checking` (gRPC health) ship no .proto
files, but each `_pb2` module embeds its serialized FileDescriptorProto. This script:

1. imports `envoy.service.ext_proc.v3.external_processor_pb2` and `grpc_health.v1.health_pb2`
   and collects their FileDescriptorProtos with every dependency;
2. prunes them to what the two services need: messages and enums reachable from the methods of
   `envoy.service.ext_proc.v3.ExternalProcessor` and `grpc.health.v1.Health` (whole top-level
   messages, every field kept, so the wire format is untouched); validation/annotation options
   and the files that only define them are dropped;
3. writes that FileDescriptorSet and feeds it to `protoc-gen-swift` through protoc's plugin
   protocol (a CodeGeneratorRequest on stdin), so no `protoc` is needed. Only the messages are
   generated: the picker serves the two services with its own small gRPC server
   (Sources/JITServeGateway/GRPC/), so no grpc-swift service stubs are needed;
4. writes the generated files into the output folder (everything there is replaced).

Protobuf's well-known types (google/protobuf/*.proto) are not generated: SwiftProtobuf has them.
Run through scripts/generate_ext_proc.sh, which pins the packages and builds the plugins.
"""
import argparse
import collections
import pathlib
import subprocess
import sys

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

import grpc_health.v1.health_pb2 as health_pb2
from envoy.service.ext_proc.v3 import external_processor_pb2

SERVICES = [".envoy.service.ext_proc.v3.ExternalProcessor", ".grpc.health.v1.Health"]
WELL_KNOWN_PREFIX = "google/protobuf/"
# protoc-gen-swift writes one Swift file per .proto, and external_processor.proto alone would be
# ~1,500 lines. Its messages move, by concept, into files of their own in the same package, listed
# dependencies first; a message's full name (so its Swift name and wire format) does not depend on
# the file that holds it. The service and the stream's response message stay where they were.
SPLIT = {
    "envoy/service/ext_proc/v3/external_processor.proto": [
        ("envoy/service/ext_proc/v3/external_processor_request.proto",
         ["ProcessingRequest", "ProtocolConfiguration", "HttpHeaders", "HttpBody", "HttpTrailers"]),
        ("envoy/service/ext_proc/v3/external_processor_mutation.proto",
         ["HeaderMutation", "BodyMutation", "StreamedBodyResponse", "GrpcStatus"]),
        ("envoy/service/ext_proc/v3/external_processor_response.proto",
         ["HeadersResponse", "BodyResponse", "TrailersResponse", "CommonResponse", "ImmediateResponse"]),
    ],
}


def collect(modules):
    """Every FileDescriptorProto the modules' files import, dependencies first."""
    ordered, seen = [], set()

    def walk(file_descriptor):
        if file_descriptor.name in seen:
            return
        seen.add(file_descriptor.name)
        for dependency in file_descriptor.dependencies:
            walk(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        proto.ParseFromString(file_descriptor.serialized_pb)
        ordered.append(proto)

    for module in modules:
        walk(module.DESCRIPTOR)
    return ordered


def index_types(files):
    """Full type name -> (file name, top-level full name, the DescriptorProto or EnumDescriptorProto)."""
    types = {}

    def add_message(file_name, prefix, message, top):
        full = f"{prefix}.{message.name}"
        types[full] = (file_name, top or full, message)
        for nested in message.nested_type:
            add_message(file_name, full, nested, top or full)
        for enum in message.enum_type:
            types[f"{full}.{enum.name}"] = (file_name, top or full, enum)

    for proto in files:
        prefix = f".{proto.package}" if proto.package else ""
        for message in proto.message_type:
            add_message(proto.name, prefix, message, None)
        for enum in proto.enum_type:
            full = f"{prefix}.{enum.name}"
            types[full] = (proto.name, full, enum)
    return types


def field_types(message):
    """Type names the fields of `message` and its nested messages refer to."""
    for field in message.field:
        if field.type_name:
            yield field.type_name
    for nested in message.nested_type:
        yield from field_types(nested)


def needed_top_level(files, types):
    """Top-level messages and enums the kept services reach, by full name."""
    services = {}
    for proto in files:
        prefix = f".{proto.package}" if proto.package else ""
        for service in proto.service:
            services[f"{prefix}.{service.name}"] = service
    missing = [name for name in SERVICES if name not in services]
    if missing:
        sys.exit(f"services not found in the descriptors: {missing}")
    queue = collections.deque()
    for name in SERVICES:
        for method in services[name].method:
            queue.extend([method.input_type, method.output_type])
    needed = set()
    while queue:
        type_name = queue.popleft()
        if type_name not in types:
            sys.exit(f"type {type_name} is not defined in the collected descriptors")
        file_name, top, _ = types[type_name]
        if top in needed or file_name.startswith(WELL_KNOWN_PREFIX):
            continue
        needed.add(top)
        top_proto = types[top][2]
        if isinstance(top_proto, descriptor_pb2.DescriptorProto):
            queue.extend(field_types(top_proto))
    return needed


def json_name(name):
    """protoc's default JSON name: lowerCamelCase, as protoc fills it in (embedded descriptors omit it)."""
    out, upper = [], False
    for ch in name:
        if ch == "_":
            upper = True
        elif upper:
            out.append(ch.upper())
            upper = False
        else:
            out.append(ch)
    return "".join(out)


def fill_json_names(message):
    for field in message.field:
        if not field.HasField("json_name"):
            field.json_name = json_name(field.name)
    for nested in message.nested_type:
        fill_json_names(nested)


def strip_message(message):
    map_entry = message.options.map_entry
    message.ClearField("options")
    if map_entry:
        message.options.map_entry = True
    message.ClearField("extension")
    message.ClearField("extension_range")
    for field in message.field:
        field.ClearField("options")
    for oneof in message.oneof_decl:
        oneof.ClearField("options")
    for enum in message.enum_type:
        strip_enum(enum)
    for nested in message.nested_type:
        strip_message(nested)


def strip_enum(enum):
    allow_alias = enum.options.allow_alias
    enum.ClearField("options")
    if allow_alias:
        enum.options.allow_alias = True
    for value in enum.value:
        value.ClearField("options")


def prune(files, types, needed):
    """The files reduced to the needed types (well-known files kept whole), in dependency order."""
    kept = []
    for proto in files:
        if proto.name.startswith(WELL_KNOWN_PREFIX):
            kept.append(proto)
            continue
        prefix = f".{proto.package}" if proto.package else ""
        pruned = descriptor_pb2.FileDescriptorProto()
        pruned.CopyFrom(proto)
        del pruned.message_type[:]
        del pruned.enum_type[:]
        del pruned.service[:]
        pruned.ClearField("extension")
        pruned.ClearField("options")
        pruned.ClearField("source_code_info")
        pruned.ClearField("public_dependency")
        pruned.ClearField("weak_dependency")
        for message in proto.message_type:
            if f"{prefix}.{message.name}" in needed:
                pruned.message_type.add().CopyFrom(message)
        for enum in proto.enum_type:
            if f"{prefix}.{enum.name}" in needed:
                pruned.enum_type.add().CopyFrom(enum)
        for service in proto.service:
            if f"{prefix}.{service.name}" in SERVICES:
                copy = pruned.service.add()
                copy.CopyFrom(service)
                copy.ClearField("options")
                for method in copy.method:
                    method.ClearField("options")
        if not (pruned.message_type or pruned.enum_type or pruned.service):
            continue
        for message in pruned.message_type:
            strip_message(message)
        for enum in pruned.enum_type:
            strip_enum(enum)
        set_imports(pruned, types)
        kept.append(pruned)
    # Drop well-known files nothing imports any more.
    imported = {dependency for proto in kept for dependency in proto.dependency}
    kept = [p for p in kept if not p.name.startswith(WELL_KNOWN_PREFIX) or p.name in imported]
    # The plugins expect what protoc hands them: every field's JSON name filled in.
    for proto in kept:
        for message in proto.message_type:
            fill_json_names(message)
    return kept


def set_imports(proto, types):
    """Imports exactly the files whose types `proto`'s messages and methods use."""
    used = set()
    for message in proto.message_type:
        used.update(types[name][0] for name in field_types(message))
    for service in proto.service:
        for method in service.method:
            used.update(types[name][0] for name in (method.input_type, method.output_type))
    used.discard(proto.name)
    del proto.dependency[:]
    proto.dependency.extend(sorted(used))


def split(files):
    """`files` with SPLIT's messages moved into the files SPLIT names, placed before the file they
    came from, and every file's imports recomputed."""
    result = []
    for proto in files:
        for name, messages in SPLIT.get(proto.name, []):
            part = descriptor_pb2.FileDescriptorProto()
            part.CopyFrom(proto)
            part.name = name
            del part.message_type[:]
            del part.service[:]
            del part.enum_type[:]
            for message in proto.message_type:
                if message.name in messages:
                    part.message_type.add().CopyFrom(message)
            if len(part.message_type) != len(messages):
                sys.exit(f"{name}: some of {messages} are not in {proto.name}")
            result.append(part)
        moved = {m for _, messages in SPLIT.get(proto.name, []) for m in messages}
        if moved:
            rest = [m for m in proto.message_type if m.name not in moved]
            del proto.message_type[:]
            proto.message_type.extend(rest)
        result.append(proto)
    types = index_types(result)
    for proto in result:
        if not proto.name.startswith(WELL_KNOWN_PREFIX):
            set_imports(proto, types)
    return result


def run_plugin(plugin, files, to_generate, parameter):
    request = plugin_pb2.CodeGeneratorRequest()
    request.file_to_generate.extend(to_generate)
    request.parameter = parameter
    request.proto_file.extend(files)
    request.compiler_version.major, request.compiler_version.minor = 29, 0
    result = subprocess.run([plugin], input=request.SerializeToString(), capture_output=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{plugin} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    response = plugin_pb2.CodeGeneratorResponse()
    response.ParseFromString(result.stdout)
    if response.error:
        sys.exit(f"{plugin}: {response.error}")
    return response.file


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--protoc-gen-swift", required=True)
    parser.add_argument("--out", required=True, type=pathlib.Path, help="folder for the generated .swift files")
    parser.add_argument("--descriptor-set", type=pathlib.Path, help="also write the pruned FileDescriptorSet here")
    args = parser.parse_args()

    files = collect([external_processor_pb2, health_pb2])
    types = index_types(files)
    needed = needed_top_level(files, types)
    pruned = split(prune(files, types, needed))
    to_generate = [p.name for p in pruned if not p.name.startswith(WELL_KNOWN_PREFIX)]
    if args.descriptor_set:
        descriptor_set = descriptor_pb2.FileDescriptorSet()
        descriptor_set.file.extend(pruned)
        args.descriptor_set.write_bytes(descriptor_set.SerializeToString())

    outputs = []
    outputs += run_plugin(args.protoc_gen_swift, pruned, to_generate, "Visibility=Internal,FileNaming=PathToUnderscores")

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.swift"):
        old.unlink()
    for generated in outputs:
        (args.out / generated.name).write_text(generated.content)
    kept_types = sum(len(p.message_type) + len(p.enum_type) for p in pruned if p.name in to_generate)
    all_types = sum(len(p.message_type) + len(p.enum_type) for p in files if not p.name.startswith(WELL_KNOWN_PREFIX))
    print(f"{len(to_generate)} of {len(files)} files, {kept_types} of {all_types} top-level types kept; "
          f"wrote {len(outputs)} files to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
