import Foundation
import GovernorCore
import Testing

@Suite("Campaign dry-run")
struct CampaignDryRunTests {
  let engine: Engine
  let customers: [String: CustomerState]
  let campaign: Campaign

  init() throws {
    engine = Engine(policy: try shippedPolicy("default"))
    let states = try StateDocuments.customers(
      from: repositoryFile("fixtures/campaigns/autumn-customers.yaml"))
    customers = Dictionary(uniqueKeysWithValues: states.map { ($0.customerId, $0) })
    let path = repositoryRoot.appendingPathComponent("fixtures/campaigns/autumn-sale.yaml").path
    campaign = try CampaignFileLoader.load(file: path).get().campaign
  }

  var recipients: [Recipient] {
    ["2001", "2002", "2003", "2004", "2005", "2006", "2007", "2007", "9999"].map {
      Recipient(customerId: $0, email: customers[$0]?.email ?? "\($0)@example.com")
    }
  }

  @Test("each recipient gets the gateway's decision; a customer listed twice is capped")
  func outcomes() {
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: campaign.sendAt)
    let outcomes = recipients.map {
      run.decide($0, stored: customers[$0.customerId]).outcome.rawValue
    }
    #expect(
      outcomes == [
        "forwarded", "forwarded", "deferred", "blocked", "blocked", "blocked", "forwarded",
        "blocked", "blocked",
      ])
    let summary = run.summary
    #expect(
      (summary.recipients, summary.forwarded, summary.blocked, summary.deferred) == (9, 3, 5, 1))
    #expect(summary.rules["caps.daily"] == .init(blocked: 1))
    #expect(summary.rules["quiet_hours"] == .init(deferred: 1))
    #expect(summary.reasons["consent_missing"] == 2)
    #expect(summary.releases == [time("2026-11-18T16:00:00Z"): 1])
    #expect(summary.messagesWithTrackingRemoved == 2)
    #expect(abs(summary.blockedShare - 5.0 / 9) < 1e-9)
  }

  @Test("the campaign's tracking answers, worked out once, equal deciding each message alone")
  func preparedPartsChangeNothing() {
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: campaign.sendAt)
    for recipient in recipients.prefix(3) {
      let state = customers[recipient.customerId]
      let decision = run.decide(recipient, stored: state)
      let alone = engine.evaluate(
        campaign.message(to: state ?? CustomerState(customerId: recipient.customerId)),
        for: state ?? CustomerState(customerId: recipient.customerId), at: campaign.sendAt)
      #expect(decision == alone)
    }
  }

  @Test("rows: JSON lines parse, CSV cells that could be formulas are defused")
  func rows() throws {
    var run = CampaignDryRun(engine: engine, campaign: campaign, at: campaign.sendAt)
    let recipient = Recipient(customerId: "2003")
    let decision = run.decide(recipient, stored: customers["2003"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(DryRunRow.json(recipient, decision).utf8))
        as? [String: Any])
    #expect(object["outcome"] as? String == "deferred")
    #expect(object["not_before"] as? String == "2026-11-18T16:00:00Z")
    let reasons = try #require(object["reasons"] as? [[String: Any]])
    #expect(reasons.first?["rule"] as? String == "quiet_hours")
    let odd = Recipient(customerId: "=HYPERLINK(\"x\")")
    let row = DryRunRow.csv(odd, run.decide(odd, stored: nil))
    #expect(row.hasPrefix(#""'=HYPERLINK(""x"")","#))
  }
}

@Suite("Campaign decisions at a later instant")
struct CampaignLaterInstantTests {
  @Test("evaluate and dry-run at a later --at agree: the message is received at that instant")
  func receivedAtTheDecisionInstant() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let states = try StateDocuments.customers(
      from: repositoryFile("fixtures/campaigns/autumn-customers.yaml"))
    let path = repositoryRoot.appendingPathComponent("fixtures/campaigns/autumn-sale.yaml").path
    var campaign = try CampaignFileLoader.load(file: path).get().campaign
    campaign.recipients = ["2003"]
    // Two days after the file's send time, at the same hour: 2003 is in quiet hours again, and
    // the release is hours away, well within max_delay of now (days past the send time).
    let later = campaign.sendAt.addingTimeInterval(2 * 86_400)
    let evaluated = try CampaignSimulation(engine: engine).run(
      campaign, customers: states, at: later)
    #expect(evaluated.map(\.outcome) == [.deferred])
    var moved = campaign
    moved.sendAt = later
    var run = CampaignDryRun(engine: engine, campaign: moved, at: later)
    let dryRun = run.decide(
      Recipient(customerId: "2003", email: "cal@example.com"),
      stored: states.first { $0.customerId == "2003" })
    #expect(dryRun.outcome == evaluated.first?.outcome)
    #expect(dryRun.notBefore == evaluated.first?.notBefore)
  }
}
