import Hummingbird
import JITServeCore
import JITServeHTTP
import JITServeHTTPClient
import JITServeRouter
import NIOCore

extension ReverseProxy {
    /// Headers that describe one connection, not the request (RFC 9110 §7.6.1), plus the ones
    /// the client sets itself.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
        "content-length", "proxy-authorization", "proxy-authenticate",
    ]

    func forward(_ request: Request, path: String, on executor: EventLoopTaskExecutor?) async throws -> Response {
        var request = request
        let arrivedAt = ContinuousClock.now
        let body = try await collect(&request)
        let readAt = ContinuousClock.now
        let headers = request.headers
        let lookup: (String) -> String? = { name in headers.first { $0.name.canonicalName == name }?.value }
        let reading = try reader.read(method: request.method.rawValue, path: path, header: lookup, body: body, now: picker.now())
        let subset = lookup(GAIEProtocol.subsetKey).map { ExtProcExchange.endpointSet($0.split(separator: ",").map(String.init)) }
        let (routed, outcome) = picker.pick(reading.request, isFinalCall: reading.isFinalCall, subset: subset)
        if let timings {
            timings.record(.bodyRead, readAt - arrivedAt)
            timings.record(.pick, .now - readAt)
        }
        let order: [String]
        switch outcome {
        case .shed(let retryAfter):
            counters.shed.add(1, ordering: .relaxed)
            throw JITServeHTTP.HTTPError.sloUnattainable(
                reason: "no replica can serve this request within its SLO", retryAfterSeconds: ExtProcExchange.seconds(retryAfter))
        case .noneReady:
            counters.noneReady.add(1, ordering: .relaxed)
            throw JITServeHTTP.HTTPError.noReplicaReady(reason: subset == nil ? "no replica's /metrics answered" : "none of the subset is ready")
        case .route(let endpoints):
            order = endpoints
        }
        // Kept-alive connections to the replicas; a cancelled exchange closes its own, which is
        // how the cancellation reaches the replica.
        let forwardedHeaders = headers.compactMap { field -> (name: String, value: String)? in
            Self.hopByHop.contains(field.name.canonicalName) ? nil : (field.name.canonicalName, field.value)
        }
        let loop = executor?.eventLoop
        let requestBody = request.body
        if !reading.isStream {
            // The whole exchange watches the client: one that hangs up while the replica works
            // closes the connection to it.
            do {
                return try await requestBody.consumeWithCancellationOnInboundClose { _ in
                    let (endpoint, response) = try await open(order, id: routed.id, method: request.method.rawValue, path: path,
                                                              headers: forwardedHeaders, body: body, on: loop)
                    var scanner = UsageScanner()
                    let bytes: [UInt8]
                    do {
                        bytes = try await response.collect(limit: 64 << 20).bytes
                    } catch {
                        counters.broken.add(1, ordering: .relaxed)
                        picker.finish(routed.id, outputTokenCount: nil)
                        throw JITServeHTTP.HTTPError.upstreamFailed("replica \(endpoint) cut its response off: \(error)")
                    }
                    scanner.scan(bytes)
                    scanner.finish()
                    picker.finish(routed.id, outputTokenCount: scanner.completionTokens)
                    let fields = Self.responseHeaders(response, endpoint: endpoint)
                    return Response(status: .init(code: response.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
                }
            } catch is CancellationError {
                counters.cancelled.add(1, ordering: .relaxed)
                picker.finish(routed.id, outputTokenCount: nil)
                return Response(status: .init(code: 499))
            }
        }
        let (endpoint, response) = try await open(order, id: routed.id, method: request.method.rawValue, path: path,
                                                  headers: forwardedHeaders, body: body, on: loop)
        let fields = Self.responseHeaders(response, endpoint: endpoint)
        let timings = timings
        let isEventStream = response.header("content-type")?.hasPrefix("text/event-stream") ?? false
        return Response(
            status: .init(code: response.status), headers: fields,
            body: ResponseBody { writer in
                // Hummingbird writes the body from its own task: back onto the client's loop.
                try await withTaskExecutorPreference(executor) {
                    try await pump(response, to: &writer, endpoint: endpoint, id: routed.id, requestBody: requestBody,
                                   isEventStream: isEventStream, timings: timings)
                }
            })
    }

    /// Passes the replica's body through to the client chunk by chunk, each written and
    /// flushed as it arrives, and tells the picker when the response ended.
    func pump(
        _ response: StreamingHTTPResponse, to writer: inout any ResponseBodyWriter, endpoint: String, id: JITServeCore.RequestID,
        requestBody: RequestBody, isEventStream: Bool, timings: ProxyTimings?
    ) async throws {
        var scanner = UsageScanner()
        var cutOff: (any Error)?
        do {
            try await requestBody.consumeWithCancellationOnInboundClose { _ in
                var chunks = response.body.makeAsyncIterator()
                while true {
                    // A failure reading the replica (closed, reset, timed out) cuts the
                    // stream off; one writing to the client means the client went away.
                    let chunk: HTTPBodyChunk?
                    do {
                        chunk = try await chunks.next()
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        cutOff = error
                        break
                    }
                    guard let chunk else { break }
                    scanner.scan(chunk.bytes)
                    try await writer.write(ByteBuffer(bytes: chunk.bytes))
                    timings?.record(.chunkForward, .now - chunk.receivedAt)
                }
                try Task.checkCancellation()
            }
        } catch {
            // The client went away (or its connection failed): let the replica know.
            response.cancel()
            counters.cancelled.add(1, ordering: .relaxed)
            picker.finish(id, outputTokenCount: nil)
            throw error
        }
        if let cutOff {
            counters.broken.add(1, ordering: .relaxed)
            picker.finish(id, outputTokenCount: nil)
            if isEventStream {
                let error = JITServeHTTP.HTTPError.upstreamFailed("replica \(endpoint) ended the stream early: \(cutOff)")
                try await writer.write(ByteBuffer(string: ResponseRenderer.errorFrame(error)))
                try await writer.write(ByteBuffer(string: ResponseRenderer.done))
            }
            try await writer.finish(nil)
            return
        }
        scanner.finish()
        picker.finish(id, outputTokenCount: scanner.completionTokens)
        try await writer.finish(nil)
    }

    /// Opens the exchange on the first endpoint of `order` that answers, moving the request's
    /// assumed load along; throws `HTTPError.upstreamFailed` when none does.
    func open(
        _ order: [String], id: JITServeCore.RequestID, method: String, path: String, headers: [(name: String, value: String)], body: [UInt8],
        on eventLoop: (any EventLoop)? = nil
    ) async throws -> (endpoint: String, response: StreamingHTTPResponse) {
        let sentAt = ContinuousClock.now
        defer { timings?.record(.upstreamHead, .now - sentAt) }
        var failures: [String] = []
        for (attempt, endpoint) in order.enumerated() {
            if attempt > 0 {
                counters.retried.add(1, ordering: .relaxed)
                picker.served(id, at: endpoint)
            }
            do {
                let address = try EndpointAddress(parsing: endpoint)
                let response = try await client.send(
                    HTTPClientRequest(method: method, host: address.host, port: address.port, path: path, headers: headers, body: body),
                    timeout: requestTimeout, preferring: eventLoop)
                if response.status == 503, attempt + 1 < order.count {
                    response.cancel()
                    failures.append("\(endpoint) answered 503")
                    continue
                }
                counters.forwarded.add(1, ordering: .relaxed)
                return (endpoint, response)
            } catch let error as GatewayError {
                // An endpoint that is not an address: skip it.
                failures.append("\(endpoint): \(error)")
            } catch let error as HTTPClientError {
                // Nothing reached the replica (refused) or it answered nothing (closed before the
                // head): the request is still unstarted and may go to the next fallback.
                switch error {
                case .connectFailed:
                    // Down until its next scrape succeeds, so no other request is sent there.
                    picker.table.markDown(endpoint)
                case .connectionClosed(beforeHead: true):
                    break
                default:
                    counters.upstreamFailed.add(1, ordering: .relaxed)
                    picker.finish(id, outputTokenCount: nil)
                    throw JITServeHTTP.HTTPError.upstreamFailed("\(endpoint): \(error)")
                }
                failures.append("\(endpoint): \(error)")
            }
        }
        counters.upstreamFailed.add(1, ordering: .relaxed)
        picker.finish(id, outputTokenCount: nil)
        throw JITServeHTTP.HTTPError.upstreamFailed(failures.joined(separator: "; "))
    }

    /// The replica's headers minus hop-by-hop ones, plus the one naming it and `Connection:
    /// close`.
    ///
    /// The close is this proxy's, not the replica's: watching the client's side for a hang-up
    /// (`consumeWithCancellationOnInboundClose`) consumes the inbound stream, so Hummingbird
    /// closes the connection once the response is written. Unannounced, that close races the
    /// client's next request on what it took for a kept-alive connection, and the client sees
    /// the server disconnect without a response.
    static func responseHeaders(_ response: StreamingHTTPResponse, endpoint: String) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in response.headers where !hopByHop.contains(name.lowercased()) {
            if let field = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: field, value: value)) }
        }
        if let name = HTTPFields.Element.Name(servedHeader) { fields[name] = endpoint }
        fields[.connection] = "close"
        return fields
    }

    /// The body, at most `maxBodyBytes` (413 beyond).
    func collect(_ request: inout Request) async throws(JITServeHTTP.HTTPError) -> [UInt8] {
        do {
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: maxBodyBytes)
        } catch {
            throw .invalidField("body", reason: "could not read the request body: \(error)")
        }
    }
}
