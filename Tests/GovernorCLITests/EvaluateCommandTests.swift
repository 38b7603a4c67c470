import Foundation
import Testing

@Suite("governor evaluate")
struct EvaluateCommandTests {
  @Test("JSON output has one decision per recipient with the contract's fields")
  func jsonOutput() async throws {
    let run = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml", "--format", "json")
    #expect(run.status == 0)
    let decisions = try #require(
      try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    #expect(decisions.count == 9)
    let outcomes = decisions.map { "\($0["customer_id"] ?? "")=\($0["outcome"] ?? "")" }
    #expect(
      outcomes == [
        "1001=forwarded", "1002=deferred", "1003=blocked", "1004=blocked", "1005=blocked",
        "1006=blocked", "1007=blocked", "1008=blocked", "1009=forwarded",
      ])
    #expect(decisions[1]["not_before"] as? String == "2026-11-27T13:00:00Z")
  }

  @Test("the table explains each held message in a sentence")
  func tableOutput() async throws {
    let run = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml")
    #expect(run.status == 0)
    #expect(run.stdoutLines.contains("1005\tblocked (next eligible 2026-11-28T10:00:00Z)"))
    #expect(
      run.stdoutLines.contains(
        "\t- caps.weekly: 3 of 3 marketing/newsletter sends in the last 7 days; the next slot "
          + "opens at 2026-11-28T10:00:00Z"))
  }

  @Test("each forwarded message lists what tracking was removed; a summary counts it by kind")
  func trackingChanges() async throws {
    let run = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml")
    #expect(run.status == 0)
    // 1009 has not consented to tracking; 1001 has, so its mail keeps the brand's pixel.
    let lines = run.stdoutLines
    let start = try #require(lines.firstIndex(of: "1009\tforwarded"))
    #expect(
      Array(lines[(start + 1)...].prefix(3)) == [
        "\t~ tracking_parameters_removed (html) "
          + "https://shop.example/sale?utm_source=bf26&utm_medium=email → https://shop.example/sale",
        "\t~ open_pixel_removed (html) https://shop.example/o/bf26.gif",
        "\t~ tracking_parameters_removed (text) https://shop.example/sale?utm_source=bf26 → "
          + "https://shop.example/sale",
      ])
    #expect(
      lines[(start + 4)...].first == "\t~ sender_tracking_disabled: opens, clicks, link_parameters")
    #expect(
      lines.last
        == "summary: 2 forwarded, 6 blocked, 1 deferred; 2 feedback_id_added, "
        + "2 list_unsubscribe_added, 1 open_pixel_removed, 1 sender_tracking_disabled, 2 tracking_parameters_removed"
    )
  }

  @Test("--html dry-runs a real mail: third-party trackers go even with tracking consent")
  func htmlFile() async throws {
    let run = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml", "--html", "fixtures/emails/18-adsupported-newsletter.html",
      "--format", "json")
    #expect(run.status == 0)
    let decisions = try #require(
      try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    let consented = try #require(decisions.first { $0["customer_id"] as? String == "1001" })
    let kinds = (consented["modifications"] as? [[String: Any]] ?? []).compactMap {
      $0["kind"] as? String
    }
    #expect(kinds.filter { $0 == "tracker_resource_removed" }.count == 5)
    #expect(!kinds.contains("open_pixel_removed"))
  }

  @Test("--at evaluates at another instant; a bad --at names the option")
  func atOption() async throws {
    let later = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml", "--at", "2026-11-28T10:00:00Z")
    #expect(later.stdoutLines.contains("1005\tforwarded"))
    let bad = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml", "--at", "tomorrow")
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--at 'tomorrow' is not an ISO 8601 time"))
  }
}

@Suite("governor evaluate: content the law requires")
struct EvaluateContentTests {
  func evaluate(html: String, text: String) async throws -> [String] {
    let run = try await GovernorBinary.run(
      "evaluate", "--campaign", "fixtures/campaigns/black-friday.yaml", "--customers",
      "fixtures/customers.yaml", "--policy", "policies/us-can-spam.yaml", "--at",
      "2026-11-27T16:00:00Z", "--html", "fixtures/content/\(html)", "--text",
      "fixtures/content/\(text)")
    #expect(run.status == 0, "\(run.stderr)")
    return run.stdoutLines
  }

  @Test("a mail that shows what CAN-SPAM asks goes; one whose unsubscribe link is hidden does not")
  func canSpamThroughTheBinary() async throws {
    let compliant = try await evaluate(html: "compliant.html", text: "compliant.txt")
    #expect(compliant.contains { $0.contains("missing_") || $0.contains("content.") } == false)
    #expect(compliant.contains("1001\tforwarded"))

    let hidden = try await evaluate(html: "hidden-unsubscribe.html", text: "compliant.txt")
    #expect(
      hidden.contains(
        "\t- content.can_spam: CAN-SPAM requires a visible unsubscribe link (15 U.S.C. "
          + "§7704(a)(5)(A)(ii)); no link a reader can see in the HTML part unsubscribes"),
      "\(hidden)")
  }
}
