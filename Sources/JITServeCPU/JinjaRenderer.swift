import JITServeEngine

/// Runs a parsed template against a context, writing an origin-tracked `PromptText`.
///
/// Scoping follows Jinja: a `for` body has its own scope (a `set` inside it is gone after the
/// loop, which is why templates use `namespace()`), `if` bodies share their enclosing scope.
/// Errors are `CPUError.chatTemplateFailed`, carrying `raise_exception`'s message as is.
struct JinjaRenderer {
    enum Flow { case normal, breakLoop, continueLoop }

    private var scopes: [[String: JinjaValue]]
    private(set) var output = PromptText()
    /// Loop iterations and nesting are bounded: a template is data from a file, and a hostile
    /// one must not hang the server.
    private var steps = 0
    static let maximumSteps = 1_000_000

    init(globals: [String: JinjaValue]) { scopes = [globals] }

    static func fail(_ reason: String) -> CPUError { .chatTemplateFailed(reason: reason) }

    mutating func render(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            steps += 1
            if steps > Self.maximumSteps { throw Self.fail("the template ran for more than \(Self.maximumSteps) steps") }
            switch node {
            case .text(let text):
                output.append(text, origin: .template)
            case .output(let expression):
                let value = try evaluate(expression)
                for segment in value.printed.segments { output.append(segment.text, origin: segment.origin) }
            case .conditional(let branches, let otherwise):
                let body = try branches.first { try evaluate($0.condition).isTruthy }?.body ?? otherwise
                let flow = try render(body)
                if flow != .normal { return flow }
            case .loop(let targets, let iterable, let filter, let body, let otherwise):
                let flow = try renderLoop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise)
                if flow != .normal { return flow }
            case .assignment(let name, let attribute, let value):
                let result = try evaluate(value)
                if let attribute {
                    guard case .namespace(let namespace) = lookup(name) else {
                        throw Self.fail("cannot set '\(name).\(attribute)': '\(name)' is not a namespace")
                    }
                    namespace.attributes[attribute] = result
                } else {
                    scopes[scopes.count - 1][name] = result
                }
            case .blockAssignment(let name, let body):
                let saved = output
                output = PromptText()
                _ = try render(body)
                let captured = output
                output = saved
                scopes[scopes.count - 1][name] = .string(captured)
            case .breakLoop: return .breakLoop
            case .continueLoop: return .continueLoop
            }
        }
        return .normal
    }

    private mutating func renderLoop(
        targets: [String], iterable: JinjaExpression, filter: JinjaExpression?, body: [JinjaNode], otherwise: [JinjaNode]
    ) throws -> Flow {
        var items = try Self.iterate(try evaluate(iterable))
        scopes.append([:])
        defer { scopes.removeLast() }
        if let filter {
            items = try items.filter { item in
                try bind(targets, to: item)
                return try evaluate(filter).isTruthy
            }
        }
        if items.isEmpty { return try render(otherwise) }
        for (index, item) in items.enumerated() {
            try bind(targets, to: item)
            let loop: [(String, JinjaValue)] = [
                ("index", .integer(index + 1)), ("index0", .integer(index)), ("first", .bool(index == 0)),
                ("last", .bool(index == items.count - 1)), ("length", .integer(items.count)),
                ("revindex", .integer(items.count - index)), ("revindex0", .integer(items.count - index - 1)),
                ("previtem", index > 0 ? items[index - 1] : .undefined("loop.previtem")),
                ("nextitem", index + 1 < items.count ? items[index + 1] : .undefined("loop.nextitem")),
            ]
            scopes[scopes.count - 1]["loop"] = .dictionary(JinjaDictionary(loop))
            if try render(body) == .breakLoop { break }
        }
        return .normal
    }

    private mutating func bind(_ targets: [String], to item: JinjaValue) throws {
        if targets.count == 1 {
            scopes[scopes.count - 1][targets[0]] = item
            return
        }
        guard case .list(let parts) = item, parts.count == targets.count else {
            throw Self.fail("cannot unpack \(item.typeName) into \(targets.joined(separator: ", "))")
        }
        for (name, part) in zip(targets, parts) { scopes[scopes.count - 1][name] = part }
    }

    func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return .undefined(name)
    }

    /// The items a `for` visits: list items, a dict's keys, a string's characters.
    static func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case .list(let items): return items
        case .dictionary(let dictionary): return dictionary.keys.map { .text($0) }
        case .string(let text): return text.text.map { JinjaValue.derivedString(String($0), from: .string(text)) }
        case .undefined: return []
        default: throw fail("\(value.typeName) is not iterable")
        }
    }

    func evaluate(_ expression: JinjaExpression) throws -> JinjaValue {
        switch expression {
        case .literal(let value): return value
        case .name(let name): return lookup(name)
        case .list(let items): return .list(try items.map(evaluate))
        case .dictionary(let pairs):
            var dictionary = JinjaDictionary()
            for (key, value) in pairs { dictionary[try evaluate(key).pythonString] = try evaluate(value) }
            return .dictionary(dictionary)
        case .attribute(let base, let name):
            return try Self.attribute(name, of: try evaluate(base))
        case .item(let base, let key):
            return try Self.item(try evaluate(key), of: try evaluate(base))
        case .slice(let base, let start, let stop, let step):
            return try Self.slice(
                try evaluate(base), start: try start.map(evaluate), stop: try stop.map(evaluate), step: try step.map(evaluate))
        case .call(let function, let arguments, let keywords):
            return try call(
                try evaluate(function), arguments: try arguments.map(evaluate),
                keywords: try keywords.map { ($0.0, try evaluate($0.1)) })
        case .filter(let base, let name, let arguments, let keywords):
            return try applyFilter(
                name, to: try evaluate(base), arguments: try arguments.map(evaluate),
                keywords: try keywords.map { ($0.0, try evaluate($0.1)) })
        case .test(let base, let name, let arguments, let negated):
            let passed = try applyTest(name, to: try evaluate(base), arguments: try arguments.map(evaluate))
            return .bool(passed != negated)
        case .unary(let op, let operand):
            let value = try evaluate(operand)
            switch op {
            case "not": return .bool(!value.isTruthy)
            case "-":
                if case .integer(let i) = value { return .integer(-i) }
                guard let number = value.numeric else { throw Self.fail("cannot negate \(value.typeName)") }
                return .double(-number)
            default: return value
            }
        case .binary("and", let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? try evaluate(right) : value
        case .binary("or", let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? value : try evaluate(right)
        case .binary(let op, let left, let right):
            return try Self.arithmetic(op, try evaluate(left), try evaluate(right))
        case .comparison(let first, let chain):
            var left = try evaluate(first)
            for (op, rightExpression) in chain {
                let right = try evaluate(rightExpression)
                guard try Self.compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(value) }
            return try otherwise.map(evaluate) ?? .undefined("else branch")
        }
    }
}

extension JinjaRenderer.Flow: Equatable {}
