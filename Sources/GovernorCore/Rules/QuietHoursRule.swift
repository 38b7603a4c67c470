import Foundation

/// Is it inside quiet hours on the recipient's clock, and if so, when do they end?
struct QuietHoursRule: Sendable {
  let quietHours: QuietHours

  func check(at instant: Date, _ timeline: Timeline) -> Finding? {
    guard let until = end(at: instant, timeline) else { return nil }
    return .quietHours(
      QuietHoursFinding(
        localTime: timeline.localTime(at: instant), zone: timeline.zone.identifier,
        start: quietHours.start, end: quietHours.end, until: until))
  }

  func hold(at instant: Date, _ timeline: Timeline) -> Hold {
    end(at: instant, timeline).map { .until($0) } ?? .passes
  }

  /// When the quiet hours holding `instant` end; nil when `instant` is outside them.
  private func end(at instant: Date, _ timeline: Timeline) -> Date? {
    let local = timeline.localTime(at: instant)
    let zone = timeline.zone
    guard quietHours.contains(secondOfDay: local.secondOfDay) else { return nil }
    let endSecond = quietHours.end.secondOfDay
    let endDate = endSecond > local.secondOfDay ? local.date : local.date.addingDays(1)
    return zone.instant(of: LocalTime(date: endDate, secondOfDay: endSecond))
  }
}
