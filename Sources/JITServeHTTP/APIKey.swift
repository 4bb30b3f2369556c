/// The secret `jitserve serve --api-key` (or `JITSERVE_API_KEY`) protects the API with.
///
/// Two properties a plain `String` lacks: comparing a presented key takes the same time whichever
/// byte differs (an attacker timing 401s cannot find the key byte by byte), and the secret never
/// appears in a log line, an error message or a `dump` of the server's configuration.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secret: [UInt8]

    /// - Precondition: `secret` is not empty (the CLI refuses an empty key).
    public init(_ secret: String) {
        self.secret = Array(secret.utf8)
    }

    /// Whether `presented` is the key. Runs through every byte of the longer of the two whatever
    /// their contents, so the time depends only on the lengths.
    public func matches(_ presented: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = 0
        var index = presented.startIndex
        for offset in 0..<max(secret.count, presented.count) {
            let own = offset < secret.count ? secret[offset] : 0
            var other: UInt8 = 0
            if index != presented.endIndex {
                other = presented[index]
                index = presented.index(after: index)
            }
            difference |= own ^ other
        }
        return difference == 0 && secret.count == presented.count
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "APIKey(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
