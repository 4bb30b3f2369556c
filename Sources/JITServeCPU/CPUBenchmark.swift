import Foundation
import JITServeCore
import JITServeEngine

/// Throughput and memory of the CPU executor, measured the way `scripts/bench_llamacpp.py`
/// measures llama.cpp: decode tokens/s for 1, 4 and 16 concurrent streams (greedy, short
/// prompts), prefill tokens/s for one 512-token prompt, and resident memory after load and
/// with 16 streams of 1k context. Prompts are seeded random token IDs, so no tokenizer runs.
public struct CPUBenchmark {
    public struct Options: Sendable {
        public var streamCounts = [1, 4, 16]
        public var decodeSteps = 64
        public var decodePromptLength = 32
        /// 0 skips the prefill measurement.
        public var prefillLength = 512
        public var prefillRepeats = 3
        /// 0 skips the long-context measurement.
        public var longContext = 1024
        public var longContextStreams = 16
        /// Draws timed per sampler setting (0 skips the sampling measurement).
        public var samplingDraws = 200
        /// What a throughput divides by: wall time, or the CPU time of this process (all its
        /// threads) — steadier on a busy shared machine, but spinning workers count too.
        public var clock = Clock.wall
        public init() {}
    }

    /// How iterations are timed.
    public enum Clock: String, Sendable, CaseIterable, Codable {
        case wall, cpu
    }

    public struct Result: Codable, Sendable {
        public var threads: Int
        public var loadSeconds: Double
        public var residentMiBAfterLoad: Double
        /// Streams → aggregate decode tokens/s.
        public var decodeTokensPerSecond: [String: Double]
        public var prefillTokensPerSecond: Double
        public var residentMiBWithLongContexts: Double
        /// Aggregate decode tokens/s of the long-context streams.
        public var longContextDecodeTokensPerSecond: Double
        /// Sampler setting (`CPUBenchmark.samplingSettings`) → microseconds a token.
        public var samplingMicrosecondsPerToken: [String: Double]
    }

    public let executor: CPUExecutor
    public let options: Options
    private var nextRequest: UInt64 = 1
    private var nextBlock: Int32 = 0

    public init(executor: CPUExecutor, options: Options = Options()) {
        self.executor = executor
        self.options = options
    }

