import Foundation
import SwiftProtobuf

/// A minimal ext_proc client that plays Envoy for one request at a time — sends its headers and
/// buffered body on a fresh stream, waits for the picker's answer — for `jitserve bench route`
/// (the picker's decision cost, end to end) and the tests.
public struct ExtProcProbe: Sendable {
    /// One request as Envoy would hand it over.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// GAIE's subset hint, sent in the filter metadata (nil: none).
        public var subset: [String]?

        public init(
            method: String = "POST", path: String = "/v1/chat/completions", headers: [(name: String, value: String)] = [],
            body: [UInt8], subset: [String]? = nil
        ) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
            self.subset = subset
        }
    }

    /// The picker's answer.
    public struct Answer: Sendable {
        /// `x-gateway-destination-endpoint`, split (empty for an immediate response).
        public var endpoints: [String]
        /// The same list from the dynamic metadata namespace `envoy.lb`.
        public var metadataEndpoints: [String]
        /// An immediate response's HTTP status, and its body.
        public var immediateStatus: Int?
        public var immediateBody: String?
        /// From opening the stream to the answer.
        public var latency: Duration
    }

    public let host: String
    public let port: Int

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Sends each request on its own stream over one connection, `concurrency` at a time.
    public func send(_ requests: [Request], concurrency: Int = 1) async throws -> [Answer] {
        let connection = try await GRPCClientConnection.connect(host: host, port: port)
        do {
            var answers = [Answer?](repeating: nil, count: requests.count)
            try await withThrowingTaskGroup(of: (Int, Answer).self) { group in
                var next = 0
                func start() {
                    let index = next
                    next += 1
                    let request = requests[index]
                    group.addTask { (index, try await Self.exchange(request, on: connection)) }
                }
                while next < min(max(1, concurrency), requests.count) { start() }
                while let (index, answer) = try await group.next() {
                    answers[index] = answer
                    if next < requests.count { start() }
                }
            }
            await connection.close()
            return answers.compactMap { $0 }
        } catch {
            await connection.close()
            throw error
        }
    }

    static func exchange(_ request: Request, on connection: GRPCClientConnection) async throws -> Answer {
        let started = ContinuousClock.now
        var headersMessage = Envoy_Service_ExtProc_V3_ProcessingRequest()
        var headers = Envoy_Service_ExtProc_V3_HttpHeaders()
        let all = [(":method", request.method), (":path", request.path), ("content-type", "application/json")] + request.headers
        headers.headers.headers = all.map { name, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = name
            header.rawValue = Data(value.utf8)
            return header
        }
        headers.endOfStream = request.body.isEmpty
        headersMessage.requestHeaders = headers
        if let subset = request.subset {
            var list = Google_Protobuf_ListValue()
            list.values = subset.map { Google_Protobuf_Value(stringValue: $0) }
            var hint = Google_Protobuf_Struct()
            hint.fields[GAIEProtocol.subsetKey] = Google_Protobuf_Value(listValue: list)
            headersMessage.metadataContext.filterMetadata[GAIEProtocol.subsetNamespace] = hint
        }
        var bodyMessage = Envoy_Service_ExtProc_V3_ProcessingRequest()
        var body = Envoy_Service_ExtProc_V3_HttpBody()
        body.body = Data(request.body)
        body.endOfStream = true
        bodyMessage.requestBody = body
        let messages = request.body.isEmpty ? [headersMessage] : [headersMessage, bodyMessage]
        return try await connection.call(path: "/\(GAIEProtocol.extProcService)/Process") { call in
            // Send everything, keeping the stream open until the answer is in (as Envoy does
            // while the request runs); once answered, close the request side, as Envoy does
            // when the request is done, and let the picker end the stream with its status.
            for message in messages { try await call.send(message) }
            var found: Answer?
            while found == nil, let message = try await call.next(Envoy_Service_ExtProc_V3_ProcessingResponse.self) {
                found = Self.answer(message, started: started)
            }
            guard let found else {
                throw GatewayError.rpcFailed(.unavailable, message: "the picker closed the stream without an answer")
            }
            try await call.closeRequests()
            while try await call.next(Envoy_Service_ExtProc_V3_ProcessingResponse.self) != nil {}
            return found
        }
    }

    /// The answer a response carries, if it is the decision (not a bare "continue").
    static func answer(_ message: Envoy_Service_ExtProc_V3_ProcessingResponse, started: ContinuousClock.Instant) -> Answer? {
        let latency = ContinuousClock.now - started
        var common: Envoy_Service_ExtProc_V3_CommonResponse?
        switch message.response {
        case .immediateResponse(let immediate)?:
            return Answer(
                endpoints: [], metadataEndpoints: [], immediateStatus: immediate.status.code.rawValue,
                immediateBody: String(decoding: immediate.body, as: UTF8.self), latency: latency)
        case .requestHeaders(let h)?: common = h.hasResponse ? h.response : nil
        case .requestBody(let b)?: common = b.hasResponse ? b.response : nil
        default: break
        }
        guard let common,
            let header = common.headerMutation.setHeaders.first(where: { $0.header.key == GAIEProtocol.destinationHeader })
        else { return nil }
        let value = header.header.rawValue.isEmpty ? header.header.value : String(decoding: header.header.rawValue, as: UTF8.self)
        var fromMetadata: [String] = []
        if case .structValue(let inner)? = message.dynamicMetadata.fields[GAIEProtocol.metadataNamespace]?.kind,
            case .stringValue(let list)? = inner.fields[GAIEProtocol.destinationHeader]?.kind
        {
            fromMetadata = list.split(separator: ",").map(String.init)
        }
        return Answer(
            endpoints: value.split(separator: ",").map(String.init), metadataEndpoints: fromMetadata, immediateStatus: nil,
            immediateBody: nil, latency: latency)
    }
}
