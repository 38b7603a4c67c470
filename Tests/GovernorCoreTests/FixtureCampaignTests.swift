import Foundation
import GovernorCore
import Testing

/// The fixture customers each stand for one situation; their comments in
/// fixtures/customers.yaml say what the default policy must decide.
@Suite("Fixture campaigns")
struct FixtureCampaignTests {
  let customers: [CustomerState]
  let simulation: CampaignSimulation

  init() throws {
    customers = try StateDocuments.customers(from: repositoryFile("fixtures/customers.yaml"))
    simulation = CampaignSimulation(engine: Engine(policy: try shippedPolicy("default")))
  }

  func run(_ name: String) throws -> [String: Decision] {
    let campaign = try StateDocuments.campaign(
      from: repositoryFile("fixtures/campaigns/\(name).yaml"))
    let decisions = try simulation.run(campaign, customers: customers, at: campaign.sendAt)
    return Dictionary(
      decisions.map { ($0.customerId, $0) }, uniquingKeysWith: { first, _ in first })
  }

  @Test("the fixture customers read back with their histories")
  func fixturesDecode() throws {
    #expect(customers.count == 9)
    let ana = try #require(customers.first { $0.customerId == "1001" })
    #expect(ana.timeZone == zone("Europe/Madrid"))
    #expect(ana.consents.first?.proof == "checkbox 'Send me offers' on /signup, form v3")
    #expect(ana.sends.map(\.category) == ["marketing", "newsletter"])
    let hiro = try #require(customers.first { $0.customerId == "1008" })
    #expect(
      hiro.frequencyPreference
        == FrequencyPreference(max: 1, window: .rolling(seconds: 30 * 86_400)))
    #expect(customers.first { $0.customerId == "1005" }?.timeZone == nil)
  }

  @Test("Black Friday: each customer gets the decision their fixture describes")
  func blackFriday() throws {
    let decisions = try run("black-friday")
    let summary = decisions.mapValues {
      "\($0.outcome.rawValue) \($0.codes.joined(separator: ","))"
    }
    #expect(
      summary == [
        "1001": "forwarded ", "1002": "deferred quiet_hours", "1003": "blocked unsubscribed",
        "1004": "blocked hard_bounce", "1005": "blocked cap_exceeded",
        "1006": "blocked consent_expired", "1007": "blocked consent_withdrawn",
        "1008": "blocked frequency_preference", "1009": "forwarded ",
      ])
    #expect(decisions["1002"]?.notBefore == time("2026-11-27T13:00:00Z"))
    #expect(decisions["1005"]?.notBefore == time("2026-11-28T10:00:00Z"))
    #expect(decisions["1008"]?.notBefore == time("2026-12-10T10:00:00Z"))
  }

  @Test("transactional mail reaches the unsubscribed customer, not the bounced address")
  func orderShipped() throws {
    let decisions = try run("order-shipped")
    #expect(decisions["1001"]?.outcome == .forwarded)
    #expect(decisions["1003"]?.outcome == .forwarded)
    #expect(decisions["1004"]?.outcome == .blocked)
  }

  @Test("a customer listed twice is capped by the campaign's own first send")
  func duplicateRecipient() throws {
    let campaign = try StateDocuments.campaign(
      from: repositoryFile("fixtures/campaigns/flash-sale-duplicates.yaml"))
    let decisions = try simulation.run(campaign, customers: customers, at: campaign.sendAt)
    #expect(decisions.map(\.customerId) == ["1001", "1009", "1001"])
    #expect(decisions.map(\.outcome) == [.forwarded, .forwarded, .blocked])
    #expect(decisions[2].reasons.map(\.rule) == ["caps.daily", "caps.gap"])
  }

  @Test("a recipient who is not a known customer is an error that names them")
  func unknownRecipient() throws {
    var campaign = try StateDocuments.campaign(
      from: repositoryFile("fixtures/campaigns/black-friday.yaml"))
    campaign.recipients.append("9999")
    #expect(throws: CampaignSimulation.Problem.unknownRecipient("9999")) {
      try simulation.run(campaign, customers: customers, at: campaign.sendAt)
    }
  }
}
