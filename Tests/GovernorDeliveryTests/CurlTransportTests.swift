import Foundation
import GovernorDelivery
import TestPeers
import Testing

@Suite("libcurl transport")
struct CurlTransportTests {
  @Test("a POST arrives with its headers and body; the answer comes back whole")
  func roundTrip() async throws {
    try await LoopbackSink.with(
      script: [.init(status: 202, headers: ["X-Request-Id": "r-1"], body: "accepted")]
    ) { base, sink in
      let transport = CurlTransport()
      defer { transport.shutdown() }
      let response = try await transport.send(
        SenderRequest(
          method: "POST", url: base + "/mail", headers: [("X-Test", "yes")],
          body: Data(#"{"hello":"world"}"#.utf8)))
      #expect(response.status == 202)
      #expect(response.headers["x-request-id"] == "r-1")
      #expect(String(decoding: response.body, as: UTF8.self) == "accepted")
      let request = try #require(await sink.received.first)
      #expect(request.path == "/mail")
      #expect(request.headers["x-test"] == "yes")
      #expect(request.headers["expect"] == nil)
      #expect(String(decoding: request.body, as: UTF8.self) == #"{"hello":"world"}"#)
    }
  }

  @Test("answer headers: names lowercased, values without HTTP's surrounding whitespace")
  func answerHeaders() async throws {
    let sink = try FaultSink { _, _ in
      .answer(
        status: 429,
        headers: ["Retry-After": "\t 30 \t", "X-Message-ID": "id with spaces", "X-Empty": " "])
    }
    defer { sink.stop() }
    let transport = CurlTransport()
    defer { transport.shutdown() }
    let response = try await transport.send(SenderRequest(method: "POST", url: sink.url + "/mail"))
    #expect(response.status == 429)
    #expect(response.headers["retry-after"] == "30")
    #expect(response.headers["x-message-id"] == "id with spaces")
    #expect(response.headers["x-empty"] == "")
    #expect(response.headers["content-type"] == "application/json")
  }

  @Test("requests one after another reuse one keep-alive connection")
  func keepAlive() async throws {
    try await LoopbackSink.with { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
      defer { transport.shutdown() }
      for _ in 0..<20 {
        _ = try await transport.send(SenderRequest(method: "POST", url: base + "/mail"))
      }
      #expect(await sink.received.count == 20)
      #expect(await sink.connectionCount == 1)
    }
  }

  /// `count` empty POSTs to `url` at once; returns when every one is answered.
  static func postAtOnce(_ transport: CurlTransport, _ url: String, count: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<count {
        group.addTask { _ = try await transport.send(SenderRequest(method: "POST", url: url)) }
      }
      try await group.waitForAll()
    }
  }

  @Test("bursts of requests at once keep reusing the connections the first burst opened")
  func keepAliveAcrossBursts() async throws {
    try await LoopbackSink.with { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 8))
      defer { transport.shutdown() }
      for _ in 0..<5 { try await Self.postAtOnce(transport, base + "/mail", count: 8) }
      #expect(await sink.received.count == 40)
      #expect(await sink.connectionCount <= 8)
    }
  }

