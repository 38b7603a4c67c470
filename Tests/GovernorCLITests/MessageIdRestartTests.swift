import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// What a message id was used for is kept with its decision: a gateway started again refuses
/// the id for another message and answers a retry of the same one.
@Suite("Message id reuse across a restart")
struct MessageIdRestartTests {
  let server = ServedGovernor()

  static func receipt(customer: String, text: String) -> String {
    """
    {"id":"order-77","customer_id":"\(customer)","to":"\(customer)@example.com",\
    "from":"shop@shop.example","subject":"Your order","text":"\(text)","category":"transactional"}
    """
  }

  @Test("after a restart the same message is a repeat and another one under its id is a 409")
  func afterRestart() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("reuse-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let store = folder + "/governor.sqlite"
    let key = try await server.createKey(store, scope: "send")
    try await LoopbackSink.with { sinkURL, sink in
      let arguments = [
        "--store", store, "--policy", "policies/default.yaml", "--sender",
        "webhook:\(sinkURL)/mail",
      ]
      var firstDecision: String?
      let first = try await server.withServer(arguments) { base, transport in
        let answer = try await server.post(
          transport, base + "/v1/messages", Self.receipt(customer: "c-a", text: "Shipped."),
          key: key)
        #expect(answer.0 == 200)
        firstDecision = (answer.1["record"] as? [String: Any])?["id"] as? String
      }
      #expect(first.status == 0)
      let second = try await server.withServer(arguments) { base, transport in
        let retry = try await server.post(
          transport, base + "/v1/messages", Self.receipt(customer: "c-a", text: "Shipped."),
          key: key)
        #expect(retry.0 == 200)
        #expect(retry.1["repeated"] as? Bool == true)
        let reused = try await server.post(
          transport, base + "/v1/messages", Self.receipt(customer: "c-b", text: "Cancelled."),
          key: key)
        #expect(reused.0 == 409)
        #expect(reused.1["decision_id"] as? String == firstDecision)
      }
      #expect(second.status == 0)
      #expect(second.log.contains("message id reused for another message"))
      #expect(await sink.received.count == 1)
    }
  }
}
