import Foundation

/// A campaign decided recipient by recipient, as the gateway would decide each message at the
/// campaign's send time, counting the campaign's own earlier forwarded messages as it goes (a
/// customer listed twice is capped). Pure: the caller brings each customer's stored state and
/// keeps the decisions; nothing is written anywhere.
///
/// `governor dry-run`, `POST /v1/dry-run` and `CampaignSimulation` all go through it.
public struct CampaignDryRun: Sendable {
  public let engine: Engine
  public let campaign: Campaign
  public let at: Date
  public private(set) var summary: DryRunSummary
  private let prepared: Engine.PreparedParts
  /// Messages this run forwarded, by customer: the sends its later recipients see.
  private var forwardedTo: [String: Int] = [:]

  public init(engine: Engine, campaign: Campaign, at: Date) {
    self.engine = engine
    self.campaign = campaign
    self.at = at
    summary = DryRunSummary(policy: engine.policy.reference, campaignId: campaign.id, at: at)
    prepared = engine.prepare(html: campaign.html, text: campaign.text)
  }

  /// The list's addresses whose suppressions the stored states do not already hold: those of
  /// customers the store does not know or knows by another address. What to ask the store's
  /// `addressRecords` for before deciding on these recipients.
  public static func addressesToLookUp(
    _ recipients: some Sequence<Recipient>, stored: [String: CustomerState]
  ) -> [String] {
    addressesToLookUp(recipients.map { ($0, stored[$0.customerId]) })
  }

  /// As above, for recipients with their states already in hand: a dry-run fetches each
  /// recipient's state once, for this and for the decision (fetched twice, the copies and
  /// their retains were 3% of a million-recipient run).
  public static func addressesToLookUp(_ recipients: [(Recipient, CustomerState?)]) -> [String] {
    recipients.compactMap { recipient, state in
      guard let email = recipient.email else { return nil }
      if let known = state?.email, known == email || Mailbox.sameAddress(known, email) {
        return nil
      }
      return email
    }
  }

  /// The decision for `recipient`, given what the store holds about the customer (nil: a
  /// customer it does not know, decided on as the gateway does, with no consent) and about
  /// the list's address for them, when it is not the one the customer is known by.
  ///
  /// The message goes to the list's address: one other than the profile's is an address
  /// mismatch, as at the gateway, and suppressions recorded for it under other ids count.
  public mutating func decide(
    _ recipient: Recipient, stored: CustomerState?, address: AddressRecord? = nil
  ) -> Decision {
    var state =
      stored ?? CustomerState(customerId: recipient.customerId, email: recipient.email)
    if let address {
      // The gateway reads the suppressions of the address the message goes to, not those
      // of the profile's address under other ids.
      state.suppressions.removeAll { $0.recordedFor != nil }
      for suppression in address.suppressions
      where suppression.recordedFor != state.customerId {
        state.suppressions.append(suppression)
      }
      state.addressDigests = AddressDigests(known: nil, recipient: address.digest)
    }
    // An erased customer's kept suppressions come with no address.
    if state.email == nil { state.email = recipient.email }
    if let earlier = forwardedTo[recipient.customerId] {
      for _ in 0..<earlier {
        state.sends.append(
          SendRecord(at: at, category: campaign.category, campaignId: campaign.id))
      }
    }
    // One rule for every caller: the message is received at the decision instant, so the
    // policy's longest delay is measured from it, not from the campaign file's send time.
    var message = campaign.message(to: state, at: recipient.email)
    message.receivedAt = at
    let decision = engine.evaluate(message, for: state, at: at, prepared: prepared)
    if decision.outcome == .forwarded { forwardedTo[recipient.customerId, default: 0] += 1 }
    summary.add(decision)
    return decision
  }
}
