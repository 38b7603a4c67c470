import Foundation
import GovernorDelivery
import Testing

/// `governor serve` as a person runs it: the real binary on a free port, real HTTP.
@Suite("governor serve")
struct ServeCommandTests {
  let server = ServedGovernor()

  @Test(
    "decides, forwards to the outbox, answers repeats the same, refuses bad input, stops on SIGTERM"
  )
  func endToEnd() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let sendKey = try await server.createKey(store, scope: "send")
    let auditKey = try await server.createKey(store, scope: "audit:read")
    let (status, log) = try await server.withServer([
      "--store", store, "--sender", "outbox:\(folder)/outbox",
    ]) {
      base, transport in
      let shipped = #"""
        {"id":"o-1","customer_id":"42","to":"ana@example.com","from":"shop@shop.example",
         "subject":"Your order shipped","text":"On its way","category":"transactional"}
        """#
      let (first, answer) = try await server.post(
        transport, base + "/v1/messages", shipped, key: sendKey)
      #expect(first == 200)
      let decision = (answer["record"] as? [String: Any])?["decision"] as? [String: Any]
      #expect(decision?["outcome"] as? String == "forwarded")
      #expect((answer["delivery"] as? [String: Any])?["status"] as? String == "sent")

      let (_, repeatAnswer) = try await server.post(
        transport, base + "/v1/messages", shipped, key: sendKey)
      #expect(repeatAnswer["repeated"] as? Bool == true)
      #expect(
        (repeatAnswer["record"] as? [String: Any])?["id"] as? String
          == (answer["record"] as? [String: Any])?["id"] as? String)

      let marketing = #"""
        {"id":"m-1","customer_id":"42","to":"ana@example.com","from":"news@shop.example",
         "subject":"Sale","text":"Hi","category":"marketing"}
        """#
      let (_, blocked) = try await server.post(
        transport, base + "/v1/messages", marketing, key: sendKey)
      let blockedDecision = (blocked["record"] as? [String: Any])?["decision"] as? [String: Any]
      #expect(blockedDecision?["outcome"] as? String == "blocked")

      let injected =
        #"{"id":"x","customer_id":"42","to":"a@example.com","from":"s@shop.example","subject":"a\r\nBcc: all@example.com","text":"t","category":"transactional"}"#
      let (badStatus, problem) = try await server.post(
        transport, base + "/v1/messages", injected, key: sendKey)
      #expect(badStatus == 422)
      #expect((problem["errors"] as? [[String: String]])?.first?["field"] == "subject")

      let (notJSON, _) = try await server.post(transport, base + "/v1/messages", "{", key: sendKey)
      #expect(notJSON == 400)
      let huge = #"{"id":"big","text":""# + String(repeating: "x", count: 2 << 20) + #""}"#
      let (tooLarge, _) = try await server.post(
        transport, base + "/v1/messages", huge, key: sendKey)
      #expect(tooLarge == 413)

      let (anonymous, unauthenticated) = try await server.post(
        transport, base + "/v1/messages", shipped, key: nil)
      #expect(anonymous == 401)
      #expect(unauthenticated["title"] as? String == "No valid API key")
      let (forged, _) = try await server.post(
        transport, base + "/v1/messages", shipped, key: String(sendKey.dropLast(2)) + "xx")
      #expect(forged == 401)
      let (wrongScope, forbidden) = try await server.post(
        transport, base + "/v1/messages", shipped, key: auditKey)
      #expect(wrongScope == 403)
      #expect(forbidden["detail"] as? String == "this needs an API key with the 'send' scope")

      let health = try await transport.send(SenderRequest(method: "GET", url: base + "/healthz"))
      #expect(health.status == 200)
    }
    #expect(status == 0)
    // Requests are logged with their decision id and the key's id, never the key itself. The
    // secret is everything after `mg_ID_`: it is base64url and may itself contain `_`.
    #expect(log.contains("decision_id=dec_"))
    #expect(!log.contains(String(sendKey.split(separator: "_", maxSplits: 2).last ?? "")))
    #expect(!log.contains(String(auditKey.split(separator: "_", maxSplits: 2).last ?? "")))
    let outbox = try FileManager.default.contentsOfDirectory(atPath: folder + "/outbox").sorted()
    #expect(outbox == ["o-1.eml", "o-1.json"])
    let verify = try await GovernorBinary.run("audit", "verify", "--store", store)
    #expect(verify.stdoutLines == ["audit log intact: 2 decisions"])
  }

  @Test("a policy with errors stops serve before it listens, each error at FILE:LINE:COLUMN")
  func brokenPolicyRefused() async throws {
    let store = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)/governor.sqlite").path
    let run = try await GovernorBinary.run(
      "serve", "--port", "0", "--store", store, "--policy", "fixtures/policies/broken.yaml")
    #expect(run.status != 0)
    #expect(!run.stdout.contains("listening"))
    #expect(run.stderr.contains("fixtures/policies/broken.yaml:2:20: default_time_zone"))
    #expect(run.stderr.contains("fixtures/policies/broken.yaml:24:1: unknown key 'quite_hours'"))
  }

  @Test("a message id decided before a restart is answered the same after it, and not resent")
  func idempotentAcrossRestart() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let key = try await server.createKey(store, scope: "send")
    let arguments = ["--store", store, "--sender", "outbox:\(folder)/outbox"]
    let message = #"""
      {"id":"r-1","customer_id":"7","to":"bo@example.com","from":"shop@shop.example",
       "subject":"Receipt","text":"Thanks","category":"transactional"}
      """#
    var firstId: String?
    try await server.withServer(arguments) { base, transport in
      let (_, answer) = try await server.post(transport, base + "/v1/messages", message, key: key)
      firstId = (answer["record"] as? [String: Any])?["id"] as? String
    }
    try await server.withServer(arguments) { base, transport in
      let (status, answer) = try await server.post(
        transport, base + "/v1/messages", message, key: key)
      #expect(status == 200)
      #expect(answer["repeated"] as? Bool == true)
      #expect((answer["record"] as? [String: Any])?["id"] as? String == firstId)
    }
    let outbox = try FileManager.default.contentsOfDirectory(atPath: folder + "/outbox")
    #expect(outbox.filter { $0.hasSuffix(".eml") } == ["r-1.eml"])
  }

  @Test("a body that is not UTF-8 is a 400 problem, not a crash")
  func invalidUTF8() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let key = try await server.createKey(store, scope: "send")
    try await server.withServer(["--store", store, "--sender", "outbox:\(folder)/outbox"]) {
      base, transport in
      var body = Data(#"{"id":"u","subject":""#.utf8)
      body.append(contentsOf: [0xFF, 0xFE, 0x80])
      body.append(Data(#""}"#.utf8))
      let response = try await transport.send(
        SenderRequest(
          method: "POST", url: base + "/v1/messages",
          headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(key)")],
          body: body))
      #expect(response.status == 400)
      #expect(response.headers["content-type"] == "application/problem+json")
    }
  }

  @Test(
    "consents and suppressions over HTTP need consent:write; a lifted suppression is 204, again 404"
  )
  func recordsOverHTTP() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let writer = try await server.createKey(store, scope: "consent:write")
    let sender = try await server.createKey(store, scope: "send")
    try await server.withServer(["--store", store, "--sender", "outbox:\(folder)/outbox"]) {
      base, transport in
      let consent =
        #"{"customer_id":"42","purpose":"marketing","status":"granted","at":"2026-01-01T00:00:00Z","source":"signup"}"#
      let (forbidden, _) = try await server.post(
        transport, base + "/v1/consents", consent, key: sender)
      #expect(forbidden == 403)
      let (created, _) = try await server.post(
        transport, base + "/v1/consents", consent, key: writer)
      #expect(created == 201)
      let (invalid, problem) = try await server.post(
        transport, base + "/v1/suppressions", #"{"customer_id":"42"}"#, key: writer)
      #expect(invalid == 422)
      #expect((problem["errors"] as? [[String: String]])?.first?["field"] == "reason")
      let (added, suppression) = try await server.post(
        transport, base + "/v1/suppressions", #"{"customer_id":"42","reason":"unsubscribed"}"#,
        key: writer)
      #expect(added == 201)
      let id = try #require(suppression["id"] as? String)
      for expected in [204, 404] {
        let lifted = try await transport.send(
          SenderRequest(
            method: "DELETE", url: base + "/v1/suppressions/\(id)",
            headers: [("Authorization", "Bearer \(writer)")]))
        #expect(lifted.status == expected)
      }
    }
  }
}
