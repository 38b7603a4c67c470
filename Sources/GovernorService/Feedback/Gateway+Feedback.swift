import Crypto
import Foundation
import GovernorCore
import GovernorStore

extension Gateway {
  /// Turns a provider's events into suppressions. Each event changes things once: a replay
  /// (same provider event id) or an address already suppressed for that reason changes
  /// nothing.
  public func apply(_ batch: FeedbackBatch) async throws -> FeedbackOutcome {
    var outcome = FeedbackOutcome(ignored: batch.ignored)
    for event in batch.events {
      let customers: [String]
      if let customerId = event.customerId {
        customers = [customerId]
      } else {
        let email = event.email
        customers = try await bounded { try await $0.customerIds(email: email) }
      }
      if customers.isEmpty { outcome.unknownRecipients += 1 }
      let now = clock()
      for customerId in customers {
        // A provider's clock may run ahead of ours; a suppression never starts in the future.
        let suppression = try validator.suppression(
          Suppression(
            reason: event.reason, scope: event.scope, at: min(event.at, now),
            source: event.source),
          now: now)
        // Held for the address the provider named, whatever the profile says.
        let (eventKey, address) = ("\(event.key) \(customerId)", event.email)
        let change = try await bounded {
          try await $0.suppressOnce(
            suppression, customerId: customerId, eventKey: eventKey, address: address)
        }
        if change.changed { outcome.suppressed += 1 } else { outcome.unchanged += 1 }
      }
    }
    for var report in batch.reports {
      // The provider's key may hold the address (SES's does): only its digest is kept.
      report.key = "sha256:" + Hex.encode(Array(SHA256.hash(data: Data(report.key.utf8))))
      let (counted, now) = (report, clock())
      switch try await bounded({ try await $0.count(counted, at: now) }) {
      case .counted: outcome.counted += 1
      case .repeated: break
      case .unknownMessage:
        outcome.unknownMessages += 1
        metrics.bypassReported(provider: report.provider)
      }
    }
    // The brakes follow the reports at once: the next decision sees what was just counted.
    if outcome.counted > 0 {
      try await refreshReputation(unlessStartedAfter: ContinuousClock.now)
    }
    return outcome
  }
}
