import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Compliance reads the audit log over HTTP: filters, cursor pages, one decision by id.
@Suite("Audit routes")
struct AuditRouteTests {
  func outcomes(_ reply: GatewayServer.Reply) -> [String] {
    (reply.json["decisions"] as? [[String: Any]] ?? []).compactMap { $0["message_id"] as? String }
  }

  @Test("filters by outcome, rule, campaign and customer; pages with next_cursor")
  func filtersAndPages() async throws {
    try await GatewayServer.with(capMax: 2) { server in
      for index in 1...4 {
        _ = try await server.call(
          "POST", "/v1/messages", scope: "send", body: GatewayServer.message("a\(index)"))
      }
      _ = try await server.call(
        "POST", "/v1/messages", scope: "send",
        body: GatewayServer.message("b1", customer: "c2", campaign: "autumn"))

      let blocked = try await server.call(
        "GET", "/v1/decisions?outcome=blocked", scope: "audit:read")
      #expect(blocked.status == 200)
      #expect(outcomes(blocked) == ["a4", "a3"])
      #expect(
        outcomes(
          try await server.call("GET", "/v1/decisions?rule=caps.weekly", scope: "audit:read")) == [
            "a4", "a3",
          ])
      #expect(
        outcomes(try await server.call("GET", "/v1/decisions?campaign=autumn", scope: "audit:read"))
          == ["b1"])
      #expect(
        outcomes(
          try await server.call(
            "GET", "/v1/decisions?customer=c1&outcome=forwarded", scope: "audit:read")) == [
            "a2", "a1",
          ])
      #expect(
        outcomes(
          try await server.call(
            "GET", "/v1/decisions?since=2026-11-18T11:06:40Z&until=2026-11-18T11:06:41Z",
            scope: "audit:read")
        ).count == 5)
      #expect(
        outcomes(
          try await server.call(
            "GET", "/v1/decisions?until=2026-11-18T11:06:40Z", scope: "audit:read")
        ).isEmpty)

      var seen: [String] = []
      var path = "/v1/decisions?limit=2"
      while true {
        let page = try await server.call("GET", path, scope: "audit:read")
        seen += outcomes(page)
        guard let cursor = page.json["next_cursor"] as? String else { break }
        path = "/v1/decisions?limit=2&cursor=\(cursor)"
      }
      #expect(seen == ["b1", "a4", "a3", "a2", "a1"])

      let first = try #require((blocked.json["decisions"] as? [[String: Any]])?.first)
      let id = try #require(first["id"] as? String)
      let one = try await server.call("GET", "/v1/decisions/\(id)", scope: "audit:read")
      #expect(one.status == 200)
      #expect(one.json["hash"] as? String == first["hash"] as? String)
      #expect(one.json["rules"] as? [String] == ["caps.weekly"])
      // The record is the hashed content, byte for byte.
      let entry = try #require(try await server.store.decision(id: id))
      #expect(one.text.hasSuffix(#","record":\#(entry.content)}"#))
      #expect(
        try await server.call("GET", "/v1/decisions/dec_nope", scope: "audit:read").status == 404)
    }
  }

  @Test("bad query parameters are a 400 naming the parameter; the scope is audit:read")
  func badQueries() async throws {
    try await GatewayServer.with { server in
      for (query, field) in [
        ("outcome=maybe", "outcome"), ("since=yesterday", "since"), ("limit=0", "limit"),
        ("limit=501", "limit"), ("cursor=abc", "cursor"),
      ] {
        let reply = try await server.call("GET", "/v1/decisions?\(query)", scope: "audit:read")
        #expect(reply.status == 400, "\(query)")
        #expect(reply.problemFields == [field], "\(query)")
      }
      #expect(try await server.call("GET", "/v1/decisions", scope: "send").status == 403)
      #expect(try await server.call("GET", "/v1/decisions", scope: nil).status == 401)
    }
  }
}
