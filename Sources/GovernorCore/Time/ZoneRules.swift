import Foundation

/// The UTC offsets of one IANA time zone as a sorted table of transitions.
///
/// Built once per zone from Foundation's tz data, so that an offset lookup is a binary search
/// (~20 ns) instead of `TimeZone.secondsFromGMT(for:)` (~100 ns) — several are needed per
/// decision. Outside the table's range the lookup falls back to Foundation.
final class ZoneRules: Sendable {
  static let tableStart: Double = 0  // 1970-01-01T00:00:00Z
  static let tableEnd: Double = 4_102_444_800  // 2100-01-01T00:00:00Z

  let timeZone: TimeZone
  /// `transitions[i]` is the instant (Unix seconds) from which `offsets[i]` applies.
  private let transitions: [Double]
  private let offsets: [Int]

  init(timeZone: TimeZone) {
    self.timeZone = timeZone
    var instants: [Double] = [-.infinity]
    var offsets = [timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Self.tableStart))]
    var cursor = Date(timeIntervalSince1970: Self.tableStart)
    while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor),
      next.timeIntervalSince1970 < Self.tableEnd
    {
      instants.append(next.timeIntervalSince1970)
      offsets.append(timeZone.secondsFromGMT(for: next))
      cursor = next
    }
    self.transitions = instants
    self.offsets = offsets
  }

  /// Seconds east of UTC at the instant `unixSeconds`.
  func offset(at unixSeconds: Double) -> Int {
    guard unixSeconds >= Self.tableStart, unixSeconds < Self.tableEnd else {
      return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: unixSeconds))
    }
    var low = 0
    var high = transitions.count - 1
    while low < high {
      let middle = (low + high + 1) >> 1
      if transitions[middle] <= unixSeconds { low = middle } else { high = middle - 1 }
    }
    return offsets[low]
  }
}
