import Foundation
import GovernorDelivery
import Testing

/// `governor serve` as a person runs it: the real binary on a free port, real HTTP.
@Suite("governor serve")
struct ServeCommandTests {
  /// Starts the binary, waits for its "listening" line, runs `body` with the base URL, then
  /// sends SIGTERM and returns the exit status and everything the server logged.
  @discardableResult
  func withServer(
    _ arguments: [String], _ body: (String, CurlTransport) async throws -> Void
  ) async throws -> (status: Int32, log: String) {
    let logPath = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-log-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    let process = Process()
    process.executableURL = GovernorBinary.executable
    process.arguments = ["serve", "--port", "0"] + arguments
    process.currentDirectoryURL = GovernorBinary.repositoryRoot
    let output = Pipe()
    process.standardOutput = output
    process.standardError = log
    try process.run()
    var base: String?
    var buffer = Data()
    while base == nil {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      buffer.append(chunk)
      let text = String(decoding: buffer, as: UTF8.self)
      if let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
        base = String(text[range])
      }
    }
    let transport = CurlTransport(configuration: .init(maxConcurrent: 4))
    defer { transport.shutdown() }
    do {
      try await body(try #require(base), transport)
    } catch {
      process.terminate()
      throw error
    }
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    try log.close()
    return (process.terminationStatus, try String(contentsOfFile: logPath, encoding: .utf8))
  }

  func post(_ transport: CurlTransport, _ url: String, _ json: String, key: String?)
    async throws -> (Int, [String: Any])
  {
    var headers = [("Content-Type", "application/json")]
    if let key { headers.append(("Authorization", "Bearer \(key)")) }
    let response = try await transport.send(
      SenderRequest(method: "POST", url: url, headers: headers, body: Data(json.utf8)))
    let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
    return (response.status, object ?? [:])
  }

  func createKey(_ store: String, scope: String) throws -> String {
    let run = try GovernorBinary.run(
      "keys", "create", "--name", "test-\(scope)", "--scope", scope, "--store", store)
    #expect(run.status == 0)
    return try #require(run.stdoutLines.first { $0.hasPrefix("mg_") })
  }

