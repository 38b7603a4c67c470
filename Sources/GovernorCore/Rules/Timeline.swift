import Foundation

/// The customer's recent sends as the time-based rules read them: times in order, each with
/// a bit per policy category, and the customer's clock.
///
/// Categories become bits once per decision, so each cap tests its scope with one AND
/// instead of comparing category names send by send.
struct Timeline {
  let zone: Zone
  let weekStart: Int
  /// The history's own storage (no copy) and where the lookback starts in it.
  private let records: [SendRecord]
  private let base: Int
  private var masks: [UInt64] = []
  /// The decision's own instant and its wall-clock date, which every calendar cap and quiet
  /// hours start from.
  let now: Date
  let nowLocal: LocalTime
  var today: CivilDate { nowLocal.date }

  init(
    sends: SendHistory, since start: Date, now: Date, zone: Zone, weekStart: Int,
    bit: (String) -> UInt64
  ) {
    self.zone = zone
    self.weekStart = weekStart
    self.now = now
    nowLocal = zone.localTime(at: now)
    records = sends.records
    base = sends.firstIndex(atOrAfter: start)
    masks.reserveCapacity(records.count - base)
    for index in base..<records.count { masks.append(bit(records[index].category)) }
  }

  var count: Int { masks.count }
  func time(_ index: Int) -> Date { records[base + index].at }
  func mask(_ index: Int) -> UInt64 { masks[index] }
  func records(_ range: Range<Int>) -> ArraySlice<SendRecord> {
    records[(base + range.lowerBound)..<(base + range.upperBound)]
  }

  /// Index of the first send strictly after `instant`.
  func firstIndex(after instant: Date) -> Int {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) >> 1
      if time(middle) <= instant { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// Index of the first send at or after `instant`.
  func firstIndex(atOrAfter instant: Date) -> Int {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) >> 1
      if time(middle) < instant { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The customer's wall clock at `instant` (computed once for the decision's own instant).
  func localTime(at instant: Date) -> LocalTime {
    instant == now ? nowLocal : zone.localTime(at: instant)
  }

  /// The first day of the calendar day, week or month containing `instant`, on the
  /// customer's clock.
  func firstDay(of unit: CalendarUnit, containing instant: Date) -> CivilDate {
    let date = localTime(at: instant).date
    switch unit {
    case .day: return date
    case .week: return date.addingDays(-((date.isoWeekday - weekStart + 7) % 7))
    case .month: return CivilDate(year: date.year, month: date.month, day: 1)
    }
  }

  /// The first day of the period after the one starting on `first`.
  func nextFirstDay(of unit: CalendarUnit, after first: CivilDate) -> CivilDate {
    switch unit {
    case .day: return first.addingDays(1)
    case .week: return first.addingDays(7)
    case .month: return first.addingMonths(1)
    }
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
