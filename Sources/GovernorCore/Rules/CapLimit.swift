import Foundation

/// The counting behind a cap: how many sends in scope fall in the window at an instant, and
/// when a slot opens. A plain value with no names in it, so the customer's own preference can
/// be checked per decision without allocating.
struct CapLimit: Sendable {
  let limit: Cap.Limit
  let scope: UInt64
  /// Slots kept for the categories of `reserveScope`: 0 where the message's category may use
  /// the whole cap.
  var reserveSlots = 0
  var reserveScope: UInt64 = 0

  var lookback: TimeInterval {
    switch limit {
    case .count(_, let window): return Timeline.lookback(window)
    case .minimumGap(let seconds): return TimeInterval(seconds)
    }
  }

  /// Whether the cap lets a message go at `instant`; allocation-free, because the search
  /// for the earliest time every rule passes calls it repeatedly.
  func hold(at instant: Date, _ timeline: Timeline) -> Hold {
    switch limit {
    case .count(let allowed, let window):
      let range = sends(in: window, at: instant, timeline)
      guard reserveSlots > 0 else {
        return plainHold(allowed: allowed, window: window, range: range, timeline)
      }
      var usage = usage(of: range.indices, timeline)
      guard usage.taken >= allowed else { return .passes }
      guard allowed > reserveSlots else { return .never }
      switch window {
      case .rolling(let seconds):
        // The slot opens when enough of the oldest have left and the reserved slots they
        // held have returned to the reserve.
        for index in range.indices {
          let mask = timeline.mask(index)
          guard mask & scope != 0 else { continue }
          usage.leave(reserved: mask & reserveScope != 0, slots: reserveSlots)
          if usage.taken < allowed {
            return .until(timeline.time(index).addingTimeInterval(TimeInterval(seconds)))
          }
        }
        return .passes
      case .calendar(let unit):
        let next = timeline.nextFirstDay(of: unit, after: range.firstDay)
        return .until(timeline.zone.startOfDay(next))
      }
    case .minimumGap(let seconds):
      guard let last = latestSend(timeline) else { return .passes }
      let nextAt = last.addingTimeInterval(TimeInterval(seconds))
      return nextAt > instant ? .until(nextAt) : .passes
    }
  }

  /// `hold` for a cap that keeps no slots: the path nearly every decision takes, kept free of
  /// the reserve's bookkeeping.
  private func plainHold(
    allowed: Int, window: CapWindow, range: WindowRange, _ timeline: Timeline
  ) -> Hold {
    var count = 0
    for index in range.indices where timeline.mask(index) & scope != 0 { count += 1 }
    guard count >= allowed else { return .passes }
    guard allowed > 0 else { return .never }
    switch window {
    case .rolling(let seconds):
      // A send occupies its slot for exactly the window: it leaves at send time + window,
      // so the slot opens when the (count - allowed + 1)-th oldest send leaves.
      var toSkip = count - allowed
      for index in range.indices where timeline.mask(index) & scope != 0 {
        if toSkip == 0 {
          return .until(timeline.time(index).addingTimeInterval(TimeInterval(seconds)))
        }
        toSkip -= 1
      }
      return .passes
    case .calendar(let unit):
      let next = timeline.nextFirstDay(of: unit, after: range.firstDay)
      return .until(timeline.zone.startOfDay(next))
    }
  }

  /// What the cap found at `instant`, with the facts compliance needs; nil while it has room.
  /// `hold` is this cap's `hold(at: instant, timeline)`, which the caller already has.
  func finding(
    at instant: Date, _ timeline: Timeline, hold: Hold, categories: [String], byCustomer: Bool,
    reservedFor: [String]? = nil
  ) -> Finding? {
    guard hold != .passes else { return nil }
    var nextAt: Date?
    if case .until(let time) = hold { nextAt = time }
    switch limit {
    case .count(let allowed, let window):
      let range = sends(in: window, at: instant, timeline)
      let counted = usage(of: range.indices, timeline)
      let usage = CapUsage(
        max: allowed, window: window, categories: categories, windowStart: range.start,
        count: counted.count, windowSends: timeline.records(range.indices), nextAt: nextAt)
      if counted.count < allowed, let reservedFor {
        return .capReserved(usage, reservedFor: reservedFor, slots: counted.held)
      }
      return byCustomer ? .preferenceExceeded(usage) : .capExceeded(usage)
    case .minimumGap(let seconds):
      guard let last = latestSend(timeline), let nextAt else { return nil }
      return .minimumGap(lastSend: last, gapSeconds: seconds, nextAt: nextAt)
    }
  }

  /// The slots a window's sends take, the reserve still held back included.
  private struct SlotUsage {
    var count: Int
    var reservedUsed: Int
    /// Reserved slots the reserved categories have not used yet.
    var held: Int
    var taken: Int { count + held }

    mutating func leave(reserved: Bool, slots: Int) {
      count -= 1
      if reserved { reservedUsed -= 1 }
      held = Swift.max(0, slots - reservedUsed)
    }
  }

  private func usage(of indices: Range<Int>, _ timeline: Timeline) -> SlotUsage {
    var count = 0
    var reservedUsed = 0
    for index in indices {
      let mask = timeline.mask(index)
      guard mask & scope != 0 else { continue }
      count += 1
      if mask & reserveScope != 0 { reservedUsed += 1 }
    }
    return SlotUsage(
      count: count, reservedUsed: reservedUsed, held: Swift.max(0, reserveSlots - reservedUsed))
  }

  private struct WindowRange {
    var start: Date
    /// The calendar period's first day; unused for rolling windows.
    var firstDay: CivilDate
    var indices: Range<Int>
  }

  /// The sends from the window's start on — including any stamped after `instant`: a send
  /// recorded by a gateway whose clock runs ahead, or committed while this decision waited
  /// for the lock, has taken its slot all the same.
  private func sends(in window: CapWindow, at instant: Date, _ timeline: Timeline) -> WindowRange {
    let end = timeline.count
    switch window {
    case .rolling(let seconds):
      let start = instant.addingTimeInterval(-TimeInterval(seconds))
      let first = timeline.firstIndex(after: start)
      return WindowRange(
        start: start, firstDay: timeline.today, indices: first..<max(first, end))
    case .calendar(let unit):
      let firstDay = timeline.firstDay(of: unit, containing: instant)
      let start = timeline.zone.startOfDay(firstDay)
      let first = timeline.firstIndex(atOrAfter: start)
      return WindowRange(start: start, firstDay: firstDay, indices: first..<max(first, end))
    }
  }

  /// The latest send in scope, even one stamped after `instant` (see `sends(in:at:_:)`).
  private func latestSend(_ timeline: Timeline) -> Date? {
    var index = timeline.count - 1
    while index >= 0 {
      if timeline.mask(index) & scope != 0 { return timeline.time(index) }
      index -= 1
    }
    return nil
  }
}
