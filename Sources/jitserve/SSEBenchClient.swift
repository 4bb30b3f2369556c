import Foundation
import JITServeCore
import JITServeHTTP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal streaming client for the HTTP benchmarks: one blocking loopback socket per stream,
/// on its own thread, decoding chunked transfer encoding and SSE frames and stamping each
/// token's arrival with the engine's clock. Cheap on purpose: on a 2-core machine the client
/// shares the cores with the server it measures.
enum SSEBenchClient {
    struct Result: Sendable {
        /// The engine's ID of the request (from the response `id`, `cmpl-<n>` or `chatcmpl-<n>`).
        var requestID: RequestID?
        /// When the request was sent.
        var sentAt: Instant?
        /// Arrival instant of each token frame.
        var tokenTimes: [Instant] = []
        /// `usage.completion_tokens` of the last frame, when the request asked for usage.
        var completionTokens: Int?
        /// `usage.prompt_tokens` of the last frame, when the request asked for usage.
        var promptTokens: Int?
        /// `usage.prompt_tokens_details.cached_tokens` of the last frame: prompt tokens the
        /// server's prefix cache supplied.
        var cachedTokens: Int?
        /// The streamed text, when the request asked to keep it (`Request.collectsText`).
        var text = ""
        /// When the stream ended.
        var endedAt: Instant?
        var error: String?
    }

    /// A streaming request: its path and JSON body.
    struct Request: Sendable {
        var path: String
        var body: String
        /// Keep the streamed text (a multi-turn client resends it): each frame is parsed as
        /// JSON, which the plain throughput runs skip.
        var collectsText = false

        /// The echo benchmark's completion request.
        static func completion(maxTokens: Int) -> Request {
            Request(
                path: "/v1/completions",
                body: #"{"model":"echo","prompt":"bench","max_tokens":\#(maxTokens),"stream":true,"ignore_eos":true}"#)
        }
    }

    /// Runs `count` concurrent streams of `maxTokens` tokens (each closed after `cutAfter` token
    /// frames when given) and returns when all have ended.
    static func run(count: Int, port: Int, maxTokens: Int, clock: WallClock, cutAfter: Int? = nil) -> [Result] {
        closedLoop(streams: count, rounds: 1, port: port, clock: clock, cutAfter: cutAfter) { _, _ in
            .completion(maxTokens: maxTokens)
        }
    }

    /// `streams` clients, each sending `rounds` requests one after another (the next as soon as
    /// the previous stream ends, as `vllm bench serve --max-concurrency` does); returns every
    /// request's result, client by client.
    static func closedLoop(
        streams: Int, rounds: Int, port: Int, clock: WallClock, cutAfter: Int? = nil,
        request: @escaping @Sendable (_ stream: Int, _ round: Int) -> Request
    ) -> [Result] {
        let results = ResultSlots(count: streams * rounds)
        let group = DispatchGroup()
        for i in 0..<streams {
            group.enter()
            let thread = Thread {
                for round in 0..<rounds {
                    results.set(i * rounds + round, stream(port: port, request: request(i, round), clock: clock, cutAfter: cutAfter))
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return results.all
    }

    final class ResultSlots: Sendable {
        private let slots: Mutex<[Result]>

        init(count: Int) { slots = Mutex(Array(repeating: Result(), count: count)) }
        func set(_ i: Int, _ r: Result) { slots.withLock { $0[i] = r } }
        var all: [Result] { slots.withLock { $0 } }
    }

    static func stream(port: Int, request: Request, clock: WallClock, cutAfter: Int?) -> Result {
        var result = receive(port: port, request: request, clock: clock, cutAfter: cutAfter)
        result.endedAt = clock.now()
        return result
    }

    private static func receive(port: Int, request: Request, clock: WallClock, cutAfter: Int?) -> Result {
        var result = Result()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Result(error: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return Result(error: "connect() failed: errno \(errno)") }
        let body = request.body
        let head = "POST \(request.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        result.sentAt = clock.now()
        let sent = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent == head.utf8.count else { return Result(error: "send() failed") }

        var raw: [UInt8] = []  // bytes received, not yet decoded
        var rawStart = 0
        var payload: [UInt8] = []  // de-chunked body
        var payloadStart = 0
        var headersDone = false
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                if result.error == nil && !headersDone { result.error = "connection closed before the response" }
                return result
            }
            let arrived = clock.now()
            raw.append(contentsOf: buffer[0..<n])
            if !headersDone {
                guard let end = find([13, 10, 13, 10], in: raw, from: 0) else { continue }
                let head = String(decoding: raw[0..<end], as: UTF8.self)
                guard head.hasPrefix("HTTP/1.1 200") else {
                    result.error = String(head.prefix(200))
                    return result
                }
                headersDone = true
                rawStart = end + 4
            }
            // De-chunk: <hex size>\r\n<data>\r\n ... 0\r\n\r\n
            var ended = false
            while !ended, let lineEnd = find([13, 10], in: raw, from: rawStart) {
                let sizeText = String(decoding: raw[rawStart..<lineEnd], as: UTF8.self)
                guard let size = Int(sizeText, radix: 16) else {
                    result.error = "bad chunk size '\(sizeText)'"
                    return result
                }
                if size == 0 {
                    ended = true
                    break
                }
                guard raw.count >= lineEnd + 2 + size + 2 else { break }
                payload.append(contentsOf: raw[(lineEnd + 2)..<(lineEnd + 2 + size)])
                rawStart = lineEnd + 2 + size + 2
            }
            if rawStart > 1 << 16 {
                raw.removeFirst(rawStart)
                rawStart = 0
            }
            // SSE frames: data: ...\n\n
            while let frameEnd = find([10, 10], in: payload, from: payloadStart) {
                let frame = payload[payloadStart..<frameEnd]
                payloadStart = frameEnd + 2
                guard frame.starts(with: Array("data: {".utf8)) else { continue }
                let text = String(decoding: frame, as: UTF8.self)
                if text.contains("\"error\"") {
                    result.error = text
                    return result
                }
                if result.requestID == nil, let range = text.range(of: "cmpl-") {
                    let digits = text[range.upperBound...].prefix { $0.isNumber }
                    result.requestID = UInt64(digits).map(RequestID.init)
                }
                if let range = text.range(of: "\"completion_tokens\":") {
                    result.completionTokens = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
                if let range = text.range(of: "\"prompt_tokens\":") {
                    result.promptTokens = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
                if let range = text.range(of: "\"cached_tokens\":") {
                    result.cachedTokens = Int(text[range.upperBound...].prefix { $0.isNumber })
                }
                if request.collectsText, let json = try? JSONValue.parse(Array(frame.dropFirst(6))),
                   case .array(let choices)? = json["choices"], let first = choices.first,
                   case .string(let piece)? = first["delta"]?["content"] ?? first["text"] {
                    result.text += piece
                }
                if text.contains("\"finish_reason\":null") {
                    result.tokenTimes.append(arrived)
                    if let cutAfter, result.tokenTimes.count >= cutAfter { return result }
                }
            }
            if ended { return result }
            if payloadStart > 1 << 16 {
                payload.removeFirst(payloadStart)
                payloadStart = 0
            }
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && (needle.count == 1 || haystack[i + 1] == needle[1])
                && (needle.count < 4 || (haystack[i + 2] == needle[2] && haystack[i + 3] == needle[3]))
            {
                return i
            }
            i += 1
        }
        return nil
    }
}
