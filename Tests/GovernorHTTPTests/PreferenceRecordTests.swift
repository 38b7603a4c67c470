import Foundation
import GovernorService
import Testing

/// The preference page shows the customer their own record (issue 34, point 1): what they
/// agreed to and what they were told, what stops mail to them, the policy's limits in words,
/// what they received in the last 30 days, and whether tracking is on.
@Suite("The customer's record on the preference page")
struct PreferenceRecordTests {
  @Test("consents with their proof, suppressions, limits, recent mail and tracking, in words")
  func recordInWords() async throws {
    try await GatewayServer.with(capMax: 3) { server in
      let given = ISO8601DateFormatter().string(from: GatewayServer.now - 86_400)
      let consent = try await server.call(
        "POST", "/v1/consents",
        body: """
          {"customer_id":"c1","purpose":"marketing","status":"granted","kind":"express",\
          "at":"\(given)","source":"checkout","proof":"Ticked: send me offers by email"}
          """)
      #expect(consent.status == 201)
      // One with no proof: the page must not quote an empty text.
      try await server.gateway.recordConsent(
        ConsentInput.make(customer: "c1", purpose: "tracking", at: GatewayServer.now - 3600))
      for id in ["r1", "r2"] {
        let sent = try await server.call("POST", "/v1/messages", body: GatewayServer.message(id))
        #expect(sent.json["delivery"] != nil)
      }
      let suppressed = try await server.call(
        "POST", "/v1/suppressions",
        body: #"{"customer_id":"c1","reason":"unsubscribed","scope":"all"}"#)
      #expect(suppressed.status == 201)

      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      let page = try await server.call("GET", "/u/\(token)", scope: nil)
      #expect(page.status == 200)
      let text = page.text
      #expect(text.contains("Marketing: given on "), "\(text)")
      #expect(text.contains("(express, via checkout)"))
      #expect(text.contains("What you were told: “Ticked: send me offers by email”"))
      #expect(text.contains("You unsubscribed from all email on "))
      let limits =
        server.gateway.policy.caps.isEmpty
        ? []
        : try #require(
          CustomerLimitsView.items(in: text))
      #expect(!limits.isEmpty && limits.allSatisfy { $0.hasSuffix(".") })
      #expect(text.contains("<li>Marketing: 2 emails</li>"), "\(text)")
      #expect(text.contains("Tracking: given on "))
      #expect(!text.contains("“”"))
      #expect(text.contains(#"id="tracking-state">Open and click tracking is"#))
    }
  }

  @Test("with nothing on record the page says so")
  func emptyRecord() async throws {
    try await GatewayServer.with { server in
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "stranger", scope: .all))
      let text = try await server.call("GET", "/u/\(token)", scope: nil).text
      #expect(text.contains(#"<p id="consents">No consent on record.</p>"#))
      #expect(
        text.contains(#"<p id="suppressions">Nothing: you get the emails you agreed to.</p>"#))
      #expect(text.contains(#"<p id="received">No email.</p>"#))
      #expect(text.contains("Open and click tracking is off for you."))
    }
  }
}

/// The sentences of the page's `limits` list.
enum CustomerLimitsView {
  static func items(in html: String) -> [String]? {
    guard let start = html.range(of: #"<ul id="limits">"#),
      let end = html.range(of: "</ul>", range: start.upperBound..<html.endIndex)
    else { return nil }
    return html[start.upperBound..<end.lowerBound].components(separatedBy: "<li>")
      .compactMap { $0.components(separatedBy: "</li>").first }.filter { !$0.isEmpty }
  }
}
