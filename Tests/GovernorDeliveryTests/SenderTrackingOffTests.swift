import Foundation
import GovernorCore
import GovernorDelivery
import TestPeers
import Testing

/// What each sender's service is told when the recipient did not consent to tracking, read
/// from the request the sink (or moto) received.
@Suite("Senders: the service's own tracking switched off")
struct SenderTrackingOffTests {
  static func json(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  static func delivery() -> (HTTPDelivery, CurlTransport) {
    let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
    return (HTTPDelivery(transport: transport, pause: { _ in }), transport)
  }

  @Test(
    "SendGrid: open, click (text too) and Google Analytics tracking off; none said with consent")
  func sendGrid() async throws {
    try await LoopbackSink.with(script: [.init(status: 202), .init(status: 202)]) { base, sink in
      let (delivery, transport) = Self.delivery()
      defer { transport.shutdown() }
      let sender = SendGridSender(base: base, apiKey: "SG.k", delivery: delivery)
      _ = await sender.deliver(sample, tracking: .disabled)
      _ = await sender.deliver(sample, tracking: .allowed)
      let bodies = try await sink.received.map { try Self.json($0.body) }
      try #require(bodies.count == 2)
      let settings = try #require(bodies[0]["tracking_settings"] as? [String: [String: Bool]])
      #expect(
        settings == [
          "open_tracking": ["enable": false],
          "click_tracking": ["enable": false, "enable_text": false],
          "ganalytics": ["enable": false],
        ])
      #expect(bodies[1]["tracking_settings"] == nil)
    }
  }

  @Test("SendGrid: only what the rules forbid is switched off")
  func sendGridPartly() async throws {
    try await LoopbackSink.with(script: [.init(status: 202)]) { base, sink in
      let (delivery, transport) = Self.delivery()
      defer { transport.shutdown() }
      let sender = SendGridSender(base: base, apiKey: "SG.k", delivery: delivery)
      _ = await sender.deliver(
        sample, tracking: SenderTracking(opens: true, clicks: false, linkParameters: true))
      let body = try Self.json(try #require(await sink.received.first).body)
      #expect(
        body["tracking_settings"] as? [String: [String: Bool]] == [
          "click_tracking": ["enable": false, "enable_text": false]
        ])
    }
  }

