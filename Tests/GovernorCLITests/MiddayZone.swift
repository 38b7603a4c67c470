import Foundation

/// A fixed-offset IANA zone where it is now around midday: customers placed there are outside
/// the default policy's quiet hours (21:00–08:00) whenever the suite runs, and a run of a few
/// minutes cannot cross their local midnight, which resets daily caps.
enum MiddayZone {
  static var now: String { zone(whereItIs: 12) }

  /// One where it is now around midnight: inside the default quiet hours.
  static var midnight: String { zone(whereItIs: 0) }

  static func zone(whereItIs localHour: Int) -> String {
    let hour =
      Calendar(identifier: .gregorian).dateComponents(
        in: TimeZone(secondsFromGMT: 0) ?? .current, from: Date()
      ).hour ?? 12
    var offset = localHour - hour
    if offset > 12 { offset -= 24 }
    if offset < -11 { offset += 24 }
    // POSIX sign: Etc/GMT-2 is two hours east of UTC.
    return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
  }
}
