import Foundation
import GovernorCore
import GovernorDelivery
import TestPeers
import Testing

@Suite("SendGrid sender")
struct SendGridSenderTests {
  @Test("posts v3 mail/send with the bearer key, parts, headers and the message id as custom arg")
  func mailSend() async throws {
    try await LoopbackSink.with(
      script: [.init(status: 202, headers: ["X-Message-Id": "sg-abc"])]
    ) { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let sender = SendGridSender(
        base: base, apiKey: "SG.test-key", delivery: HTTPDelivery(transport: transport))
      #expect(
        await sender.deliver(sample, tracking: .allowed)
          == .delivered(reference: "sg-abc", attempts: 1))
      let request = try #require(await sink.received.first)
      #expect(request.path == "/v3/mail/send")
      #expect(request.headers["authorization"] == "Bearer SG.test-key")
      let body = try #require(
        try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
      #expect(body["subject"] as? String == "Día de ofertas")
      #expect(body["from"] as? [String: String] == ["email": "news@shop.example", "name": "Shop"])
      let personalization = try #require((body["personalizations"] as? [[String: Any]])?.first)
      #expect(personalization["to"] as? [[String: String]] == [["email": "ana@example.com"]])
      #expect(
        personalization["custom_args"] as? [String: String] == [
          "governor_message_id": "bf26-1001", "governor_customer_id": "1001",
          "governor_category": "marketing",
        ])
      #expect(
        (body["content"] as? [[String: String]])?.map { $0["type"] } == ["text/plain", "text/html"])
      #expect((body["headers"] as? [String: String])?["X-Campaign"] == "bf26")
      #expect(body["categories"] as? [String] == ["marketing"])
    }
  }

  @Test("a rejected key is not retried and says why")
  func unauthorized() async throws {
    try await LoopbackSink.with(script: [
      .init(status: 401, body: #"{"errors":[{"message":"bad key"}]}"#)
    ]) {
      base, sink in
      let sender = SendGridSender(
        base: base, apiKey: "wrong",
        delivery: HTTPDelivery(transport: CurlTransport(configuration: .init(maxConcurrent: 1))))
      let result = await sender.deliver(sample, tracking: .allowed)
      #expect(
        result == .failed(reason: #"HTTP 401: {"errors":[{"message":"bad key"}]}"#, attempts: 1))
      #expect(await sink.received.count == 1)
    }
  }
}

@Suite("--sender")
struct SenderSpecificationTests {
  func make(_ text: String, _ environment: [String: String] = [:]) throws -> any MailSender {
    try SenderSpecification.make(text, environment: environment) {
      HTTPDelivery(transport: CurlTransport(configuration: .init(maxConcurrent: 1)))
    }
  }

  @Test("each kind builds its sender")
  func kinds() throws {
    #expect(try make("outbox:./data/outbox").description == "outbox:./data/outbox")
    #expect(
      try make("webhook:http://127.0.0.1:9000/m").description == "webhook:http://127.0.0.1:9000/m")
    #expect(
      try make("sendgrid:https://api.sendgrid.com", ["SENDGRID_API_KEY": "k"]).description
        == "sendgrid:https://api.sendgrid.com")
    #expect(
      try make(
        "ses:https://email.eu-west-1.amazonaws.com",
        ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"]
      ).description == "ses:https://email.eu-west-1.amazonaws.com")
  }

  @Test("mistakes are named: unknown kind, no URL, a missing secret")
  func mistakes() {
    #expect(
      throws: SenderSetupError(
        "--sender: unknown kind 'smtp'; expected outbox, webhook, sendgrid or ses")
    ) {
      try make("smtp:mail.example")
    }
    #expect(throws: SenderSetupError("--sender webhook: 'localhost' is not an http(s) URL")) {
      try make("webhook:localhost")
    }
    #expect(throws: SenderSetupError("--sender sendgrid: set SENDGRID_API_KEY")) {
      try make("sendgrid:https://api.sendgrid.com")
    }
    #expect(
      throws: SenderSetupError("--sender ses: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    ) {
      try make("ses:https://email.eu-west-1.amazonaws.com")
    }
    #expect(
      throws: SenderSetupError(
        "--sender 'outbox': expected outbox:PATH, webhook:URL, sendgrid:URL or ses:URL")
    ) {
      try make("outbox")
    }
  }
}
