import Foundation
import Testing

/// `governor serve --tls-cert --tls-key` with certificates from a CA the test makes, as an
/// operator's own CA or a renewal would: curl verifies the listener, negotiates HTTP/2 by
/// ALPN, and a renewed certificate is served after SIGHUP while an open connection goes on.
@Suite("HTTPS listener")
struct TLSEndToEndTests {
  let server = ServedGovernor()

  @Test("curl verifies it against the CA, speaks HTTP/2 or 1.1; SIGHUP renews it in place")
  func httpsAndReload() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: "fixtures/policies/smtp-e2e.yaml")
    let folder = setup.folder
    let first = try await TestCertificates.issue(in: folder, name: "first")
    let renewed = try await TestCertificates.issue(in: folder, name: "renewed")
    let certificate = folder + "/served.pem"
    let key = folder + "/served.key"
    try TestCertificates.install(first, certificate: certificate, key: key)
    let process = try await GovernorProcess.start([
      "--store", setup.store, "--policy", "fixtures/policies/smtp-e2e.yaml", "--sender",
      "outbox:\(setup.outbox)", "--tls-cert", certificate, "--tls-key", key,
      "--smtp", "127.0.0.1:0", "--smtp-tls-cert", certificate, "--smtp-tls-key", key,
    ])
    do {
      #expect(process.base.hasPrefix("https://"))
      let port = String(process.base.split(separator: ":").last ?? "")

      #expect(try await curl(process, ca: first.ca) == "2 200")
      #expect(try await curl(process, ca: first.ca, ["--http1.1"]) == "1.1 200")
      let message = #"""
        {"id":"tls-1","customer_id":"fwd1","to":"fwd1@example.com","from":"shop@shop.example",
         "subject":"Shipped","text":"On its way","category":"transactional"}
        """#
      let sent = try await curl(
        process, ca: first.ca,
        [
          "-H", "Authorization: Bearer \(setup.key)", "-H", "Content-Type: application/json",
          "--data-binary", message,
        ], path: "/v1/messages")
      #expect(sent == "2 200", "a message decided over HTTP/2")
      #expect(try await curl(process, ca: renewed.ca) == "0 000", "the renewed CA is not yet")

      // A connection opened before the reload, held across it.
      let ready = folder + "/ready"
      let go = folder + "/go"
      async let held = SMTPClients.run(
        "/usr/bin/env",
        [
          "python3",
          GovernorBinary.repositoryRoot.appendingPathComponent("fixtures/tls/keepalive.py").path,
          port, first.ca, ready, go,
        ], seconds: 90)
      try await waitFor { FileManager.default.fileExists(atPath: ready) }
      try TestCertificates.install(renewed, certificate: certificate, key: key)
      kill(process.pid, SIGHUP)
      try await waitFor { process.log.contains("certificate reloaded") }
      _ = FileManager.default.createFile(atPath: go, contents: nil)
      let kept = try await held
      #expect(
        kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
          == "200 200 same-connection same-certificate", "\(kept.stdout) \(kept.stderr)")

      #expect(try await curl(process, ca: renewed.ca) == "2 200")
      #expect(try await curl(process, ca: first.ca) == "0 000", "the first CA is no longer")
      #expect(try await startTLS(process, ca: renewed.ca), "SMTP's STARTTLS renewed too")
      #expect(try await !startTLS(process, ca: first.ca))

      // A bad renewal is refused and logged; the certificate in use stays.
      try Data("not a key".utf8).write(to: URL(fileURLWithPath: key))
      kill(process.pid, SIGHUP)
      try await waitFor { process.log.contains("certificate not reloaded") }
      #expect(process.log.contains("\(key): not a readable PEM private key"))
      #expect(try await curl(process, ca: renewed.ca) == "2 200")
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()
    #expect(process.process.terminationStatus == 0, "\(process.log)")
    #expect(setup.sent.count == 1)
  }

  @Test("a key that does not belong to the certificate stops serve before it listens")
  func mismatchedKey() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("tls-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let one = try await TestCertificates.issue(in: folder, name: "one")
    let other = try await TestCertificates.issue(in: folder, name: "other")
    let run = try await GovernorBinary.run(
      [
        "serve", "--store", folder + "/governor.sqlite", "--port", "0",
        "--tls-cert", one.certificate, "--tls-key", other.key,
      ], environment: nil)
    #expect(run.status == 2)
    #expect(
      run.stderr.contains("\(other.key): does not belong to the certificate"), "\(run.stderr)")

    let half = try await GovernorBinary.run(
      ["serve", "--store", folder + "/governor.sqlite", "--tls-cert", one.certificate],
      environment: nil)
    #expect(half.status != 0)
    #expect(half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.stderr)")
  }

  /// `HTTP-VERSION STATUS` as curl reports them; `0 000` when the handshake fails.
  func curl(
    _ process: GovernorProcess, ca: String, _ arguments: [String] = [], path: String = "/healthz"
  ) async throws -> String {
    let run = try await SMTPClients.run(
      "/usr/bin/curl",
      ["-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "--cacert", ca]
        + arguments + [process.base + path], seconds: 30)
    return run.stdout
  }

  /// Whether openssl's STARTTLS handshake with the SMTP listener verifies against `ca`.
  func startTLS(_ process: GovernorProcess, ca: String) async throws -> Bool {
    let run = try await SMTPClients.run(
      "/usr/bin/openssl",
      [
        "s_client", "-connect", "127.0.0.1:\(process.smtpPort ?? 0)", "-starttls", "smtp",
        "-CAfile", ca, "-verify_return_error", "-brief",
      ], input: Data("QUIT\r\n".utf8), seconds: 30)
    return run.status == 0 && run.stderr.contains("Verification: OK")
  }

  func waitFor(_ condition: () -> Bool) async throws {
    for _ in 0..<200 where !condition() {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(condition())
  }
}

/// A CA and a server certificate for 127.0.0.1 it signed, made by Debian's openssl.
enum TestCertificates {
  struct Issued {
    var ca: String
    var certificate: String
    var key: String
  }

  static func issue(in folder: String, name: String) async throws -> Issued {
    let base = folder + "/" + name
    let issued = Issued(ca: base + "-ca.pem", certificate: base + ".pem", key: base + ".key")
    let extensions = base + ".ext"
    try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: extensions))
    let steps: [[String]] = [
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", base + "-ca.key", "-out", issued.ca, "-days", "1", "-subj", "/CN=\(name) CA",
      ],
      [
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        issued.key, "-out", base + ".csr", "-subj", "/CN=127.0.0.1",
      ],
      [
        "x509", "-req", "-in", base + ".csr", "-CA", issued.ca, "-CAkey", base + "-ca.key",
        "-CAcreateserial", "-out", issued.certificate, "-days", "1", "-extfile", extensions,
      ],
    ]
    for step in steps {
      let made = try await SMTPClients.run("/usr/bin/openssl", step)
      #expect(made.status == 0, "\(made.stderr)")
    }
    return issued
  }

  /// Puts a pair where the server reads it, as a renewal job would.
  static func install(_ issued: Issued, certificate: String, key: String) throws {
    for (from, to) in [(issued.certificate, certificate), (issued.key, key)] {
      try? FileManager.default.removeItem(atPath: to)
      try FileManager.default.copyItem(atPath: from, toPath: to)
    }
  }
}
