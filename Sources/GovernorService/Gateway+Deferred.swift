import Foundation
import GovernorCore
import GovernorStore

extension Gateway {
  /// Releases every held message whose time has come: each is decided again under the policy
  /// in force now (a new decision, linked to the one that held it) and forwarded, blocked or
  /// held again. Returns what happened to each, in release order.
  ///
  /// Safe to run from several gateways sharing a store: each message is claimed by exactly
  /// one of them, in the transaction that decides on it again.
  @discardableResult
  public func releaseDue(limit: Int = 100) async throws -> [Submission] {
    var released: [Submission] = []
    for held in try await store.dueDeferred(at: clock(), limit: limit) {
      guard
        let again = try await store.release(
          messageId: held.message.id, engine: engine, at: clock()),
        let decision = again.decided.decision
      else { continue }
      released.append(try await carryOut(again.decided, decision, again.message))
    }
    return released
  }
}
