import Foundation
import JITServeHTTP
import JITServeCore
import JITServeRouter
import SwiftProtobuf
import Testing

@testable import JITServeGateway

/// The picker's side of one ext_proc conversation, message by message, without gRPC.
@Suite struct ExtProcExchangeTests {
    typealias Message = Envoy_Service_ExtProc_V3_ProcessingRequest

    static func headers(_ pairs: [(String, String)], endOfStream: Bool = false) -> Message {
        var message = Message()
        var headers = Envoy_Service_ExtProc_V3_HttpHeaders()
        headers.headers.headers = pairs.map { key, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = key
            header.rawValue = Data(value.utf8)
            return header
        }
        headers.endOfStream = endOfStream
        message.requestHeaders = headers
        return message
    }

    static func body(_ bytes: [UInt8], endOfStream: Bool = true) -> Message {
        var message = Message()
        var body = Envoy_Service_ExtProc_V3_HttpBody()
        body.body = Data(bytes)
        body.endOfStream = endOfStream
        message.requestBody = body
        return message
    }

    static let post = [(":method", "POST"), (":path", "/v1/chat/completions")]

    func exchange(_ picker: Picker) -> ExtProcExchange {
        ExtProcExchange(picker: picker, reader: GatewayFixture.reader, maxBodyBytes: 4096)
    }

    @Test func aBufferedBodyGetsTheDestinationHeaderAndMetadata() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table(held: [3, 0, 1]))
        var exchange = exchange(picker)
        let first = await exchange.handle(Self.headers(Self.post))
        #expect(first.requestHeaders == Envoy_Service_ExtProc_V3_HeadersResponse())
        // The body comes in two chunks; only the last is answered with the pick.
        let body = GatewayFixture.chatBody()
        let middle = await exchange.handle(Self.body(Array(body.prefix(10)), endOfStream: false))
        #expect(middle.requestBody == Envoy_Service_ExtProc_V3_BodyResponse())
        let answer = await exchange.handle(Self.body(Array(body.dropFirst(10))))
        let answered = try #require(ExtProcProbe.answer(answer, started: .now))
        #expect(answered.endpoints == ["10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.1:8000"])
        #expect(answered.metadataEndpoints == answered.endpoints)
        #expect(answer.requestBody.response.clearRouteCache_p)
        #expect(exchange.placed != nil)
        #expect(picker.inFlightCount == 1)
        // The response ends: the picker stops assuming its load.
        var end = Message()
        var responseBody = Envoy_Service_ExtProc_V3_HttpBody()
        responseBody.body = Data(#"{"usage":{"completion_tokens":12}}"#.utf8)
        responseBody.endOfStream = true
        end.responseBody = responseBody
        _ = await exchange.handle(end)
        #expect(picker.inFlightCount == 0)
    }

    @Test func aRequestWithoutBodyIsDecidedOnItsHeaders() async throws {
        var exchange = exchange(try GatewayFixture.picker(table: try GatewayFixture.table()))
        let answer = await exchange.handle(Self.headers([(":method", "GET"), (":path", "/v1/models")], endOfStream: true))
        #expect(answer.requestHeaders.response.headerMutation.setHeaders.first?.header.key == GAIEProtocol.destinationHeader)
    }

    @Test func badInputGetsTheReplicasFourHundred() async throws {
        var exchange = exchange(try GatewayFixture.picker(table: try GatewayFixture.table()))
        _ = await exchange.handle(Self.headers(Self.post + [("x-slo-ttft-ms", "-3")]))
        let answer = await exchange.handle(Self.body(GatewayFixture.chatBody()))
        #expect(answer.immediateResponse.status.code == .badRequest)
        let error = try JSONValue.parse(Array(answer.immediateResponse.body))
        #expect(error["error"]?["param"] == .string("x-slo-ttft-ms"))
    }

    @Test func tooLargeABodyGets413() async throws {
        var exchange = exchange(try GatewayFixture.picker(table: try GatewayFixture.table()))
        _ = await exchange.handle(Self.headers(Self.post))
        let answer = await exchange.handle(Self.body([UInt8](repeating: 32, count: 5000), endOfStream: false))
        #expect(answer.immediateResponse.status.code == .payloadTooLarge)
    }

    @Test func noReadyEndpointGets503WithRetryAfter() async throws {
        var exchange = exchange(try GatewayFixture.picker(table: try GatewayFixture.table(down: [0, 1, 2])))
        _ = await exchange.handle(Self.headers(Self.post))
        let answer = await exchange.handle(Self.body(GatewayFixture.chatBody()))
        #expect(answer.immediateResponse.status.code == .serviceUnavailable)
        let headers = answer.immediateResponse.headers.setHeaders.map { ($0.header.key, String(decoding: $0.header.rawValue, as: UTF8.self)) }
        #expect(headers.contains { $0 == ("retry-after", "1") })
    }

    @Test func theSubsetHeaderIsHonoured() async throws {
        var exchange = exchange(try GatewayFixture.picker(table: try GatewayFixture.table(held: [0, 5, 5])))
        _ = await exchange.handle(Self.headers(Self.post + [(GAIEProtocol.subsetKey, "10.0.0.3:8000, 10.0.0.2:8000")]))
        let answer = try #require(ExtProcProbe.answer(await exchange.handle(Self.body(GatewayFixture.chatBody())), started: .now))
        #expect(Set(answer.endpoints) == ["10.0.0.2:8000", "10.0.0.3:8000"])
    }

    @Test func theServedEndpointMovesTheAssumedLoad() async throws {
        let picker = try GatewayFixture.picker(table: try GatewayFixture.table())
        var exchange = exchange(picker)
        _ = await exchange.handle(Self.headers(Self.post))
        _ = await exchange.handle(Self.body(GatewayFixture.chatBody()))
        var response = Message()
        response.responseHeaders = Envoy_Service_ExtProc_V3_HttpHeaders()
        var served = Google_Protobuf_Struct()
        served.fields[GAIEProtocol.servedKey] = Google_Protobuf_Value(stringValue: "10.0.0.1:8000")
        response.metadataContext.filterMetadata[GAIEProtocol.metadataNamespace] = served
        _ = await exchange.handle(response)
        // 10.0.0.1 was the pick; moving to itself changes nothing, and the next pick avoids it.
        let (_, outcome) = picker.pick(RoutingRequestFixture.plain)
        #expect(outcome.endpoints.first == "10.0.0.2:8000")
        await exchange.finish()
        #expect(picker.inFlightCount == 1)
    }
}

enum RoutingRequestFixture {
    static var plain: JITServeRouter.RoutingRequest {
        .init(id: .init(0), arrivedAt: .zero, promptTokenCount: 5, maxOutputTokens: 5, slo: .deadline(ttlt: .seconds(10)))
    }
}
