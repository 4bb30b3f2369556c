#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF model file (versions 2 and 3), memory-mapped read-only: header, metadata and tensor
/// directory are parsed up front and validated; tensor bytes stay in the mapping and are handed
/// out as raw buffers, so opening a 100 MB model costs only the metadata parse.
public final class GGUFFile: @unchecked Sendable {
    /// The file path, as given.
    public let path: String
    /// GGUF format version (2 or 3).
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// The tensor directory, by name.
    public let tensors: [String: GGUFTensor]
    /// Tensor names in the order the directory lists them.
    public let tensorNames: [String]
    /// Alignment of the data section and of every tensor offset (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset of the data section in the file.
    public let dataOffset: Int
    /// Size of the whole file in bytes.
    public let fileSize: Int

    // Immutable after init; the bytes are never written, which is what makes the class Sendable.
    private let base: UnsafeMutableRawPointer?
    /// True when `base` is an mmap of the file; false when it is a heap copy (`init(bytes:name:)`).
    private let isMapped: Bool

    static let magic: [UInt8] = Array("GGUF".utf8)
    static let defaultAlignment = 32

    /// Opens, maps and validates `path`. Throws `CPUError` naming the path and what is wrong.
    public init(contentsOf path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CPUError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CPUError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CPUError.unreadableFile(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size >= 24 else {
            throw CPUError.malformedGGUF(
                path: path, offset: 0, reason: "file is \(size) bytes, shorter than a GGUF header (24)")
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CPUError.unreadableFile(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            let parsed = try Self.parse(UnsafeRawBufferPointer(start: mapped, count: size), path: path)
            self.version = parsed.version
            self.metadata = parsed.metadata
            self.tensors = parsed.tensors
            self.tensorNames = parsed.tensorNames
            self.alignment = parsed.alignment
            self.dataOffset = parsed.dataOffset
        } catch {
            munmap(mapped, size)
            throw error
        }
        self.path = path
        self.fileSize = size
        self.base = mapped
        self.isMapped = true
    }

    /// Parses a GGUF image held in memory (copied); `name` stands in for the path in errors.
    public init(bytes: [UInt8], name: String = "<memory>") throws {
        guard bytes.count >= 24 else {
            throw CPUError.malformedGGUF(
                path: name, offset: 0, reason: "file is \(bytes.count) bytes, shorter than a GGUF header (24)")
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        do {
            let parsed = try Self.parse(UnsafeRawBufferPointer(start: copy, count: bytes.count), path: name)
            self.version = parsed.version
            self.metadata = parsed.metadata
            self.tensors = parsed.tensors
            self.tensorNames = parsed.tensorNames
            self.alignment = parsed.alignment
            self.dataOffset = parsed.dataOffset
        } catch {
            copy.deallocate()
            throw error
        }
        self.path = name
        self.fileSize = bytes.count
        self.base = copy
        self.isMapped = false
    }

    deinit {
        guard let base else { return }
        if isMapped { munmap(base, fileSize) } else { base.deallocate() }
    }

    /// The bytes of `tensor`, valid as long as this file object lives.
    public func data(of tensor: GGUFTensor) -> UnsafeRawBufferPointer {
        precondition(
            tensor.offset >= 0 && dataOffset + tensor.offset + tensor.byteCount <= fileSize,
            "tensor '\(tensor.name)' does not belong to \(path)")
        return UnsafeRawBufferPointer(start: base! + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    /// The tensor called `name`, or an error naming it and the file.
    public func tensor(named name: String) throws -> GGUFTensor {
        guard let tensor = tensors[name] else {
            throw CPUError.invalidMetadata(key: name, reason: "no tensor of this name in \(path)")
        }
        return tensor
    }

    /// Architecture name (`general.architecture`), e.g. "llama".
    public var architecture: String? { metadata["general.architecture"]?.string }
}
