import Foundation
import JITServeHTTPClient

/// Turns text into the served model's own token IDs.
public protocol PromptTokenizer: Sendable {
    func tokenize(_ text: String) async throws -> [Int32]
}

/// The server's tokenizer, through its tokenize endpoint: `POST /tokenize` with `model` and
/// `prompt` (vLLM, jitserve) or with `content` (llama.cpp's server).
public struct ServerTokenizer: PromptTokenizer {
    enum Dialect: Sendable { case openAI, llamaCpp }

    let profile: ServerProfile
    let client: any StreamingHTTPClient
    let dialect: Dialect

    /// The server's tokenizer, if it has an endpoint either dialect reaches.
    public static func probe(profile: ServerProfile, client: any StreamingHTTPClient) async -> ServerTokenizer? {
        for dialect in [Dialect.openAI, .llamaCpp] {
            let tokenizer = ServerTokenizer(profile: profile, client: client, dialect: dialect)
            if let tokens = try? await tokenizer.tokenize("Hello, world."), !tokens.isEmpty { return tokenizer }
        }
        return nil
    }

    public func tokenize(_ text: String) async throws -> [Int32] {
        var body = JSONText()
        switch dialect {
        case .openAI:
            body.string("model", profile.model)
            body.string("prompt", text)
        case .llamaCpp:
            body.string("content", text)
        }
        let request = profile.url.request(
            "POST", "/tokenize", headers: [("Content-Type", "application/json")] + profile.authorization, body: body.bytes)
        let (status, bytes) = try await client.exchange(request, timeout: .seconds(60))
        guard status == 200, let json = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let tokens = json["tokens"] as? [Any]
        else {
            throw LoadError.serverUnavailable(
                url: profile.url.description, reason: "POST /tokenize answered \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        // llama.cpp may answer pieces as objects ({"id": …}) when asked to; plain IDs otherwise.
        return tokens.compactMap { item in
            if let n = item as? Int { return Int32(truncatingIfNeeded: n) }
            if let o = item as? [String: Any], let n = o["id"] as? Int { return Int32(truncatingIfNeeded: n) }
            return nil
        }
    }
}