  @Test("webhook: the body says what the receiver may add")
  func webhook() async throws {
    try await LoopbackSink.with(script: [.init(status: 200), .init(status: 200)]) { base, sink in
      let (delivery, transport) = Self.delivery()
      defer { transport.shutdown() }
      let sender = WebhookSender(url: base + "/mail", delivery: delivery)
      _ = await sender.deliver(sample, tracking: .disabled)
      _ = await sender.deliver(sample, tracking: .allowed)
      let bodies = try await sink.received.map { try Self.json($0.body) }
      #expect(
        bodies.map { $0["tracking"] as? [String: Bool] } == [
          ["opens": false, "clicks": false, "link_parameters": false],
          ["opens": true, "clicks": true, "link_parameters": true],
        ])
    }
  }

  @Test("outbox: the .json records the same")
  func outbox() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("outbox-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    _ = await OutboxSender(folder: folder).deliver(sample, tracking: .disabled)
    let record = try Self.json(
      Data(contentsOf: URL(fileURLWithPath: folder + "/bf26-1001.json")))
    #expect(
      record["tracking"] as? [String: Bool] == [
        "opens": false, "clicks": false, "link_parameters": false,
      ])
  }

  @Test("SES: the untracked configuration set replaces the one the campaign tool named")
  func sesConfigurationSet() async throws {
    try await LoopbackSink.with(script: [
      .init(status: 200, body: #"{"MessageId":"a"}"#),
      .init(status: 200, body: #"{"MessageId":"b"}"#),
      .init(status: 200, body: #"{"MessageId":"c"}"#),
    ]) { base, sink in
      let (delivery, transport) = Self.delivery()
      defer { transport.shutdown() }
      let signer = SigV4Signer(
        accessKey: "a", secretKey: "s", sessionToken: nil, region: "eu-west-1", service: "ses")
      var message = sample
      message.headers["X-SES-Configuration-Set"] = "tracked-opens"
      let untracked = SESSender(
        endpoint: base, signer: signer, delivery: delivery,
        untrackedConfigurationSet: "no-tracking")
      _ = await untracked.deliver(message, tracking: .disabled)
      _ = await untracked.deliver(message, tracking: .allowed)
      let none = SESSender(endpoint: base, signer: signer, delivery: delivery)
      _ = await none.deliver(message, tracking: .disabled)

      let bodies = try await sink.received.map { try Self.json($0.body) }
      try #require(bodies.count == 3)
      func mime(_ body: [String: Any]) throws -> String {
        let raw = (body["Content"] as? [String: [String: String]])?["Raw"]?["Data"]
        return String(
          decoding: try #require(raw.flatMap { Data(base64Encoded: $0) }), as: UTF8.self)
      }
      #expect(bodies[0]["ConfigurationSetName"] as? String == "no-tracking")
      #expect(try mime(bodies[0]).contains("X-SES-CONFIGURATION-SET: no-tracking\r\n"))
      #expect(try !mime(bodies[0]).contains("tracked-opens"))
      // With consent: as the campaign tool wrote it.
      #expect(bodies[1]["ConfigurationSetName"] == nil)
      #expect(try mime(bodies[1]).contains("X-SES-Configuration-Set: tracked-opens\r\n"))
      // No untracked set named: no configuration set at all.
      #expect(bodies[2]["ConfigurationSetName"] == nil)
      #expect(try !mime(bodies[2]).lowercased().contains("x-ses-configuration-set"))
    }
  }

  @Test("SES through moto: the raw message arrives with the untracked set and not the tracked one")
  func sesThroughMoto() async throws {
    try await MotoServer.with { endpoint in
      let signer = SigV4Signer(
        accessKey: "AKIDEXAMPLE", secretKey: "secret", region: "us-east-1", service: "ses")
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      for (path, body) in [
        ("/v2/email/identities", #"{"EmailIdentity":"shop.example"}"#),
        ("/v2/email/configuration-sets", #"{"ConfigurationSetName":"no-tracking"}"#),
      ] {
        let answer = try await transport.send(
          signer.sign(
            SenderRequest(
              method: "POST", url: endpoint + path,
              headers: [("Content-Type", "application/json")], body: Data(body.utf8)),
            at: Date()))
        #expect(answer.status == 200, "\(path)")
      }
      let sender = try SenderSpecification.make(
        "ses:\(endpoint)?untracked_configuration_set=no-tracking",
        environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]
      ) { HTTPDelivery(transport: transport) }
      var message = sample
      message.from = "news@shop.example"
      message.headers["X-SES-CONFIGURATION-SET"] = "tracked-opens"
      let result = await sender.deliver(message, tracking: .disabled)
      guard case .delivered = result else {
        Issue.record("not delivered: \(result)")
        return
      }
      let data = try await transport.send(
        SenderRequest(method: "GET", url: endpoint + "/moto-api/data.json"))
      let ses = try Self.json(data.body)["ses"] as? [String: Any]
      let raw = try #require(
        (ses?["RawMessage"] as? [[String: Any]])?.first?["raw_data"] as? String)
      #expect(raw.contains("X-SES-CONFIGURATION-SET: no-tracking\r\n"))
      #expect(!raw.contains("tracked-opens"))
    }
  }

  @Test("ses: options are checked when the sender is set up")
  func sesOptions() throws {
    let environment = ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"]
    func make(_ text: String) throws -> any MailSender {
      try SenderSpecification.make(text, environment: environment) {
        HTTPDelivery(transport: CurlTransport(configuration: .init(maxConcurrent: 1)))
      }
    }
    let sender = try #require(
      try make("ses:https://email.eu-west-1.amazonaws.com?untracked_configuration_set=quiet_1")
        as? SESSender)
    #expect(sender.endpoint == "https://email.eu-west-1.amazonaws.com")
    #expect(sender.untrackedConfigurationSet == "quiet_1")
    #expect(
      throws: SenderSetupError(
        "--sender ses: unknown option 'configuration_set'; expected untracked_configuration_set")
    ) { try make("ses:https://email.example?configuration_set=x") }
    #expect(
      throws: SenderSetupError(
        "--sender ses: untracked_configuration_set 'a b' is not a configuration set name "
          + "(letters, digits, _ and -, at most 64)")
    ) { try make("ses:https://email.example?untracked_configuration_set=a%20b") }
  }
}
