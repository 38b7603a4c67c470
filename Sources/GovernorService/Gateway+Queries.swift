import Foundation
import GovernorCore
import GovernorStore

/// What the HTTP layer reads and asks, through the service rather than around it: the routes
/// name no store, sender or breaker, so a new door adapts to these and nothing else.
extension Gateway {
  /// Decisions matching the filters, newest first.
  public func decisions(matching query: DecisionQuery) async throws -> [AuditEntry] {
    try await bounded { try await $0.decisions(matching: query) }
  }

  /// Provider reports on mail the governor never decided, since `since`, newest first.
  public func bypassEvents(since: Date) async throws -> [BypassEvent] {
    try await bounded { try await $0.bypassEvents(since: since) }
  }

  public func decision(id: String) async throws -> AuditEntry? {
    try await bounded { try await $0.decision(id: id) }
  }

  /// The policy text a decision was made under (nil: the store never kept it).
  public func policyText(version: String) async throws -> String? {
    try await bounded { try await $0.policyText(version: version) }
  }

  /// Everything held about a customer (GDPR Art. 15); nil for an unknown one.
  public func export(customerId: String) async throws -> CustomerExport? {
    try await bounded { try await $0.exportCustomer(customerId) }
  }

  /// Erases a customer (GDPR Art. 17), keeping what stops mail to them; false for an unknown
  /// one.
  public func erase(customerId: String) async throws -> Bool {
    try await bounded { try await $0.eraseCustomer(customerId) }
  }

  /// `GET /metrics`: the counters, and the mail sender's breaker as it stands now.
  public func metricsText() -> String {
    metrics.exposition(breaker: sender.breaker)
  }

  /// What sending `campaign` to `recipients` would do, recording nothing: `DryRunService`
  /// on this gateway's store and engine.
  public func dryRun(
    _ campaign: Campaign, recipients: [Recipient],
    emit: ([Recipient], [Decision]) async throws -> Void
  ) async throws -> DryRunSummary {
    try await DryRunService(store: store, engine: engine).run(
      campaign, customerIds: Set(recipients.map(\.customerId)), recipients: recipients
    ) { batch, decisions, _ in try await emit(batch, decisions) }
  }

  /// The policy in force.
  public var policy: Policy { compiled.policy }

  /// A policy checked before it is deployed, as a restart with it would load it: the tracker
  /// lists it names are read from beside the policy in force (the loader passes only entries
  /// under that folder); `file` only names it in diagnostics.
  public func checkPolicy(_ yaml: Data, file: String) -> Result<Policy, PolicyError> {
    PolicyLoader.load(yaml, file: file) { entry in
      policyFile.flatMap {
        FileManager.default.contents(atPath: PolicyLoader.listPath(entry, besides: $0))
      }
    }
  }
}
