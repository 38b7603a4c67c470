import Foundation
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

  func documented(to email: String, tags: [String]? = nil) throws -> [String: Any] {
    var body = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
    var recipients = try #require(body["recipients"] as? [[String: Any]])
    recipients[0]["email"] = email
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
