import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// The SES-compatible routes of the real `governor serve`, driven by boto3 (`sesv2` and `ses`
/// with `endpoint_url`), signing with the AWS credentials `governor keys create --aws` prints.
@Suite("Amazon SES v2 and v1, boto3 end to end")
struct SESEndToEndTests {
  let server = ServedGovernor()
  static let secret = "aws-derivation-secret-for-tests-0123456789"

  var environment: [String: String] {
    ProcessInfo.processInfo.environment.merging([
      "GOVERNOR_UNSUBSCRIBE_SECRET": ServedGovernor.unsubscribeSecret,
      "GOVERNOR_AWS_SECRET": Self.secret,
    ]) { $1 }
  }

  /// A `send` key's AWS credentials, as `governor keys create --aws` prints them.
  func credentials(_ setup: MixedOutcomeStore) async throws -> (String, String) {
    let run = try await GovernorBinary.run(
      ["keys", "create", "--name", "boto3", "--scope", "send", "--aws", "--store", setup.store],
      environment: environment)
    #expect(run.status == 0, "\(run.stderr)")
    func value(_ name: String) throws -> String {
      let line = try #require(run.stdoutLines.first { $0.hasPrefix(name + " = ") })
      return String(line.dropFirst(name.count + 3))
    }
    return (try value("aws_access_key_id"), try value("aws_secret_access_key"))
  }

  func ses(_ spec: [String: Any]) async throws -> [String: Any] {
    try await ProviderClient.run("ses_client.py", spec)
  }

  @Test("sesv2 send_email: six recipients, one decision each; a retry sends nothing")
  func sixRecipients() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let (keyId, secret) = try await credentials(setup)
    #expect(keyId.hasPrefix("MGAK") && secret.count == 40)
    try await setup.serve(policy: SendGridEndToEndTests.policy, environment: environment) { base in
      let spec: [String: Any] = [
        "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "sesv2",
        "operation": "send_email",
        "params": [
          "FromEmailAddress": "Shop <news@shop.example>",
          "Destination": [
            "ToAddresses": ["fwd1@example.com", "stranger@example.com"],
            "CcAddresses": ["capped@example.com", "night@example.com"],
            "BccAddresses": ["fwd2@example.com", "unsub@example.com"],
          ],
          "Content": [
            "Simple": [
              "Subject": ["Data": "Spring sale"],
              "Body": ["Html": ["Data": "<p>Spring sale</p>"], "Text": ["Data": "Spring sale"]],
            ]
          ],
          "EmailTags": [["Name": "campaign_id", "Value": "spring-ses"]],
          "ListManagementOptions": ["ContactListName": "news", "TopicName": "Promotions"],
        ],
      ]
      let first = try await ses(spec)
      let response = try #require(first["response"] as? [String: Any], "\(first)")
      let messageId = try #require(response["MessageId"] as? String)
      let headers = try #require(first["headers"] as? [String: String])
      #expect(headers["x-governor-outcomes"] == "forwarded=2, blocked=3, deferred=1", "\(headers)")
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (_, page) = try await server.get(
        transport, base + "/v1/decisions?request=\(messageId)", key: setup.admin)
      #expect((page["decisions"] as? [Any])?.count == 6)
      let again = try await ses(spec)
      #expect((again["response"] as? [String: Any])?["MessageId"] as? String == messageId)
    }
    #expect(setup.sent.count == 2, "\(setup.sent)")
  }

  @Test("ses send_raw_email (v1, XML): the raw message forwarded; sesv2 Raw too")
  func raw() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let (keyId, secret) = try await credentials(setup)
    let mime = Data(
      ("From: Shop <orders@shop.example>\r\nTo: fwd1@example.com\r\nSubject: Receipt\r\n"
        + "Message-ID: <r-1@shop.example>\r\nX-Governor-Category: Receipts\r\n\r\nThank you.\r\n")
        .utf8)
    try await setup.serve(policy: SendGridEndToEndTests.policy, environment: environment) { base in
      let v1 = try await ses([
        "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "ses",
        "operation": "send_raw_email", "params": [:] as [String: Any],
        "raw_base64": mime.base64EncodedString(),
      ])
      #expect((v1["response"] as? [String: Any])?["MessageId"] is String, "\(v1)")
      let v2 = try await ses([
        "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "sesv2",
        "operation": "send_email",
        "params": ["Destination": ["ToAddresses": ["fwd2@example.com"]]] as [String: Any],
        "raw_base64": mime.base64EncodedString(),
      ])
      #expect((v2["response"] as? [String: Any])?["MessageId"] is String, "\(v2)")
    }
    #expect(setup.sent.count == 2, "\(setup.sent)")
  }

  @Test("refusals are botocore's own errors: a wrong secret, no category, a template")
  func refusals() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let (keyId, secret) = try await credentials(setup)
    try await setup.serve(policy: SendGridEndToEndTests.policy, environment: environment) { base in
      let simple: [String: Any] = [
        "FromEmailAddress": "news@shop.example",
        "Destination": ["ToAddresses": ["fwd1@example.com"]],
        "Content": ["Simple": ["Subject": ["Data": "x"], "Body": ["Text": ["Data": "x"]]]],
      ]
      let wrong = try await ses([
        "endpoint": base, "access_key": keyId, "secret_key": String(secret.reversed()),
        "service": "sesv2", "operation": "send_email", "params": simple,
      ])
      #expect(wrong["code"] as? String == "SignatureDoesNotMatch", "\(wrong)")
      let unknown = try await ses([
        "endpoint": base, "access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": secret,
        "service": "ses", "operation": "send_email",
        "params": [
          "Source": "news@shop.example", "Destination": ["ToAddresses": ["fwd1@example.com"]],
          "Message": ["Subject": ["Data": "x"], "Body": ["Text": ["Data": "x"]]],
        ],
      ])
      #expect(unknown["code"] as? String == "UnrecognizedClientException", "\(unknown)")
      let noCategory = try await ses([
        "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "sesv2",
        "operation": "send_email", "params": simple,
      ])
      #expect(noCategory["exception"] as? String == "BadRequestException", "\(noCategory)")
      #expect((noCategory["message"] as? String)?.contains("category") == true)
      // A stored template goes only to an `ses:` sender; this one writes an outbox.
      var templated = simple
      templated["Content"] = ["Template": ["TemplateName": "welcome", "TemplateData": "{}"]]
      templated["EmailTags"] = [["Name": "category", "Value": "Promotions"]]
      let template = try await ses([
        "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "sesv2",
        "operation": "send_email", "params": templated,
      ])
      #expect(template["code"] as? String == "BadRequestException", "\(template)")
      #expect((template["message"] as? String)?.contains("--sender ses:URL") == true)
    }
    #expect(setup.sent.isEmpty)
  }
}

