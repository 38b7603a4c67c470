import Foundation
import GovernorDelivery
import Testing

/// `governor serve --otlp-endpoint` exporting to a loopback OTLP/HTTP collector
/// (`fixtures/otlp/collector.py`): a span for the request and one for the forward, carrying
/// the decision id and the caller's trace, and no personal datum anywhere in what was sent.
@Suite("Tracing over OTLP")
struct TracingEndToEndTests {
  let server = ServedGovernor()

  @Test(
    "a request and its forward arrive as spans with the decision id, the trace continued",
    arguments: ["http/protobuf", "http/json"])
  func spansReachTheCollector(encoding: String) async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: "fixtures/policies/smtp-e2e.yaml")
    let received = setup.folder + "/otlp"
    let port = try await SMTPClients.freePort()
    let collector = try await Collector.start(port: port, folder: received)
    defer { collector.stop() }
    var environment = ProcessInfo.processInfo.environment
    environment["GOVERNOR_UNSUBSCRIBE_SECRET"] = ServedGovernor.unsubscribeSecret
    // Protobuf is the default and what collectors expect; JSON lets the test read each span.
    environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = encoding
    let process = try await GovernorProcess.start(
      [
        "--store", setup.store, "--policy", "fixtures/policies/smtp-e2e.yaml", "--sender",
        "outbox:\(setup.outbox)", "--otlp-endpoint", "http://127.0.0.1:\(port)",
      ], environment: environment)
    let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    let decisionId: String
    do {
      let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
      defer { transport.shutdown() }
      let message = #"""
        {"id":"traced-1","customer_id":"fwd1","to":"fwd1@example.com","from":"shop@shop.example",
         "subject":"Your parcel","text":"On its way","category":"transactional"}
        """#
      let response = try await transport.send(
        SenderRequest(
          method: "POST", url: process.base + "/v1/messages",
          headers: [
            ("Content-Type", "application/json"), ("Authorization", "Bearer \(setup.key)"),
            ("traceparent", "00-\(traceId)-00f067aa0ba902b7-01"),
          ], body: Data(message.utf8)))
      #expect(response.status == 200)
      let record =
        (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["record"]
        as? [String: Any]
      decisionId = record?["id"] as? String ?? ""
      #expect(decisionId.hasPrefix("dec_"))
      for _ in 0..<100 where !collector.raw.contains("governor.forward") {
        try await Task.sleep(for: .milliseconds(100))
      }
    } catch {
      try await process.stop()
      throw error
    }
    try await process.stop()

    let everything = collector.raw
    for personal in ["fwd1@example.com", "fwd1", "Your parcel", "On its way", setup.key] {
      #expect(!everything.contains(personal), "\(personal) reached the collector")
    }
    guard encoding == "http/json" else {
      // Protobuf carries strings as they are: the names and the id are there to be found.
      #expect(collector.bodies.isEmpty && !everything.isEmpty)
      for expected in ["POST /v1/messages", "governor.decide", "governor.forward", decisionId] {
        #expect(everything.contains(expected), "\(expected) not exported")
      }
      return
    }
    let spans = collector.bodies.flatMap(OTLPSpan.all(in:))
    let request = spans.first { $0.name == "POST /v1/messages" }
    let decide = spans.first { $0.name == "governor.decide" }
    let forward = spans.first { $0.name == "governor.forward" }
    #expect(request?.attributes["governor.decision_id"] == decisionId, "\(spans)")
    #expect(request?.attributes["http.route"] == "/v1/messages")
    #expect(request?.attributes["http.response.status_code"] == "200")
    #expect(decide?.attributes["governor.decision_id"] == decisionId)
    #expect(decide?.attributes["governor.outcome"] == "forwarded")
    #expect(forward?.attributes["governor.decision_id"] == decisionId)
    #expect(forward?.attributes["governor.delivery"] == "sent")
    #expect(["3", "SPAN_KIND_CLIENT"].contains(forward?.kind ?? ""))
    // One trace, the caller's: its traceparent was continued.
    for span in [request, decide, forward] {
      #expect(span?.traceId == traceId, "\(String(describing: span))")
    }
    #expect(
      forward?.parentSpanId == decide?.parentSpanId && decide?.parentSpanId == request?.spanId)
  }
}

/// The collector script as a child process, its bodies read from its folder.
final class Collector: Sendable {
  let process: Process
  let folder: String

  private init(process: Process, folder: String) {
    self.process = process
    self.folder = folder
  }

  static func start(port: Int, folder: String) async throws -> Collector {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3",
      GovernorBinary.repositoryRoot.appendingPathComponent("fixtures/otlp/collector.py").path,
      String(port), folder,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    killIfStillRunning(process, after: 180)
    // Listening once a connection is taken.
    for _ in 0..<100 {
      let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(port).bigEndian)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      close(probe)
      if connected == 0 { break }
      try await Task.sleep(for: .milliseconds(50))
    }
    return Collector(process: process, folder: folder)
  }

  var bodies: [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasSuffix(".json") }.sorted()
    return names.compactMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
  }

  /// Every body as text, protobuf's included (its strings are stored as they are).
  var raw: String {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasSuffix(".json") || $0.hasSuffix(".bin") }.sorted()
    return names.compactMap { FileManager.default.contents(atPath: folder + "/" + $0) }
      .map { String(decoding: $0, as: UTF8.self) }.joined()
  }

  /// SIGKILL: a child inherits the test process's ignored signals, SIGTERM among them.
  func stop() {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}

/// One span of an OTLP/JSON export, its attributes as text.
struct OTLPSpan: CustomStringConvertible {
  var name: String
  var kind: String
  var traceId: String
  var spanId: String
  var parentSpanId: String
  var attributes: [String: String]

  var description: String { "\(name) \(attributes)" }

  static func all(in body: String) -> [OTLPSpan] {
    guard let export = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    else { return [] }
    let resources = export["resourceSpans"] as? [[String: Any]] ?? []
    let scopes = resources.flatMap { $0["scopeSpans"] as? [[String: Any]] ?? [] }
    return scopes.flatMap { $0["spans"] as? [[String: Any]] ?? [] }.map { span in
      var attributes: [String: String] = [:]
      for attribute in span["attributes"] as? [[String: Any]] ?? [] {
        guard let key = attribute["key"] as? String,
          let value = (attribute["value"] as? [String: Any])?.values.first
        else { continue }
        attributes[key] = "\(value)"
      }
      return OTLPSpan(
        name: span["name"] as? String ?? "", kind: "\(span["kind"] ?? "")",
        traceId: hex(span["traceId"]), spanId: hex(span["spanId"]),
        parentSpanId: hex(span["parentSpanId"]), attributes: attributes)
    }
  }

  /// OTLP/JSON ids are hex by the specification; protobuf's JSON mapping writes bytes as
  /// base64. Either is read as hex.
  static func hex(_ value: Any?) -> String {
    guard let text = value as? String, !text.isEmpty else { return "" }
    if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
    guard let bytes = Data(base64Encoded: text) else { return text }
    return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
  }
}
