#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds since 1970 for OpenAI's `created` fields (this module does not import Foundation).
enum UnixTime {
    static func now() -> Int { Int(time(nil)) }
}
