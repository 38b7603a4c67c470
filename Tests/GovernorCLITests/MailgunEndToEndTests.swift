import Foundation
import GovernorDelivery
import Testing

/// Mailgun's sending API of the real `governor serve`, driven by Mailgun's own Python SDK
/// (`mailgun` on PyPI, unmodified, pointed at the governor with `api_url=`).
@Suite("Mailgun messages API, the official SDK end to end")
struct MailgunEndToEndTests {
  let server = ServedGovernor()

  func mailgun(_ spec: [String: Any]) async throws -> [String: Any] {
    try await ProviderClient.run("mailgun_client.py", spec)
  }

  func body(_ result: [String: Any]) throws -> [String: Any] {
    let text = try #require(result["body"] as? String)
    return try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
  }

  @Test("six recipients, comma-separated and repeated, recipient-variables; a retry sends nothing")
  func sixRecipients() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let variables = [
        "fwd1@example.com": ["first": "Ana"], "fwd2@example.com": ["first": "Bo"],
      ]
      let spec: [String: Any] = [
        "api_url": base, "key": setup.key, "domain": "mg.shop.example",
        "data": [
          "from": "Shop <news@shop.example>",
          "to": ["fwd1@example.com, \"Doe, Jane\" <stranger@example.com>", "capped@example.com"],
          "cc": "night@example.com", "bcc": ["fwd2@example.com", "unsub@example.com"],
          "subject": "Hello %recipient.first%", "html": "<p>Spring sale</p>",
          "o:tag": ["newsletter-2026", "Promotions"], "v:campaign_id": "spring-mg",
          "recipient-variables": String(
            decoding: try JSONSerialization.data(withJSONObject: variables), as: UTF8.self),
        ] as [String: Any],
      ]
      let first = try await mailgun(spec)
      #expect(first["status"] as? Int == 200, "\(first)")
      let answer = try body(first)
      let id = try #require(answer["id"] as? String)
      #expect(id.hasSuffix("@mg.shop.example>"))
      #expect(answer["message"] as? String == "Queued. Thank you.")
      let headers = try #require(first["headers"] as? [String: String])
      #expect(headers["X-Governor-Outcomes"] == "forwarded=2, blocked=3, deferred=1", "\(headers)")

      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let encoded = try #require(
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
      let (_, page) = try await server.get(
        transport, base + "/v1/decisions?request=\(encoded)", key: setup.admin)
      let rows = try #require(page["decisions"] as? [[String: Any]])
      #expect(rows.count == 6)
      #expect(rows.allSatisfy { $0["campaign_id"] as? String == "spring-mg" })

