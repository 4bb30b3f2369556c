/// An `http://host[:port][/base]` address (no TLS: a benchmark talks to a server or a proxy
/// on its own network).
public struct ServerURL: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash (empty for the root).
    public var basePath: String

    public init(host: String, port: Int, basePath: String = "") {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses `http://host:port/base`; `https` is refused.
    public init(parsing text: String) throws(HTTPClientError) {
        guard text.hasPrefix("http://") else { throw .invalidURL(text) }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var host = String(authority)
        var port = 80
        if authority.hasPrefix("[") {  // [::1]:8000
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(text) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw .invalidURL(text) }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw .invalidURL(text)
            }
            port = p
        }
        guard !host.isEmpty else { throw .invalidURL(text) }
        self.init(host: host, port: port, basePath: path)
    }

    /// A request to `path` (e.g. `/v1/completions`) under the base path.
    public func request(
        _ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) -> HTTPClientRequest {
        HTTPClientRequest(method: method, host: host, port: port, path: basePath + path, headers: headers, body: body)
    }

    public var description: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(basePath)" }
}
