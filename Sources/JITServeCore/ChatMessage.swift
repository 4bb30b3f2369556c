/// One turn of a conversation: what the chat API receives and what a chat template renders.
public struct ChatMessage: Hashable, Sendable {
    /// The roles OpenAI's chat API accepts; the template decides what each one means.
    public enum Role: String, CaseIterable, Sendable {
        case system, developer, user, assistant, tool
    }

    public var role: Role
    /// The message's text (a list of text parts is joined before it gets here).
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}
