/// One entry of a GGUF tensor directory.
public struct GGUFTensor: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// Sizes in ggml order: `dimensions[0]` is the innermost (the row length).
    public let dimensions: [Int]
    /// Byte offset from the start of the file's data section.
    public let offset: Int
    /// Bytes the tensor occupies in the data section.
    public let byteCount: Int

    public init(name: String, type: GGMLType, dimensions: [Int], offset: Int, byteCount: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Total number of elements (the product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// Number of rows when viewed as a matrix of `dimensions[0]`-long rows.
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
}
