import Foundation
import Yams

/// A country's public holidays, as a data file names them with its source: the days a law's
/// "business days" skip besides weekends.
public struct HolidayCalendar: Hashable, Sendable {
  public var name: String
  /// ISO 3166 country code: `US`, `CA`.
  public var country: String
  /// Where the dates come from.
  public var source: String
  public var holidays: Set<CivilDate>

  public init(name: String, country: String, source: String, holidays: Set<CivilDate>) {
    self.name = name
    self.country = country
    self.source = source
    self.holidays = holidays
  }

  public func isBusinessDay(_ day: CivilDate) -> Bool {
    day.isoWeekday <= 5 && !holidays.contains(day)
  }

  /// The first and last day the file covers: a deadline past them cannot be computed honestly.
  public var covers: ClosedRange<CivilDate>? {
    guard let first = holidays.min(), let last = holidays.max() else { return nil }
    return CivilDate(
      year: first.year, month: 1, day: 1)...CivilDate(
        year: last.year, month: 12, day: 31)
  }

  /// Reads a calendar file (`name`, `country`, `source`, `holidays: [yyyy-MM-dd, …]`); every
  /// problem located as `FILE:LINE:COLUMN`.
  public static func load(_ data: Data, file: String) -> Result<HolidayCalendar, PolicyError> {
    let reader = PolicyReader(file: file)
    guard
      let root = PolicyLoader.compose(data, reader: reader, ifEmpty: "the calendar is empty"),
      let fields = reader.fields(
        root, of: "the calendar", allowed: ["name", "country", "source", "holidays"])
    else { return .failure(PolicyError(diagnostics: reader.diagnostics)) }
    func text(_ key: String) -> String? {
      guard let node = fields[key] else {
        reader.report("the calendar needs '\(key)'", at: fields.node)
        return nil
      }
      return reader.string(node, key)
    }
    let name = text("name")
    let country = text("country")
    let source = text("source")
    var holidays: Set<CivilDate> = []
    if let node = fields["holidays"], let entries = reader.strings(node, "holidays") {
      for (value, item) in entries {
        guard let day = CivilDate(iso: value) else {
          reader.report("holidays: '\(value)' is not a date such as 2026-12-25", at: item)
          continue
        }
        if !holidays.insert(day).inserted {
          reader.report("holidays: \(value) is listed twice", at: item)
        }
      }
    } else if fields["holidays"] == nil {
      reader.report("the calendar needs 'holidays'", at: fields.node)
    }
    guard let name, let country, let source, reader.diagnostics.isEmpty else {
      return .failure(PolicyError(diagnostics: reader.diagnostics))
    }
    return .success(
      HolidayCalendar(name: name, country: country, source: source, holidays: holidays))
  }
}
