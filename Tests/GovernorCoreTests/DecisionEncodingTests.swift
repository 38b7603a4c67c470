import Foundation
import GovernorCore
import Testing

@Suite("Decision JSON")
struct DecisionEncodingTests {
  @Test("a decision encodes as the contract describes: outcome, reasons with facts, not_before")
  func contractShape() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let state = customer(sends: [
      ("2026-11-20T10:00:00Z", "marketing"), ("2026-11-22T10:00:00Z", "marketing"),
      ("2026-11-24T10:00:00Z", "marketing"),
    ])
    let decision = engine.decide(state, at: "2026-11-26T12:00:00Z")
    let data = try StateDocuments.jsonEncoder().encode(decision)
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(json["message_id"] as? String == "m1")
    #expect(json["outcome"] as? String == "blocked")
    #expect(json["not_before"] as? String == "2026-11-27T10:00:00Z")
    let policy = try #require(json["policy"] as? [String: String])
    #expect(policy["name"] == "default" && policy["version"]?.hasPrefix("sha256:") == true)
    let reasons = try #require(json["reasons"] as? [[String: Any]])
    #expect(reasons.count == 1)
    #expect(reasons[0]["rule"] as? String == "caps.weekly")
    #expect(reasons[0]["code"] as? String == "cap_exceeded")
    #expect(reasons[0]["effect"] as? String == "block")
    #expect(
      reasons[0]["message"] as? String
        == "3 of 3 marketing/newsletter sends in the last 7 days; the next slot opens at "
        + "2026-11-27T10:00:00Z")
    let facts = try #require(reasons[0]["facts"] as? [String: Any])
    #expect(
      facts["send_times"] as? [String] == [
        "2026-11-20T10:00:00Z", "2026-11-22T10:00:00Z", "2026-11-24T10:00:00Z",
      ])
    #expect(json["modifications"] as? [Any] != nil)
  }

  @Test("a forwarded decision has no reasons and a null not_before")
  func forwardedShape() throws {
    let engine = Engine(policy: try shippedPolicy("default"))
    let data = try StateDocuments.jsonEncoder(pretty: false).encode(
      engine.decide(customer(), at: "2026-11-26T12:00:00Z"))
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(#""outcome":"forwarded""#))
    #expect(text.contains(#""reasons":[]"#))
    #expect(text.contains(#""not_before":null"#))
  }

  @Test("messages decode from the gateway's JSON body")
  func messageDecodes() throws {
    let body = #"""
      {"id": "bf26-1001", "customer_id": "1001", "to": "ana@example.com",
       "from": "Shop News <news@shop.example>", "subject": "Black Friday starts now",
       "html": "<p>Hi</p>", "headers": {"X-Campaign": "bf26"}, "category": "marketing",
       "campaign_id": "bf26"}
      """#
    let decoded = try JSONDecoder().decode(Message.self, from: Data(body.utf8))
    #expect(decoded.id == "bf26-1001" && decoded.customerId == "1001")
    #expect(decoded.headers == ["X-Campaign": "bf26"] && decoded.campaignId == "bf26")
    #expect(decoded.text == nil && decoded.receivedAt == nil)
  }
}
