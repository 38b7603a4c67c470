import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Campaign tools ask what a campaign would do, over HTTP, with nothing recorded.
@Suite("Dry-run route")
struct DryRunRouteTests {
  static func body(recipients: [String], campaign: String = "spring") -> String {
    let list = recipients.map { #"{"customer_id":"\#($0)","email":"\#($0)@example.com"}"# }
    return """
      {"campaign":{"id":"\(campaign)","category":"marketing","from":"news@shop.example",
       "subject":"Spring","html":"<a href=\\"https://shop.example/?utm_source=x&amp;id=2\\">Shop</a>"},
       "recipients":[\(list.joined(separator: ","))]}
      """
  }

  func lines(_ reply: GatewayServer.Reply) throws -> [[String: Any]] {
    try reply.text.split(separator: "\n").map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }

  @Test("one NDJSON line per recipient, then the summary; a customer listed twice is capped")
  func streams() async throws {
    try await GatewayServer.with(capMax: 1) { server in
      let reply = try await server.call(
        "POST", "/v1/dry-run", scope: "dry-run",
        body: Self.body(recipients: ["c1", "c2", "c1", "stranger"]))
      #expect(reply.status == 200)
      #expect(reply.contentType == "application/x-ndjson")
      let rows = try lines(reply)
      #expect(rows.count == 5)
      #expect(
        rows.prefix(4).map { $0["outcome"] as? String } == [
          "forwarded", "forwarded", "blocked", "blocked",
        ])
      #expect(
        (rows[0]["modifications"] as? [String: Int])?["list_unsubscribe_added"] == 1)
      let summary = try #require(rows[4]["summary"] as? [String: Any])
      #expect(summary["recipients"] as? Int == 4)
      #expect(summary["blocked"] as? Int == 2)
      #expect((summary["reasons"] as? [String: Int])?["consent_missing"] == 1)
      // Nothing was recorded: no decision, no reserved send.
      #expect(try await server.store.decisions(matching: DecisionQuery()).isEmpty)
      #expect(try await server.store.ledger(status: .reserved).isEmpty)
    }
  }

  @Test("a thousand-and-more recipients stream in batches, in the order given")
  func large() async throws {
    try await GatewayServer.with(capMax: 3) { server in
      let recipients = (0..<4_500).map { "p\($0)" }
      let reply = try await server.call(
        "POST", "/v1/dry-run", scope: "dry-run", body: Self.body(recipients: recipients))
      let rows = try lines(reply)
      #expect(rows.count == 4_501)
      #expect(rows[4_499]["customer_id"] as? String == "p4499")
    }
  }

  @Test("bad input is a problem+json naming the field; the scope is required")
  func refusals() async throws {
    try await GatewayServer.with { server in
      let empty = try await server.call(
        "POST", "/v1/dry-run", scope: "dry-run",
        body:
          #"{"campaign":{"id":"","category":"marketing","from":"a","subject":"s"},"recipients":[{"customer_id":" "}]}"#
      )
      #expect(empty.status == 422)
      #expect(empty.problemFields == ["campaign.id", "campaign.html", "recipients[0].customer_id"])
      let missing = try await server.call(
        "POST", "/v1/dry-run", scope: "dry-run", body: #"{"recipients":[]}"#)
      #expect(missing.problemFields == ["campaign"])
      let wrongScope = try await server.call(
        "POST", "/v1/dry-run", scope: "send", body: Self.body(recipients: ["c1"]))
      #expect(wrongScope.status == 403)
    }
  }
}
