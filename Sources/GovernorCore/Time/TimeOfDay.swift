/// A wall-clock time of day written `HH:MM` (24-hour), as quiet hours are.
public struct TimeOfDay: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// Minutes since midnight, 0...1440 (24:00 is allowed as an end).
  public let minutes: Int

  public init(hour: Int, minute: Int) {
    minutes = hour * 60 + minute
  }

  public init?(parsing text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
      let hour = Int(parts[0]), let minute = Int(parts[1]),
      (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0
    else { return nil }
    self.init(hour: hour, minute: minute)
  }

  public var secondOfDay: Int { minutes * 60 }

  public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }

  public var description: String {
    "\(Self.twoDigits(minutes / 60)):\(Self.twoDigits(minutes % 60))"
  }

  static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
