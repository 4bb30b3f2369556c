import Foundation
import JITServeCore
import JITServeHTTP
import JITServeRouter
import SwiftProtobuf

/// One HTTP request's ext_proc conversation with the proxy (one gRPC stream): collects the
/// request's headers and buffered body, asks the picker once, answers with the destination (or
/// an immediate 400/429/503), then follows the response to tell the picker when it ended and
/// which endpoint served.
///
/// Envoy's filter should use `request_body_mode: BUFFERED` (the picker reads the body's model,
/// `max_tokens` and SLO before any byte goes upstream); a request with no body is decided on its
/// headers. Response phases, if the filter sends them, are let through unchanged.
struct ExtProcExchange {
    typealias Message = Envoy_Service_ExtProc_V3_ProcessingRequest
    typealias Response = Envoy_Service_ExtProc_V3_ProcessingResponse

    let picker: Picker
    let reader: RoutingRequestReader
    let maxBodyBytes: Int

    private var headers: [String: String] = [:]
    private var body: [UInt8] = []
    private var subset: Set<String>?
    private var isDecided = false
    /// The request the picker placed, while its response runs.
    private(set) var placed: RequestID?
    private var usage = UsageScanner()
    private(set) var isFinished = false

    init(picker: Picker, reader: RoutingRequestReader, maxBodyBytes: Int) {
        self.picker = picker
        self.reader = reader
        self.maxBodyBytes = maxBodyBytes
    }

    /// The response to `message` (ext_proc answers every message it is sent, in order).
    mutating func handle(_ message: Message) async -> Response {
        if let served = noteMetadata(message), let placed { picker.served(placed, at: served) }
        switch message.request {
        case .requestHeaders(let h)?:
            for header in h.headers.headers {
                let value = header.rawValue.isEmpty ? header.value : String(decoding: header.rawValue, as: UTF8.self)
                headers[header.key.lowercased()] = value
            }
            if let list = headers[GAIEProtocol.subsetKey] { subset = Self.endpointSet(list.split(separator: ",").map(String.init)) }
            if h.endOfStream { return await decide(phase: .requestHeaders) }
            return ExtProcReply.proceed(.requestHeaders)
        case .requestBody(let b)?:
            guard !isDecided else { return ExtProcReply.proceed(.requestBody) }
            body.append(contentsOf: b.body)
            if body.count > maxBodyBytes {
                isDecided = true
                return ExtProcReply.immediate(.bodyTooLarge(limit: maxBodyBytes))
            }
            if b.endOfStream { return await decide(phase: .requestBody) }
            return ExtProcReply.proceed(.requestBody)
        case .requestTrailers?:
            if !isDecided { return await decide(phase: .requestTrailers) }
            return ExtProcReply.proceed(.requestTrailers)
        case .responseHeaders(let h)?:
            if h.endOfStream { await finish() }
            return ExtProcReply.proceed(.responseHeaders)
        case .responseBody(let b)?:
            usage.scan(b.body)
            if b.endOfStream { await finish() }
            return ExtProcReply.proceed(.responseBody)
        case .responseTrailers?:
            await finish()
            return ExtProcReply.proceed(.responseTrailers)
        case nil:
            return ExtProcReply.proceed(.requestHeaders)
        }
    }

    /// The stream closed (the proxy is done with the request, or went away): the request's
    /// assumed load ends here at the latest.
    mutating func finish() async {
        guard !isFinished else { return }
        isFinished = true
        guard let placed else { return }
        usage.finish()
        picker.finish(placed, outputTokenCount: usage.completionTokens)
    }

    private mutating func decide(phase: ExtProcReply.Phase) async -> Response {
        isDecided = true
        let reading: RoutingRequestReader.Reading
        do {
            reading = try reader.read(
                method: headers[":method"] ?? "POST", path: headers[":path"] ?? "/v1/completions",
                header: { [headers] in headers[$0] }, body: body, now: picker.now())
        } catch {
            return ExtProcReply.immediate(error)
        }
        let (request, outcome) = picker.pick(reading.request, isFinalCall: reading.isFinalCall, subset: subset)
        switch outcome {
        case .route(let endpoints):
            placed = request.id
            return ExtProcReply.destination(endpoints, phase: phase)
        case .shed(let retryAfter):
            return ExtProcReply.immediate(.sloUnattainable(
                reason: "no replica can serve this request within its SLO", retryAfterSeconds: Self.seconds(retryAfter)))
        case .noneReady:
            let why = subset == nil ? "none of the pool's endpoints is ready" : "none of the endpoints in the subset hint is ready"
            return ExtProcReply.immediate(.noReplicaReady(reason: why))
        }
    }

    /// Reads the subset hint from the message's filter metadata; returns the endpoint that
    /// served, when the proxy says.
    private mutating func noteMetadata(_ message: Message) -> String? {
        guard message.hasMetadataContext else { return nil }
        let metadata = message.metadataContext.filterMetadata
        if let hint = metadata[GAIEProtocol.subsetNamespace]?.fields[GAIEProtocol.subsetKey] {
            switch hint.kind {
            case .listValue(let list)?:
                subset = Self.endpointSet(list.values.compactMap { if case .stringValue(let s)? = $0.kind { s } else { nil } })
            case .stringValue(let s)?:
                subset = Self.endpointSet(s.split(separator: ",").map(String.init))
            default:
                break
            }
        }
        if case .stringValue(let served)? = metadata[GAIEProtocol.metadataNamespace]?.fields[GAIEProtocol.servedKey]?.kind {
            return (try? EndpointAddress(parsing: served))?.description
        }
        return nil
    }

    /// Endpoint names normalised as the table writes them (`ip:port`, `[v6]:port`).
    static func endpointSet(_ items: [String]) -> Set<String> {
        Set(items.compactMap { try? EndpointAddress(parsing: $0).description })
    }

    static func seconds(_ duration: Duration) -> Int { max(1, Int(duration.seconds.rounded(.up))) }
}
