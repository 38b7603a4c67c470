import Foundation
import GovernorCore
import GovernorDelivery
import GovernorStore
import TestDatabases
import Testing

/// The SMTP listener of the real `governor serve`, driven by real clients: Python's smtplib,
/// Debian's swaks, and a raw socket for what no polite client sends.
@Suite("SMTP relay end to end")
struct SMTPEndToEndTests {
  let server = ServedGovernor()

  typealias Setup = MixedOutcomeStore

  func setUp() async throws -> Setup {
    try await MixedOutcomeStore.make(server: server, policy: Self.policy)
  }

  static let policy = "fixtures/policies/smtp-e2e.yaml"

  func arguments(_ setup: Setup, _ extra: [String] = []) -> [String] {
    [
      "--store", setup.store, "--policy", Self.policy, "--sender", "outbox:\(setup.outbox)",
      "--smtp", "127.0.0.1:0",
    ] + extra
  }

  func outboxMails(_ setup: Setup) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: setup.outbox)) ?? [])
      .filter { $0.hasSuffix(".eml") }.sorted()
  }

  func withSMTP(
    _ setup: Setup, _ extra: [String] = [], _ body: (Int, String) async throws -> Void
  ) async throws -> String {
    let server = try await GovernorProcess.start(arguments(setup, extra))
    do {
      try await body(try #require(server.smtpPort), server.base)
    } catch {
      try await server.stop()
      throw error
    }
    try await server.stop()
    return server.log
  }

  @Test(
    "smtplib: six recipients, one decision each — forwarded, consent, cap, quiet hours, unsubscribed"
  )
  func sixRecipients() async throws {
    let setup = try await setUp()
    let recipients = [
      "fwd1@example.com", "stranger@example.com", "capped@example.com", "night@example.com",
      "fwd2@example.com", "unsub@example.com",
    ]
    let log = try await withSMTP(setup) { port, base in
      let result = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key, "to": recipients,
        "message_id": "<spring-1@shop.example>",
        "headers": ["X-Governor-Category": "marketing", "X-Governor-Campaign": "spring"],
        "html": #"<p>Spring sale <img src="https://pixel.example/o.gif" width="1" height="1"></p>"#,
      ])
      #expect(result["code"] as? Int == 250, "\(result)")
      #expect(result["auth_offered"] as? Bool == true, "AUTH is offered in clear on loopback")

      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (status, page) = try await server.get(
        transport, base + "/v1/decisions?campaign=spring", key: setup.admin)
      #expect(status == 200)
      let decisions = try #require(page["decisions"] as? [[String: Any]])
      var outcomes: [String: (String, [String])] = [:]
      for row in decisions {
        let record = try #require(row["record"] as? [String: Any])
        let decision = try #require(record["decision"] as? [String: Any])
        let to = try #require(row["message_id"] as? String).split(separator: "/").last ?? ""
        let codes = (decision["reasons"] as? [[String: Any]] ?? []).compactMap {
          $0["code"] as? String
        }
        outcomes[String(to)] = (row["outcome"] as? String ?? "", codes)
      }
      #expect(outcomes.count == 6)
      #expect(outcomes["fwd1@example.com"]?.0 == "forwarded")
      #expect(outcomes["fwd2@example.com"]?.0 == "forwarded")
      #expect(outcomes["stranger@example.com"]?.0 == "blocked")
      #expect(
        outcomes["stranger@example.com"]?.1.contains("consent_missing") == true, "\(outcomes)")
      #expect(outcomes["capped@example.com"]?.0 == "blocked")
      #expect(outcomes["night@example.com"]?.0 == "deferred")
      #expect(outcomes["unsub@example.com"]?.0 == "blocked")
    }
    let mails = outboxMails(setup)
    #expect(mails.count == 2, "\(mails)")
    for mail in mails {
      let text = try String(contentsOfFile: setup.outbox + "/" + mail, encoding: .utf8)
      // One recipient per copy, its own unsubscribe link, the governor's header gone, the
      // pixel removed.
      let to = text.split(separator: "\r\n").filter { $0.hasPrefix("To: ") }
      #expect(to.count == 1 && to[0].hasPrefix("To: fwd"), "\(to)")
      #expect(text.contains("List-Unsubscribe: "))
      #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
      #expect(!text.contains("X-Governor-Category"))
      #expect(!text.contains("pixel.example"))
      #expect(text.contains("Message-ID: <spring-1@shop.example>"))
    }
    #expect(!log.contains(setup.key), "no key in the log")
  }

  @Test("the same message sent again after a lost reply: the first decisions, nothing sent twice")
  func resendIsIdempotent() async throws {
    let setup = try await setUp()
    _ = try await withSMTP(setup) { port, _ in
      for _ in 0..<2 {
        let result = try await SMTPClients.send([
          "host": "127.0.0.1", "port": port, "key": setup.key, "to": ["fwd1@example.com"],
          "message_id": "<again@shop.example>", "headers": ["X-Governor-Category": "marketing"],
        ])
        #expect(result["code"] as? Int == 250, "\(result)")
      }
    }
    #expect(outboxMails(setup).count == 1)
  }

  @Test("a wrong key: 535 5.7.8, nothing decided; no category: 554 naming the header")
  func refusals() async throws {
    let setup = try await setUp()
    _ = try await withSMTP(setup) { port, base in
      let wrong = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": "mg_000000000000_nope",
        "to": ["fwd1@example.com"],
        "headers": ["X-Governor-Category": "marketing"],
      ])
      #expect(wrong["code"] as? Int == 535, "\(wrong)")
      let uncategorised = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key, "to": ["fwd1@example.com"],
      ])
      #expect(uncategorised["code"] as? Int == 554, "\(uncategorised)")
      #expect((uncategorised["error"] as? String)?.contains("X-Governor-Category") == true)
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (_, page) = try await server.get(transport, base + "/v1/decisions", key: setup.admin)
      #expect((page["decisions"] as? [Any])?.count == 1, "only the setup's earlier send")
    }
    #expect(outboxMails(setup).isEmpty)
  }

  @Test("a 10 MB attachment arrives byte-identical; over SIZE is refused with 552 5.3.4")
  func largeAttachment() async throws {
    let setup = try await setUp()
    _ = try await withSMTP(setup, ["--smtp-max-size", "16000000"]) { port, _ in
      let result = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key, "to": ["fwd1@example.com"],
        "headers": ["X-Governor-Category": "transactional"], "attachment_bytes": 10_000_000,
        "html": "<p>Your invoice</p>",
      ])
      #expect(result["code"] as? Int == 250, "\(result)")
      let tooLarge = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key, "to": ["fwd1@example.com"],
        "headers": ["X-Governor-Category": "transactional"], "attachment_bytes": 12_500_000,
      ])
      #expect(tooLarge["code"] as? Int == 552, "\(tooLarge)")
    }
    let mail = try #require(outboxMails(setup).first)
    let digests = try await SMTPClients.run(
      "/usr/bin/env",
      ["python3", SMTPClients.script, "attachment-digest", setup.outbox + "/" + mail])
    let expected = try await SMTPClients.run(
      "/usr/bin/env",
      [
        "python3", "-c",
        "import hashlib;print(hashlib.sha256(bytes((i*7919)%251 for i in range(10000000))).hexdigest())",
      ])
    #expect(
      digests.stdout.contains(expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
      "\(digests.stdout) \(digests.stderr)")
  }

  @Test(
    "hostile sessions: bare LF smuggling, an over-long line, garbage, 1,000 recipients, silence",
    .timeLimit(.minutes(2)))
  func hostileSessions() async throws {
    let setup = try await setUp()
    let plain = "\u{0}governor\u{0}\(setup.key)"
    let auth = "AUTH PLAIN " + Data(plain.utf8).base64EncodedString() + "\r\n"
    _ = try await withSMTP(setup, ["--smtp-idle-timeout", "1"]) { port, base in
      // A bare-LF `.` does not end the message, so the MAIL after it is data, not a second
      // message (SMTP smuggling).
      let smuggled = try await SMTPClients.raw(
        port: port,
        [
          ["send": "EHLO test\r\n"], ["send": auth], ["send": "MAIL FROM:<a@shop.example>\r\n"],
          ["send": "RCPT TO:<fwd1@example.com>\r\n"], ["send": "DATA\r\n"],
          [
            "send": "X-Governor-Category: transactional\r\nSubject: one\r\n\r\nfirst\n.\n"
              + "MAIL FROM:<b@shop.example>\nRCPT TO:<fwd2@example.com>\nDATA\nSubject: two\r\n\r\n.\r\n"
          ],
          ["send": "QUIT\r\n"],
        ])
      #expect(smuggled.contains { $0.hasPrefix("250 2.0.0 Ok: 1 recipient") }, "\(smuggled)")
      let lines = try await SMTPClients.raw(
        port: port,
        [
          ["send": "EHLO test\r\n"],
          ["send": "NOOP " + String(repeating: "x", count: 600) + "\r\n"],
          ["hex": "ff00fe01c3280d0a"],
          ["send": "MAIL FROM:<a@shop.example>\r\n"],
          ["send": "QUIT\r\n"],
        ])
      #expect(lines.contains("500 5.5.2 Line too long"), "\(lines)")
      #expect(lines.contains("500 5.5.2 Command line is not text"), "\(lines)")
      #expect(lines.contains { $0.hasPrefix("530 5.7.0") }, "MAIL before AUTH: \(lines)")
      #expect(lines.last == "221 2.0.0 Bye")

      var steps: [[String: Any]] = [
        ["send": "EHLO test\r\n"], ["send": auth], ["send": "MAIL FROM:<a@shop.example>\r\n"],
      ]
      // Pipelined, as RFC 2920 allows: 1,000 RCPTs in one write.
      steps.append([
        "send": (0..<1_000).map { "RCPT TO:<bulk\($0)@example.com>\r\n" }.joined(),
        "replies": 1_000,
      ])
      steps += [
        ["send": "DATA\r\n"],
        ["send": "X-Governor-Category: transactional\r\nSubject: bulk\r\n\r\nhi\r\n.\r\n"],
        ["send": "QUIT\r\n"],
      ]
      let bulk = try await SMTPClients.raw(port: port, steps)
      #expect(bulk.filter { $0 == "250 2.1.5 Ok" }.count == 1_000)
      #expect(
        bulk.contains("250 2.0.0 Ok: 1000 recipient(s) decided: 1000 forwarded"),
        "\(bulk.suffix(3))")

      // A client that drops in the middle of DATA leaves nothing behind.
      let dropped = try await SMTPClients.raw(
        port: port,
        [
          ["send": "EHLO test\r\n"], ["send": auth], ["send": "MAIL FROM:<a@shop.example>\r\n"],
          ["send": "RCPT TO:<dropped@example.com>\r\n"], ["send": "DATA\r\n"],
          ["send": "X-Governor-Category: transactional\r\nSubject: half\r\n\r\nhal", "replies": 0],
        ])
      #expect(dropped.last?.hasPrefix("354") == true, "\(dropped)")

      let silent = try await SMTPClients.raw(port: port, [["sleep": 2.5], ["send": "NOOP\r\n"]])
      #expect(silent.contains("421 4.4.2 Idle too long, closing"), "\(silent)")
      _ = base
    }
    #expect(outboxMails(setup).count == 1_001)
  }

  /// A self-signed certificate for 127.0.0.1, made by Debian's openssl.
  func certificate(in folder: String) async throws -> (certificate: String, key: String) {
    let certificate = folder + "/cert.pem"
    let key = folder + "/key.pem"
    let made = try await SMTPClients.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      ])
    #expect(made.status == 0, "\(made.stderr)")
    return (certificate, key)
  }

  @Test(
    "STARTTLS and implicit TLS with a self-signed certificate: smtplib verifies it, swaks pipelines"
  )
  func tls() async throws {
    let setup = try await setUp()
    let (certificate, key) = try await certificate(in: setup.folder)
    let implicitPort = try await SMTPClients.freePort()
    _ = try await withSMTP(
      setup,
      [
        "--smtp-tls-cert", certificate, "--smtp-tls-key", key,
        "--smtps", "127.0.0.1:\(implicitPort)",
      ]
    ) { port, _ in
      let started = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key, "to": ["fwd1@example.com"],
        "headers": ["X-Governor-Category": "transactional"], "starttls": true,
        "cafile": certificate,
      ])
      #expect(started["code"] as? Int == 250, "\(started)")
      #expect((started["tls"] as? String)?.hasPrefix("TLSv1.") == true, "\(started)")
      let implicit = try await SMTPClients.send([
        "host": "127.0.0.1", "port": implicitPort, "key": setup.key, "to": ["fwd2@example.com"],
        "headers": ["X-Governor-Category": "transactional"], "implicit_tls": true,
        "cafile": certificate,
      ])
      #expect(implicit["code"] as? Int == 250, "\(implicit)")
      if SMTPClients.swaksInstalled {
        let swaks = try await SMTPClients.swaks([
          "--server", "127.0.0.1:\(port)", "--tls", "--pipeline", "--auth", "PLAIN",
          "--auth-user", "governor", "--auth-password", setup.key,
          "--from", "news@shop.example", "--to", "capped@example.com",
          "--header", "X-Governor-Category: transactional", "--header", "Subject: Receipt",
          "--body", "Thanks.",
        ])
        #expect(swaks.status == 0, "\(swaks.stdout)")
        #expect(swaks.stdout.contains("250 2.0.0 Ok: 1 recipient(s) decided: 1 forwarded"))
        let wrong = try await SMTPClients.swaks([
          "--server", "127.0.0.1:\(port)", "--tls", "--auth", "LOGIN",
          "--auth-user", "governor", "--auth-password", "mg_000000000000_wrong",
          "--from", "news@shop.example", "--to", "capped@example.com",
        ])
        #expect(wrong.status != 0)
        #expect(wrong.stdout.contains("535 5.7.8"), "\(wrong.stdout)")
      }
    }
    #expect(outboxMails(setup).count == (SMTPClients.swaksInstalled ? 3 : 2))
  }

  @Test(
    "--smtp-refuse-held: consent and suppressions 550 5.7.1, caps and quiet hours 450 4.7.1, at RCPT"
  )
  func refuseAtRCPT() async throws {
    let setup = try await setUp()
    _ = try await withSMTP(setup, ["--smtp-category", "marketing", "--smtp-refuse-held"]) {
      port, _ in
      let result = try await SMTPClients.send([
        "host": "127.0.0.1", "port": port, "key": setup.key,
        "to": [
          "fwd1@example.com", "stranger@example.com", "capped@example.com", "night@example.com",
          "unsub@example.com",
        ],
      ])
      #expect(result["code"] as? Int == 250, "\(result)")
      let refused = try #require(result["refused"] as? [String: [Any]])
      func reply(_ address: String) -> String {
        refused[address].map { "\($0[0]) \($0[1])" } ?? "accepted"
      }
      #expect(reply("stranger@example.com").hasPrefix("550 5.7.1 consent_missing"), "\(refused)")
      #expect(reply("unsub@example.com").hasPrefix("550 5.7.1 unsubscribed"), "\(refused)")
      #expect(reply("capped@example.com").hasPrefix("450 4.7.1 cap_exceeded"), "\(refused)")
      #expect(reply("night@example.com").hasPrefix("450 4.7.1 quiet_hours"), "\(refused)")
      #expect(reply("fwd1@example.com") == "accepted")
    }
    #expect(outboxMails(setup).count == 1)
  }

  @Test(
    "PostgreSQL gone: 451 4.3.0 and nothing sent; sent again once it is back, the message goes once",
    .enabled(if: TestPostgres.serverURL != nil), .timeLimit(.minutes(2)))
  func storeFailure() async throws {
    let location = try TestPostgres.freshDatabase()
    let database = try #require(URLComponents(string: location)?.path.dropFirst())
    let server = try #require(TestPostgres.serverURL)
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("smtp-pg-\(UUID().uuidString)").path
    let key = try await self.server.createKey(location, scope: "send")
    let running = try await GovernorProcess.start([
      "--store", location, "--policy", Self.policy, "--sender", "outbox:\(folder)/outbox",
      "--smtp", "127.0.0.1:0", "--smtp-decision-timeout", "3", "--smtp-trust-loopback",
    ])
    do {
      let port = try #require(running.smtpPort)
      let message: [String: Any] = [
        "host": "127.0.0.1", "port": port, "key": key, "to": ["someone@example.com"],
        "message_id": "<pg-gone@shop.example>", "headers": ["X-Governor-Category": "transactional"],
      ]
      _ = try await RawDatabase.postgres(url: server).execute(
        "ALTER DATABASE \(database) ALLOW_CONNECTIONS false; "
          + "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
      // A key cannot be checked either: 454, as RFC 4954 asks, not "wrong password".
      let unchecked = try await SMTPClients.send(message)
      #expect(unchecked["code"] as? Int == 454, "\(unchecked)")
      // Trusted on loopback (no AUTH), the message itself: 451 after the decision timeout.
      var trusted = message
      trusted["no_login"] = true
      let refused = try await SMTPClients.send(trusted)
      #expect(refused["code"] as? Int == 451, "\(refused)")
      _ = try await RawDatabase.postgres(url: server).execute(
        "ALTER DATABASE \(database) ALLOW_CONNECTIONS true")
      // As a client retries a 451: until the store answers again.
      var accepted: [String: Any] = [:]
      for _ in 0..<10 {
        accepted = try await SMTPClients.send(trusted)
        if accepted["code"] as? Int == 250 { break }
        try await Task.sleep(for: .seconds(2))
      }
      #expect(accepted["code"] as? Int == 250, "\(accepted)")
      let again = try await SMTPClients.send(trusted)
      #expect(again["code"] as? Int == 250, "\(again)")
    } catch {
      try await running.stop()
      throw error
    }
    try await running.stop()
    let mails = ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/outbox")) ?? [])
      .filter { $0.hasSuffix(".eml") }
    #expect(mails.count == 1)
  }
}

