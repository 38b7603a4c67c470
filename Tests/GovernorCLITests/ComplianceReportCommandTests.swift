import Foundation
import GovernorCore
import GovernorStore
import ServiceFixtures
import Testing

/// `governor compliance report`: opt-outs against the laws' deadlines, from a real store.
@Suite("Compliance: the report")
struct ComplianceReportCommandTests {
  /// A customer with marketing consent who unsubscribed two days ago, and a marketing send
  /// injected three hours after it by a gateway whose policy ignored the unsubscribe.
  func storeWithLateSend(_ kind: CLIStore, optedOut: Date) async throws -> String {
    let lenient = try ServiceFixture.consentOnlyPolicy(
      name: "ignores-unsubscribes", extra: "suppression:\n  unsubscribed: {blocks: []}\n")
    let validator = RecordValidator(policy: lenient)
    return try await kind.prepared { store in
      try await store.saveCustomer(
        validator.profile(CustomerProfile(id: "c1", email: "c1@example.com", timeZone: "UTC")))
      try await store.recordConsent(
        validator.consent(
          ConsentEvent(
            purpose: "marketing", status: .granted, kind: "express", at: optedOut - 90 * 86_400,
            source: "signup form"), now: optedOut),
        customerId: "c1")
      try await store.addSuppression(
        validator.suppression(
          Suppression(
            reason: .unsubscribed, scope: .all, at: optedOut,
            source: "list-unsubscribe one-click"), now: optedOut),
        customerId: "c1")
      let engine = Engine(policy: lenient)
      for (id, category, after) in [
        ("late-offer", "marketing", 3 * 3_600.0), ("receipt", "transactional", 3_600.0),
      ] {
        let at = optedOut + after
        let decided = try await store.decide(
          Message(
            id: id, customerId: "c1", to: "c1@example.com", from: "news@shop.example",
            subject: "Hi", text: "Hi", category: category), engine: engine, at: at)
        #expect(decided.decision?.outcome == .forwarded)
        try await store.completeReservation(messageId: id, outcome: .sent, at: at, detail: nil)
        _ = try await store.count(
          DeliveryReport(
            key: "dlv-\(id)", provider: "ses", outcome: .delivered, messageId: id,
            email: "c1@example.com", at: at), at: at)
      }
      _ = try await store.count(
        DeliveryReport(
          key: "cmp-1", provider: "ses", outcome: .complained, messageId: "late-offer",
          email: "c1@example.com", at: optedOut + 4 * 3_600), at: optedOut + 4 * 3_600)
      let brakes = try #require(try GovernorBinary.shippedPolicy("default").reputation)
      let book = ReputationAssessment(policy: brakes).assess(
        [
          DeliveryCount(
            day: DeliveryCount.day(of: optedOut), sendingDomain: "shop.example", campaignId: "",
            recipientDomain: "example.com", delivered: 10_000, hardBounced: 0, complained: 40)
        ], at: optedOut)
      _ = try await store.recordBrakes(book, policyVersion: "sha256:test", at: optedOut)
    }
  }

  @Test(
    "an injected send after an unsubscribe is found, its delay named, GDPR missed: exit 3",
    arguments: CLIStore.available)
  func lateSendFound(kind: CLIStore) async throws {
    // 10:00 two days ago: the sends three hours later fall on the same day of sending.
    let twoDaysAgo = ((Date().timeIntervalSince1970 - 2 * 86_400) / 86_400).rounded(.down)
    let optedOut = Date(timeIntervalSince1970: twoDaysAgo * 86_400 + 10 * 3_600)
    let location = try await storeWithLateSend(kind, optedOut: optedOut)
    let run = try await GovernorBinary.run("compliance", "report", "--store", location)
    #expect(run.status == 3, "\(run.stderr)")
    #expect(run.stdoutLines.contains("Opt-outs: 1"), "\(run.stdout)")
    #expect(
      run.stdout.contains(
        "c1  unsubscribed (all)  list-unsubscribe one-click\n"
          + "      sent after it: late-offer (marketing) at "), "\(run.stdout)")
    #expect(run.stdout.contains(", 3 hours after (ledger)"))
    // Recorded when it was checked: the unsubscribe blocked mail at once.
    #expect(run.stdout.contains("      blocked from \(optedOut.formatted(.iso8601)), 0s after it"))
    // The receipt is transactional: the unsubscribe does not stop it.
    #expect(!run.stdout.contains("receipt"))
    #expect(
      run.stdout.contains(
        "GDPR Art. 21(3): at once: MISSED; Gmail/Yahoo: 2 days: met; "
          + "CAN-SPAM: 10 business days: met; CASL: 10 business days: met"))
    #expect(run.stdout.contains("they never expire"))
    #expect(
      run.stdout.contains(
        "  sending domain shop.example  \(DeliveryCount.day(of: optedOut))  delivered 2  "
          + "complaints 50% (1)  hard bounces 0% (0)"), "\(run.stdout)")
    #expect(
      run.stdout.contains(
        "complaints on sending domain shop.example: none → pause at 0.4% (40 of 10000) ≥ 0.3%"))
    #expect(run.stdout.contains("US: United States federal holidays (https://www.opm.gov/"))

    let json = try await GovernorBinary.run(
      "compliance", "report", "--format", "json", "--store", location)
    let object =
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    let optOut = (object?["opt_outs"] as? [[String: Any]])?.first
    let send = (optOut?["sends_after"] as? [[String: Any]])?.first
    #expect(send?["delay_seconds"] as? Int == 10_800)
    #expect(send?["message_id"] as? String == "late-offer")
    #expect(optOut?["blocked_after_seconds"] as? Int == 0)

    let html = try await GovernorBinary.run(
      "compliance", "report", "--format", "html", "--store", location)
    #expect(html.stdout.hasPrefix("<!doctype html>"))
    #expect(html.stdout.contains(#"<td class="missed">1</td>"#))
    #expect(html.stdout.contains("late-offer 3 hours after (ledger)"))
    #expect(html.stdout.contains(#"<svg id="rate-chart" role="img""#))
  }

  @Test("with no opt-out in the period every deadline holds: exit 0", arguments: CLIStore.available)
  func nothingToReport(kind: CLIStore) async throws {
    let run = try await GovernorBinary.run(
      "compliance", "report", "--store", try kind.freshLocation())
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdoutLines.contains("Opt-outs: 0"))
    #expect(run.stdout.contains("no delivery reports counted in the period"))
  }
}
