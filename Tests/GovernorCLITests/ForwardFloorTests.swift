import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// `governor-bench floor`, which `make bench` loads beside nginx and the governor: it must
/// really forward, or the floor it reports would be the floor of doing nothing.
@Suite("The benchmark's floor server")
struct ForwardFloorTests {
  @Test("each POST's body reaches the sink, and the sink's answer comes back")
  func forwards() async throws {
    let answer = LoopbackSink.Answer(status: 202, body: #"{"id":"sink-1"}"#)
    try await LoopbackSink.with(script: [answer]) { sinkURL, sink in
      let bench = GovernorBinary.executable.deletingLastPathComponent()
        .appendingPathComponent("governor-bench")
      let process = Process()
      process.executableURL = bench
      process.arguments = ["floor", "0", sinkURL + "/mail"]
      let output = Pipe()
      process.standardOutput = output
      process.standardError = FileHandle.nullDevice
      try process.run()
      killIfStillRunning(process, after: 60)
      defer { process.terminate() }
      let base = try #require(
        try await offThePool { GovernorProcess.announced(output, smtp: false)?.base })
      let transport = CurlTransport(configuration: .init(maxConcurrent: 1))
      defer { transport.shutdown() }
      let response = try await transport.send(
        SenderRequest(method: "POST", url: base + "/v1/messages", body: Data(#"{"a":1}"#.utf8)))
      #expect(response.status == 202)
      #expect(String(decoding: response.body, as: UTF8.self) == #"{"id":"sink-1"}"#)
      #expect(await sink.received.map { String(decoding: $0.body, as: UTF8.self) } == [#"{"a":1}"#])
    }
  }
}

/// `governor-bench curl`, the client-side floor `make bench` sets against the CPU budget: each
/// mode must really post to the sink, or the µs per request it reports would mean nothing.
@Suite("The benchmark's client floor")
struct CurlClientFloorTests {
  @Test(
    "each mode posts to the sink and counts no more than arrived",
    arguments: ["libcurl", "transport"])
  func posts(mode: String) async throws {
    try await LoopbackSink.with { sinkURL, sink in
      let bench = GovernorBinary.executable.deletingLastPathComponent()
        .appendingPathComponent("governor-bench")
      let process = Process()
      process.executableURL = bench
      process.arguments = ["curl", sinkURL + "/mail", mode, "0.5"]
      let output = Pipe()
      process.standardOutput = output
      process.standardError = FileHandle.nullDevice
      try process.run()
      killIfStillRunning(process, after: 60)
      let printed = try await offThePool {
        String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      }
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      let counted = try #require(
        printed.firstMatch(of: /µs of CPU per request \((\d+) requests\)/).flatMap { Int($0.1) })
      #expect(counted > 0)
      #expect(await sink.received.count >= counted)
      #expect(await sink.received.allSatisfy { $0.path == "/mail" && $0.method == "POST" })
    }
  }
}
