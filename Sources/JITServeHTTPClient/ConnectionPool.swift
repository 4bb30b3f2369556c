import NIOCore
import Synchronization

/// One HTTP/1.1 connection the client opened, with the handler that reads its responses.
final class PooledConnection: @unchecked Sendable {
    // @unchecked: `collector` is only ever touched on `channel.eventLoop` (NIO's rule for
    // handlers); the rest is immutable.
    let channel: any Channel
    let collector: ResponseCollector

    init(channel: any Channel, collector: ResponseCollector) {
        self.channel = channel
        self.collector = collector
    }
}

/// Keep-alive connections that finished an exchange cleanly, per backend, waiting for the next
/// request to that backend.
///
/// Only idle connections are bounded (`maxIdlePerHost`): a proxy in front of replicas that
/// stream for minutes needs one connection per stream in flight, and queueing a request behind
/// a busy one would add its whole stream to the wait. A connection idle for `idleTimeout`, or
/// one the server closes, leaves the pool and is closed.
final class ConnectionPool: Sendable {
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
    }

    private struct Entry {
        var connection: PooledConnection
        /// Set at each check-in, so that an idle timer armed for an earlier idle spell does
        /// not close a connection that has since been used and returned.
        var token: UInt64
    }

    private struct State {
        var idle: [Key: [Entry]] = [:]
        var nextToken: UInt64 = 1
        var isShutDown = false
    }

    let maxIdlePerHost: Int
    let idleTimeout: Duration
    private let state = Mutex(State())

    init(maxIdlePerHost: Int, idleTimeout: Duration) {
        self.maxIdlePerHost = max(0, maxIdlePerHost)
        self.idleTimeout = idleTimeout
    }

    /// An idle open connection to `key`, preferring one on `eventLoop` (the caller's own loop:
    /// its reads then need no hop to reach the caller); nil when there is none.
    func checkOut(_ key: Key, preferring eventLoop: (any EventLoop)?) -> PooledConnection? {
        state.withLock { state in
            guard var list = state.idle[key], !list.isEmpty else { return nil }
            list.removeAll { !$0.connection.channel.isActive }
            var index = list.indices.last
            if let eventLoop, let local = list.lastIndex(where: { $0.connection.channel.eventLoop === eventLoop }) {
                index = local
            }
            let found = index.map { list.remove(at: $0).connection }
            state.idle[key] = list.isEmpty ? nil : list
            return found
        }
    }

    /// Returns a connection whose exchange ended cleanly; closes it instead when the pool is
    /// full or shut down. Call on the connection's event loop.
    func checkIn(_ connection: PooledConnection, key: Key) {
        let token: UInt64? = state.withLock { state in
            guard !state.isShutDown, state.idle[key, default: []].count < maxIdlePerHost else { return nil }
            let token = state.nextToken
            state.nextToken += 1
            state.idle[key, default: []].append(Entry(connection: connection, token: token))
            return token
        }
        guard let token else {
            connection.channel.close(promise: nil)
            return
        }
        connection.channel.eventLoop.scheduleTask(in: .nanoseconds(NIOHTTPClient.nanoseconds(idleTimeout))) { [self] in
            if remove(connection, key: key, token: token) { connection.channel.close(promise: nil) }
        }
    }

    /// Takes `connection` out of the idle list (it closed, or its idle spell `token` expired);
    /// true when it was there.
    @discardableResult
    func remove(_ connection: PooledConnection, key: Key, token: UInt64? = nil) -> Bool {
        state.withLock { state in
            guard var list = state.idle[key],
                let i = list.firstIndex(where: { $0.connection === connection && (token == nil || $0.token == token) })
            else { return false }
            list.remove(at: i)
            state.idle[key] = list.isEmpty ? nil : list
            return true
        }
    }

    /// Idle connections per backend (for the tests and the proxy's metrics).
    var idleCount: Int { state.withLock { $0.idle.values.reduce(0) { $0 + $1.count } } }

    /// Closes every idle connection and refuses check-ins from now on.
    func shutDown() async {
        let all = state.withLock { state in
            state.isShutDown = true
            defer { state.idle = [:] }
            return state.idle.values.flatMap { $0.map(\.connection) }
        }
        for connection in all { try? await connection.channel.close() }
    }
}
