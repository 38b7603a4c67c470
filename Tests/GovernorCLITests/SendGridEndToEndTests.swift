import Foundation
import GovernorDelivery
import Testing

/// `POST /v3/mail/send` of the real `governor serve`, driven by SendGrid's own Python SDK
/// (`sendgrid` on PyPI, unmodified, pointed at the governor with `host=`).
@Suite("SendGrid v3 Mail Send, the official SDK end to end")
struct SendGridEndToEndTests {
  let server = ServedGovernor()
  static let policy = "fixtures/policies/esp-e2e.yaml"

  /// The SDK sending `spec` (see the script); its JSON result.
  func sendGrid(_ spec: [String: Any]) async throws -> [String: Any] {
    try await ProviderClient.run("sendgrid_client.py", spec)
  }

  func errors(_ result: [String: Any]) throws -> [[String: Any]] {
    let body = try #require(result["body"] as? String)
    let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    return try #require(object?["errors"] as? [[String: Any]], "\(body)")
  }

  @Test(
    "six recipients in to, cc and bcc: 202, X-Message-Id, one decision each; a retry sends nothing")
  func sixRecipients() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let spec: [String: Any] = [
        "host": base, "key": setup.key, "from": "news@shop.example", "from_name": "Shop",
        "subject": "Spring sale",
        "html": "<p>Spring <a href=\"https://shop.example/s\">sale</a></p>",
        "personalizations": [
          ["to": ["fwd1@example.com"], "cc": ["stranger@example.com"]],
          ["to": ["capped@example.com"], "bcc": ["night@example.com"]],
          ["to": ["fwd2@example.com", "unsub@example.com"]],
        ],
        "asm_group": 4242, "batch_id": "spring-batch",
      ]
      let first = try await sendGrid(spec)
      #expect(first["status"] as? Int == 202, "\(first)")
      #expect(first["body"] as? String == "")
      let headers = try #require(first["headers"] as? [String: String])
      let messageId = try #require(headers["X-Message-Id"])
      #expect(messageId.count == 22)
      #expect(headers["X-Governor-Outcomes"] == "forwarded=2, blocked=3, deferred=1", "\(headers)")

      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (status, page) = try await server.get(
        transport, base + "/v1/decisions?request=\(messageId)", key: setup.admin)
      #expect(status == 200)
      let decisions = try #require(page["decisions"] as? [[String: Any]])
      var outcomes: [String: String] = [:]
      for row in decisions {
        let id = try #require(row["message_id"] as? String)
        #expect(id.hasPrefix("sg:\(messageId)/"))
        #expect(row["campaign_id"] as? String == "spring-batch", "batch_id is the campaign")
        outcomes[String(id.split(separator: "/").last ?? "")] = row["outcome"] as? String
      }
      #expect(
        outcomes == [
          "fwd1@example.com": "forwarded", "fwd2@example.com": "forwarded",
          "stranger@example.com": "blocked", "capped@example.com": "blocked",
          "unsub@example.com": "blocked", "night@example.com": "deferred",
        ])
      // The SDK's retry of the identical request: the first decisions, nothing sent again.
      let again = try await sendGrid(spec)
      #expect(again["status"] as? Int == 202)
      let repeated = try #require(again["headers"] as? [String: String])
      #expect(repeated["X-Message-Id"] == messageId)
      #expect(repeated["X-Governor-Outcomes"] == "forwarded=2, blocked=3, deferred=1")
    }
    let mails = setup.sent
    #expect(mails.count == 2, "\(mails)")
    for mail in mails {
      let text = try String(contentsOfFile: setup.outbox + "/" + mail, encoding: .utf8)
      #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
      #expect(text.contains("From: Shop <news@shop.example>"), "\(text.prefix(600))")
    }
  }

  @Test("custom_args name the customer, category and campaign; an attachment arrives as sent")
  func customArgsAndAttachment() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    let pdf = Data("%PDF-1.4\n%\u{00E2}\u{00E3}\n1 0 obj\n".utf8).base64EncodedString()
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let result = try await sendGrid([
        "host": base, "key": setup.key, "from": "orders@shop.example", "subject": "Receipt",
        "text": "Thank you", "html": "<p>Thank you</p>",
        "personalizations": [
          ["to": ["someone-else@example.com"], "custom_args": ["customer_id": "unsub"]]
        ],
        "custom_args": ["category": "Receipts", "campaign_id": "orders"],
        "attachments": [["content": pdf, "filename": "reçu.pdf", "type": "application/pdf"]],
      ])
      #expect(result["status"] as? Int == 202, "\(result)")
      let headers = try #require(result["headers"] as? [String: String])
      // Transactional: the unsubscribe does not hold it; to another address it is reported.
      #expect(headers["X-Governor-Outcomes"] == "forwarded=1, blocked=0, deferred=0")
    }
    let mail = try #require(setup.sent.first)
    let digests = try await SMTPClients.run(
      "/usr/bin/env",
      ["python3", SMTPClients.script, "attachment-digest", setup.outbox + "/" + mail])
    let expected = Data(base64Encoded: pdf)!
    let sha = try await SMTPClients.run(
      "/usr/bin/env",
      [
        "python3", "-c",
        "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())",
      ],
      input: expected)
    #expect(
      digests.stdout.contains(sha.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
      "\(digests.stdout) \(digests.stderr)")
  }

  @Test("send_at an hour ahead: held until then (deferred), its release time on the customer")
  func scheduled() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    let later = Int(Date().timeIntervalSince1970) + 3_600
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let result = try await sendGrid([
        "host": base, "key": setup.key,
        "raw": [
          "personalizations": [["to": [["email": "fwd1@example.com"]], "send_at": later]],
          "from": ["email": "news@shop.example"], "subject": "Later",
          "content": [["type": "text/plain", "value": "Later"]], "categories": ["Promotions"],
        ],
      ])
      #expect(result["status"] as? Int == 202, "\(result)")
      let headers = try #require(result["headers"] as? [String: String])
      #expect(headers["X-Governor-Outcomes"] == "forwarded=0, blocked=0, deferred=1")
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (_, customer) = try await server.get(
        transport, base + "/v1/customers/fwd1", key: setup.admin)
      let held = try #require((customer["deferred"] as? [[String: Any]])?.first, "\(customer)")
      let releaseAt = try #require(held["release_at"] as? String)
      #expect(
        try Date(releaseAt, strategy: .iso8601)
          == Date(timeIntervalSince1970: TimeInterval(later)))
    }
    #expect(setup.sent.isEmpty)
  }

  @Test("sandbox_mode: decided and answered 200, nothing recorded or sent")
  func sandbox() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let result = try await sendGrid([
        "host": base, "key": setup.key, "from": "news@shop.example", "subject": "Test",
        "html": "<p>Test</p>", "personalizations": [["to": ["fwd1@example.com", "x@example.com"]]],
        "categories": ["Promotions"], "sandbox": true,
      ])
      #expect(result["status"] as? Int == 200, "\(result)")
      let headers = try #require(result["headers"] as? [String: String])
      #expect(headers["X-Governor-Outcomes"] == "forwarded=1, blocked=1, deferred=0")
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (_, page) = try await server.get(transport, base + "/v1/decisions", key: setup.admin)
      #expect((page["decisions"] as? [Any])?.count == 1, "only the setup's earlier send")
    }
    #expect(setup.sent.isEmpty)
  }

  @Test("what SendGrid refuses, the SDK raises as its own error carrying the governor's words")
  func refusals() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let wrongKey = try await sendGrid([
        "host": base, "key": "mg_not-a-key", "from": "news@shop.example", "subject": "x",
        "text": "x", "personalizations": [["to": ["fwd1@example.com"]]],
      ])
      #expect(wrongKey["status"] as? Int == 401)
      #expect(wrongKey["exception"] as? String == "UnauthorizedError", "\(wrongKey)")
      #expect(try errors(wrongKey).first?["message"] as? String != nil)

      let noCategory = try await sendGrid([
        "host": base, "key": setup.key, "from": "news@shop.example", "subject": "x",
        "text": "x", "personalizations": [["to": ["fwd1@example.com"]]], "asm_group": 7,
      ])
      #expect(noCategory["exception"] as? String == "BadRequestsError", "\(noCategory)")
      let missing = try errors(noCategory)
      #expect(missing.first?["field"] as? String == "custom_args.category")
      #expect((missing.first?["message"] as? String)?.contains("asm:7") == true, "\(missing)")

      let noTo = try await sendGrid([
        "host": base, "key": setup.key,
        "raw": [
          "personalizations": [["cc": [["email": "fwd1@example.com"]]]],
          "from": ["email": "news@shop.example"], "subject": "x",
          "content": [["type": "text/plain", "value": "x"]],
          "custom_args": ["category": "marketing"],
        ],
      ])
      #expect(noTo["status"] as? Int == 400)
      #expect(try errors(noTo).first?["field"] as? String == "personalizations.0.to")

      // The SDK's helpers refuse such an address themselves; its raw body does not.
      let badAddress = try await sendGrid([
        "host": base, "key": setup.key,
        "raw": [
          "personalizations": [
            ["to": [["email": "fwd1@example.com"]]], ["to": [["email": "not-an-address"]]],
          ],
          "from": ["email": "news@shop.example"], "subject": "x",
          "content": [["type": "text/plain", "value": "x"]],
          "custom_args": ["category": "marketing"],
        ],
      ])
      #expect(badAddress["status"] as? Int == 400, "\(badAddress)")
      #expect(try errors(badAddress).first?["field"] as? String == "personalizations.1")

      // One `email` holding a list, and a header that would add a recipient: refused whole.
      for personalization in [
        ["to": [["email": "fwd1@example.com, fwd2@example.com"]]],
        ["to": [["email": "fwd1@example.com"]], "headers": ["Bcc": "fwd2@example.com"]],
      ] as [[String: Any]] {
        let smuggled = try await sendGrid([
          "host": base, "key": setup.key,
          "raw": [
            "personalizations": [personalization], "from": ["email": "news@shop.example"],
            "subject": "x", "content": [["type": "text/plain", "value": "x"]],
            "custom_args": ["category": "transactional"],
          ],
        ])
        #expect(smuggled["status"] as? Int == 400, "\(smuggled)")
        #expect(try errors(smuggled).first?["field"] as? String == "personalizations.0")
      }

      let template = try await sendGrid([
        "host": base, "key": setup.key,
        "raw": [
          "personalizations": [["to": [["email": "fwd1@example.com"]]]],
          "from": ["email": "news@shop.example"], "template_id": "d-123",
          "custom_args": ["category": "marketing"],
        ],
      ])
      // A template goes only to a `sendgrid:` sender; this governor writes an outbox.
      #expect(try errors(template).first?["field"] as? String == "personalizations.0")
      #expect(
        (try errors(template).first?["message"] as? String)?.contains("--sender sendgrid:URL")
          == true)
    }
    // Refused whole: the valid recipient of the request with a bad address was not sent to.
    #expect(setup.sent.isEmpty)
  }
}
