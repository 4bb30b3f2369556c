import Foundation
import JITServeHTTP
import SwiftProtobuf

/// The ext_proc responses the picker sends (Envoy's `ProcessingResponse`).
enum ExtProcReply {
    typealias Response = Envoy_Service_ExtProc_V3_ProcessingResponse

    /// Let a request phase go on unchanged.
    static func proceed(_ phase: Phase) -> Response {
        var response = Response()
        switch phase {
        case .requestHeaders: response.requestHeaders = .init()
        case .requestBody: response.requestBody = .init()
        case .requestTrailers: response.requestTrailers = .init()
        case .responseHeaders: response.responseHeaders = .init()
        case .responseBody: response.responseBody = .init()
        case .responseTrailers: response.responseTrailers = .init()
        }
        return response
    }

    enum Phase { case requestHeaders, requestBody, requestTrailers, responseHeaders, responseBody, responseTrailers }

    /// The pick, answering the request's headers (a request without a body) or its body: header
    /// `x-gateway-destination-endpoint` and the same list in dynamic metadata `envoy.lb`; the
    /// route cache is cleared so the proxy re-routes on the new header.
    static func destination(_ endpoints: [String], phase: Phase) -> Response {
        let list = endpoints.joined(separator: ",")
        var header = Envoy_Config_Core_V3_HeaderValueOption()
        header.header.key = GAIEProtocol.destinationHeader
        header.header.rawValue = Data(list.utf8)
        header.appendAction = .overwriteIfExistsOrAdd
        var common = Envoy_Service_ExtProc_V3_CommonResponse()
        common.headerMutation.setHeaders = [header]
        common.clearRouteCache_p = true
        var response = Response()
        switch phase {
        case .requestHeaders:
            var headers = Envoy_Service_ExtProc_V3_HeadersResponse()
            headers.response = common
            response.requestHeaders = headers
        default:
            var body = Envoy_Service_ExtProc_V3_BodyResponse()
            body.response = common
            response.requestBody = body
        }
        var inner = Google_Protobuf_Struct()
        inner.fields[GAIEProtocol.destinationHeader] = Google_Protobuf_Value(stringValue: list)
        var metadata = Google_Protobuf_Struct()
        metadata.fields[GAIEProtocol.metadataNamespace] = Google_Protobuf_Value(structValue: inner)
        response.dynamicMetadata = metadata
        return response
    }

    /// Answers the client at once with `error` (a 400 for a request the replicas would refuse,
    /// 429 to shed, 503 when no endpoint is ready), as OpenAI's error JSON.
    static func immediate(_ error: HTTPError) -> Response {
        var immediate = Envoy_Service_ExtProc_V3_ImmediateResponse()
        immediate.status.code = Envoy_Type_V3_StatusCode(rawValue: error.status) ?? .serviceUnavailable
        immediate.body = Data((error.body.serialized + "\n").utf8)
        immediate.details = "jitserve_picker_\(error.code)"
        var headers = [("content-type", "application/json")]
        if let seconds = error.retryAfterSeconds { headers.append(("retry-after", String(seconds))) }
        immediate.headers.setHeaders = headers.map { name, value in
            var option = Envoy_Config_Core_V3_HeaderValueOption()
            option.header.key = name
            option.header.rawValue = Data(value.utf8)
            option.appendAction = .overwriteIfExistsOrAdd
            return option
        }
        var response = Response()
        response.immediateResponse = immediate
        return response
    }
}
