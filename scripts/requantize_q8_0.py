#!/usr/bin/env python3
"""Re-encode every Q4_0/Q4_1 tensor of a GGUF as Q8_0 (the same weights on a finer grid), copying
the metadata and every other tensor: a Q8_0 model of the default's shape, to measure the byte
kernels on (README, "Interleaved rows"). Needs the `gguf` PyPI package (scripts/eval_openai.sh's
venv has it).

Usage: python3 scripts/requantize_q8_0.py IN.gguf OUT.gguf
"""
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants


def field_value(field):
    kind = field.types[0]
    if kind == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8", errors="surrogateescape")
    if kind == gguf.GGUFValueType.ARRAY:
        if field.types[1] == gguf.GGUFValueType.STRING:
            return [bytes(field.parts[i]).decode("utf-8", errors="surrogateescape") for i in field.data]
        return [field.parts[i].tolist()[0] for i in field.data]
    return field.parts[field.data[0]].tolist()[0]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, destination = sys.argv[1], sys.argv[2]
    reader = gguf.GGUFReader(source)
    writer = gguf.GGUFWriter(destination, field_value(reader.fields["general.architecture"]))
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        kind = field.types[0]
        if kind == gguf.GGUFValueType.ARRAY:
            writer.add_array(key, field_value(field))
        elif kind == gguf.GGUFValueType.STRING:
            writer.add_string(key, field_value(field))
        else:
            writer.add_key_value(key, field_value(field), kind)
    for tensor in reader.tensors:
        if tensor.tensor_type in (T.Q4_0, T.Q4_1):
            shape = [int(n) for n in reversed(tensor.shape.tolist())]
            weights = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape).astype(np.float32)
            data, kind = quants.quantize(weights, T.Q8_0), T.Q8_0
        else:
            data, kind = tensor.data, tensor.tensor_type
        writer.add_tensor(tensor.name, data, raw_shape=data.shape, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {destination}")


if __name__ == "__main__":
    main()
