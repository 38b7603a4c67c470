import ArgumentParser
import Foundation
import GovernorCore
import GovernorStore

/// `governor policy replay`: recorded traffic decided again under a proposed policy.
struct PolicyReplayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Decide recorded traffic again under a proposed policy; show what would change.",
    discussion: """
      Every decision in the time range is decided again at its recorded time, against the \\
      customer's history as it stood then, under --policy; decisions whose outcome would \\
      change are counted by change, rule and campaign, with examples. Nothing is written \\
      (the store is opened read-only).
      """
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
  }

  @Option(help: "The proposed policy.") var policy: String
  @Option(
    help: ArgumentHelp(
      "Replay decisions from this time on: RFC 3339 or a span back from now such as 30d.",
      valueName: "time|span"))
  var since: String = "30d"
  @Option(help: ArgumentHelp("…and before this time (same forms).", valueName: "time|span"))
  var until: String?
  @Option(help: "text or json.") var format: Format = .text
  @OptionGroup var options: StoreOptions

  func validate() throws {
    for (name, value) in [("since", since), ("until", until ?? "")] where !value.isEmpty {
      guard AuditFilters.instant(value, now: Date()) != nil else {
        throw ValidationError(
          "--\(name) '\(value)' is neither an RFC 3339 time nor a span back from now such as 30d")
      }
    }
  }

  func run() async throws {
    let proposed = try PolicyFiles.loadOrExit(policy)
    let engine = Engine(policy: proposed)
    let now = Date()
    let query = DecisionQuery(
      since: AuditFilters.instant(since, now: now),
      until: until.flatMap { AuditFilters.instant($0, now: now) }, limit: 1_000)
    let report = try await options.location.withStore(readOnly: true) { store in
      // Every day's counts since the oldest decision replayed could brake it.
      var counts: [DeliveryCount] = []
      if let reputation = proposed.reputation {
        let from = (query.since ?? Date(timeIntervalSince1970: 0))
          .addingTimeInterval(-TimeInterval(reputation.historyDays * 86_400))
        counts = try await store.deliveryCounts(since: DeliveryCount.day(of: from))
      }
      var replay = PolicyReplay(engine: engine, deliveryCounts: counts)
      var customers: [String: CustomerExport?] = [:]
      var page = query
      while true {
        let entries = try await store.decisions(matching: page)
        for entry in entries {
          if customers[entry.customerId] == nil {
            customers[entry.customerId] = .some(try await store.exportCustomer(entry.customerId))
          }
          replay.replay(entry, customer: customers[entry.customerId] ?? nil)
        }
        guard entries.count == page.limit, let last = entries.last else { break }
        page.before = last.sequence
      }
      return replay.report
    }
    switch format {
    case .text:
      for line in report.lines { print(line) }
    case .json:
      let encoder = StateDocuments.jsonEncoder()
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
  }
}
