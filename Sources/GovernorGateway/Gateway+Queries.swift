import Foundation
import GovernorCore
import GovernorStore

/// What the HTTP layer reads and asks, through the service rather than around it: the routes
/// name no store, sender or breaker, so a new door adapts to these and nothing else.
extension Gateway {
  /// Decisions matching the filters, newest first.
  public func decisions(matching query: DecisionQuery) async throws -> [AuditEntry] {
    try await store.decisions(matching: query)
  }

  public func decision(id: String) async throws -> AuditEntry? {
    try await store.decision(id: id)
  }

  /// The policy text a decision was made under (nil: the store never kept it).
  public func policyText(version: String) async throws -> String? {
    try await store.policyText(version: version)
  }

  /// Everything held about a customer (GDPR Art. 15); nil for an unknown one.
  public func export(customerId: String) async throws -> CustomerExport? {
    try await store.exportCustomer(customerId)
  }

  /// Erases a customer (GDPR Art. 17), keeping what stops mail to them; false for an unknown
  /// one.
  public func erase(customerId: String) async throws -> Bool {
    try await store.eraseCustomer(customerId)
  }

  /// `GET /metrics`: the counters, and the mail sender's breaker as it stands now.
  public func metricsText() -> String {
    metrics.exposition(breaker: sender.breaker)
  }

  /// A campaign decided against the store batch by batch, as the gateway would decide each
  /// message, writing nothing: `emit` gets each batch's recipients and decisions in order, as
  /// they are made, so an answer can stream. Returns the summary.
  public func dryRun(
    _ campaign: Campaign, recipients: [Recipient], batchSize: Int,
    emit: ([(Recipient, Decision)]) async throws -> Void
  ) async throws -> DryRunSummary {
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: campaign.sendAt)
    var start = 0
    while start < recipients.count {
      let batch = Array(recipients[start..<min(start + batchSize, recipients.count)])
      let decisions = try await run.decide(batch, store: store)
      try await emit(Array(zip(batch, decisions)))
      start += batchSize
    }
    return run.summary
  }
}
