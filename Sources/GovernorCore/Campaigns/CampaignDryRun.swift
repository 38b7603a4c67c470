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

  /// The decision for `recipient`, given what the store holds about the customer (nil: a
  /// customer it does not know, decided on as the gateway does, with no consent).
  public mutating func decide(_ recipient: Recipient, stored: CustomerState?) -> Decision {
    var state =
      stored ?? CustomerState(customerId: recipient.customerId, email: recipient.email)
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
    var message = campaign.message(to: state)
    message.receivedAt = at
    let decision = engine.evaluate(message, for: state, at: at, prepared: prepared)
    if decision.outcome == .forwarded { forwardedTo[recipient.customerId, default: 0] += 1 }
    summary.add(decision)
    return decision
  }
}
