import Foundation
import GovernorCore
import GovernorStore
import Testing

/// `GET /v1/customers/{id}`, its export and erasure, over real HTTP.
@Suite("Customer routes")
struct CustomerRouteTests {
  @Test(
    "the overview shows consent, active suppressions, recent sends and when each category is next allowed"
  )
  func overview() async throws {
    try await GatewayServer.with(capMax: 2) { server in
      for id in ["s1", "s2"] {
        _ = try await server.call(
          "POST", "/v1/messages", scope: "send", body: GatewayServer.message(id))
      }
      let added = try await server.call(
        "POST", "/v1/suppressions", scope: "consent:write",
        body: #"{"customer_id":"c1","reason":"manual","scope":"transactional"}"#)
      let suppressionId = try #require(added.json["id"] as? String)

      let reply = try await server.call("GET", "/v1/customers/c1", scope: "send")
      #expect(reply.status == 200)
      let body = reply.json
      #expect((body["profile"] as? [String: Any])?["email"] as? String == "c1@example.com")
      let consents = try #require(body["consents"] as? [[String: Any]])
      #expect(consents.map { $0["purpose"] as? String } == ["marketing"])
      let suppressions = try #require(body["suppressions"] as? [[String: Any]])
      #expect(suppressions.map { $0["id"] as? String } == [suppressionId])
      let sends = try #require(body["recent_sends"] as? [[String: Any]])
      #expect(Set(sends.compactMap { $0["message_id"] as? String }) == ["s1", "s2"])
      let eligibility = try #require(body["eligibility"] as? [[String: Any]])
      let byCategory = Dictionary(
        uniqueKeysWithValues: eligibility.map { ($0["category"] as? String ?? "", $0) })
      // Two sends of a weekly cap of 2: marketing is next allowed a week after the first.
      let marketing = try #require(byCategory["marketing"])
      #expect(marketing["eligible_now"] as? Bool == false)
      #expect(marketing["next_eligible_at"] as? String == "2026-11-25T11:06:40Z")
      let codes = (marketing["reasons"] as? [[String: Any]])?.compactMap { $0["rule"] as? String }
      #expect(codes == ["caps.weekly"])
      // Suppressed for transactional: no time lifts that.
      let transactional = try #require(byCategory["transactional"])
      #expect(transactional["eligible_now"] as? Bool == false)
      #expect(transactional["next_eligible_at"] is NSNull)

      let fresh = try await server.call("GET", "/v1/customers/c2", scope: "audit:read")
      let freshEligibility = try #require(fresh.json["eligibility"] as? [[String: Any]])
      #expect(freshEligibility.allSatisfy { $0["eligible_now"] as? Bool == true })

      let unknown = try await server.call("GET", "/v1/customers/nobody", scope: "send")
      #expect(unknown.status == 404)
      #expect(unknown.contentType == "application/problem+json")
      #expect(
        try await server.call("GET", "/v1/customers/c1", scope: "consent:write").status == 403)
    }
  }

  @Test("a customer first seen in a message exists afterwards, and their view lists that send")
  func firstSeenInAMessage() async throws {
    try await GatewayServer.with { server in
      let receipt = GatewayServer.message("hello-1", customer: "1001", category: "transactional")
      #expect(
        try await server.call("POST", "/v1/messages", scope: "send", body: receipt).status == 200)
      let view = try await server.call("GET", "/v1/customers/1001", scope: "send")
      #expect(view.status == 200)
      #expect((view.json["profile"] as? [String: Any])?["email"] as? String == "1001@example.com")
      let sends = view.json["recent_sends"] as? [[String: Any]] ?? []
      #expect(sends.compactMap { $0["message_id"] as? String } == ["hello-1"])
      // Blocked (no consent): known, with no address taken from it.
      let offer = GatewayServer.message("offer-1", customer: "2002")
      #expect(
        try await server.call("POST", "/v1/messages", scope: "send", body: offer).status == 200)
      let blocked = try await server.call("GET", "/v1/customers/2002", scope: "send")
      #expect(blocked.status == 200)
      #expect((blocked.json["profile"] as? [String: Any])?["email"] == nil)
    }
  }

  @Test(
    "export (admin) returns everything held; erase (admin) removes it and keeps the audit log whole"
  )
  func exportAndErase() async throws {
    try await GatewayServer.with { server in
      _ = try await server.call(
        "POST", "/v1/messages", scope: "send", body: GatewayServer.message("e1"))
      #expect(
        try await server.call("GET", "/v1/customers/c1/export", scope: "audit:read").status == 403)
      let export = try await server.call("GET", "/v1/customers/c1/export", scope: "admin")
      #expect(export.status == 200)
      let decisions = try #require(export.json["decisions"] as? [[String: Any]])
      #expect(decisions.count == 1)
      #expect((export.json["sends"] as? [[String: Any]])?.count == 1)

      #expect(try await server.call("DELETE", "/v1/customers/c1", scope: "send").status == 403)
      #expect(try await server.call("DELETE", "/v1/customers/c1", scope: "admin").status == 204)
      #expect(try await server.call("GET", "/v1/customers/c1", scope: "admin").status == 404)
      #expect(try await server.call("DELETE", "/v1/customers/c1", scope: "admin").status == 404)
      #expect(try await server.store.verifyAudit().intact)
      #expect(try await server.store.decisions(customerId: "c1").count == 1)
    }
  }
}