    /// Resident set size of this process in MiB (`VmRSS` of /proc/self/status; 0 elsewhere).
    public static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }

    /// A live sequence of the benchmark, with its own blocks.
    struct Stream {
        var id: RequestID
        var tokens: [Int32]
        var computed = 0
        var generated = 0
        var blocks: [Int32] = []
    }

    mutating func makeStream(length: Int, seed: UInt64) -> Stream {
        var random = SamplingRandom(seed: seed)
        let vocabulary = UInt64(executor.model.configuration.vocabularySize)
        // Skip the first 100 IDs (control and byte tokens) so prompts look like text.
        let tokens = (0..<length).map { _ in Int32(100 + random.next() % (vocabulary - 100)) }
        defer { nextRequest += 1 }
        return Stream(id: RequestID(nextRequest), tokens: tokens)
    }

    /// One iteration over `(stream, token count)` pairs; returns its wall time in seconds.
    @discardableResult
    private mutating func step(_ streams: inout [Stream], _ work: [(Int, Int)]) throws -> Double {
        var scheduled: [ScheduledSequence] = []
        let capacity = executor.kvBlockCapacity
        for (index, count) in work {
            let end = streams[index].computed + count
            while streams[index].blocks.count * executor.blockSize < end {
                guard Int(nextBlock) < capacity else {
                    throw CPUError.invalidBatch(
                        request: "\(streams[index].id)", reason: "benchmark needs more than \(capacity) KV blocks")
                }
                streams[index].blocks.append(nextBlock)
                nextBlock += 1
            }
            let stream = streams[index]
            scheduled.append(
                ScheduledSequence(
                    requestID: stream.id, tokenCount: count, computedTokenCount: stream.computed,
                    samplesToken: end == stream.tokens.count, tokenIDs: stream.tokens,
                    blockTable: stream.blocks, generatedTokenCount: stream.generated,
                    sampling: SamplingParameters(ignoreEOS: true)))
        }
        let cpuBefore = Self.processCPUSeconds()
        let outcome = try executor.execute(ExecutionBatch(sequences: scheduled))
        let cpuSeconds = Self.processCPUSeconds() - cpuBefore
        for (index, count) in work { streams[index].computed += count }
        for token in outcome.tokens {
            if let index = streams.firstIndex(where: { $0.id == token.requestID }) {
                streams[index].tokens.append(token.tokenID)
                streams[index].generated += 1
            }
        }
        return options.clock == .wall ? outcome.elapsed.seconds : cpuSeconds
    }

    /// CPU time of this process so far, all threads (user and system), seconds.
    static func processCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    private mutating func release(_ streams: [Stream]) {
        for stream in streams { executor.release(stream.id) }
        nextBlock = 0
    }

    /// Aggregate decode tokens/s of `count` streams decoding together.
    public mutating func decodeThroughput(streams count: Int, promptLength: Int) throws -> Double {
        var streams = (0..<count).map { makeStream(length: promptLength, seed: UInt64($0 + 1)) }
        // Prefill in chunks of at most 512 tokens per iteration (untimed), then one warm-up step.
        for index in streams.indices {
            // Until the prompt is in the cache; its last chunk samples the first output token.
            while streams[index].computed < promptLength {
                let remaining = promptLength - streams[index].computed
                try step(&streams, [(index, min(512, remaining))])
            }
        }
        let all = streams.indices.map { ($0, 1) }
        try step(&streams, all)
        var seconds = 0.0
        for _ in 0..<options.decodeSteps { seconds += try step(&streams, all) }
        release(streams)
        return Double(count * options.decodeSteps) / seconds
    }

    /// Aggregate output tokens/s of the work a closed-loop served run asks of the executor, with
    /// nothing in between: `count` prompts of `promptLength` tokens prefilled together in
    /// iterations of at most `batchTokens` tokens (each prompt's last chunk samples its first
    /// token), then the `count` streams decoding together to `decodeSteps` tokens each. Every
    /// iteration is timed, prefill included: the denominator for a served rate that includes
    /// prefill, where `decodeThroughput` times decode alone.
    public mutating func servedWorkThroughput(streams count: Int, promptLength: Int, batchTokens: Int) throws -> Double {
        let length = max(1, promptLength)
        var streams = (0..<count).map { makeStream(length: length, seed: UInt64($0 + 1)) }
        var seconds = 0.0
        // Until every prompt is in the cache (a prompt's last chunk appends its first token).
        while streams.contains(where: { $0.computed < length }) {
            var budget = max(1, batchTokens)
            var work: [(Int, Int)] = []
            for index in streams.indices where budget > 0 && streams[index].computed < length {
                let chunk = min(budget, length - streams[index].computed)
                work.append((index, chunk))
                budget -= chunk
            }
            seconds += try step(&streams, work)
        }
        let steps = max(1, options.decodeSteps)  // the first token came with the prefill
        let all = streams.indices.map { ($0, 1) }
        for _ in 1..<steps { seconds += try step(&streams, all) }
        release(streams)
        return Double(count * steps) / seconds
    }

    /// Runs every measurement. `progress` receives a line per phase.
    public mutating func run(loadSeconds: Double, progress: (String) -> Void) throws -> Result {
        let residentAfterLoad = Self.residentMiB()
        var decode: [String: Double] = [:]
        for count in options.streamCounts {
            progress("decode, \(count) stream(s)…")
            decode[String(count)] = try decodeThroughput(streams: count, promptLength: options.decodePromptLength)
        }
        var prefill = 0.0
        if options.prefillLength > 0 {
            progress("prefill, \(options.prefillLength) tokens…")
            var prefillTimes: [Double] = []
            for repeat_ in 0..<max(1, options.prefillRepeats) {
                var streams = [makeStream(length: options.prefillLength, seed: 1000 + UInt64(repeat_))]
                prefillTimes.append(try step(&streams, [(0, options.prefillLength)]))
                release(streams)
            }
            prefillTimes.sort()
            prefill = Double(options.prefillLength) / prefillTimes[prefillTimes.count / 2]
        }

        var longDecode = 0.0
        var residentLong = 0.0
        if options.longContext > 0 {
            progress("\(options.longContextStreams) streams of \(options.longContext) tokens of context…")
            longDecode = try decodeThroughput(streams: options.longContextStreams, promptLength: options.longContext)
            // Measured before `release` reuses the blocks: the KV pages of all streams are resident.
            residentLong = Self.residentMiB()
        }
        var sampling: [String: Double] = [:]
        if options.samplingDraws > 0 {
            progress("sampling, \(options.samplingDraws) draws per setting…")
            sampling = try samplingMicroseconds(draws: options.samplingDraws)
        }
        return Result(
            threads: executor.model.pool.threadCount, loadSeconds: loadSeconds,
            residentMiBAfterLoad: residentAfterLoad, decodeTokensPerSecond: decode,
            prefillTokensPerSecond: prefill, residentMiBWithLongContexts: residentLong,
            longContextDecodeTokensPerSecond: longDecode, samplingMicrosecondsPerToken: sampling)
    }
}
