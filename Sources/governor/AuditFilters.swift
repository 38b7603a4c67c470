import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

/// The filters `governor audit list` and `export` share, as in `GET /v1/decisions`.
struct AuditFilters: ParsableArguments {
  @Option(help: "forwarded, blocked, deferred or failed.") var outcome: Outcome?
  @Option(help: "A rule id among the reasons, e.g. caps.weekly.") var rule: String?
  @Option(help: "A reason code, e.g. cap_exceeded or consent_missing.") var code: String?
  @Option(help: "A campaign id.") var campaign: String?
  @Option(help: "A customer key.") var customer: String?
  @Option(
    help: ArgumentHelp(
      "Decisions from this time on: RFC 3339, or a span back from now such as 30d.",
      valueName: "time|span"))
  var since: String?
  @Option(help: ArgumentHelp("Decisions before this time (same forms).", valueName: "time|span"))
  var until: String?

  func validate() throws {
    for (name, value) in [("since", since), ("until", until)] {
      if let value, Self.instant(value, now: Date()) == nil {
        throw ValidationError(
          "--\(name) '\(value)' is neither an RFC 3339 time such as 2026-11-01T00:00:00Z "
            + "nor a span back from now such as 30d")
      }
    }
  }

  func query(limit: Int, before: Int64? = nil, now: Date = Date()) -> DecisionQuery {
    DecisionQuery(
      outcome: outcome, rule: rule, code: code, campaignId: campaign, customerId: customer,
      since: since.flatMap { Self.instant($0, now: now) },
      until: until.flatMap { Self.instant($0, now: now) }, before: before, limit: limit)
  }

  static func instant(_ text: String, now: Date) -> Date? {
    if let date = try? Date(text, strategy: .iso8601) { return date }
    guard let span = TimeSpan(parsing: text), span.isFixed else { return nil }
    return now.addingTimeInterval(-Double(span.seconds))
  }
}

extension Outcome: ExpressibleByArgument {}
