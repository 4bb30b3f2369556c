import CFuzzerDriver

/// One fuzz input: its bytes (possibly none) and their count. Returns 0; anything it throws must
/// be caught inside — only crashes, hangs and sanitizer reports are findings.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer with `body` as the target, passing the command line through
/// (`-max_total_time`, corpus directories, …), and exits with its status.
public func runFuzzer(_ body: FuzzInput) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv, body)
    exit(status)
}

@_silgen_name("exit")
private func exit(_ status: CInt) -> Never
