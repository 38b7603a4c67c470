import Foundation
import GovernorCore
import Testing

@Suite("Time")
struct TimeTests {
  @Test("civil dates round-trip through day numbers, across leap years and centuries")
  func civilRoundTrip() {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    // From 1583: before October 1582 Foundation switches to the Julian calendar, ISO 8601 does not.
    for days in stride(from: -140_000, through: 800_000, by: 997) {
      let date = CivilDate(daysSinceEpoch: days)
      #expect(date.daysSinceEpoch == days)
      let components = calendar.dateComponents(
        [.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
      #expect(
        date.year == components.year && date.month == components.month && date.day == components.day
      )
      // Foundation counts Sunday as 1; ISO counts Monday as 1.
      #expect(date.isoWeekday == ((components.weekday ?? 1) + 5) % 7 + 1)
    }
  }

  @Test("adding months clamps to the month's last day")
  func addingMonths() {
    #expect(
      CivilDate(year: 2026, month: 8, day: 31).addingMonths(6)
        == CivilDate(year: 2027, month: 2, day: 28))
    #expect(
      CivilDate(year: 2027, month: 8, day: 31).addingMonths(6)
        == CivilDate(year: 2028, month: 2, day: 29))
    #expect(
      CivilDate(year: 2026, month: 1, day: 15).addingMonths(-1)
        == CivilDate(year: 2025, month: 12, day: 15))
    #expect(
      CivilDate(year: 2024, month: 2, day: 29).addingMonths(24)
        == CivilDate(year: 2026, month: 2, day: 28))
  }

  @Test(
    "zone offsets agree with Foundation's at many instants",
    arguments: [
      "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Apia",
      "Europe/Moscow", "America/Sao_Paulo", "UTC",
    ])
  func offsetsMatchFoundation(identifier: String) {
    let ours = zone(identifier)
    let theirs = TimeZone(identifier: identifier)!
    var instant = -200_000_000.0
    while instant < 4_200_000_000 {
      let date = Date(timeIntervalSince1970: instant)
      #expect(ours.offset(at: date) == theirs.secondsFromGMT(for: date), "\(identifier) at \(date)")
      instant += 86_400 * 3.7 + 3_601
    }
  }

  @Test("a wall-clock time skipped by spring forward resolves past the gap")
  func gap() {
    let madrid = zone("Europe/Madrid")
    let skipped = LocalTime(
      date: CivilDate(year: 2026, month: 3, day: 29), secondOfDay: 2 * 3600 + 1800)
    #expect(madrid.instant(of: skipped) == time("2026-03-29T01:30:00Z"))
    #expect(madrid.localTime(at: time("2026-03-29T01:30:00Z")).description == "2026-03-29T03:30:00")
  }

  @Test("a wall-clock time repeated by fall back resolves to its first occurrence")
  func fold() {
    let newYork = zone("America/New_York")
    let repeated = LocalTime(
      date: CivilDate(year: 2026, month: 11, day: 1), secondOfDay: 3600 + 1800)
    #expect(newYork.instant(of: repeated) == time("2026-11-01T05:30:00Z"))
  }

  @Test("unknown zones are refused")
  func unknownZone() {
    #expect(Zone(identifier: "Mars/Olympus_Mons") == nil)
  }

  @Test(
    "durations parse as policies write them and print back the same way",
    arguments: [
      ("16h", 0, 57_600, "16h"), ("7d", 0, 604_800, "7d"), ("2w", 0, 1_209_600, "14d"),
      ("1h30m", 0, 5_400, "1h30m"), ("6mo", 6, 0, "6mo"), ("2y", 24, 0, "2y"),
      ("45s", 0, 45, "45s"),
    ])
  func spans(text: String, months: Int, seconds: Int, printed: String) throws {
    let span = try #require(TimeSpan(parsing: text))
    #expect(span == TimeSpan(months: months, seconds: seconds))
    #expect(span.description == printed)
  }

  @Test(
    "malformed durations are refused", arguments: ["", "7", "d", "7 d", "7days", "1.5h", "-1d"])
  func badSpans(text: String) {
    #expect(TimeSpan(parsing: text) == nil)
  }

  @Test(
    "times of day parse as HH:MM, 24:00 allowed as an end",
    arguments: [
      ("21:00", 1260), ("08:00", 480), ("00:00", 0), ("24:00", 1440), ("23:59", 1439),
    ])
  func timesOfDay(text: String, minutes: Int) {
    #expect(TimeOfDay(parsing: text)?.minutes == minutes)
  }

  @Test("bad times of day are refused", arguments: ["24:01", "8:00", "21:60", "2100", "noon"])
  func badTimesOfDay(text: String) {
    #expect(TimeOfDay(parsing: text) == nil)
  }
}
