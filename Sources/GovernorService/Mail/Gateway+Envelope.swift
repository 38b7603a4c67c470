import Foundation
import GovernorCore
import GovernorStore

/// What the envelope alone says of a recipient, before any content arrives.
public enum EnvelopeVerdict: Hashable, Sendable {
  case accept
  /// The message would be held back: `lasting` when only the customer can change that
  /// (consent, suppression), not when time will (caps, quiet hours).
  case refuse(rule: String, code: String, message: String, lasting: Bool)
}

extension Gateway {
  /// The customer a mail door's recipient address is: the one the store knows by it, or one
  /// of its own with the address as id.
  func customerId(forAddress address: String) async throws -> String {
    try await store.customerIds(email: address).sorted().first ?? address.lowercased()
  }

  /// Would a message of `category` to `recipient` be sent now? Decided as a dry-run decides a
  /// campaign's recipient (`CampaignDryRun`), so a listener that refuses at RCPT time applies
  /// the same rules as the decision after DATA; nothing is recorded.
  public func envelopeVerdict(recipient: String, category: String, from: String) async throws
    -> EnvelopeVerdict
  {
    let now = clock()
    var run = CampaignDryRun(
      engine: engine,
      campaign: Campaign(
        id: "smtp-envelope", category: category, sendAt: now, from: from, subject: "",
        html: nil, text: "", recipients: []),
      at: now)
    let recipientRecord = Recipient(
      customerId: try await customerId(forAddress: recipient), email: recipient)
    guard let decision = try await run.decide([recipientRecord], store: store).first,
      decision.outcome != .forwarded,
      let first = decision.reasons.first(where: \.holdsBack)
    else { return .accept }
    let lasting = decision.reasons.contains { $0.holdsBack && $0.finding.passesAt == nil }
    return .refuse(rule: first.rule, code: first.code, message: first.message, lasting: lasting)
  }
}
