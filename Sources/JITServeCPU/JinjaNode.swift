/// A statement of a parsed Jinja template.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpression)
    /// `if`/`elif` branches in order, then the `else` body.
    case conditional([(condition: JinjaExpression, body: [JinjaNode])], otherwise: [JinjaNode])
    /// `for a[, b] in iterable [if filter]` … `else` … `endfor`.
    case loop(
        targets: [String], iterable: JinjaExpression, filter: JinjaExpression?, body: [JinjaNode],
        otherwise: [JinjaNode])
    /// `set name = value`, or `set name.attribute = value` on a namespace.
    case assignment(name: String, attribute: String?, value: JinjaExpression)
    /// `set name` … `endset`: the body's output, as a string.
    case blockAssignment(name: String, body: [JinjaNode])
    case breakLoop
    case continueLoop
}

/// An expression inside a tag.
indirect enum JinjaExpression: Sendable {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpression])
    case dictionary([(key: JinjaExpression, value: JinjaExpression)])
    case attribute(JinjaExpression, String)
    case item(JinjaExpression, JinjaExpression)
    case slice(JinjaExpression, start: JinjaExpression?, stop: JinjaExpression?, step: JinjaExpression?)
    case call(JinjaExpression, arguments: [JinjaExpression], keywords: [(String, JinjaExpression)])
    case filter(JinjaExpression, name: String, arguments: [JinjaExpression], keywords: [(String, JinjaExpression)])
    case test(JinjaExpression, name: String, arguments: [JinjaExpression], negated: Bool)
    /// `not`, `-`, `+`.
    case unary(String, JinjaExpression)
    /// Arithmetic, `~`, `and`, `or`.
    case binary(String, JinjaExpression, JinjaExpression)
    /// A comparison chain `a < b <= c`, `in`, `not in`.
    case comparison(JinjaExpression, [(String, JinjaExpression)])
    /// `value if condition else otherwise`.
    case conditional(JinjaExpression, condition: JinjaExpression, otherwise: JinjaExpression?)
}
