import Foundation
import GovernorCore
import GovernorHTTP
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing

/// RFC 2369 / RFC 8058 headers on forwarded mail, and what comes back through them, over real
/// HTTP.
@Suite struct UnsubscribeRouteTests {
  /// The forwarded .eml's header value, unfolded.
  static func header(_ name: String, in server: GatewayServer, message id: String) throws
    -> String?
  {
    let eml = try String(contentsOfFile: server.outbox + "/\(id).eml", encoding: .utf8)
    let head = eml.components(separatedBy: "\r\n\r\n")[0]
    let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ")
      .replacingOccurrences(of: "\r\n\t", with: " ")
    return unfolded.components(separatedBy: "\r\n").first {
      $0.lowercased().hasPrefix(name.lowercased() + ":")
    }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
  }

  static func token(in listUnsubscribe: String) throws -> String {
    let range = try #require(
      listUnsubscribe.range(
        of: #"https://mail\.example\.com/u/[A-Za-z0-9_\-.]+"#, options: .regularExpression))
    return String(listUnsubscribe[range].split(separator: "/").last ?? "")
  }

  @Test func forwardedMarketingMailCarriesSignedOneClickHeaders() async throws {
    try await GatewayServer.with { server in
      #expect(
        try await server.call("POST", "/v1/messages", body: GatewayServer.message("m1")).status
          == 200)
      let list = try #require(try Self.header("List-Unsubscribe", in: server, message: "m1"))
      #expect(list.hasPrefix("<https://mail.example.com/u/"))
      // The mailto carries the same token, so mail to it can name the customer.
      let token = try #require(list.split(separator: ">").first?.split(separator: "/").last)
      #expect(list.hasSuffix(", <mailto:unsubscribe@example.com?subject=unsubscribe%20\(token)>"))
      #expect(
        try Self.header("List-Unsubscribe-Post", in: server, message: "m1")
          == "List-Unsubscribe=One-Click")
      let grant = server.gateway.unsubscribeTokens.grant(for: try Self.token(in: list))
      #expect(grant == UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      let decision = try await server.call(
        "GET", "/v1/decisions?customer_id=c1", scope: "audit:read")
      #expect(decision.text.contains(#""kind":"list_unsubscribe_added""#))

