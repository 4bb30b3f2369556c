/// Cuts a Jinja template into text and tags, applying whitespace control the way Jinja's own
/// lexer does with the settings Hugging Face renders chat templates with (`trim_blocks`,
/// `lstrip_blocks`, no trailing newline kept): `{%-`/`-%}` strip all whitespace on their side,
/// a block or comment tag alone on its line takes the line's indentation and its newline with it.
struct JinjaLexer {
    enum Part: Equatable {
        case text(String)
        /// `{{ … }}`.
        case output([Token])
        /// `{% … %}`.
        case statement([Token])
    }

    enum Token: Equatable {
        case name(String)
        case string(String)
        case integer(Int)
        case double(Double)
        /// Punctuation and operators: `( ) [ ] { } . , : | ~ + - * / // % ** == != < > <= >= =`.
        case symbol(String)
    }

    var trimBlocks = true
    var lstripBlocks = true

    func fail(_ reason: String) -> CPUError { .unsupportedChatTemplate(reason: reason) }

    func parts(of source: String) throws -> [Part] {
        // Jinja's newline normalisation, and its dropping of one trailing newline.
        var text = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if text.hasSuffix("\n") { text.removeLast() }
        let scalars = Array(text.unicodeScalars)
        var parts: [Part] = []
        var position = 0
        var lineStarting = true
        while position < scalars.count {
            guard let open = Self.nextOpener(scalars, from: position) else {
                parts.append(.text(String(String.UnicodeScalarView(scalars[position...]))))
                break
            }
            let kind = scalars[open + 1]
            var bodyStart = open + 2
            let sign = bodyStart < scalars.count ? scalars[bodyStart] : " "
            if sign == "-" || sign == "+" { bodyStart += 1 }
            var leading = String(String.UnicodeScalarView(scalars[position..<open]))
            if sign == "-" {
                while leading.last?.isWhitespace == true { leading.removeLast() }
            } else if sign != "+", lstripBlocks, kind != "{" {
                let lineStart = leading.lastIndex(of: "\n").map { leading.index(after: $0) } ?? leading.startIndex
                if lineStart != leading.startIndex || lineStarting,
                    leading[lineStart...].allSatisfy({ $0 == " " || $0 == "\t" })
                {
                    leading.removeSubrange(lineStart...)
                }
            }
            if !leading.isEmpty { parts.append(.text(leading)) }

            var end: Int
            var stripsAfter: Bool
            switch kind {
            case "#":
                guard let close = Self.find(["#", "}"], in: scalars, from: bodyStart) else {
                    throw fail("unterminated comment {# … #}")
                }
                stripsAfter = close > bodyStart && scalars[close - 1] == "-"
                end = close + 2
            default:
                var lexer = TokenScanner(scalars: scalars, position: bodyStart, closer: kind == "{" ? "}" : "%")
                let tokens = try lexer.scan()
                stripsAfter = lexer.stripsAfter
                end = lexer.position
                parts.append(kind == "{" ? .output(tokens) : .statement(tokens))
            }
            var consumedNewline = false
            if stripsAfter {
                while end < scalars.count, Character(scalars[end]).isWhitespace {
                    consumedNewline = scalars[end] == "\n"
                    end += 1
                }
            } else if kind != "{", trimBlocks, end < scalars.count, scalars[end] == "\n" {
                end += 1
                consumedNewline = true
            }
            lineStarting = consumedNewline
            position = end
        }
        return parts
    }

    static func nextOpener(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index + 1 < scalars.count {
            if scalars[index] == "{", "{%#".unicodeScalars.contains(scalars[index + 1]) { return index }
            index += 1
        }
        return nil
    }

    static func find(_ needle: [Unicode.Scalar], in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= scalars.count {
            if Array(scalars[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}

/// Reads the tokens of one `{{ … }}` or `{% … %}` tag up to its closer.
private struct TokenScanner {
    let scalars: [Unicode.Scalar]
    var position: Int
    /// `}` for `}}`, `%` for `%}`.
    let closer: Unicode.Scalar
    /// The tag ended with `-}}` / `-%}`.
    var stripsAfter = false

    func fail(_ reason: String) -> CPUError { .unsupportedChatTemplate(reason: reason) }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    mutating func scan() throws -> [JinjaLexer.Token] {
        var tokens: [JinjaLexer.Token] = []
        while true {
            guard let c = peek() else { throw fail("unterminated tag: expected \(closer)}") }
            if Character(c).isWhitespace {
                position += 1
                continue
            }
            if c == "-", peek(1) == closer, peek(2) == "}" {
                stripsAfter = true
                position += 3
                return tokens
            }
            if c == closer, peek(1) == "}" {
                position += 2
                return tokens
            }
            if c == "'" || c == "\"" {
                tokens.append(.string(try scanString(quote: c)))
            } else if c.properties.isAlphabetic || c == "_" {
                var name = ""
                while let d = peek(), d.properties.isAlphabetic || d == "_" || ("0"..."9").contains(d) {
                    name.unicodeScalars.append(d)
                    position += 1
                }
                tokens.append(.name(name))
            } else if ("0"..."9").contains(c) {
                tokens.append(scanNumber())
            } else {
                let two = peek(1).map { String(c) + String($0) } ?? ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(.symbol(two))
                    position += 2
                } else if "()[]{}.,:|~+-*/%<>=".unicodeScalars.contains(c) {
                    tokens.append(.symbol(String(c)))
                    position += 1
                } else {
                    throw fail("unexpected character '\(c)' in a tag")
                }
            }
        }
    }

    mutating func scanNumber() -> JinjaLexer.Token {
        var text = ""
        var isFloat = false
        while let d = peek() {
            if ("0"..."9").contains(d) || d == "_" {
                if d != "_" { text.unicodeScalars.append(d) }
            } else if d == ".", !isFloat, let next = peek(1), ("0"..."9").contains(next) {
                isFloat = true
                text += "."
            } else if d == "e" || d == "E", let next = peek(1), ("0"..."9").contains(next) || next == "-" || next == "+" {
                isFloat = true
                text += "e"
                position += 1
                text.unicodeScalars.append(peek()!)
            } else {
                break
            }
            position += 1
        }
        return isFloat ? .double(Double(text) ?? 0) : .integer(Int(text) ?? Int.max)
    }

    /// A quoted literal with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\xNN`, `\uNNNN`, …).
    mutating func scanString(quote: Unicode.Scalar) throws -> String {
        position += 1
        var value = String.UnicodeScalarView()
        while let c = peek() {
            position += 1
            if c == quote { return String(value) }
            guard c == "\\" else {
                value.append(c)
                continue
            }
            guard let e = peek() else { break }
            position += 1
            switch e {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "0": value.append("\0")
            case "a": value.append("\u{07}")
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "v": value.append("\u{0B}")
            case "\\", "'", "\"": value.append(e)
            case "\n": break
            case "x", "u", "U":
                let digits = e == "x" ? 2 : e == "u" ? 4 : 8
                guard position + digits <= scalars.count,
                    let code = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + digits)])), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw fail("bad \\\(e) escape in a string literal") }
                value.append(scalar)
                position += digits
            default:
                // Python keeps an unknown escape as written.
                value.append("\\")
                value.append(e)
            }
        }
        throw fail("unterminated string literal")
    }
}
