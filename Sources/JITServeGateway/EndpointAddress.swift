/// One replica's address as GAIE's endpoint picker protocol writes it: `ip:port`, or
/// `[ipv6]:port` (the form of `x-gateway-destination-endpoint`).
public struct EndpointAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[ipv6]:port`, or `http://host:port` with an optional trailing `/`
    /// (a `--backend` URL; a path or `https` is refused: the proxy forwards paths as they come).
    public init(parsing raw: String) throws(GatewayError) {
        var text = Substring(raw.trimmingWhitespace)
        if text.hasPrefix("https://") { throw .invalidEndpoint(raw, reason: "https is not supported; replicas are reached over plain HTTP") }
        if text.hasPrefix("http://") {
            text = text.dropFirst("http://".count)
            while text.hasSuffix("/") { text = text.dropLast() }
            if text.contains("/") { throw .invalidEndpoint(raw, reason: "a path is not supported; give http://host:port") }
        }
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidEndpoint(raw, reason: "unclosed '['") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalidEndpoint(raw, reason: "expected ':port' after ']'") }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .invalidEndpoint(raw, reason: "expected host:port") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { throw .invalidEndpoint(raw, reason: "write an IPv6 address as [address]:port") }
        }
        guard !hostPart.isEmpty else { throw .invalidEndpoint(raw, reason: "the host is empty") }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw .invalidEndpoint(raw, reason: "'\(portPart)' is not a port (1-65535)")
        }
        self.init(host: String(hostPart), port: port)
    }

    /// Parses a comma- or newline-separated list; blank entries and `#` comments are skipped.
    public static func parseList(_ text: String) throws(GatewayError) -> [EndpointAddress] {
        var addresses: [EndpointAddress] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for item in content.split(separator: ",") where !String(item).trimmingWhitespace.isEmpty {
                let address = try EndpointAddress(parsing: String(item))
                if !addresses.contains(address) { addresses.append(address) }
            }
        }
        return addresses
    }

    /// `ip:port` or `[ipv6]:port`: the picker's name for the endpoint.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
