import Foundation
import GovernorCore
import GovernorStore
import Testing

/// `POST /v1/messages/batch` over real HTTP: per-item results, one bad item fails nothing else.
@Suite("Batch route")
struct MessageRouteTests {
  @Test("each item gets its own result; an invalid item is refused alone, naming its field")
  func perItemResults() async throws {
    try await GatewayServer.with { server in
      let items = [
        GatewayServer.message("b1"),
        #"{"id":"b2","customer_id":"c1","from":"news@shop.example","subject":"x","text":"x","category":"marketing"}"#,
        GatewayServer.message("b3", customer: "c2"),
        GatewayServer.message("b4", category: "nonsense"),
        "42",
      ]
      let reply = try await server.call(
        "POST", "/v1/messages/batch", scope: "send",
        body: #"{"messages":[\#(items.joined(separator: ","))]}"#)
      #expect(reply.status == 200)
      let results = try #require(reply.json["results"] as? [[String: Any]])
      #expect(results.map { $0["index"] as? Int } == [0, 1, 2, 3, 4])
      #expect(results.map { $0["status"] as? Int } == [200, 422, 200, 422, 400])
      let problem = try #require(results[1]["problem"] as? [String: Any])
      let fields = (problem["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
      #expect(fields == ["to"])
      let unknownCategory = try #require(results[3]["problem"] as? [String: Any])
      #expect((unknownCategory["detail"] as? String)?.contains("category") == true)
      let delivered = results.compactMap {
        ($0["delivery"] as? [String: Any])?["status"] as? String
      }
      #expect(delivered == ["sent", "sent"])
      // Nothing was stored for the refused items.
      #expect(try await server.store.decision(messageId: "b2") == nil)
      #expect(try await server.store.decision(messageId: "b4") == nil)
      #expect(
        try await server.store.ledger(status: .sent).map(\.messageId).sorted() == ["b1", "b3"])
    }
  }

  @Test("one customer's items are decided in the order given: the cap takes the first ones")
  func orderWithinCustomer() async throws {
    try await GatewayServer.with(capMax: 2) { server in
      let items =
        (1...4).map { GatewayServer.message("o\($0)") }
        + (1...2).map { GatewayServer.message("p\($0)", customer: "c2") }
      let reply = try await server.call(
        "POST", "/v1/messages/batch", scope: "send",
        body: #"{"messages":[\#(items.joined(separator: ","))]}"#)
      let results = try #require(reply.json["results"] as? [[String: Any]])
      let outcomes = results.map {
        (($0["record"] as? [String: Any])?["decision"] as? [String: Any])?["outcome"] as? String
      }
      #expect(
        outcomes == ["forwarded", "forwarded", "blocked", "blocked", "forwarded", "forwarded"])
    }
  }

  @Test("a body that is not a batch is refused whole: bad JSON 400, no messages 422, too many 422")
  func wholeBatchRefused() async throws {
    try await GatewayServer.with { server in
      let notJSON = try await server.call(
        "POST", "/v1/messages/batch", scope: "send", body: "{nope")
      #expect(notJSON.status == 400)
      #expect(notJSON.contentType == "application/problem+json")
      let empty = try await server.call(
        "POST", "/v1/messages/batch", scope: "send", body: #"{"messages":[]}"#)
      #expect(empty.status == 422)
      #expect(empty.problemFields == ["messages"])
      let tooMany = Array(repeating: GatewayServer.message("same"), count: 501)
      let over = try await server.call(
        "POST", "/v1/messages/batch", scope: "send",
        body: #"{"messages":[\#(tooMany.joined(separator: ","))]}"#)
      #expect(over.status == 422)
      let forbidden = try await server.call(
        "POST", "/v1/messages/batch", scope: "audit:read", body: #"{"messages":[]}"#)
      #expect(forbidden.status == 403)
    }
  }
}
