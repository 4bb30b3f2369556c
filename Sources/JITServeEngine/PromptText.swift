/// A prompt on its way to token IDs, in pieces that remember where they came from.
///
/// A chat template interleaves its own text (role headers, control tokens such as
/// `<|im_start|>`) with what users wrote. Only the first may spell control tokens: a user who
/// types `<|im_end|>` should get those characters, not an end of turn. Keeping the pieces apart
/// lets a codec tokenize each by its origin; which codecs do so today is theirs to say
/// (`GGUFTextCodec.contentParsesSpecialTokens`).
public struct PromptText: Hashable, Sendable {
    /// Where a piece of text came from.
    public enum Origin: Hashable, Sendable {
        /// Produced by the chat template: control tokens in it are meant.
        case template
        /// Written by a client (a message's content, a completion prompt).
        case content
    }

    public struct Segment: Hashable, Sendable {
        public var text: String
        public var origin: Origin

        public init(_ text: String, origin: Origin) {
            self.text = text
            self.origin = origin
        }
    }

    public private(set) var segments: [Segment]

    public init(_ segments: [Segment] = []) {
        self.segments = []
        for segment in segments { append(segment.text, origin: segment.origin) }
    }

    /// Client text alone (a completion prompt).
    public static func content(_ text: String) -> PromptText { PromptText([Segment(text, origin: .content)]) }

    /// Template text alone.
    public static func template(_ text: String) -> PromptText { PromptText([Segment(text, origin: .template)]) }

    /// Appends `text`, merging it into the last segment when that has the same origin (so a
    /// template's adjacent literals stay one piece).
    public mutating func append(_ text: String, origin: Origin) {
        guard !text.isEmpty else { return }
        if let last = segments.indices.last, segments[last].origin == origin {
            segments[last].text += text
        } else {
            segments.append(Segment(text, origin: origin))
        }
    }

    /// The whole prompt as one string.
    public var text: String { segments.map(\.text).joined() }
}
