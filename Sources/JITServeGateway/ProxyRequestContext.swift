import Hummingbird
import NIOCore

/// The reverse proxy's request context: Hummingbird's basic one plus the event loop of the
/// client's connection, on which the proxy forwards the response.
public struct ProxyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The loop the client's connection is served on.
    public let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}
