extension ChatTemplate.Parser {
    /// Parses a `{{ … }}` body that concatenates string literals and message fields with `+`.
    func parseTerms(_ expression: String) throws -> [ChatTemplate.Term] {
        var terms: [ChatTemplate.Term] = []
        var characters = Array(expression)[...]
        func skipSpaces() { while characters.first?.isWhitespace == true { characters.removeFirst() } }
        skipSpaces()
        while !characters.isEmpty {
            if let quote = characters.first, quote == "'" || quote == "\"" {
                characters.removeFirst()
                var literal = ""
                var closed = false
                while let character = characters.popFirst() {
                    if character == quote {
                        closed = true
                        break
                    }
                    if character == "\\" {
                        guard let escaped = characters.popFirst() else { break }
                        switch escaped {
                        case "n": literal.append("\n")
                        case "t": literal.append("\t")
                        case "r": literal.append("\r")
                        case "\\", "'", "\"": literal.append(escaped)
                        default: throw fail("unsupported escape \\\(escaped) in \(expression)")
                        }
                    } else {
                        literal.append(character)
                    }
                }
                guard closed else { throw fail("unterminated string literal in \(expression)") }
                terms.append(.literal(literal))
            } else {
                var word = ""
                while let character = characters.first, character != "+", !character.isWhitespace {
                    word.append(character)
                    characters.removeFirst()
                }
                switch word.replacingQuotes() {
                case "message['role']", "message.role": terms.append(.role)
                case "message['content']", "message.content": terms.append(.content)
                default: throw fail("unsupported expression '\(word)' in {{\(expression)}}")
                }
            }
            skipSpaces()
            if characters.isEmpty { break }
            guard characters.first == "+" else { throw fail("expected '+' in {{\(expression)}}") }
            characters.removeFirst()
            skipSpaces()
            if characters.isEmpty { throw fail("dangling '+' in {{\(expression)}}") }
        }
        guard !terms.isEmpty else { throw fail("empty output tag {{\(expression)}}") }
        return terms
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        String(map { $0 == "\"" ? "'" : $0 })
    }
}
