import Foundation

/// Is it inside quiet hours on the recipient's clock, and if so, when do they end?
struct QuietHoursRule: Sendable {
  let quietHours: QuietHours

  func check(at instant: Date, zone: Zone) -> Finding? {
    let local = zone.localTime(at: instant)
    guard quietHours.contains(secondOfDay: local.secondOfDay) else { return nil }
    let endSecond = quietHours.end.secondOfDay
    let endDate = endSecond > local.secondOfDay ? local.date : local.date.addingDays(1)
    let until = zone.instant(of: LocalTime(date: endDate, secondOfDay: endSecond))
    return .quietHours(
      QuietHoursFinding(
        localTime: local, zone: zone.identifier, start: quietHours.start, end: quietHours.end,
        until: until))
  }

  func hold(at instant: Date, zone: Zone) -> Hold {
    guard let finding = check(at: instant, zone: zone) else { return .passes }
    return finding.passesAt.map { .until($0) } ?? .never
  }
}
