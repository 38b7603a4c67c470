import Foundation
import GovernorCore
import Testing

@testable import GovernorDelivery

@Suite("Amazon SES sender")
struct SESSenderTests {
  @Test("SigV4 matches botocore's signature for the same request")
  func signatureVector() throws {
    // Generated with botocore 1.x SigV4Auth (service ses, region eu-west-1) for this request
    // at 2026-11-22T22:38:23Z, with AWS's documented example credentials.
    let signer = SigV4Signer(
      accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      region: "eu-west-1", service: "ses")
    let request = SenderRequest(
      method: "POST", url: "https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails",
      headers: [("Content-Type", "application/json")], body: Data(#"{"a":1}"#.utf8))
    let signed = signer.sign(request, at: try Date("2026-11-22T22:38:23Z", strategy: .iso8601))
    let authorization = signed.headers.first { $0.name == "Authorization" }?.value
    #expect(
      authorization
        == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/eu-west-1/ses/aws4_request, "
        + "SignedHeaders=content-type;host;x-amz-date, "
        + "Signature=9d70f69373603ff702280a7217c7f78b12b3700bb19c51b4c5fb79d6e4958cba")
    #expect(signed.headers.contains { $0.name == "x-amz-date" && $0.value == "20261122T223823Z" })
    #expect(!signed.headers.contains { $0.name == "host" })
  }

  @Test("the customer id rides as a tag only when SES's tag alphabet keeps it whole")
  func customerTag() throws {
    let transport = CurlTransport()
    defer { transport.shutdown() }
    let sender = SESSender(
      endpoint: "http://127.0.0.1:9",
      signer: SigV4Signer(
        accessKey: "a", secretKey: "s", sessionToken: nil, region: "eu-west-1", service: "ses"),
      delivery: HTTPDelivery(transport: transport))
    var message = sample
    #expect(
      sender.tags(message).contains(["Name": "governor_customer_id", "Value": message.customerId]))
    message.customerId = "ana smith/1"
    #expect(!sender.tags(message).contains { $0["Name"] == "governor_customer_id" })
  }

  @Test("missing credentials name the variables")
  func missingCredentials() {
    #expect(
      throws: SenderSetupError("--sender ses: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    ) { try SESSender.signer(environment: [:]).get() }
  }

  @Test("a message sent through moto's SES v2 arrives raw, with its headers and tag")
  func throughMoto() async throws {
    try await MotoServer.with { endpoint in
      let signer = SigV4Signer(
        accessKey: "AKIDEXAMPLE", secretKey: "secret", region: "us-east-1", service: "ses")
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      // SES only sends from a verified identity; moto verifies at once.
      let identity = try await transport.send(
        signer.sign(
          SenderRequest(
            method: "POST", url: endpoint + "/v2/email/identities",
            headers: [("Content-Type", "application/json")],
            body: Data(#"{"EmailIdentity":"shop.example"}"#.utf8)),
          at: Date()))
      #expect(identity.status == 200)

      let sender = SESSender(
        endpoint: endpoint, signer: signer, delivery: HTTPDelivery(transport: transport))
      var message = sample
      message.from = "news@shop.example"
      let result = await sender.deliver(message, tracking: .allowed)
      guard case .delivered(let reference?, 1) = result else {
        Issue.record("not delivered: \(result)")
        return
      }

      let data = try await transport.send(
        SenderRequest(method: "GET", url: endpoint + "/moto-api/data.json"))
      let json = try JSONSerialization.jsonObject(with: data.body) as? [String: Any]
      let ses = json?["ses"] as? [String: Any]
      let raw = try #require((ses?["RawMessage"] as? [[String: Any]])?.first)
      #expect(raw["id"] as? String == reference)
      #expect(raw["source"] as? String == "news@shop.example")
      #expect((raw["destinations"] as? [String])?.contains("ana@example.com") == true)
      let mime = try #require(raw["raw_data"] as? String)
      #expect(mime.contains("X-Governor-Message-Id: bf26-1001\r\n"))
      #expect(mime.contains("Message-ID: <bf26-1001@shop.example>\r\n"))
    }
  }
}

/// moto's server (PyPI `moto[server]`, installed by `make test`) emulating SES v2 on a free
/// loopback port for one test. Missing, it fails the run in CI and is announced elsewhere.
enum MotoServer {
  static func with(_ body: (String) async throws -> Void) async throws {
    guard let executable = find("moto_server") else {
      let message = "moto_server not found: the SES test did NOT run (make test installs it)"
      if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record(Comment(rawValue: message))
      } else {
        print("\n\u{1B}[1;33mWARNING: \(message)\u{1B}[0m\n")
      }
      return
    }
    try await TLSServer.withServer(
      executable, arguments: { port in ["-H", "127.0.0.1", "-p", "\(port)"] },
      body: { port in
        let endpoint = "http://127.0.0.1:\(port)"
        try await waitUntilAnswering(endpoint)
        try await body(endpoint)
      })
  }

  /// moto accepts connections before it answers them: under load its first requests were
  /// reset. Asked until it answers one (any status), for up to 20 seconds.
  static func waitUntilAnswering(_ endpoint: String) async throws {
    let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
    defer { transport.shutdown() }
    let deadline = ContinuousClock.now + .seconds(20)
    while true {
      do {
        _ = try await transport.send(SenderRequest(method: "GET", url: endpoint + "/moto-api/"))
        return
      } catch  where ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  static func find(_ name: String) -> String? {
    if let given = ProcessInfo.processInfo.environment["MOTO_SERVER"],
      FileManager.default.isExecutableFile(atPath: given)
    {
      return given
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let folders =
      path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/root/.pyenv/shims"]
    return folders.map { $0 + "/" + name }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }
}

extension SESSenderTests {
  @Test("a template goes as Content.Template: headers as Headers, the set and Reply-To as fields")
  func templated() throws {
    var message = sample
    message.html = nil
    message.text = nil
    message.headers = [
      "X-SES-CONFIGURATION-SET": "tracked", "Reply-To": "help@shop.example",
      "List-Unsubscribe": "<https://u.example/1>",
    ]
    let template = SenderTemplate(
      provider: .ses, id: "arn:aws:ses:eu-west-1:1:template/spring", data: #"{"a":1}"#)
    message.template = template
    let fields = SESSender.templated(message, template)
    #expect(fields["ConfigurationSetName"] as? String == "tracked")
    #expect(fields["ReplyToAddresses"] as? [String] == ["help@shop.example"])
    let content = try #require(
      (fields["Content"] as? [String: Any])?["Template"] as? [String: Any])
    #expect(content["TemplateArn"] as? String == template.id)
    #expect(content["TemplateName"] == nil)
    #expect(content["TemplateData"] as? String == #"{"a":1}"#)
    let headers = try #require(content["Headers"] as? [[String: String]])
    #expect(
      headers == [
        ["Name": "X-Governor-Message-Id", "Value": message.id],
        ["Name": "List-Unsubscribe", "Value": "<https://u.example/1>"],
      ])
  }
}
