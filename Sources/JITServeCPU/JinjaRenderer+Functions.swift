import Foundation
import JITServeEngine

extension JinjaRenderer {
    /// Global functions (`raise_exception`, `strftime_now`, `namespace`, `range`, `dict`) and
    /// the string and dict methods chat templates call.
    func call(_ function: JinjaValue, arguments: [JinjaValue], keywords: [(String, JinjaValue)]) throws -> JinjaValue {
        guard case .function(let name, let receiver) = function else {
            throw Self.fail("\(function.typeName) is not callable")
        }
        func argument(_ index: Int) -> JinjaValue? { index < arguments.count ? arguments[index] : nil }
        if let receiver { return try Self.method(name, of: receiver, arguments: arguments) }
        switch name {
        case "raise_exception":
            throw CPUError.chatTemplateFailed(reason: argument(0)?.pythonString ?? "raise_exception() called")
        case "strftime_now":
            guard case .string(let format)? = argument(0) else { throw Self.fail("strftime_now needs a format string") }
            return .text(Self.strftimeNow(format.text))
        case "namespace":
            let namespace = JinjaNamespace()
            if case .dictionary(let initial)? = argument(0) {
                for key in initial.keys { namespace.attributes[key] = initial[key] }
            }
            for (key, value) in keywords { namespace.attributes[key] = value }
            return .namespace(namespace)
        case "dict":
            return .dictionary(JinjaDictionary(keywords))
        case "range":
            let bounds = try arguments.map { value -> Int in
                guard case .integer(let i) = value else { throw Self.fail("range() needs integers") }
                return i
            }
            let (start, stop, step) = bounds.count == 1 ? (0, bounds[0], 1)
                : (bounds.first ?? 0, bounds.count > 1 ? bounds[1] : 0, bounds.count > 2 ? bounds[2] : 1)
            guard step != 0, abs(stop - start) / abs(step) <= 100_000 else { throw Self.fail("range() too long or step 0") }
            return .list(Swift.stride(from: start, to: stop, by: step).map { .integer($0) })
        default:
            throw Self.fail("unknown function \(name)()")
        }
    }

    static func strftimeNow(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 256)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func method(_ name: String, of receiver: JinjaValue, arguments: [JinjaValue]) throws -> JinjaValue {
        func stringArgument(_ index: Int) -> String? {
            if index < arguments.count, case .string(let s) = arguments[index] { return s.text }
            return nil
        }
        switch receiver {
        case .dictionary(let dictionary):
            switch name {
            case "items": return .list(dictionary.keys.map { .list([.text($0), dictionary[$0]!]) })
            case "keys": return .list(dictionary.keys.map { .text($0) })
            case "values": return .list(dictionary.keys.map { dictionary[$0]! })
            default:  // get
                guard let key = arguments.first else { throw fail("get() needs a key") }
                return dictionary[key.pythonString] ?? (arguments.count > 1 ? arguments[1] : .none)
            }
        case .string(let text):
            switch name {
            case "strip", "lstrip", "rstrip":
                let characters = stringArgument(0).map { Set($0) }
                return .string(trim(text, leading: name != "rstrip", trailing: name != "lstrip", characters: characters))
            case "split":
                let parts: [String]
                if let separator = stringArgument(0) {
                    parts = text.text.components(separatedBy: separator)
                } else {
                    parts = text.text.split(whereSeparator: \.isWhitespace).map(String.init)
                }
                return .list(parts.map { JinjaValue.derivedString($0, from: receiver) })
            case "startswith", "endswith":
                var candidates: [String] = []
                if case .list(let items)? = arguments.first { candidates = items.map(\.pythonString) }
                if let single = stringArgument(0) { candidates = [single] }
                let found = candidates.contains { name == "startswith" ? text.text.hasPrefix($0) : text.text.hasSuffix($0) }
                return .bool(found)
            case "lower", "upper", "title", "capitalize":
                return .derivedString(caseChanged(text.text, name), from: receiver)
            case "replace":
                guard let old = stringArgument(0), let new = stringArgument(1) else {
                    throw fail("replace() needs two strings")
                }
                return .derivedString(
                    text.text.replacingOccurrences(of: old, with: new), from: receiver, arguments[1])
            case "find":
                guard let needle = stringArgument(0) else { throw fail("find() needs a string") }
                guard let range = text.text.range(of: needle) else { return .integer(-1) }
                return .integer(text.text.distance(from: text.text.startIndex, to: range.lowerBound))
            case "count":
                guard let needle = stringArgument(0), !needle.isEmpty else { throw fail("count() needs a string") }
                return .integer(text.text.components(separatedBy: needle).count - 1)
            default:  // join
                guard let items = arguments.first else { throw fail("join() needs a list") }
                return try joined(try iterate(items), separator: text)
            }
        default:
            throw fail("\(receiver.typeName) has no method \(name)")
        }
    }

    static func caseChanged(_ text: String, _ how: String) -> String {
        switch how {
        case "lower": return text.lowercased()
        case "upper": return text.uppercased()
        case "title": return text.capitalized
        default: return text.prefix(1).uppercased() + text.dropFirst().lowercased()
        }
    }

    /// Strips whitespace (or `characters`) from either end, keeping each character's origin.
    static func trim(_ text: PromptText, leading: Bool, trailing: Bool, characters: Set<Character>? = nil) -> PromptText {
        func strips(_ c: Character) -> Bool { characters.map { $0.contains(c) } ?? c.isWhitespace }
        var segments = text.segments
        if leading {
            while let first = segments.first {
                let kept = String(first.text.drop(while: strips))
                if kept.isEmpty {
                    segments.removeFirst()
                } else {
                    segments[0].text = kept
                    break
                }
            }
        }
        if trailing {
            while let last = segments.last {
                var kept = Substring(last.text)
                while let c = kept.last, strips(c) { kept = kept.dropLast() }
                if kept.isEmpty {
                    segments.removeLast()
                } else {
                    segments[segments.count - 1].text = String(kept)
                    break
                }
            }
        }
        return PromptText(segments)
    }

    static func joined(_ items: [JinjaValue], separator: PromptText) throws -> JinjaValue {
        var result = PromptText()
        for (index, item) in items.enumerated() {
            if index > 0 { for s in separator.segments { result.append(s.text, origin: s.origin) } }
            for s in item.printed.segments { result.append(s.text, origin: s.origin) }
        }
        return .string(result)
    }
}
