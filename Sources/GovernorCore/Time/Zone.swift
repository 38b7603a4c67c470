import Foundation
import Synchronization

/// An IANA time zone (e.g. `Europe/Madrid`) with fast local-time conversions.
///
/// Equal identifiers share one `ZoneRules` table for the life of the process.
public struct Zone: Hashable, Sendable, CustomStringConvertible {
  /// The only stored property, so copying a zone is one retain.
  let rules: ZoneRules

  public var identifier: String { rules.identifier }

  private static let cache = Mutex<[String: ZoneRules]>([:])

  /// Nil when the identifier is not a known time zone.
  public init?(identifier: String) {
    if let rules = Zone.cache.withLock({ $0[identifier] }) {
      self.rules = rules
      return
    }
    guard let timeZone = TimeZone(identifier: identifier) else { return nil }
    let rules = ZoneRules(identifier: identifier, timeZone: timeZone)
    self.rules = Zone.cache.withLock { cache in
      if let existing = cache[identifier] { return existing }
      cache[identifier] = rules
      return rules
    }
  }

  public static let utc = Zone(identifier: "UTC")!

  public static func == (lhs: Zone, rhs: Zone) -> Bool {
    lhs.rules === rhs.rules || lhs.identifier == rhs.identifier
  }
  public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
  public var description: String { identifier }

  /// Seconds east of UTC at `instant`.
  public func offset(at instant: Date) -> Int {
    rules.offset(at: instant.timeIntervalSince1970)
  }

  /// The wall-clock date and time at `instant`.
  public func localTime(at instant: Date) -> LocalTime {
    let unix = instant.timeIntervalSince1970
    let local = Int(unix.rounded(.down)) + rules.offset(at: unix)
    let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    return LocalTime(date: CivilDate(daysSinceEpoch: days), secondOfDay: local - days * 86_400)
  }

  /// The instant at which the wall clock shows `local`.
  ///
  /// A time skipped by a forward DST change resolves to the same distance past the change
  /// (02:30 on a spring-forward night is 03:30); a repeated time resolves to its first
  /// occurrence. Both follow RFC 5545 and java.time.
  public func instant(of local: LocalTime) -> Date {
    let wall = Double(local.date.daysSinceEpoch * 86_400 + local.secondOfDay)
    // Offsets change at most a few times a year, so a day either side brackets any change.
    let before = rules.offset(at: wall - 86_400)
    let after = rules.offset(at: wall + 86_400)
    let withBefore = wall - Double(before)
    if rules.offset(at: withBefore) == before { return Date(timeIntervalSince1970: withBefore) }
    let withAfter = wall - Double(after)
    if rules.offset(at: withAfter) == after { return Date(timeIntervalSince1970: withAfter) }
    return Date(timeIntervalSince1970: withBefore)
  }

  /// The first instant of `date` in this zone.
  public func startOfDay(_ date: CivilDate) -> Date {
    instant(of: LocalTime(date: date, secondOfDay: 0))
  }
}

/// A wall-clock date and time, with no zone attached.
public struct LocalTime: Hashable, Sendable, CustomStringConvertible {
  public var date: CivilDate
  /// Seconds since local midnight, 0..<86_400.
  public var secondOfDay: Int

  public init(date: CivilDate, secondOfDay: Int) {
    self.date = date
    self.secondOfDay = secondOfDay
  }

  public var description: String {
    let hour = secondOfDay / 3600
    let minute = secondOfDay / 60 % 60
    let second = secondOfDay % 60
    return "\(date)T\(TimeOfDay.twoDigits(hour)):\(TimeOfDay.twoDigits(minute)):"
      + TimeOfDay.twoDigits(second)
  }
}
