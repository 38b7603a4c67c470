import Foundation
import GovernorCore

extension CampaignDryRun {
  /// One batch of a campaign's recipients decided against `store`, in order: the customers'
  /// states (`states`, when the caller read them all up front in one moment of the store; else
  /// read now, for this batch), the suppressions of the list's addresses the profiles do not
  /// account for, and each recipient's decision. `governor dry-run` and `POST /v1/dry-run` both
  /// go through here, so they cannot come to differ.
  public mutating func decide(
    _ batch: [Recipient], store: any Store, states: [String: CustomerState]? = nil
  ) async throws -> [Decision] {
    let stored: [String: CustomerState]
    if let states {
      stored = states
    } else {
      stored = try await store.decisionStates(
        customerIds: batch.map(\.customerId), engine: engine, at: at)
    }
    let withStates = batch.map { ($0, stored[$0.customerId]) }
    // Only the addresses the profiles do not already account for: usually none.
    let addresses = try await store.addressRecords(Self.addressesToLookUp(withStates))
    return withStates.map { recipient, state in
      decide(recipient, stored: state, address: recipient.email.flatMap { addresses[$0] })
    }
  }
}
