import Foundation
import JITServeHTTPClient

/// What `bench live` learns about the server before a run: the model to name, whether it is a
/// jitserve (which takes the replay length without telling its scheduler), its context length,
/// and how to reach its tokenizer.
public struct ServerProfile: Sendable {
    public var url: ServerURL
    public var model: String
    /// `owned_by: jitserve` in `/v1/models`.
    public var isJITServe: Bool
    /// `max_model_len` from `/v1/models` (vLLM, jitserve), when given.
    public var maxModelLength: Int?
    /// The scheduling policy a jitserve names in `/v1/models` (`jitserve.scheduler`).
    public var policyName: String?
    public var apiKey: String?

    public init(
        url: ServerURL, model: String, isJITServe: Bool, maxModelLength: Int?, policyName: String? = nil, apiKey: String?
    ) {
        self.url = url
        self.model = model
        self.isJITServe = isJITServe
        self.maxModelLength = maxModelLength
        self.policyName = policyName
        self.apiKey = apiKey
    }

    /// Headers every request carries (the API key, when one is set).
    var authorization: [(name: String, value: String)] {
        apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// Reads `GET /v1/models`; `model` overrides the first model listed.
    public static func discover(
        url: ServerURL, client: any StreamingHTTPClient, model: String? = nil, apiKey: String? = nil
    ) async throws -> ServerProfile {
        let headers = apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
        let status: Int, body: [UInt8]
        do {
            (status, body) = try await client.exchange(url.request("GET", "/v1/models", headers: headers), timeout: .seconds(30))
        } catch {
            throw LoadError.serverUnavailable(url: url.description, reason: "\(error)")
        }
        guard status == 200 else {
            throw LoadError.serverUnavailable(
                url: url.description, reason: "GET /v1/models answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let listed = (json?["data"] as? [[String: Any]]) ?? []
        let entry = listed.first { model == nil || ($0["id"] as? String) == model } ?? listed.first
        guard let name = model ?? (entry?["id"] as? String) else {
            throw LoadError.serverUnavailable(url: url.description, reason: "GET /v1/models lists no model; name one with --model")
        }
        return ServerProfile(
            url: url, model: name, isJITServe: (entry?["owned_by"] as? String) == "jitserve",
            maxModelLength: entry?["max_model_len"] as? Int,
            policyName: (entry?["jitserve"] as? [String: Any])?["scheduler"] as? String, apiKey: apiKey)
    }
}

extension StreamingHTTPClient {
    /// Sends `request` and reads the whole answer: status and body.
    public func exchange(_ request: HTTPClientRequest, timeout: Duration?) async throws -> (status: Int, body: [UInt8]) {
        let response = try await send(request, timeout: timeout)
        let (bytes, _) = try await response.collect()
        return (response.status, bytes)
    }
}
