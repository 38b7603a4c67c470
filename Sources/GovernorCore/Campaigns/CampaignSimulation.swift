import Foundation

/// A campaign over customers given in a file (`governor evaluate`): every recipient must be
/// one of them. The deciding is `CampaignDryRun`'s.
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
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: now)
    var decisions: [Decision] = []
    decisions.reserveCapacity(campaign.recipients.count)
    for id in campaign.recipients {
      guard let state = states[id] else { throw .unknownRecipient(id) }
      decisions.append(run.decide(Recipient(customerId: id), stored: state))
    }
    return decisions
  }
}