extension SESEndToEndTests {
  @Test("Content.Template goes to an ses: sender as a template, with the governor's headers")
  func templatePassedThrough() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let (keyId, secret) = try await credentials(setup)
    let downstream = environment.merging([
      "AWS_ACCESS_KEY_ID": "AKIDDOWNSTREAM", "AWS_SECRET_ACCESS_KEY": "downstream-secret",
      "AWS_REGION": "eu-west-1",
    ]) { $1 }
    try await LoopbackSink.with { sinkURL, sink in
      try await setup.serve(
        policy: SendGridEndToEndTests.policy, environment: downstream, sender: "ses:\(sinkURL)"
      ) { base in
        let result = try await ses([
          "endpoint": base, "access_key": keyId, "secret_key": secret, "service": "sesv2",
          "operation": "send_email",
          "params": [
            "FromEmailAddress": "news@shop.example",
            "Destination": ["ToAddresses": ["fwd1@example.com", "unsub@example.com"]],
            "Content": [
              "Template": ["TemplateName": "spring", "TemplateData": #"{"first_name":"Ann"}"#]
            ],
            "EmailTags": [["Name": "category", "Value": "Promotions"]],
            "ConfigurationSetName": "opens-and-clicks",
          ],
        ])
        let headers = try #require(result["headers"] as? [String: String], "\(result)")
        #expect(headers["x-governor-outcomes"] == "forwarded=1, blocked=1, deferred=0")
      }
      let received = await sink.received
      #expect(received.count == 1, "only the forwarded recipient")
      let request = try #require(received.first)
      #expect(request.path == "/v2/email/outbound-emails")
      #expect(request.headers["authorization"]?.contains("Credential=AKIDDOWNSTREAM/") == true)
      let body = try #require(
        try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
      let template = try #require(
        (body["Content"] as? [String: Any])?["Template"] as? [String: Any], "\(body)")
      #expect(template["TemplateName"] as? String == "spring")
      #expect(template["TemplateData"] as? String == #"{"first_name":"Ann"}"#)
      let names = (template["Headers"] as? [[String: String]] ?? []).compactMap { $0["Name"] }
      #expect(names.contains("List-Unsubscribe") && names.contains("X-Governor-Message-Id"))
      // fwd1 gave no tracking consent: the client's tracking configuration set is taken out.
      #expect(body["ConfigurationSetName"] == nil, "\(body)")
    }
  }
}