      // Transactional mail is not covered by the policy's list_unsubscribe.
      _ = try await server.call(
        "POST", "/v1/messages", body: GatewayServer.message("t1", category: "transactional"))
      #expect(try Self.header("List-Unsubscribe", in: server, message: "t1") == nil)
    }
  }

  @Test func validHeadersFromTheCampaignToolAreKeptInvalidOnesReplaced() async throws {
    try await GatewayServer.with(capMax: 5) { server in
      let own = """
        {"id":"own","customer_id":"c1","to":"c1@example.com","from":"news@shop.example",\
        "subject":"Hi","text":"Hi","category":"marketing","headers":{\
        "List-Unsubscribe":"<https://esp.example/unsub/42>, <mailto:u@esp.example>",\
        "List-Unsubscribe-Post":"List-Unsubscribe=One-Click"}}
        """
      #expect(try await server.call("POST", "/v1/messages", body: own).status == 200)
      #expect(
        try Self.header("List-Unsubscribe", in: server, message: "own")
          == "<https://esp.example/unsub/42>, <mailto:u@esp.example>")

      let broken = """
        {"id":"broken","customer_id":"c2","to":"c2@example.com","from":"news@shop.example",\
        "subject":"Hi","text":"Hi","category":"marketing","headers":{\
        "list-unsubscribe":"http://esp.example/unsub/42"}}
        """
      #expect(try await server.call("POST", "/v1/messages", body: broken).status == 200)
      let replaced = try #require(
        try Self.header("List-Unsubscribe", in: server, message: "broken"))
      #expect(replaced.hasPrefix("<https://mail.example.com/u/"))
      #expect(!replaced.contains("esp.example"))
      let decisions = try await server.call(
        "GET", "/v1/decisions?customer_id=c2", scope: "audit:read")
      #expect(decisions.text.contains(#""kind":"list_unsubscribe_replaced""#))
    }
  }

  @Test func oneClickPostUnsubscribesAtOnceAndOnlyOnce() async throws {
    try await GatewayServer.with(capMax: 5) { server in
      _ = try await server.call("POST", "/v1/messages", body: GatewayServer.message("m1"))
      let token = try Self.token(
        in: try #require(try Self.header("List-Unsubscribe", in: server, message: "m1")))
      for _ in 0..<2 {
        let reply = try await server.call(
          "POST", "/u/\(token)", scope: nil, body: "List-Unsubscribe=One-Click",
          contentType: "application/x-www-form-urlencoded")
        #expect(reply.status == 200)
        #expect(reply.json["scope"] as? String == "marketing")
      }
      let export = try #require(try await server.store.exportCustomer("c1"))
      #expect(export.suppressions.count == 1)
      #expect(export.suppressions.first?.suppression.reason == .unsubscribed)
      #expect(
        export.suppressions.first?.suppression.source == "list-unsubscribe one-click (RFC 8058)")

      let next = try await server.call("POST", "/v1/messages", body: GatewayServer.message("m2"))
      #expect(next.outcome == "blocked")
      #expect(next.codes == ["unsubscribed"])
      // The other customer and transactional mail are untouched.
      let other = try await server.call(
        "POST", "/v1/messages", body: GatewayServer.message("o1", customer: "c2"))
      #expect(other.outcome == "forwarded")
      let receipt = try await server.call(
        "POST", "/v1/messages", body: GatewayServer.message("r1", category: "transactional"))
      #expect(receipt.outcome == "forwarded")
    }
  }

  @Test func oneClickAsMultipartIsHonoured() async throws {
    try await GatewayServer.with { server in
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c2", scope: .category("marketing")))
      let body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n"
      let reply = try await server.call(
        "POST", "/u/\(token)", scope: nil, body: body,
        contentType: "multipart/form-data; boundary=XyZ")
      #expect(reply.status == 200)
      #expect(try await server.store.exportCustomer("c2")?.suppressions.count == 1)
    }
  }

  @Test func aTamperedTokenGets400AndChangesNothing() async throws {
    try await GatewayServer.with { server in
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      // Another customer's grant, sealed under another secret.
      let forged = UnsubscribeTokens.ephemeral().token(
        for: UnsubscribeGrant(customerId: "c2", scope: .category("marketing")))
      var lastTagCharacter = String(token.last ?? "A")
      lastTagCharacter = lastTagCharacter == "A" ? "B" : "A"
      let flipped = String(token.dropLast()) + lastTagCharacter
      for bad in [forged, flipped, "garbage", String(token.dropLast(8))] {
        let reply = try await server.call(
          "POST", "/u/\(bad)", scope: nil, body: "List-Unsubscribe=One-Click",
          contentType: "application/x-www-form-urlencoded")
        #expect(reply.status == 400, "\(bad)")
        #expect(reply.contentType == "application/problem+json")
        #expect(try await server.call("GET", "/u/\(bad)", scope: nil).status == 400)
      }
      #expect(try await server.store.exportCustomer("c1")?.suppressions.isEmpty == true)
      #expect(try await server.store.exportCustomer("c2")?.suppressions.isEmpty == true)
    }
  }

  @Test func aPostWithoutOneClickOrAChoiceIsRefused() async throws {
    try await GatewayServer.with { server in
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      let reply = try await server.call(
        "POST", "/u/\(token)", scope: nil, body: "List-Unsubscribe=Maybe",
        contentType: "application/x-www-form-urlencoded")
      #expect(reply.status == 400)
      #expect(reply.text.contains("One-Click"))
      #expect(try await server.store.exportCustomer("c1")?.suppressions.isEmpty == true)
    }
  }

  @Test func thePreferencePageShowsAndSavesChoices() async throws {
    try await GatewayServer.with { server in
      try await server.gateway.recordConsent(
        ConsentInput.make(customer: "c1", purpose: "tracking", at: GatewayServer.now - 3600))
      let token = server.gateway.unsubscribeTokens.token(
        for: UnsubscribeGrant(customerId: "c1", scope: .category("marketing")))
      let page = try await server.call("GET", "/u/\(token)", scope: nil)
      #expect(page.status == 200)
      #expect(page.contentType == "text/html; charset=utf-8")
      #expect(page.text.contains(#"<html lang="en">"#))
      #expect(page.text.contains(#"<label for="frequency-weekly">"#))
      #expect(page.text.contains(#"id="tracking-off""#))
      #expect(!page.text.contains("<script"))
      #expect(!page.text.contains("http://") && !page.text.contains("https://"))

      let saved = try await server.call(
        "POST", "/u/\(token)", scope: nil, body: "choice=save&frequency=weekly&tracking_off=1",
        contentType: "application/x-www-form-urlencoded")
      #expect(saved.status == 200)
      #expect(saved.text.contains("Saved: at most 1 email in 7d."))
      #expect(saved.text.contains(#"id="tracking-is-off""#))
      let state = try #require(try await server.store.customerState("c1", sendsSince: .distantPast))
      #expect(
        state.frequencyPreference == FrequencyPreference(max: 1, window: .rolling(seconds: 604_800))
      )
      #expect(state.latestConsent(for: "tracking")?.status == .withdrawn)
      #expect(state.latestConsent(for: "tracking")?.source == "preference page")
      let export = try #require(try await server.store.exportCustomer("c1"))
      let frequency = export.preferenceChanges.filter { $0.kind == "frequency" }
      #expect(frequency.map(\.value) == ["max 1 within 7d"])
      #expect(frequency.map(\.source) == ["preference page"])

      let all = try await server.call(
        "POST", "/u/\(token)", scope: nil, body: "choice=unsubscribe_all",
        contentType: "application/x-www-form-urlencoded")
      #expect(all.text.contains("You are unsubscribed from all emails"))
      #expect(
        try await server.store.exportCustomer("c1")?.suppressions.map(\.suppression.scope) == [.all]
      )
    }
  }
}

