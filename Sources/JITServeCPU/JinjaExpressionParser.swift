/// Parses one expression with Jinja's precedence, lowest first: `x if c else y`, `or`, `and`,
/// `not`, comparisons (`==`, `in`, `not in`, …), `+ -`, `~`, `* / // %`, `**`, unary `- +`,
/// then postfix (`.attr`, `[key]`, `[a:b]`, calls), filters (`|f`) and tests (`is t`).
struct JinjaExpressionParser {
    typealias Token = JinjaLexer.Token
    private let tokens: [Token]
    private var index = 0

    init(tokens: [Token]) { self.tokens = tokens }

    func fail(_ reason: String) -> CPUError {
        .unsupportedChatTemplate(reason: "\(reason) in '\(JinjaParser.describe(tokens))'")
    }

    var isAtEnd: Bool { index >= tokens.count }
    private var current: Token? { index < tokens.count ? tokens[index] : nil }

    mutating func take(_ token: Token) -> Bool {
        guard current == token else { return false }
        index += 1
        return true
    }

    mutating func expectName() throws -> String {
        guard case .name(let name)? = current else { throw fail("expected a name") }
        index += 1
        return name
    }

    mutating func expectEnd() throws {
        if !isAtEnd { throw fail("unexpected '\(JinjaParser.describe(Array(tokens[index...])))'") }
    }

    private mutating func expect(_ symbol: String) throws {
        guard take(.symbol(symbol)) else { throw fail("expected '\(symbol)'") }
    }

    /// The whole token list as one expression (a bare tuple `a, b` becomes a list).
    mutating func parseWhole() throws -> JinjaExpression {
        let first = try parseExpression()
        var items = [first]
        while take(.symbol(",")) {
            if isAtEnd { break }
            items.append(try parseExpression())
        }
        try expectEnd()
        return items.count == 1 ? first : .list(items)
    }

    mutating func parseExpression(allowConditional: Bool = true) throws -> JinjaExpression {
        let value = try parseOr()
        guard allowConditional, take(.name("if")) else { return value }
        let condition = try parseOr()
        var otherwise: JinjaExpression?
        if take(.name("else")) { otherwise = try parseExpression() }
        return .conditional(value, condition: condition, otherwise: otherwise)
    }

