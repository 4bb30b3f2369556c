import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the picker learns its endpoints: a fixed list (`--endpoints`, `--backend`); a file it
/// re-reads (`--endpoints-file`: one `ip:port` per line or comma-separated, `#` comments), which
/// is how a sidecar or a ConfigMap volume tells it that replicas came or went; or a DNS name it
/// re-resolves (`--endpoints-dns`): in Kubernetes, a headless Service whose A records are the
/// ready replica pods — the same pods the InferencePool selects.
public enum EndpointSource: Sendable, CustomStringConvertible {
    case fixed([EndpointAddress])
    case file(path: String)
    case dns(host: String, port: Int)

    /// The endpoints now.
    /// - Throws: `GatewayError.unreadableEndpointFile`, `.invalidEndpoint`; `.noEndpoints`
    ///   when the source names none.
    public func load() throws(GatewayError) -> [EndpointAddress] {
        let addresses: [EndpointAddress]
        switch self {
        case .fixed(let list):
            addresses = list
        case .file(let path):
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadableEndpointFile(path: path, reason: error.localizedDescription)
            }
            addresses = try EndpointAddress.parseList(text)
        case .dns(let host, let port):
            addresses = try Self.resolve(host).map { EndpointAddress(host: $0, port: port) }
        }
        guard !addresses.isEmpty else { throw .noEndpoints(source: description) }
        return addresses
    }

    /// True when the list can change while the picker runs.
    public var isDynamic: Bool {
        if case .fixed = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .fixed: "the endpoint list"
        case .file(let path): "endpoints file \(path)"
        case .dns(let host, let port): "DNS name \(host) (port \(port))"
        }
    }

    /// Every address `host` resolves to, sorted (so an unchanged answer gives an unchanged list).
    static func resolve(_ host: String) throws(GatewayError) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else {
            throw .invalidEndpoint(host, reason: "cannot resolve: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var names = Set<String>()
        var node = result
        while let info = node {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                names.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            node = info.pointee.ai_next
        }
        return names.sorted()
    }
}
