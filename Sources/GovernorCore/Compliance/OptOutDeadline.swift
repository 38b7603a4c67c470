import Foundation

/// How long a rule or law gives a sender to stop mailing someone who opted out.
public enum OptOutDeadline: String, Hashable, Sendable, CaseIterable {
  /// GDPR Art. 21(3): after an objection to direct marketing the data "shall no longer be
  /// processed for such purposes" — at once.
  case gdpr
  /// Gmail's and Yahoo's bulk-sender rules (2024): honour an unsubscribe within 2 days.
  case gmailYahoo = "gmail_yahoo"
  /// CAN-SPAM, 15 U.S.C. 7704(a)(4): within 10 business days (US federal holidays).
  case canSpam = "can_spam"
  /// CASL, s. 11(3): within 10 business days (Canada's federal holidays).
  case casl

  public var title: String {
    switch self {
    case .gdpr: return "GDPR Art. 21(3): at once"
    case .gmailYahoo: return "Gmail/Yahoo: 2 days"
    case .canSpam: return "CAN-SPAM: 10 business days"
    case .casl: return "CASL: 10 business days"
    }
  }

  /// The country whose holidays its business days skip.
  public var country: String? {
    switch self {
    case .canSpam: return "US"
    case .casl: return "CA"
    case .gdpr, .gmailYahoo: return nil
    }
  }

  /// The last instant a send may still go after an opt-out at `optedOut`: the end of the 10th
  /// business day after the opt-out's day (UTC) for the business-day laws. Nil when the
  /// country's calendar is missing or does not cover the days counted.
  public func deadline(after optedOut: Date, calendars: [HolidayCalendar]) -> Date? {
    switch self {
    case .gdpr: return optedOut
    case .gmailYahoo: return optedOut.addingTimeInterval(2 * 86_400)
    case .canSpam, .casl:
      guard let calendar = calendars.first(where: { $0.country == country }),
        let covered = calendar.covers
      else { return nil }
      var day = CivilDate(utcDayOf: optedOut)
      var counted = 0
      while counted < 10 {
        day = day.addingDays(1)
        guard covered.contains(day) else { return nil }
        if calendar.isBusinessDay(day) { counted += 1 }
      }
      return day.addingDays(1).startInUTC
    }
  }
}
