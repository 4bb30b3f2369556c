/// A KV cache element type the attention kernels read directly, eight at a time, as fp32.
protocol KVElement {
    /// Elements `index..<index + 8` of the buffer at `base`, widened to fp32.
    static func load8(_ base: UnsafeRawPointer, at index: Int) -> SIMD8<Float>
}

extension Float: KVElement {
    @inline(__always)
    static func load8(_ base: UnsafeRawPointer, at index: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: index &* 4, as: SIMD8<Float>.self)
    }
}

extension Float16: KVElement {
    /// One VCVTPH2PS with its memory operand.
    @inline(__always)
    static func load8(_ base: UnsafeRawPointer, at index: Int) -> SIMD8<Float> {
        SIMD8<Float>(base.loadUnaligned(fromByteOffset: index &* 2, as: SIMD8<Float16>.self))
    }
}
