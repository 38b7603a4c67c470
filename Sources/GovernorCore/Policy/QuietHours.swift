/// Hours in the recipient's time zone in which no capped mail is delivered. `start` after
/// `end` crosses midnight (21:00–08:00).
public struct QuietHours: Hashable, Sendable {
  public var start: TimeOfDay
  public var end: TimeOfDay
  public var action: HoldAction
  public var categories: [String]
  public var ruleId: String { Self.ruleId }
  public static let ruleId = "quiet_hours"

  /// Whether the wall-clock second `secondOfDay` falls in the quiet hours.
  public func contains(secondOfDay: Int) -> Bool {
    let from = start.secondOfDay
    let until = end.secondOfDay
    if from < until { return secondOfDay >= from && secondOfDay < until }
    return secondOfDay >= from || secondOfDay < until
  }
}
