/// Builds the statement tree of a Jinja template from the lexer's parts: `if`/`elif`/`else`,
/// `for` (with `else`, a filter, `break`/`continue`), `set` (also on a namespace, also as a
/// block), and Hugging Face's `generation` marker. Macros, includes and inheritance are refused
/// with an error naming the tag: a chat template is one self-contained file.
struct JinjaParser {
    typealias Token = JinjaLexer.Token
    private var parts: [JinjaLexer.Part]
    private var index = 0

    init(parts: [JinjaLexer.Part]) { self.parts = parts }

    static func fail(_ reason: String) -> CPUError { .unsupportedChatTemplate(reason: reason) }

    mutating func parseTemplate() throws -> [JinjaNode] {
        let (nodes, end) = try parseBody(until: [])
        if let end { throw Self.fail("unexpected {% \(Self.describe(end)) %}") }
        return nodes
    }

    static func describe(_ tokens: [Token]) -> String {
        tokens.prefix(6).map {
            switch $0 {
            case .name(let n), .symbol(let n): n
            case .string(let s): "'\(s)'"
            case .integer(let i): "\(i)"
            case .double(let d): "\(d)"
            }
        }.joined(separator: " ")
    }

    /// Nodes up to a statement whose keyword is in `terminators` (returned with it).
    private mutating func parseBody(until terminators: Set<String>) throws -> ([JinjaNode], [Token]?) {
        var nodes: [JinjaNode] = []
        while index < parts.count {
            let part = parts[index]
            index += 1
            switch part {
            case .text(let text):
                nodes.append(.text(text))
            case .output(let tokens):
                var parser = JinjaExpressionParser(tokens: tokens)
                nodes.append(.output(try parser.parseWhole()))
            case .statement(let tokens):
                guard case .name(let keyword)? = tokens.first else {
                    throw Self.fail("a {% %} tag must start with a keyword, found {% \(Self.describe(tokens)) %}")
                }
                if terminators.contains(keyword) { return (nodes, tokens) }
                nodes += try parseStatement(keyword, tokens: Array(tokens.dropFirst()))
            }
        }
        if !terminators.isEmpty {
            throw Self.fail("missing {% \(terminators.sorted().joined(separator: " / ")) %} before the end of the template")
        }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ keyword: String, tokens: [Token]) throws -> [JinjaNode] {
        switch keyword {
        case "if":
            var branches: [(condition: JinjaExpression, body: [JinjaNode])] = []
            var condition = tokens
            while true {
                var parser = JinjaExpressionParser(tokens: condition)
                let expression = try parser.parseWhole()
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((expression, body))
                guard case .name(let next)? = end?.first else { throw Self.fail("missing {% endif %}") }
                if next == "elif" {
                    condition = Array(end!.dropFirst())
                    continue
                }
                var otherwise: [JinjaNode] = []
                if next == "else" { otherwise = try parseBlockEnd("endif") }
                return [.conditional(branches, otherwise: otherwise)]
            }
        case "for":
            var parser = JinjaExpressionParser(tokens: tokens)
            var targets = [try parser.expectName()]
            while parser.take(.symbol(",")) { targets.append(try parser.expectName()) }
            guard parser.take(.name("in")) else { throw Self.fail("expected 'in' in {% for %}") }
            let iterable = try parser.parseExpression(allowConditional: false)
            var filter: JinjaExpression?
            if parser.take(.name("if")) { filter = try parser.parseExpression(allowConditional: false) }
            if parser.take(.name("recursive")) { throw Self.fail("recursive loops are not supported") }
            try parser.expectEnd()
            let (body, end) = try parseBody(until: ["else", "endfor"])
            var otherwise: [JinjaNode] = []
            if case .name("else")? = end?.first { otherwise = try parseBlockEnd("endfor") }
            return [.loop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise)]
        case "set":
            var parser = JinjaExpressionParser(tokens: tokens)
            let name = try parser.expectName()
            var attribute: String?
            if parser.take(.symbol(".")) { attribute = try parser.expectName() }
            if parser.isAtEnd {
                guard attribute == nil else { throw Self.fail("a block {% set %} cannot assign an attribute") }
                return [.blockAssignment(name: name, body: try parseBlockEnd("endset"))]
            }
            guard parser.take(.symbol("=")) else { throw Self.fail("expected '=' in {% set \(name) … %}") }
            let value = try parser.parseWhole()
            return [.assignment(name: name, attribute: attribute, value: value)]
        case "break", "continue":
            guard tokens.isEmpty else { throw Self.fail("{% \(keyword) %} takes nothing") }
            return [keyword == "break" ? .breakLoop : .continueLoop]
        case "generation":
            // Hugging Face's marker of assistant text (for training masks): renders its body.
            return try parseBlockEnd("endgeneration")
        default:
            throw Self.fail("the {% \(keyword) %} tag is not supported")
        }
    }

    /// The body of an `else` (or a block) up to `end`, which must close it.
    private mutating func parseBlockEnd(_ end: String) throws -> [JinjaNode] {
        let (body, closing) = try parseBody(until: [end])
        guard closing?.count == 1 else { throw Self.fail("{% \(end) %} takes nothing") }
        return body
    }
}
