/// A length of time written as in policies: `45s`, `30m`, `16h`, `7d`, `2w`, `6mo`, `2y`, or a
/// sum such as `1h30m`.
///
/// Months and years are calendar units (a consent "expires after 6 months" on the same day
/// six months later), so they are kept apart from the fixed seconds.
public struct TimeSpan: Hashable, Sendable, CustomStringConvertible {
  public var months: Int
  public var seconds: Int

  public init(months: Int = 0, seconds: Int = 0) {
    self.months = months
    self.seconds = seconds
  }

  public static func hours(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 3600) }
  public static func days(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 86_400) }

  public var isZero: Bool { months == 0 && seconds == 0 }
  public var isFixed: Bool { months == 0 }

  static let units: [(suffix: String, months: Int, seconds: Int)] = [
    ("mo", 1, 0), ("y", 12, 0), ("w", 0, 604_800), ("d", 0, 86_400), ("h", 0, 3600),
    ("m", 0, 60), ("s", 0, 1),
  ]

  /// Parses the policy syntax; nil when the text is not a span.
  public init?(parsing text: String) {
    var months = 0
    var seconds = 0
    var rest = Substring(text.trimmingWhitespace())
    guard !rest.isEmpty else { return nil }
    while !rest.isEmpty {
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      guard !digits.isEmpty, let amount = Int(digits) else { return nil }
      rest = rest.dropFirst(digits.count)
      guard let unit = Self.units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
      rest = rest.dropFirst(unit.suffix.count)
      months += amount * unit.months
      seconds += amount * unit.seconds
    }
    self.init(months: months, seconds: seconds)
  }

  /// For sentences: "7 days", "16 hours", "90 minutes".
  public var spoken: String {
    guard months == 0 else { return description }
    for (unit, size) in [("day", 86_400), ("hour", 3600), ("minute", 60)]
    where seconds % size == 0 && seconds >= size {
      let count = seconds / size
      return "\(count) \(unit)\(count == 1 ? "" : "s")"
    }
    return "\(seconds) second\(seconds == 1 ? "" : "s")"
  }

  public var description: String {
    var parts = ""
    if months > 0 { parts += months % 12 == 0 ? "\(months / 12)y" : "\(months)mo" }
    var rest = seconds
    // Weeks are read, never written: "7d" stays "7d".
    for (suffix, _, size) in Self.units where size > 0 && size != 604_800 {
      if rest >= size {
        parts += "\(rest / size)\(suffix)"
        rest %= size
      }
    }
    return parts.isEmpty ? "0s" : parts
  }
}
