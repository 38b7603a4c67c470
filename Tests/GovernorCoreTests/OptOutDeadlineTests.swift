import Foundation
import GovernorCore
import Testing

@Suite("Opt-out deadlines")
struct OptOutDeadlineTests {
  static func calendar(_ file: String) throws -> HolidayCalendar {
    let path = "policies/holidays/\(file).yaml"
    return try HolidayCalendar.load(repositoryFile(path), file: path).get()
  }

  @Test("each law's deadline: at once, 2 days, 10 business days past each country's holidays")
  func deadlines() throws {
    let calendars = [try Self.calendar("us-federal"), try Self.calendar("ca-federal")]
    // The day before Thanksgiving in the United States (not a holiday in Canada).
    let optedOut = time("2026-11-25T15:00:00Z")
    #expect(OptOutDeadline.gdpr.deadline(after: optedOut, calendars: calendars) == optedOut)
    #expect(
      OptOutDeadline.gmailYahoo.deadline(after: optedOut, calendars: calendars)
        == time("2026-11-27T15:00:00Z"))
    #expect(
      OptOutDeadline.canSpam.deadline(after: optedOut, calendars: calendars)
        == time("2026-12-11T00:00:00Z"))
    #expect(
      OptOutDeadline.casl.deadline(after: optedOut, calendars: calendars)
        == time("2026-12-10T00:00:00Z"))
    // Without a calendar, or past the years it lists, a business-day deadline is not guessed.
    #expect(OptOutDeadline.canSpam.deadline(after: optedOut, calendars: []) == nil)
    #expect(
      OptOutDeadline.casl.deadline(after: time("2027-12-28T12:00:00Z"), calendars: calendars)
        == nil)
  }

  @Test("the shipped calendars name their source and list only weekdays")
  func shippedCalendars() throws {
    for file in ["us-federal", "ca-federal"] {
      let calendar = try Self.calendar(file)
      #expect(calendar.source.hasPrefix("https://"))
      #expect(calendar.holidays.count >= 30)
      #expect(calendar.holidays.allSatisfy { $0.isoWeekday <= 5 })
    }
  }

  @Test("a bad calendar is located and named")
  func badCalendar() {
    let text = """
      name: test
      country: US
      holidays:
        - 2026-02-30
        - 2026-12-25
        - 2026-12-25
      """
    switch HolidayCalendar.load(Data(text.utf8), file: "h.yaml") {
    case .success: Issue.record("a bad calendar loaded")
    case .failure(let error):
      #expect(
        error.diagnostics.map(\.description) == [
          "h.yaml:1:1: the calendar needs 'source'",
          "h.yaml:4:5: holidays: '2026-02-30' is not a date such as 2026-12-25",
          "h.yaml:6:5: holidays: 2026-12-25 is listed twice",
        ])
    }
  }
}