    private mutating func parseOr() throws -> JinjaExpression {
        var left = try parseAnd()
        while take(.name("or")) { left = .binary("or", left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpression {
        var left = try parseNot()
        while take(.name("and")) { left = .binary("and", left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpression {
        if take(.name("not")) { return .unary("not", try parseNot()) }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> JinjaExpression {
        let left = try parseSum()
        var chain: [(String, JinjaExpression)] = []
        while let token = current {
            var op: String
            switch token {
            case .symbol(let s) where ["==", "!=", "<", ">", "<=", ">="].contains(s): op = s
            case .name("in"): op = "in"
            case .name("not") where index + 1 < tokens.count && tokens[index + 1] == .name("in"):
                op = "not in"
                index += 1
            default: op = ""
            }
            if op.isEmpty { break }
            index += 1
            chain.append((op, try parseSum()))
        }
        return chain.isEmpty ? left : .comparison(left, chain)
    }

    private mutating func parseSum() throws -> JinjaExpression {
        var left = try parseConcatenation()
        while let op = takeSymbol(["+", "-"]) { left = .binary(op, left, try parseConcatenation()) }
        return left
    }

    private mutating func parseConcatenation() throws -> JinjaExpression {
        var left = try parseProduct()
        while take(.symbol("~")) { left = .binary("~", left, try parseProduct()) }
        return left
    }

    private mutating func parseProduct() throws -> JinjaExpression {
        var left = try parsePower()
        while let op = takeSymbol(["*", "/", "//", "%"]) { left = .binary(op, left, try parsePower()) }
        return left
    }

    private mutating func parsePower() throws -> JinjaExpression {
        var left = try parseUnary(withFilters: true)
        while take(.symbol("**")) { left = .binary("**", left, try parseUnary(withFilters: true)) }
        return left
    }

    private mutating func takeSymbol(_ symbols: [String]) -> String? {
        guard case .symbol(let s)? = current, symbols.contains(s) else { return nil }
        index += 1
        return s
    }

    private mutating func parseUnary(withFilters: Bool) throws -> JinjaExpression {
        var node: JinjaExpression
        if let op = takeSymbol(["-", "+"]) {
            node = .unary(op, try parseUnary(withFilters: false))
        } else {
            node = try parsePostfix(try parsePrimary())
        }
        if withFilters { node = try parseFiltersAndTests(node) }
        return node
    }

    private mutating func parsePrimary() throws -> JinjaExpression {
        guard let token = current else { throw fail("expected an expression") }
        index += 1
        switch token {
        case .name(let name):
            switch name {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(name)
            }
        case .string(var text):
            // Adjacent literals join, as in Python.
            while case .string(let more)? = current {
                text += more
                index += 1
            }
            return .literal(.text(text))
        case .integer(let value): return .literal(.integer(value))
        case .double(let value): return .literal(.double(value))
        case .symbol("("):
            if take(.symbol(")")) { return .list([]) }
            let first = try parseExpression()
            if take(.symbol(")")) { return first }
            var items = [first]
            while take(.symbol(",")) {
                if current == .symbol(")") { break }
                items.append(try parseExpression())
            }
            try expect(")")
            return .list(items)
        case .symbol("["):
            var items: [JinjaExpression] = []
            while !take(.symbol("]")) {
                items.append(try parseExpression())
                if !take(.symbol(",")) {
                    try expect("]")
                    break
                }
            }
            return .list(items)
        case .symbol("{"):
            var pairs: [(key: JinjaExpression, value: JinjaExpression)] = []
            while !take(.symbol("}")) {
                let key = try parseExpression()
                try expect(":")
                pairs.append((key, try parseExpression()))
                if !take(.symbol(",")) {
                    try expect("}")
                    break
                }
            }
            return .dictionary(pairs)
        default:
            throw fail("unexpected '\(JinjaParser.describe([token]))'")
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpression) throws -> JinjaExpression {
        var node = base
        while true {
            if take(.symbol(".")) {
                switch current {
                case .name(let name)?:
                    index += 1
                    node = .attribute(node, name)
                case .integer(let value)?:
                    index += 1
                    node = .item(node, .literal(.integer(value)))
                default: throw fail("expected an attribute name after '.'")
                }
            } else if take(.symbol("[")) {
                node = try parseSubscript(node)
            } else if take(.symbol("(")) {
                let (arguments, keywords) = try parseArguments()
                node = .call(node, arguments: arguments, keywords: keywords)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ base: JinjaExpression) throws -> JinjaExpression {
        var parts: [JinjaExpression?] = [nil]
        var colons = 0
        while !take(.symbol("]")) {
            if take(.symbol(":")) {
                colons += 1
                parts.append(nil)
                continue
            }
            guard parts[parts.count - 1] == nil else { throw fail("expected ':' or ']'") }
            parts[parts.count - 1] = try parseExpression()
        }
        if colons == 0 {
            guard let key = parts[0] else { throw fail("empty subscript") }
            return .item(base, key)
        }
        guard colons <= 2 else { throw fail("too many ':' in a slice") }
        return .slice(base, start: parts[0], stop: parts[1], step: parts.count > 2 ? parts[2] : nil)
    }

    /// `(a, b, key=c)` after the opening parenthesis.
    private mutating func parseArguments() throws -> ([JinjaExpression], [(String, JinjaExpression)]) {
        var arguments: [JinjaExpression] = []
        var keywords: [(String, JinjaExpression)] = []
        while !take(.symbol(")")) {
            if case .name(let name)? = current, index + 1 < tokens.count, tokens[index + 1] == .symbol("=") {
                index += 2
                keywords.append((name, try parseExpression()))
            } else {
                arguments.append(try parseExpression())
            }
            if !take(.symbol(",")) {
                try expect(")")
                break
            }
        }
        return (arguments, keywords)
    }

    private mutating func parseFiltersAndTests(_ base: JinjaExpression) throws -> JinjaExpression {
        var node = base
        while true {
            if take(.symbol("|")) {
                let name = try expectName()
                var arguments: [JinjaExpression] = []
                var keywords: [(String, JinjaExpression)] = []
                if take(.symbol("(")) { (arguments, keywords) = try parseArguments() }
                node = .filter(node, name: name, arguments: arguments, keywords: keywords)
            } else if take(.name("is")) {
                let negated = take(.name("not"))
                let name = try expectName()
                var arguments: [JinjaExpression] = []
                if take(.symbol("(")) {
                    arguments = try parseArguments().0
                } else if startsTestArgument {
                    arguments = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name: name, arguments: arguments, negated: negated)
            } else if take(.symbol("(")) {
                let (arguments, keywords) = try parseArguments()
                node = .call(node, arguments: arguments, keywords: keywords)
            } else {
                return node
            }
        }
    }

    /// Whether a test is followed by its one unparenthesised argument (`is divisibleby 3`).
    private var startsTestArgument: Bool {
        switch current {
        case .string?, .integer?, .double?, .symbol("[")?, .symbol("{")?: true
        case .name(let name)?: !["else", "or", "and", "if", "in", "not", "is"].contains(name)
        default: false
        }
    }
}