      let again = try await mailgun(spec)
      #expect(try body(again)["id"] as? String == id, "the same request is the same messages")
      #expect(
        (again["headers"] as? [String: String])?["X-Governor-Outcomes"]
          == "forwarded=2, blocked=3, deferred=1")
    }
    let mails = setup.sent
    #expect(mails.count == 2, "\(mails)")
    let subjects = try mails.map {
      try String(contentsOfFile: setup.outbox + "/" + $0, encoding: .utf8)
    }.compactMap { $0.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") } }
    #expect(Set(subjects) == ["Subject: Hello Ana", "Subject: Hello Bo"])
  }

  @Test(
    "messages.mime: the message as written, its attachment byte for byte; test mode sends nothing")
  func mimeAndTestMode() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let pdf = Data((0..<3_000).map { UInt8(($0 * 7_919) % 251) })
    let mime = """
      From: Shop <orders@shop.example>\r
      To: fwd1@example.com\r
      Subject: Your receipt\r
      Message-ID: <receipt-1@shop.example>\r
      MIME-Version: 1.0\r
      Content-Type: multipart/mixed; boundary="b"\r
      \r
      --b\r
      Content-Type: text/plain; charset=utf-8\r
      \r
      Thank you.\r
      --b\r
      Content-Type: application/pdf; name="r.pdf"\r
      Content-Disposition: attachment; filename="r.pdf"\r
      Content-Transfer-Encoding: base64\r
      \r
      \(pdf.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]))\r
      --b--\r

      """
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let sent = try await mailgun([
        "api_url": base, "key": setup.key, "domain": "mg.shop.example", "mime": true,
        "data": ["to": "fwd1@example.com", "v:category": "Receipts"],
        "files": [
          [
            "field": "message", "name": "message.mime",
            "content_base64": Data(mime.utf8).base64EncodedString(),
          ]
        ],
      ])
      #expect(sent["status"] as? Int == 200, "\(sent)")
      #expect(try body(sent)["id"] as? String == "<receipt-1@shop.example>")

      let test = try await mailgun([
        "api_url": base, "key": setup.key, "domain": "mg.shop.example",
        "data": [
          "from": "news@shop.example", "to": "fwd2@example.com", "subject": "x", "text": "x",
          "o:tag": "Promotions", "o:testmode": "yes",
        ],
      ])
      #expect(test["status"] as? Int == 200)
      #expect(
        (test["headers"] as? [String: String])?["X-Governor-Outcomes"]
          == "forwarded=1, blocked=0, deferred=0")
    }
    let mails = setup.sent
    #expect(mails.count == 1, "test mode sends nothing: \(mails)")
    let digests = try await SMTPClients.run(
      "/usr/bin/env",
      [
        "python3", SMTPClients.script, "attachment-digest",
        setup.outbox + "/" + (mails.first ?? ""),
      ])
    let sha = try await SMTPClients.run(
      "/usr/bin/env",
      [
        "python3", "-c",
        "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())",
      ],
      input: pdf)
    #expect(
      digests.stdout.contains(sha.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
      "\(digests.stdout) \(digests.stderr)")
  }

  @Test("refusals in Mailgun's shape; Ghost's event and suppression reads answered as empty")
  func refusalsAndEmptyLists() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    try await setup.serve(policy: SendGridEndToEndTests.policy) { base in
      let message: [String: Any] = [
        "from": "news@shop.example", "to": "fwd1@example.com", "subject": "x", "text": "x",
      ]
      let wrongKey = try await mailgun([
        "api_url": base, "key": "mg_nope", "domain": "d.example",
        "data": message.merging(["o:tag": "Promotions"]) { $1 },
      ])
      #expect(wrongKey["status"] as? Int == 401)
      #expect(try body(wrongKey)["message"] is String)
      let noCategory = try await mailgun([
        "api_url": base, "key": setup.key, "domain": "d.example", "data": message,
      ])
      #expect(noCategory["status"] as? Int == 400)
      #expect((try body(noCategory)["message"] as? String)?.contains("v:category") == true)
      // A delivery time the governor cannot read, and one past 72 hours: refused, named.
      for (when, words) in [
        ("tomorrow", "RFC 2822"), ("Thu, 13 Oct 2044 18:02:00 +0000", "72 hours"),
      ] {
        let later = try await mailgun([
          "api_url": base, "key": setup.key, "domain": "d.example",
          "data": message.merging(["o:tag": "Promotions", "o:deliverytime": when]) { $1 },
        ])
        #expect(later["status"] as? Int == 400, "\(later)")
        #expect((try body(later)["message"] as? String)?.contains(words) == true, "\(later)")
      }
      let events = try await mailgun([
        "api_url": base, "key": setup.key, "domain": "d.example", "get": "events",
      ])
      #expect(events["status"] as? Int == 200)
      #expect((try body(events)["items"] as? [Any])?.isEmpty == true)
      let bounces = try await mailgun([
        "api_url": base, "key": setup.key, "domain": "d.example", "get": "bounces",
      ])
      #expect((try body(bounces)["items"] as? [Any])?.isEmpty == true)
    }
    #expect(setup.sent.isEmpty)
  }
}
