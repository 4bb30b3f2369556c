import ArgumentParser
import JITServeCPU

/// `--kv-cache-dtype fp32|fp16`.
extension KVCacheDataType: ExpressibleByArgument {}

/// `--clock wall|cpu`.
extension CPUBenchmark.Clock: ExpressibleByArgument {}
