import Foundation

/// Is there room under this cap at a given instant, and if not, when does a slot open?
/// Serves the policy's caps and the customer's own frequency preference alike.
struct CapRule: Sendable {
  enum Source: Sendable {
    case policy
    case customerPreference
  }

  let ruleId: String
  let limit: Cap.Limit
  let categories: [String]
  let scope: UInt64
  let action: HoldAction
  let shadow: Bool
  let source: Source

  var lookback: TimeInterval {
    switch limit {
    case .count(_, let window): return Timeline.lookback(window)
    case .minimumGap(let seconds): return TimeInterval(seconds)
    }
  }

  func check(at instant: Date, _ timeline: Timeline) -> Finding? {
    switch limit {
    case .count(let max, let window):
      guard let usage = usage(allowed: max, window: window, at: instant, timeline) else { return nil }
      return source == .policy ? .capExceeded(usage) : .preferenceExceeded(usage)
    case .minimumGap(let seconds):
      guard let last = lastSend(atOrBefore: instant, timeline) else { return nil }
      let nextAt = last.addingTimeInterval(TimeInterval(seconds))
      guard nextAt > instant else { return nil }
      return .minimumGap(lastSend: last, gapSeconds: seconds, nextAt: nextAt)
    }
  }

  func hold(at instant: Date, _ timeline: Timeline) -> Hold {
    guard let finding = check(at: instant, timeline) else { return .passes }
    return finding.passesAt.map { .until($0) } ?? .never
  }

  /// Nil while the cap has room.
  private func usage(allowed: Int, window: CapWindow, at instant: Date, _ timeline: Timeline)
    -> CapUsage?
  {
    let start: Date
    let first: Int
    switch window {
    case .rolling(let seconds):
      // A send occupies its slot for exactly the window: it leaves at send time + window.
      start = instant.addingTimeInterval(-TimeInterval(seconds))
      first = timeline.firstIndex(after: start)
    case .calendar(let unit):
      start = timeline.period(unit, containing: instant).start
      first = timeline.firstIndex(atOrAfter: start)
    }
    let end = timeline.firstIndex(after: instant)
    var count = 0
    for index in first..<Swift.max(first, end) where timeline.masks[index] & scope != 0 {
      count += 1
    }
    guard count >= allowed else { return nil }

    var counted: [Date] = []
    counted.reserveCapacity(count)
    for index in first..<Swift.max(first, end) where timeline.masks[index] & scope != 0 {
      counted.append(timeline.times[index])
    }
    let nextAt: Date?
    switch window {
    case _ where allowed == 0:
      nextAt = nil
    case .rolling(let seconds):
      nextAt = counted[count - allowed].addingTimeInterval(TimeInterval(seconds))
    case .calendar(let unit):
      nextAt = timeline.period(unit, containing: instant).end
    }
    return CapUsage(
      max: allowed, window: window, categories: categories, windowStart: start, counted: counted,
      nextAt: nextAt)
  }

  private func lastSend(atOrBefore instant: Date, _ timeline: Timeline) -> Date? {
    var index = timeline.firstIndex(after: instant) - 1
    while index >= 0 {
      if timeline.masks[index] & scope != 0 { return timeline.times[index] }
      index -= 1
    }
    return nil
  }
}
