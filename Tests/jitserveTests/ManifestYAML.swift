/// The YAML the Kubernetes manifests are written in, read by a small parser: block mappings and
/// sequences by indentation, plain and quoted scalars, `#` comments, `---` between documents.
/// Anything else (flow collections, anchors, block scalars) is an error, so the manifests stay
/// within what this test can check.
indirect enum ManifestYAML: Equatable {
    case scalar(String)
    case mapping([(key: String, value: ManifestYAML)])
    case sequence([ManifestYAML])
    case empty

    static func == (lhs: ManifestYAML, rhs: ManifestYAML) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): a == b
        case (.sequence(let a), .sequence(let b)): a == b
        case (.empty, .empty): true
        case (.mapping(let a), .mapping(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    subscript(key: String) -> ManifestYAML? {
        if case .mapping(let pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// A path of keys and indices: `["spec", "template", "spec", "containers", 0]`.
    subscript(path: [any PathComponent]) -> ManifestYAML? {
        var node: ManifestYAML? = self
        for component in path { node = node.flatMap { component.step($0) } }
        return node
    }

    var string: String? { if case .scalar(let s) = self { return s } else { return nil } }
    var int: Int? { string.flatMap { Int($0) } }
    var items: [ManifestYAML] { if case .sequence(let list) = self { return list } else { return [] } }
    var strings: [String] { items.compactMap(\.string) }

    /// Every document of a multi-document file.
    static func documents(_ text: String) throws -> [ManifestYAML] {
        var documents: [[Line]] = [[]]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.hasPrefix("---") {
                documents.append([])
                continue
            }
            guard let line = Line(raw, number: number + 1) else { continue }
            documents[documents.count - 1].append(line)
        }
        return try documents.filter { !$0.isEmpty }.map { lines in
            var reader = Reader(lines: lines)
            let node = try reader.node(indent: lines[0].indent)
            if reader.index < lines.count {
                throw ParseError(line: lines[reader.index].number, reason: "unexpected indentation")
            }
            return node
        }
    }

    struct Line {
        var indent: Int
        var content: String
        var number: Int

        init?(_ raw: Substring, number: Int) {
            let indent = raw.prefix { $0 == " " }.count
            var content = String(raw.dropFirst(indent))
            if content.hasPrefix("#") { return nil }
            // A trailing comment, outside quotes.
            var inQuotes = false
            var previous: Character = " "
            for (offset, character) in content.enumerated() {
                if character == "\"" { inQuotes.toggle() }
                if character == "#", !inQuotes, previous == " " {
                    content = String(content.prefix(offset))
                    break
                }
                previous = character
            }
            while content.last == " " { content.removeLast() }
            guard !content.isEmpty else { return nil }
            self.indent = indent
            self.content = content
            self.number = number
        }

        init(indent: Int, content: String, number: Int) {
            self.indent = indent
            self.content = content
            self.number = number
        }
    }

    struct Reader {
        var lines: [Line]
        var index = 0

        mutating func node(indent: Int) throws -> ManifestYAML {
            guard index < lines.count, lines[index].indent == indent else { return .empty }
            return lines[index].isItem ? try sequence(indent: indent) : try mapping(indent: indent)
        }

        mutating func sequence(indent: Int) throws -> ManifestYAML {
            var items: [ManifestYAML] = []
            while index < lines.count, lines[index].indent == indent, lines[index].isItem {
                let line = lines[index]
                let rest = String(line.content.dropFirst(1).drop { $0 == " " })
                if rest.isEmpty {
                    index += 1
                    items.append(index < lines.count && lines[index].indent > indent ? try node(indent: lines[index].indent) : .empty)
                } else if rest.isMappingEntry {
                    // "- key: value" opens a mapping whose keys line up with `key`.
                    lines[index] = Line(indent: indent + 2, content: rest, number: line.number)
                    items.append(try mapping(indent: indent + 2))
                } else {
                    index += 1
                    items.append(.scalar(try Self.scalar(rest, line: line.number)))
                }
            }
            return .sequence(items)
        }

        mutating func mapping(indent: Int) throws -> ManifestYAML {
            var pairs: [(key: String, value: ManifestYAML)] = []
            while index < lines.count, lines[index].indent == indent, !lines[index].isItem {
                let line = lines[index]
                guard let colon = line.content.mappingColon else {
                    throw ParseError(line: line.number, reason: "expected 'key: value', got '\(line.content)'")
                }
                let key = try Self.scalar(String(line.content[..<colon]), line: line.number)
                let value = String(line.content[line.content.index(after: colon)...].drop { $0 == " " })
                index += 1
                if !value.isEmpty {
                    pairs.append((key, .scalar(try Self.scalar(value, line: line.number))))
                } else if index < lines.count, lines[index].indent > indent {
                    pairs.append((key, try node(indent: lines[index].indent)))
                } else if index < lines.count, lines[index].indent == indent, lines[index].isItem {
                    pairs.append((key, try sequence(indent: indent)))
                } else {
                    pairs.append((key, .empty))
                }
            }
            return .mapping(pairs)
        }

        static func scalar(_ text: String, line: Int) throws -> String {
            if text.hasPrefix("\"") {
                guard text.count >= 2, text.hasSuffix("\"") else { throw ParseError(line: line, reason: "unterminated quote") }
                return String(text.dropFirst().dropLast())
            }
            if let first = text.first, "[{&*|>!'".contains(first) {
                throw ParseError(line: line, reason: "'\(text)' uses YAML this parser does not read")
            }
            return text
        }
    }
}

protocol PathComponent {
    func step(_ node: ManifestYAML) -> ManifestYAML?
}

extension String: PathComponent {
    func step(_ node: ManifestYAML) -> ManifestYAML? { node[self] }
}

extension Int: PathComponent {
    func step(_ node: ManifestYAML) -> ManifestYAML? {
        let items = node.items
        return items.indices.contains(self) ? items[self] : nil
    }
}

extension ManifestYAML.Line {
    var isItem: Bool { content == "-" || content.hasPrefix("- ") }
}

extension String {
    /// The colon that ends a mapping key (`key: value` or `key:`), outside quotes.
    var mappingColon: String.Index? {
        var inQuotes = false
        for i in indices {
            if self[i] == "\"" { inQuotes.toggle() }
            guard self[i] == ":", !inQuotes else { continue }
            let next = index(after: i)
            if next == endIndex || self[next] == " " { return i }
        }
        return nil
    }

    var isMappingEntry: Bool { mappingColon != nil && !hasPrefix("\"") }
}
