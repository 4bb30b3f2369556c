/// Where a matrix kernel writes `output[token][row]`: rows `stride` floats apart, each result
/// stored or, for residual connections, added.
struct KernelOutput {
    let base: UnsafeMutablePointer<Float>
    let stride: Int
    let accumulate: Bool

    @inline(__always)
    func write(_ value: Float, token: Int, row: Int) {
        let target = base + token * stride + row
        target.pointee = accumulate ? target.pointee + value : value
    }
}
