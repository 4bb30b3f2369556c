import Foundation

extension ChatTemplate {
    /// Cuts a template into tags and matches them against the supported structure.
    struct Parser {
        enum Segment: Equatable {
            case text(String)
            /// `{% … %}`, inner text with whitespace collapsed and quotes normalised.
            case statement(String)
            /// `{{ … }}`, inner text.
            case expression(String)
        }

        struct Parsed {
            var messageTerms: [Term]
            var defaultSystemTurn: String?
            var generationPrompt: String
        }

        let source: String

        func fail(_ reason: String) -> CPUError { .unsupportedChatTemplate(reason: reason) }

        func parse() throws -> Parsed {
            var tags = try segments().filter { $0 != .text("") }
            if let bad = tags.first(where: { if case .text = $0 { return true } else { return false } }) {
                throw fail("text outside tags is not supported: \(bad)")
            }
            func take(_ statement: String) -> Bool {
                guard tags.first == .statement(statement) else { return false }
                tags.removeFirst()
                return true
            }
            func expression(_ context: String) throws -> String {
                guard case .expression(let inner)? = tags.first else {
                    throw fail("expected a {{ … }} output tag \(context), found \(tags.first.map { "\($0)" } ?? "the end")")
                }
                tags.removeFirst()
                return inner
            }

            guard take("for message in messages") else {
                throw fail("expected the template to start with {% for message in messages %}")
            }
            var defaultSystemTurn: String?
            if take("if loop.first and messages[0]['role'] != 'system'") {
                defaultSystemTurn = try literalOnly(try parseTerms(try expression("for the default system turn")))
                guard take("endif") else { throw fail("expected {% endif %} after the default system turn") }
            }
            let messageTerms = try parseTerms(try expression("for each message"))
            guard messageTerms.contains(.content) else { throw fail("the message output never prints message['content']") }
            guard take("endfor") else { throw fail("expected {% endfor %} after the message output") }
            var generationPrompt = ""
            if take("if add_generation_prompt") {
                generationPrompt = try literalOnly(try parseTerms(try expression("for the generation prompt")))
                guard take("endif") else { throw fail("expected {% endif %} after the generation prompt") }
            }
            if let extra = tags.first { throw fail("unexpected \(extra) after the supported structure") }
            return Parsed(messageTerms: messageTerms, defaultSystemTurn: defaultSystemTurn, generationPrompt: generationPrompt)
        }

        func literalOnly(_ terms: [Term]) throws -> String {
            var text = ""
            for term in terms {
                guard case .literal(let piece) = term else { throw fail("only string literals may appear here, found \(term)") }
                text += piece
            }
            return text
        }

        /// Splits the source into text, `{% %}` and `{{ }}` segments. Whitespace-control markers
        /// (`{%-`, `-%}`) and the `trim_blocks`/`lstrip_blocks` settings Hugging Face renders
        /// with are applied to the text between tags.
        func segments() throws -> [Segment] {
            var result: [Segment] = []
            var rest = Substring(source)
            var trimNextLeading = false
            var afterBlock = false
            while !rest.isEmpty {
                guard let open = rest.range(of: "{") , let next = rest[open.upperBound...].first, next == "%" || next == "{" || next == "#" else {
                    result.append(.text(trimText(String(rest), trimLeading: trimNextLeading, afterBlock: afterBlock, beforeBlock: false, trimTrailing: false, atEnd: true)))
                    break
                }
                let isBlock = next == "%"
                let closer = next == "%" ? "%}" : next == "{" ? "}}" : "#}"
                var inner = rest[rest.index(after: open.lowerBound)...].dropFirst()
                let trimsBefore = inner.first == "-"
                if trimsBefore { inner = inner.dropFirst() }
                let text = String(rest[..<open.lowerBound])
                result.append(.text(trimText(text, trimLeading: trimNextLeading, afterBlock: afterBlock, beforeBlock: isBlock, trimTrailing: trimsBefore, atEnd: false)))
                guard let close = inner.range(of: closer) else { throw fail("unterminated tag near '\(rest.prefix(40))'") }
                var body = inner[..<close.lowerBound]
                trimNextLeading = body.last == "-"
                if trimNextLeading { body = body.dropLast() }
                rest = inner[close.upperBound...]
                afterBlock = isBlock
                switch next {
                case "%": result.append(.statement(Self.normalise(String(body))))
                case "{": result.append(.expression(String(body)))
                default: break  // a comment
                }
            }
            return result
        }

        func trimText(_ text: String, trimLeading: Bool, afterBlock: Bool, beforeBlock: Bool, trimTrailing: Bool, atEnd: Bool) -> String {
            var text = Substring(text)
            if trimLeading {
                text = text.drop(while: \.isWhitespace)
            } else if afterBlock, text.first == "\n" {
                text = text.dropFirst()
            }
            if trimTrailing {
                while text.last?.isWhitespace == true { text = text.dropLast() }
            } else if beforeBlock {
                let stripped = text.reversed().drop(while: { $0 == " " || $0 == "\t" })
                if stripped.first == nil || stripped.first == "\n" { text = text.dropLast(text.count - stripped.count) }
            }
            // Jinja drops one trailing newline at the end of the template.
            if atEnd, text == "\n" { text = "" }
            return String(text)
        }

        /// Collapses whitespace and turns double quotes into single, so spelling variants of the
        /// same statement compare equal; `x.role` becomes `x['role']`.
        static func normalise(_ statement: String) -> String {
            let words = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return words.replacingOccurrences(of: "\"", with: "'")
                .replacingOccurrences(of: "messages[0].role", with: "messages[0]['role']")
        }
    }
}
