import Foundation

/// The UTC offsets of one IANA time zone as a sorted table of transitions.
///
/// Built once per zone from Foundation's tz data, so that an offset lookup is a binary search
/// (~20 ns) instead of `TimeZone.secondsFromGMT(for:)` (~100 ns) — several are needed per
/// decision. Outside the table's range the lookup falls back to Foundation.
final class ZoneRules: Sendable {
  static let tableStart: Double = 0  // 1970-01-01T00:00:00Z
  static let tableEnd: Double = 4_102_444_800  // 2100-01-01T00:00:00Z

  let identifier: String
  let timeZone: TimeZone
  /// `transitions[i]` is the instant (Unix seconds) from which `offsets[i]` applies.
  private let transitions: [Double]
  private let offsets: [Int]
  /// For each 2^20-second (~12-day) bucket, the last transition at or before its start, so a
  /// lookup is an index and a step or two instead of a search.
  private let buckets: [Int32]
  private static let bucketShift = 20

  init(identifier: String, timeZone: TimeZone) {
    self.identifier = identifier
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
    let bucketCount = Int(Self.tableEnd - Self.tableStart) >> Self.bucketShift + 1
    var buckets = [Int32](repeating: 0, count: bucketCount)
    var index = 0
    for bucket in 0..<bucketCount {
      let start = Self.tableStart + Double(bucket << Self.bucketShift)
      while index + 1 < instants.count && instants[index + 1] <= start { index += 1 }
      buckets[bucket] = Int32(index)
    }
    self.buckets = buckets
  }

  /// Seconds east of UTC at the instant `unixSeconds`.
  func offset(at unixSeconds: Double) -> Int {
    guard unixSeconds >= Self.tableStart, unixSeconds < Self.tableEnd else {
      return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: unixSeconds))
    }
    var index = Int(buckets[Int(unixSeconds - Self.tableStart) >> Self.bucketShift])
    while index + 1 < transitions.count && transitions[index + 1] <= unixSeconds { index += 1 }
    return offsets[index]
  }
}
