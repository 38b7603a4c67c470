import Foundation
import GovernorCore
import GovernorStore

/// Recipients handed over in batches, with how many were handed over so far: a campaign
/// file streamed from disk, or a list already in memory.
public protocol RecipientBatches {
  func forEachBatch(of size: Int, _ body: ([Recipient], Int) async throws -> Void) async throws
}

extension Array: RecipientBatches where Element == Recipient {
  public func forEachBatch(
    of size: Int, _ body: ([Recipient], Int) async throws -> Void
  ) async throws {
    var start = 0
    while start < count {
      let end = Swift.min(start + size, count)
      try await body(Array(self[start..<end]), end)
      start = end
    }
  }
}

/// What sending a campaign would do, recording nothing: `governor dry-run` and
/// `POST /v1/dry-run` both run this, so they cannot come to differ.
public struct DryRunService: Sendable {
  /// Recipients decided per store read.
  public static let batchSize = 2_000

  let store: any Store
  let engine: Engine

  public init(store: any Store, engine: Engine) {
    self.store = store
    self.engine = engine
  }

  /// Every recipient decided in the order given, at the campaign's send time, counting the
  /// campaign's own earlier recipients (a customer listed twice is capped). The customers are
  /// read first, in one read of the store, so the whole run sees one moment of it and a
  /// customer listed many times is read once. `emit` gets each batch's recipients and their
  /// decisions (side by side, not zipped into a copy: a million decisions copied cost a
  /// quarter of a run) as they are decided, with how many recipients were decided so far.
  public func run(
    _ campaign: Campaign, customerIds: Set<String>, recipients: some RecipientBatches,
    emit: ([Recipient], [Decision], Int) async throws -> Void
  ) async throws -> DryRunSummary {
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: campaign.sendAt)
    let states = try await store.decisionStates(
      customerIds: Array(customerIds), engine: engine, at: campaign.sendAt)
    try await recipients.forEachBatch(of: Self.batchSize) { batch, done in
      let decisions = try await run.decide(batch, store: store, states: states)
      try await emit(batch, decisions, done)
    }
    return run.summary
  }
}
