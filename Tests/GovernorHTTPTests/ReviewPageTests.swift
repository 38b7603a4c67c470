import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Compliance reviews blocked and altered sends in a browser: the page over HTTP, then in
/// headless Chromium with a screenshot.
@Suite("Review page")
struct ReviewPageTests {
  /// Four messages to c1 against a cap of 2 (two blocked), one to c2 with a link to clean.
  func sendSome(_ server: GatewayServer) async throws {
    for index in 1...4 {
      _ = try await server.call(
        "POST", "/v1/messages", scope: "send", body: GatewayServer.message("a\(index)"))
    }
    _ = try await server.call(
      "POST", "/v1/messages", scope: "send",
      body: GatewayServer.message("b1", customer: "c2", campaign: "autumn"))
  }

  @Test("the key is required, as a bearer token or as Basic's password (browsers ask for it)")
  func access() async throws {
    try await GatewayServer.with { server in
      let anonymous = try await server.call("GET", "/review", scope: nil)
      #expect(anonymous.status == 401)
      let wrongScope = try await server.call("GET", "/review", scope: "send")
      #expect(wrongScope.status == 403)
      let key = try #require(server.keys["audit:read"])
      let basic = Data("review:\(key)".utf8).base64EncodedString()
      let page = try await server.call(
        "GET", "/review", scope: nil, headers: [("Authorization", "Basic \(basic)")])
      #expect(page.status == 200)
      #expect(page.contentType?.hasPrefix("text/html") == true)
    }
  }

  @Test("filters narrow the list; a decision's page shows its reasons and the policy's lines")
  func listAndDetail() async throws {
    try await GatewayServer.with(capMax: 2) { server in
      try await sendSome(server)
      let held = try await server.call("GET", "/review?view=held", scope: "audit:read")
      #expect(held.text.components(separatedBy: "<td class=\"blocked\">").count - 1 == 2)
      #expect(!held.text.contains("<td class=\"forwarded\">"))
      #expect(held.text.contains(#"id="rule-chart""#))
      let byCampaign = try await server.call(
        "GET", "/review?campaign=autumn", scope: "audit:read")
      #expect(byCampaign.text.components(separatedBy: "<tr><td><a href").count - 1 == 1)
      let none = try await server.call("GET", "/review?code=hard_bounce", scope: "audit:read")
      #expect(none.text.contains(#"id="empty""#))
      let bad = try await server.call("GET", "/review?since=yesterday", scope: "audit:read")
      #expect(bad.status == 400)

      let blocked = try #require(
        try await server.store.decisions(matching: DecisionQuery(outcome: .blocked, limit: 1))
          .first)
      let detail = try await server.call(
        "GET", "/review/decisions/\(blocked.id)", scope: "audit:read")
      #expect(detail.status == 200)
      #expect(detail.text.contains("<strong>caps.weekly</strong> (cap_exceeded, block)"))
      #expect(detail.text.contains(#"<span class="marked">"#))
      let missing = try await server.call(
        "GET", "/review/decisions/dec_nope", scope: "audit:read")
      #expect(missing.status == 404)
    }
  }

  @Test(
    "in Chromium: filtering by outcome, opening a decision; self-contained; a screenshot",
    .enabled(if: HeadlessChromium.isInstalled), .timeLimit(.minutes(1)))
  func inChromium() async throws {
    try await GatewayServer.with(capMax: 2, transport: .live) { server in
      try await sendSome(server)
      let browser = try HeadlessChromium()
      try await browser.open("about:blank")
      try await browser.setHeaders(["Authorization": "Bearer \(server.keys["audit:read"]!)"])
      try await browser.navigate(try #require(server.base) + "/review")
      try await browser.wait(until: "document.getElementById('decisions')")
      #expect(try await browser.evaluate("document.documentElement.lang") as? String == "en")
      #expect(try await browser.evaluate("document.scripts.length") as? Int == 0)
      #expect(
        try await browser.evaluate("performance.getEntriesByType('resource').length") as? Int == 0)
      #expect(
        try await browser.evaluate(
          "[...document.querySelectorAll('input, select')].every(i => i.labels.length === 1)")
          as? Bool == true)
      #expect(
        try await browser.evaluate("document.querySelectorAll('#rule-chart rect').length") as? Int
          ?? 0 > 0)

      // Filter as a person would: pick "blocked", apply.
      _ = try await browser.evaluate(
        """
        document.getElementById('outcome').value = 'blocked';
        document.getElementById('apply').click();
        """)
      try await browser.wait(until: "location.search.includes('outcome=blocked')")
      try await browser.wait(until: "document.getElementById('decisions')")
      #expect(
        try await browser.evaluate("document.querySelectorAll('#decisions tbody tr').length")
          as? Int == 2)
      let screenshot = try await browser.screenshot()
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "governor-test-output")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let file = folder.appendingPathComponent("review-blocked.png")
      try screenshot.write(to: file)
      Attachment.record(screenshot, named: "review-blocked.png")
      print("review page screenshot: \(file.path)")
      #expect(screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]))

      // Open the first decision.
      _ = try await browser.evaluate("document.querySelector('#decisions a').click()")
      try await browser.wait(until: "document.getElementById('reasons')")
      #expect(
        (try await browser.evaluate("document.getElementById('reasons').textContent") as? String)?
          .contains("caps.weekly") == true)
      #expect(
        try await browser.evaluate("document.querySelectorAll('#policy .marked').length") as? Int
          ?? 0 > 0)
    }
  }
}

extension ReviewPageTests {
  @Test("mail around the governor: a report on a message it never decided shows, digest only")
  func bypassShown() async throws {
    try await GatewayServer.with { server in
      let none = try await server.call("GET", "/review", scope: "audit:read")
      #expect(none.text.contains(#"id="bypass-none""#))
      let events = """
        [{"email":"stranger@example.org","event":"delivered","sg_event_id":"x-1",
          "governor_message_id":"sent-around"}]
        """
      _ = try await server.call("POST", "/v1/events/sendgrid", scope: "events:write", body: events)
      let page = try await server.call("GET", "/review", scope: "audit:read")
      #expect(page.text.contains(#"<p id="bypass-count">1 provider report(s)"#))
      #expect(page.text.contains("<td>sendgrid</td><td>delivered</td>"))
      #expect(!page.text.contains("stranger@example.org"))
    }
  }
}
