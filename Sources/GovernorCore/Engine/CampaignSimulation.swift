import Foundation

/// Evaluates a campaign recipient by recipient, counting the campaign's own earlier sends as
/// it goes, so a customer listed twice is capped as the real sends would be. Changes nothing
/// outside the returned decisions.
public struct CampaignSimulation {
  public let engine: Engine

  public init(engine: Engine) {
    self.engine = engine
  }

  public enum Problem: Error, Equatable, CustomStringConvertible {
    case unknownRecipient(String)

    public var description: String {
      switch self {
      case .unknownRecipient(let id): return "campaign recipient '\(id)' is not a known customer"
      }
    }
  }

  public func run(_ campaign: Campaign, customers: [CustomerState], at now: Date) throws(Problem)
    -> [Decision]
  {
    var states: [String: CustomerState] = [:]
    for customer in customers { states[customer.customerId] = customer }
    var decisions: [Decision] = []
    decisions.reserveCapacity(campaign.recipients.count)
    for id in campaign.recipients {
      guard var state = states[id] else { throw .unknownRecipient(id) }
      let decision = engine.evaluate(campaign.message(to: state), for: state, at: now)
      decisions.append(decision)
      if decision.outcome == .forwarded {
        state.sends.append(
          SendRecord(at: now, category: campaign.category, campaignId: campaign.id))
        states[id] = state
      }
    }
    return decisions
  }
}
