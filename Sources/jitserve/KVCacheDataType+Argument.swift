import ArgumentParser
import JITServeCPU

/// `--kv-cache-dtype fp32|fp16`.
extension KVCacheDataType: ExpressibleByArgument {}

/// `--activation-dtype fp32|q8`.
extension ActivationDataType: ExpressibleByArgument {}

/// `--clock wall|cpu`.
extension CPUBenchmark.Clock: ExpressibleByArgument {}
