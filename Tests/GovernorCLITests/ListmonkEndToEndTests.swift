import Foundation
import GovernorDelivery
import Testing

/// `POST /v1/listmonk/messenger` of the real `governor serve`, fed listmonk's documented
/// postback JSON (`fixtures/esp/listmonk-postback.json`) the way listmonk posts it: HTTP Basic,
/// one subscriber per request, and anything but `200` a failed send.
@Suite("listmonk postback messenger end to end")
struct ListmonkEndToEndTests {
  let server = ServedGovernor()
  static let fixture = GovernorBinary.repositoryRoot.appendingPathComponent(
    "fixtures/esp/listmonk-postback.json")
  static let client = GovernorBinary.repositoryRoot.appendingPathComponent(
    "fixtures/esp/post_json.py"
  ).path

  func push(_ base: String, key: String, _ body: [String: Any]) async throws -> [String: Any] {
    let run = try await SMTPClients.run(
      "/usr/bin/env", ["python3", Self.client, base + "/v1/listmonk/messenger", "listmonk", key],
      input: try JSONSerialization.data(withJSONObject: body))
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    return try #require(result, "no answer: \(run.stderr)")
  }

  /// The documented postback for `email`; `attribs` replaces the subscriber's attributes.
  func documented(to email: String, tags: [String]? = nil, attribs: [String: Any]? = nil) throws
    -> [String: Any]
  {
    var body = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
    var recipients = try #require(body["recipients"] as? [[String: Any]])
    recipients[0]["email"] = email
    if let attribs { recipients[0]["attribs"] = attribs }
    body["recipients"] = recipients
    if let tags {
      var campaign = try #require(body["campaign"] as? [String: Any])
      campaign["tags"] = tags
      body["campaign"] = campaign
    }
    return body
  }

  @Test("each subscriber decided: 200 whether sent or held; a retried push sends nothing more")
  func postback() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let process = try await GovernorProcess.start([
      "--store", setup.store, "--policy", SendGridEndToEndTests.policy,
      "--sender", "outbox:\(setup.outbox)",
    ])
    do {
      let base = process.base
      let sent = try await push(base, key: setup.key, try documented(to: "fwd1@example.com"))
      #expect(sent["status"] as? Int == 200, "\(sent)")
      let headers = try #require(sent["headers"] as? [String: String])
      #expect(headers["X-Governor-Outcomes"] == "forwarded=1, blocked=0, deferred=0")
      let held = try await push(base, key: setup.key, try documented(to: "stranger@example.com"))
      #expect(held["status"] as? Int == 200, "blocked is still 200 for listmonk: \(held)")
      #expect(
        (held["headers"] as? [String: String])?["X-Governor-Outcomes"]
          == "forwarded=0, blocked=1, deferred=0")
      let again = try await push(base, key: setup.key, try documented(to: "fwd1@example.com"))
      #expect(again["status"] as? Int == 200)

      let untagged = try await push(
        base, key: setup.key, try documented(to: "fwd2@example.com", tags: ["other"]))
      #expect(untagged["status"] as? Int == 422, "\(untagged)")
      #expect((untagged["body"] as? String)?.contains("campaign.tags") == true)
      let wrongKey = try await push(base, key: "mg_nope", try documented(to: "fwd2@example.com"))
      #expect(wrongKey["status"] as? Int == 401)
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()
    let mails = ((try? FileManager.default.contentsOfDirectory(atPath: setup.outbox)) ?? [])
      .filter { $0.hasSuffix(".eml") }
    #expect(mails.count == 1, "\(mails)")
    let text = try String(
      contentsOfFile: setup.outbox + "/" + (mails.first ?? ""), encoding: .utf8)
    #expect(text.contains("X-Campaign-Note: spring"))
    #expect(text.contains("From: Shop <news@shop.example>"))
  }
}

extension ListmonkEndToEndTests {
  /// A subscriber unknown to the governor whose listmonk attributes carry the consent.
  func withConsent(_ email: String) throws -> [String: Any] {
    try documented(
      to: email,
      attribs: [
        "city": "Bengaluru",
        "consent": [
          "marketing": [
            "at": "2026-03-01T10:00:00.123Z", "confirmed_at": "2026-03-01T10:05:00Z",
            "proof": "Ticked: send me the spring newsletter",
          ]
        ],
      ])
  }

  @Test("consent in subscriber attributes is recorded once, with its proof, before the decision")
  func consentFromAttributes() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: SendGridEndToEndTests.policy)
    let run = try await GovernorBinary.run(
      "keys", "create", "--name", "listmonk", "--scope", "send", "--scope", "consent:write",
      "--store", setup.store)
    let key = try #require(run.stdoutLines.first { $0.hasPrefix("mg_") })
    // The new subscriber has no time zone: the policy's default is put where it is midday, so
    // quiet hours never hold the first push (it failed after 21:00 UTC).
    let text = try String(
      contentsOf: GovernorBinary.repositoryRoot.appendingPathComponent(
        SendGridEndToEndTests.policy), encoding: .utf8)
    let policy = setup.folder + "/midday-policy.yaml"
    try Data(("default_time_zone: \(MiddayZone.now)\n" + text).utf8).write(
      to: URL(fileURLWithPath: policy))
    try await setup.serve(policy: policy) { base in
      let sendOnly = try await push(base, key: setup.key, try withConsent("new@example.com"))
      #expect(sendOnly["status"] as? Int == 403, "a send key cannot write consent: \(sendOnly)")
      #expect((sendOnly["body"] as? String)?.contains("consent:write") == true)

      let first = try await push(base, key: key, try withConsent("new@example.com"))
      #expect(first["status"] as? Int == 200, "\(first)")
      #expect(
        (first["headers"] as? [String: String])?["X-Governor-Outcomes"]
          == "forwarded=1, blocked=0, deferred=0", "consent recorded before the decision")
      // Another campaign's push carries the same attributes: nothing added (and the weekly
      // cap holds it).
      var next = try withConsent("new@example.com")
      next["subject"] = "Summer"
      let second = try await push(base, key: key, next)
      #expect(second["status"] as? Int == 200)
      #expect(
        (second["headers"] as? [String: String])?["X-Governor-Outcomes"]
          == "forwarded=0, blocked=1, deferred=0")

      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (status, export) = try await server.get(
        transport, base + "/v1/customers/new@example.com/export", key: setup.admin)
      #expect(status == 200, "\(export)")
      let consents = try #require(export["consents"] as? [[String: Any]], "\(export)")
      #expect(consents.count == 1, "\(consents)")
      #expect(consents.first?["proof"] as? String == "Ticked: send me the spring newsletter")
      #expect(
        consents.first?["source"] as? String
          == "listmonk subscriber e44b4135-1e1d-40c5-8a30-0f9a886c2884")

      let bad = try documented(
        to: "other@example.com", attribs: ["consent": ["marketing": "last spring"]])
      let refused = try await push(base, key: key, bad)
      #expect(refused["status"] as? Int == 422, "\(refused)")
      #expect(
        (refused["body"] as? String)?.contains("recipients.0.attribs.consent.marketing") == true)
    }
    // The send-only push and the refused one sent nothing; the capped one neither.
    #expect(setup.sent.count == 1, "\(setup.sent)")
  }
}
