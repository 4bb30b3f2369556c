/// One turn of a conversation, as a chat template sees it.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// `system`, `user`, `assistant` (the template decides what other roles mean).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
