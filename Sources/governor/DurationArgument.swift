import ArgumentParser
import Foundation
import GovernorCore

/// A positive fixed duration on the command line (`15m`, `7d`), in seconds.
enum DurationArgument {
  static func seconds(_ text: String, option: String, example: String) throws -> TimeInterval {
    guard let span = TimeSpan(parsing: text), span.isFixed, span.seconds > 0 else {
      throw ValidationError("\(option): '\(text)' is not a duration like \(example)")
    }
    return TimeInterval(span.seconds)
  }
}