  @Test("no more requests are in flight than the transport allows")
  func boundedConcurrency() async throws {
    let slow = [LoopbackSink.Answer](repeating: .init(status: 200, delay: 0.2), count: 12)
    try await LoopbackSink.with(script: slow) { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 3))
      defer { transport.shutdown() }
      try await Self.postAtOnce(transport, base + "/mail", count: 12)
      #expect(await sink.received.count == 12)
      // At most the bound; more than one at a time, so the bound is what held them back (under
      // a loaded test run the answers' 0.2 s do not always overlap all three).
      let mostAtOnce = await sink.mostAtOnce
      #expect(mostAtOnce <= 3 && mostAtOnce >= 2, "\(mostAtOnce)")
    }
  }

  @Test("many requests at once, far more than may be in flight, all get their own answer")
  func manyAtOnce() async throws {
    let answers = (0..<200).map { LoopbackSink.Answer(status: 200, body: "answer-\($0)") }
    try await LoopbackSink.with(script: answers) { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 8))
      defer { transport.shutdown() }
      let bodies = try await withThrowingTaskGroup(of: String.self) { group in
        for index in 0..<200 {
          group.addTask {
            let response = try await transport.send(
              SenderRequest(method: "POST", url: base + "/mail", body: Data("m-\(index)".utf8)))
            return String(decoding: response.body, as: UTF8.self)
          }
        }
        return try await group.reduce(into: Set<String>()) { $0.insert($1) }
      }
      #expect(bodies == Set((0..<200).map { "answer-\($0)" }))
      #expect(await sink.received.count == 200)
      #expect(await sink.mostAtOnce <= 8)
    }
  }

  @Test("shutting down lets the request in flight finish and fails the queued ones")
  func shutdownFailsQueued() async throws {
    let slow = [LoopbackSink.Answer](repeating: .init(status: 200, delay: 0.5), count: 3)
    try await LoopbackSink.with(script: slow) { base, sink in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
      let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
        for _ in 0..<3 {
          group.addTask {
            do {
              _ = try await transport.send(SenderRequest(method: "POST", url: base + "/mail"))
              return "answered"
            } catch {
              return (error as? TransportError)?.kind.rawValue ?? "\(error)"
            }
          }
        }
        while await sink.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        transport.shutdown()
        return try await group.reduce(into: [String]()) { $0.append($1) }
      }
      #expect(outcomes.sorted() == ["answered", "shutDown", "shutDown"])
      await #expect(throws: TransportError.self) {
        _ = try await transport.send(SenderRequest(method: "POST", url: base + "/mail"))
      }
    }
  }

  @Test("a sender slower than the total timeout is a timeout error")
  func totalTimeout() async throws {
    try await LoopbackSink.with(script: [.init(status: 200, delay: 3)]) { base, _ in
      let transport = CurlTransport(configuration: .init(totalTimeout: 0.3))
      defer { transport.shutdown() }
      await #expect(throws: TransportError.self) {
        _ = try await transport.send(SenderRequest(method: "POST", url: base + "/mail"))
      }
      do {
        _ = try await transport.send(SenderRequest(method: "POST", url: base + "/mail"))
      } catch let error as TransportError {
        #expect(error.kind == .timeout)
      }
    }
  }

  @Test("nobody listening is a connection error; a bad URL is an invalid request")
  func connectionErrors() async throws {
    let transport = CurlTransport(configuration: .init(connectTimeout: 1))
    defer { transport.shutdown() }
    do {
      _ = try await transport.send(SenderRequest(method: "POST", url: "http://127.0.0.1:1/mail"))
      Issue.record("a closed port answered")
    } catch {
      #expect(error.kind == .connection)
    }
    do {
      _ = try await transport.send(SenderRequest(method: "POST", url: "ftp://127.0.0.1/mail"))
      Issue.record("ftp was attempted")
    } catch {
      #expect(error.kind == .invalidRequest)
    }
  }

  @Test("a sender that offers HTTP/2 over TLS is spoken to in HTTP/2")
  func http2() async throws {
    try await TLSServer.withHTTP2 { url, caFile in
      let transport = CurlTransport(configuration: .init(connectTimeout: 2, caFile: caFile))
      defer { transport.shutdown() }
      for _ in 0..<3 {
        let response = try await transport.send(
          SenderRequest(method: "POST", url: url, body: Data(#"{"a":1}"#.utf8)))
        #expect(response.status == 200)
        #expect(response.httpVersion == "2")
        #expect(String(decoding: response.body, as: UTF8.self) == "h2 sink")
      }
    }
  }

  @Test("https is verified: a certificate nobody vouched for fails; given its CA, it passes")
  func tlsVerified() async throws {
    try await TLSServer.with { url, caFile in
      let untrusting = CurlTransport(configuration: .init(connectTimeout: 2))
      defer { untrusting.shutdown() }
      do {
        _ = try await untrusting.send(SenderRequest(method: "GET", url: url))
        Issue.record("a self-signed certificate was accepted")
      } catch let error as TransportError {
        #expect(error.kind == .connection)
        #expect(error.detail.lowercased().contains("certificate"))
      }
      let trusting = CurlTransport(configuration: .init(connectTimeout: 2, caFile: caFile))
      defer { trusting.shutdown() }
      let response = try await trusting.send(SenderRequest(method: "GET", url: url))
      #expect(response.status == 200)
    }
  }
}

/// `openssl s_server` with a fresh self-signed certificate for 127.0.0.1: a real TLS peer.
enum TLSServer {
  /// A fresh folder holding `cert.pem` and `key.pem` for 127.0.0.1.
  static func withCertificate(_ body: (URL, String, String) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("governor-tls-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let cert = folder.appendingPathComponent("cert.pem").path
    let key = folder.appendingPathComponent("key.pem").path
    try run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
      ])
    try await body(folder, cert, key)
  }

  static func with(_ body: (String, String) async throws -> Void) async throws {
    try await withCertificate { _, cert, key in
      try await withSServer(cert: cert, key: key, body)
    }
  }

  /// nginx (Debian's) serving HTTP/2 over TLS, as mail APIs do; one process, so SIGKILL
  /// leaves no workers behind.
  static func withHTTP2(_ body: (String, String) async throws -> Void) async throws {
    try await withCertificate { folder, cert, key in
      let config = folder.appendingPathComponent("nginx.conf")
      try await withServer(
        "/usr/sbin/nginx",
        arguments: { port in
          try """
          master_process off;
          daemon off;
          pid \(folder.path)/nginx.pid;
          error_log \(folder.path)/error.log;
          events {}
          http {
            access_log off;
            server {
              listen 127.0.0.1:\(port) ssl http2;
              ssl_certificate \(cert);
              ssl_certificate_key \(key);
              location / { return 200 'h2 sink'; }
            }
          }
          """.write(to: config, atomically: true, encoding: .utf8)
          return ["-p", folder.path, "-c", config.path]
        },
        body: { port in try await body("https://127.0.0.1:\(port)/mail", cert) })
    }
  }

  static func withSServer(
    cert: String, key: String, _ body: (String, String) async throws -> Void
  ) async throws {
    try await withServer(
      "/usr/bin/openssl",
      arguments: { port in
        ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www"]
      },
      body: { port in try await body("https://127.0.0.1:\(port)/", cert) })
  }

  /// Runs a server process on a random port while `body` runs; it is killed afterwards
  /// (SIGKILL: s_server does not stop on SIGTERM while it holds a connection). A server that
  /// exits before it listens most likely lost its port to another test's server: it is started
  /// again on another. A busy test run can take seconds to start one, hence the long wait.
  static func withServer(
    _ executable: String, arguments: (Int) throws -> [String], waitSeconds: Int = 30,
    body: (Int) async throws -> Void
  ) async throws {
    for _ in 0..<3 {
      let port = Int.random(in: 20_000..<60_000)
      // Taken already, the port would answer for another test's server.
      if accepts(port: port) { continue }
      let server = Process()
      server.executableURL = URL(fileURLWithPath: executable)
      server.arguments = try arguments(port)
      server.standardOutput = FileHandle.nullDevice
      server.standardError = FileHandle.nullDevice
      try server.run()
      defer {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
      }
      guard try await waitForListener(port: port, while: server, seconds: waitSeconds) else {
        continue
      }
      try await body(port)
      return
    }
    throw TransportError(.connection, "\(executable) could not start listening on three ports")
  }

  static func run(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw TransportError(.invalidRequest, "\(tool) \(arguments.first ?? "") failed")
    }
  }

  /// Polls with plain TCP every 50 ms until a server accepts on `port`: true once one does,
  /// false if `server` exits first.
  static func waitForListener(port: Int, while server: Process, seconds: Int) async throws
    -> Bool
  {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      if accepts(port: port) { return server.isRunning }
      if !server.isRunning { return false }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw TransportError(.connection, "nothing started listening on \(port)")
  }

  /// Whether something on 127.0.0.1 accepts a plain TCP connection on `port`.
  static func accepts(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}
