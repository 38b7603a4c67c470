/// The customer's own choice of how often they may be mailed ("at most one a week").
/// The engine enforces it as one more cap.
public struct FrequencyPreference: Hashable, Sendable {
  public var max: Int
  public var window: CapWindow

  public init(max: Int, window: CapWindow) {
    self.max = max
    self.window = window
  }
}

extension FrequencyPreference: Codable {
  enum CodingKeys: String, CodingKey { case max, within, per }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    max = try container.decode(Int.self, forKey: .max)
    guard max >= 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .max, in: container, debugDescription: "max must be 0 or more")
    }
    if let within = try container.decodeIfPresent(String.self, forKey: .within) {
      guard let span = TimeSpan(parsing: within), span.isFixed, span.seconds > 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .within, in: container,
          debugDescription: "'\(within)' is not a fixed span such as 7d or 16h")
      }
      window = .rolling(seconds: span.seconds)
    } else {
      let per = try container.decode(String.self, forKey: .per)
      guard let unit = CalendarUnit(rawValue: per) else {
        throw DecodingError.dataCorruptedError(
          forKey: .per, in: container, debugDescription: "per must be day, week or month")
      }
      window = .calendar(unit)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(max, forKey: .max)
    switch window {
    case .rolling(let seconds):
      try container.encode(TimeSpan(seconds: seconds).description, forKey: .within)
    case .calendar(let unit): try container.encode(unit.rawValue, forKey: .per)
    }
  }
}
