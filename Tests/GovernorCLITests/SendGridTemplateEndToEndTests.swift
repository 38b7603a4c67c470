import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// `template_id` through the real binary and SendGrid's SDK: passed through to a `sendgrid:`
/// sender (a loopback sink standing in for SendGrid), refused for any other.
@Suite("SendGrid templates, the official SDK end to end")
struct SendGridTemplateEndToEndTests {
  let server = ServedGovernor()

  static func spec(base: String, key: String) -> [String: Any] {
    [
      "host": base, "key": key, "from": "news@shop.example", "template_id": "d-spring",
      "personalizations": [
        [
          "to": ["fwd1@example.com"], "dynamic_template_data": ["first_name": "Ann", "n": [1, 2]],
        ],
        ["to": ["unsub@example.com"], "dynamic_template_data": ["first_name": "Una"]],
      ],
      "categories": ["Promotions"],
    ]
  }

  @Test("to a sendgrid: sender: template_id and each recipient's data forwarded, body_not_seen")
  func passedThrough() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let environment = ProcessInfo.processInfo.environment.merging([
      "GOVERNOR_UNSUBSCRIBE_SECRET": ServedGovernor.unsubscribeSecret,
      "SENDGRID_API_KEY": "SG.downstream-key",
    ]) { $1 }
    try await LoopbackSink.with(script: [.init(status: 202, headers: ["X-Message-Id": "sg-1"])]) {
      sinkURL, sink in
      try await setup.serve(
        policy: SendGridEndToEndTests.policy, environment: environment,
        sender: "sendgrid:\(sinkURL)"
      ) { base in
        let result = try await ProviderClient.run(
          "sendgrid_client.py", Self.spec(base: base, key: setup.key))
        #expect(result["status"] as? Int == 202, "\(result)")
        let headers = try #require(result["headers"] as? [String: String])
        #expect(headers["X-Governor-Outcomes"] == "forwarded=1, blocked=1, deferred=0")
        let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
        defer { transport.shutdown() }
        let requestId = try #require(headers["X-Message-Id"])
        let (_, page) = try await server.get(
          transport, base + "/v1/decisions?request=\(requestId)", key: setup.admin)
        let rows = try #require(page["decisions"] as? [[String: Any]])
        let forwarded = try #require(rows.first { $0["outcome"] as? String == "forwarded" })
        #expect(forwarded["message_id"] as? String == "sg:\(requestId)/fwd1@example.com")
        let decision = (forwarded["record"] as? [String: Any])?["decision"] as? [String: Any]
        let kinds = (decision?["modifications"] as? [[String: Any]] ?? []).compactMap {
          $0["kind"] as? String
        }
        #expect(kinds.contains("body_not_seen"), "\(forwarded)")
      }
      let received = await sink.received
      #expect(received.count == 1, "only the forwarded recipient")
      let request = try #require(received.first)
      #expect(request.path == "/v3/mail/send")
      #expect(request.headers["authorization"] == "Bearer SG.downstream-key")
      let body = try #require(
        try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
      #expect(body["template_id"] as? String == "d-spring")
      #expect(body["content"] == nil, "the sender renders the body")
      let personalization = try #require(
        (body["personalizations"] as? [[String: Any]])?.first)
      let data = try #require(personalization["dynamic_template_data"] as? [String: Any])
      #expect(data["first_name"] as? String == "Ann")
      #expect(data["n"] as? [Int] == [1, 2])
      let sentHeaders = try #require(body["headers"] as? [String: String])
      #expect(sentHeaders["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
    }
  }

  @Test("to any other sender: refused whole, 400 naming the template, nothing sent")
  func refusedElsewhere() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let result = try await ProviderClient.run(
        "sendgrid_client.py", Self.spec(base: base, key: setup.key))
      #expect(result["status"] as? Int == 400, "\(result)")
      #expect(result["exception"] as? String == "BadRequestsError")
      #expect((result["body"] as? String)?.contains("--sender sendgrid:URL") == true, "\(result)")
    }
    #expect(setup.sent.isEmpty)
  }
}
