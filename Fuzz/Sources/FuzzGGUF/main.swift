import FuzzDriver
import JITServeCPU

/// A GGUF file's bytes (untrusted: downloaded models): the header, metadata and tensor table are
/// read, every tensor's data range is looked up, and the chat template, if any, is loaded.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? GGUFFile(bytes: bytes, name: "fuzz.gguf") else { return 0 }
    for tensor in file.tensors.values {
        _ = file.data(of: tensor).count
    }
    _ = try? ChatTemplate(gguf: file)
    return 0
}

runFuzzer(fuzzOne)