  @Test(
    "decides, forwards to the outbox, answers repeats the same, refuses bad input, stops on SIGTERM"
  )
  func endToEnd() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let sendKey = try createKey(store, scope: "send")
    let auditKey = try createKey(store, scope: "audit:read")
    let (status, log) = try await withServer([
      "--store", store, "--sender", "outbox:\(folder)/outbox",
    ]) {
      base, transport in
      let shipped = #"""
        {"id":"o-1","customer_id":"42","to":"ana@example.com","from":"shop@shop.example",
         "subject":"Your order shipped","text":"On its way","category":"transactional"}
        """#
      let (first, answer) = try await post(transport, base + "/v1/messages", shipped, key: sendKey)
      #expect(first == 200)
      let decision = (answer["record"] as? [String: Any])?["decision"] as? [String: Any]
      #expect(decision?["outcome"] as? String == "forwarded")
      #expect((answer["delivery"] as? [String: Any])?["status"] as? String == "sent")

      let (_, repeatAnswer) = try await post(
        transport, base + "/v1/messages", shipped, key: sendKey)
      #expect(repeatAnswer["repeated"] as? Bool == true)
      #expect(
        (repeatAnswer["record"] as? [String: Any])?["id"] as? String
          == (answer["record"] as? [String: Any])?["id"] as? String)

      let marketing = #"""
        {"id":"m-1","customer_id":"42","to":"ana@example.com","from":"news@shop.example",
         "subject":"Sale","text":"Hi","category":"marketing"}
        """#
      let (_, blocked) = try await post(transport, base + "/v1/messages", marketing, key: sendKey)
      let blockedDecision = (blocked["record"] as? [String: Any])?["decision"] as? [String: Any]
      #expect(blockedDecision?["outcome"] as? String == "blocked")

      let injected =
        #"{"id":"x","customer_id":"42","to":"a@example.com","from":"s@shop.example","subject":"a\r\nBcc: all@example.com","text":"t","category":"transactional"}"#
      let (badStatus, problem) = try await post(
        transport, base + "/v1/messages", injected, key: sendKey)
      #expect(badStatus == 422)
      #expect((problem["errors"] as? [[String: String]])?.first?["field"] == "subject")

      let (notJSON, _) = try await post(transport, base + "/v1/messages", "{", key: sendKey)
      #expect(notJSON == 400)
      let huge = #"{"id":"big","text":""# + String(repeating: "x", count: 2 << 20) + #""}"#
      let (tooLarge, _) = try await post(transport, base + "/v1/messages", huge, key: sendKey)
      #expect(tooLarge == 413)

      let (anonymous, unauthenticated) = try await post(
        transport, base + "/v1/messages", shipped, key: nil)
      #expect(anonymous == 401)
      #expect(unauthenticated["title"] as? String == "No valid API key")
      let (forged, _) = try await post(
        transport, base + "/v1/messages", shipped, key: String(sendKey.dropLast(2)) + "xx")
      #expect(forged == 401)
      let (wrongScope, forbidden) = try await post(
        transport, base + "/v1/messages", shipped, key: auditKey)
      #expect(wrongScope == 403)
      #expect(forbidden["detail"] as? String == "this needs an API key with the 'send' scope")

      let health = try await transport.send(SenderRequest(method: "GET", url: base + "/healthz"))
      #expect(health.status == 200)
    }
    #expect(status == 0)
    // Requests are logged with their decision id and the key's id, never the key itself.
    #expect(log.contains("decision_id=dec_"))
    #expect(!log.contains(String(sendKey.split(separator: "_").last ?? "")))
    #expect(!log.contains(String(auditKey.split(separator: "_").last ?? "")))
    let outbox = try FileManager.default.contentsOfDirectory(atPath: folder + "/outbox").sorted()
    #expect(outbox == ["o-1.eml", "o-1.json"])
    let verify = try GovernorBinary.run("audit", "verify", "--store", store)
    #expect(verify.stdoutLines == ["audit log intact: 2 decisions"])
  }

  @Test("a message id decided before a restart is answered the same after it, and not resent")
  func idempotentAcrossRestart() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("serve-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let key = try createKey(store, scope: "send")
    let arguments = ["--store", store, "--sender", "outbox:\(folder)/outbox"]
    let message = #"""
      {"id":"r-1","customer_id":"7","to":"bo@example.com","from":"shop@shop.example",
       "subject":"Receipt","text":"Thanks","category":"transactional"}
      """#
    var firstId: String?
    try await withServer(arguments) { base, transport in
      let (_, answer) = try await post(transport, base + "/v1/messages", message, key: key)
      firstId = (answer["record"] as? [String: Any])?["id"] as? String
    }
    try await withServer(arguments) { base, transport in
      let (status, answer) = try await post(transport, base + "/v1/messages", message, key: key)
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
    let key = try createKey(store, scope: "send")
    try await withServer(["--store", store, "--sender", "outbox:\(folder)/outbox"]) {
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
    let writer = try createKey(store, scope: "consent:write")
    let sender = try createKey(store, scope: "send")
    try await withServer(["--store", store, "--sender", "outbox:\(folder)/outbox"]) {
      base, transport in
      let consent =
        #"{"customer_id":"42","purpose":"marketing","status":"granted","at":"2026-01-01T00:00:00Z","source":"signup"}"#
      let (forbidden, _) = try await post(transport, base + "/v1/consents", consent, key: sender)
      #expect(forbidden == 403)
      let (created, _) = try await post(transport, base + "/v1/consents", consent, key: writer)
      #expect(created == 201)
      let (invalid, problem) = try await post(
        transport, base + "/v1/suppressions", #"{"customer_id":"42"}"#, key: writer)
      #expect(invalid == 422)
      #expect((problem["errors"] as? [[String: String]])?.first?["field"] == "reason")
      let (added, suppression) = try await post(
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
