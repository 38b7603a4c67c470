/// A calendar period in the recipient's time zone.
public enum CalendarUnit: String, Hashable, Sendable, CaseIterable {
  case day
  case week
  case month
}

/// The span over which sends are counted: a rolling window that ends now (`7d`: the last
/// 7 × 24 hours), or the current calendar day, week or month in the recipient's time zone.
public enum CapWindow: Hashable, Sendable, CustomStringConvertible {
  case rolling(seconds: Int)
  case calendar(CalendarUnit)

  public var description: String {
    switch self {
    case .rolling(let seconds): return TimeSpan(seconds: seconds).description
    case .calendar(let unit): return unit.rawValue
    }
  }

  /// How a marketer reads it: "in the last 7 days", "this calendar week".
  public var phrase: String {
    switch self {
    case .rolling(let seconds): return "in the last \(TimeSpan(seconds: seconds).spoken)"
    case .calendar(let unit): return "this calendar \(unit.rawValue)"
    }
  }
}
