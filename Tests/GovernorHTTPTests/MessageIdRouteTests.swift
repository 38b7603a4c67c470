import Foundation
import Testing

/// A message id reused for a different message, over real HTTP: a 409 problem naming the id
/// and the first decision, nothing sent, counted; the same message again is a repeat.
@Suite("Message id reuse")
struct MessageIdRouteTests {
  func outboxFiles(_ server: GatewayServer) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: server.outbox)) ?? [])
      .filter { $0.hasSuffix(".eml") }.sorted()
  }

  @Test("the same id with another customer or another body is a 409 problem; nothing is sent")
  func reusedId() async throws {
    try await GatewayServer.with { server in
      let receipt = GatewayServer.message("order-1", category: "transactional")
      let first = try await server.call("POST", "/v1/messages", scope: "send", body: receipt)
      #expect(first.status == 200)
      let decisionId = try #require((first.json["record"] as? [String: Any])?["id"] as? String)
      let again = try await server.call("POST", "/v1/messages", scope: "send", body: receipt)
      #expect(again.status == 200)
      #expect(again.json["repeated"] as? Bool == true)

      let otherCustomer = GatewayServer.message(
        "order-1", customer: "c2", category: "transactional")
      let otherBody = receipt.replacingOccurrences(of: #""text":"Hi""#, with: #""text":"Bye""#)
      #expect(otherBody != receipt)
      for body in [otherCustomer, otherBody] {
        let refused = try await server.call("POST", "/v1/messages", scope: "send", body: body)
        #expect(refused.status == 409)
        #expect(refused.contentType == "application/problem+json")
        #expect(refused.json["message_id"] as? String == "order-1")
        #expect(refused.json["decision_id"] as? String == decisionId)
        #expect((refused.json["detail"] as? String)?.contains(decisionId) == true)
      }
      // In a batch, the reused item alone is refused.
      let batch = try await server.call(
        "POST", "/v1/messages/batch", scope: "send",
        body: #"{"messages":[\#(otherCustomer),\#(GatewayServer.message("order-2"))]}"#)
      let results = try #require(batch.json["results"] as? [[String: Any]])
      #expect(results.map { $0["status"] as? Int } == [409, 200])
      #expect(
        (results.first?["problem"] as? [String: Any])?["decision_id"] as? String == decisionId)

      #expect(outboxFiles(server) == ["order-1.eml", "order-2.eml"])
      let decisions = try await server.store.decisions(customerId: "c2")
      #expect(decisions.isEmpty)
      let metrics = try await server.call("GET", "/metrics", scope: nil)
      #expect(metrics.text.contains("governor_message_id_conflicts_total 3"))
    }
  }
}
