import Foundation

/// A calendar date in the proleptic Gregorian calendar, counted as days since 1970-01-01.
///
/// Written by hand rather than through `Calendar`: `Calendar` costs ~0.4 µs per component on
/// Linux, and the engine's budget is ~1 µs for a whole decision. The conversions are Howard
/// Hinnant's `days_from_civil` / `civil_from_days` algorithms.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let year: Int
  public let month: Int
  public let day: Int
  /// Kept alongside the fields: the engine needs both, and converting costs a division chain.
  public let daysSinceEpoch: Int

  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
    daysSinceEpoch = Self.days(year: year, month: month, day: day)
  }

  /// The UTC day `date` falls on: the day the delivery counts and the brakes are kept by.
  public init(utcDayOf date: Date) {
    self.init(daysSinceEpoch: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
  }

  /// Midnight UTC at the start of this day.
  public var startInUTC: Date {
    Date(timeIntervalSince1970: TimeInterval(daysSinceEpoch) * 86_400)
  }

  public init(daysSinceEpoch days: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153
    day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    daysSinceEpoch = days
  }

  private static func days(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let shiftedMonth = month > 2 ? month - 3 : month + 9
    let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// ISO weekday: Monday is 1, Sunday is 7.
  public var isoWeekday: Int {
    let days = daysSinceEpoch
    // 1970-01-01 was a Thursday (ISO 4).
    return ((days % 7) + 7 + 3) % 7 + 1
  }

  /// The same day of the month `months` later, clamped to the month's last day (31 Jan + 1 month
  /// is 28 or 29 Feb), which is how consent lifetimes such as "6 months" are read in law.
  public func addingMonths(_ months: Int) -> CivilDate {
    let zeroBased = year * 12 + (month - 1) + months
    let newYear = zeroBased >= 0 ? zeroBased / 12 : (zeroBased - 11) / 12
    let newMonth = zeroBased - newYear * 12 + 1
    return CivilDate(
      year: newYear, month: newMonth,
      day: min(day, CivilDate.daysIn(month: newMonth, year: newYear))
    )
  }

  public func addingDays(_ days: Int) -> CivilDate {
    CivilDate(daysSinceEpoch: daysSinceEpoch + days)
  }

  public static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  public static func isLeap(_ year: Int) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
    lhs.daysSinceEpoch < rhs.daysSinceEpoch
  }

  public static func == (lhs: CivilDate, rhs: CivilDate) -> Bool {
    lhs.daysSinceEpoch == rhs.daysSinceEpoch
  }

  public func hash(into hasher: inout Hasher) { hasher.combine(daysSinceEpoch) }

  public var description: String {
    let y = String(year)
    let m = month < 10 ? "0\(month)" : "\(month)"
    let d = day < 10 ? "0\(day)" : "\(day)"
    return "\(y)-\(m)-\(d)"
  }
}

extension CivilDate {
  /// `yyyy-MM-dd`, a real day of the calendar; nil otherwise.
  public init?(iso text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
      (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day)
    else { return nil }
    self.init(year: year, month: month, day: day)
  }
}