extension ConsentInput {
  static func make(customer: String, purpose: String, at: Date) throws -> ConsentInput {
    let json = """
      {"customer_id":"\(customer)","purpose":"\(purpose)","status":"granted",\
      "at":"\(ISO8601DateFormatter().string(from: at))","source":"signup form"}
      """
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(ConsentInput.self, from: Data(json.utf8))
  }
}

extension UnsubscribeRouteTests {
  @Test("the policy's Feedback-ID replaces the campaign tool's on the mail that leaves")
  func feedbackIDOnForwardedMail() async throws {
    let policy = try ServiceFixture.consentOnlyPolicy(
      name: "feedback",
      extra: """
        headers:
          feedback_id:
            sender_id: ShopNews01
        """)
    try await GatewayServer.with(policy: policy) { server in
      let body = GatewayServer.message("m1").replacingOccurrences(
        of: #""category""#,
        with: #""headers":{"Feedback-ID":"c1@example.com:x:y:Other"},"category""#)
      let reply = try await server.call("POST", "/v1/messages", body: body)
      #expect(reply.outcome == "forwarded", "\(reply.text)")
      #expect(
        try Self.header("Feedback-ID", in: server, message: "m1") == "spring:marketing:ShopNews01")
      let receipt = try await server.call(
        "POST", "/v1/messages",
        body: GatewayServer.message("r1", category: "transactional"))
      #expect(receipt.outcome == "forwarded")
      #expect(try Self.header("Feedback-ID", in: server, message: "r1") == nil)
    }
  }
}