/// A whole message's bodies are what the content rules read: smtplib sends a multipart mail,
/// the SMTP door takes its HTML and text parts apart, the engine checks both.
@Suite("SMTP relay: content the law requires")
struct SMTPContentTests {
  let server = ServedGovernor()

  @Test("smtplib: a hidden unsubscribe link is blocked with its reason; a compliant mail goes")
  func contentOverSMTP() async throws {
    let policy = "fixtures/policies/smtp-content.yaml"
    let setup = try await MixedOutcomeStore.make(server: server, policy: policy)
    let process = try await GovernorProcess.start([
      "--store", setup.store, "--policy", policy, "--sender", "outbox:\(setup.outbox)",
      "--smtp", "127.0.0.1:0",
    ])
    do {
      let port = try #require(process.smtpPort)
      func fixture(_ name: String) throws -> String {
        try String(
          contentsOf: GovernorBinary.repositoryRoot.appendingPathComponent(
            "fixtures/content/\(name)"), encoding: .utf8)
      }
      for (to, html, id) in [
        ("fwd1@example.com", "hidden-unsubscribe.html", "<hidden@maplemain.example>"),
        ("fwd2@example.com", "compliant.html", "<compliant@maplemain.example>"),
      ] {
        let result = try await SMTPClients.send([
          "host": "127.0.0.1", "port": port, "key": setup.key, "to": [to], "message_id": id,
          "headers": ["X-Governor-Category": "marketing"], "html": try fixture(html),
          "text": try fixture("compliant.txt"),
        ])
        #expect(result["code"] as? Int == 250, "\(result)")
      }
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      let (status, page) = try await server.get(
        transport, process.base + "/v1/decisions", key: setup.admin)
      #expect(status == 200)
      let rows = try #require(page["decisions"] as? [[String: Any]])
      func decision(_ to: String) throws -> (String, [String]) {
        let row = try #require(rows.first { ($0["message_id"] as? String)?.hasSuffix(to) == true })
        let record = try #require(row["record"] as? [String: Any])
        let reasons = (record["decision"] as? [String: Any])?["reasons"] as? [[String: Any]] ?? []
        return (row["outcome"] as? String ?? "", reasons.compactMap { $0["code"] as? String })
      }
      let hidden = try decision("fwd1@example.com")
      #expect(hidden.0 == "blocked")
      #expect(hidden.1 == ["missing_unsubscribe_link"])
      #expect(try decision("fwd2@example.com").0 == "forwarded")
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()
  }
}
