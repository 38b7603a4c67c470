import Foundation

/// The customer's recent sends as the time-based rules read them: times in order, each with
/// a bit per policy category, and the customer's clock.
///
/// Categories become bits once per decision, so each cap tests its scope with one AND
/// instead of comparing category names send by send.
struct Timeline {
  let zone: Zone
  let weekStart: Int
  private(set) var times: [Date] = []
  private(set) var masks: [UInt64] = []

  init(
    sends: SendHistory, since start: Date, zone: Zone, weekStart: Int,
    bit: (String) -> UInt64
  ) {
    self.zone = zone
    self.weekStart = weekStart
    let first = sends.firstIndex(atOrAfter: start)
    times.reserveCapacity(sends.count - first)
    masks.reserveCapacity(sends.count - first)
    for index in first..<sends.count {
      times.append(sends[index].at)
      masks.append(bit(sends[index].category))
    }
  }

  /// Index of the first send strictly after `instant`.
  func firstIndex(after instant: Date) -> Int {
    var low = 0
    var high = times.count
    while low < high {
      let middle = (low + high) >> 1
      if times[middle] <= instant { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// Index of the first send at or after `instant`.
  func firstIndex(atOrAfter instant: Date) -> Int {
    var low = 0
    var high = times.count
    while low < high {
      let middle = (low + high) >> 1
      if times[middle] < instant { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The calendar day, week or month containing `instant`, in the customer's time zone.
  func period(_ unit: CalendarUnit, containing instant: Date) -> (start: Date, end: Date) {
    let date = zone.localTime(at: instant).date
    let first: CivilDate
    let next: CivilDate
    switch unit {
    case .day:
      first = date
      next = date.addingDays(1)
    case .week:
      first = date.addingDays(-((date.isoWeekday - weekStart + 7) % 7))
      next = first.addingDays(7)
    case .month:
      first = CivilDate(year: date.year, month: date.month, day: 1)
      next = first.addingMonths(1)
    }
    return (zone.startOfDay(first), zone.startOfDay(next))
  }

  /// How far back any window of this kind can reach from now.
  static func lookback(_ window: CapWindow) -> TimeInterval {
    switch window {
    case .rolling(let seconds): return TimeInterval(seconds)
    // A local period starts at most its length plus a day of UTC offset before now.
    case .calendar(.day): return 2 * 86_400
    case .calendar(.week): return 8 * 86_400
    case .calendar(.month): return 32 * 86_400
    }
  }
}

/// Whether a time-based rule lets a message go at a given instant.
enum Hold: Equatable {
  case passes
  case until(Date)
  case never
}
