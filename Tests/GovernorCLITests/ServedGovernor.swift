import Foundation
import GovernorDelivery
import Testing

/// `governor serve` run as a separate process on a free port, driven over real HTTP.
struct ServedGovernor {
  /// Signs unsubscribe links in every served test gateway (policies that add them need one).
  static let unsubscribeSecret = "test-secret-that-is-long-enough-0123456789"
  /// Starts the binary, waits for its "listening" line, runs `body` with the base URL, then
  /// sends SIGTERM and returns the exit status and everything the server logged.
  @discardableResult
  func withServer(
    _ arguments: [String], environment: [String: String]? = nil,
    _ body: (String, CurlTransport) async throws -> Void
  ) async throws -> (status: Int32, log: String) {
    let server = try await GovernorProcess.start(arguments, environment: environment)
    let transport = CurlTransport(configuration: .init(maxConcurrent: 4))
    defer { transport.shutdown() }
    do {
      try await body(server.base, transport)
    } catch {
      server.process.terminate()
      throw error
    }
    try await server.stop()
    return (server.process.terminationStatus, server.log)
  }

  func post(
    _ transport: CurlTransport, _ url: String, _ json: String, key: String?,
    method: String = "POST"
  ) async throws -> (Int, [String: Any]) {
    var headers = [("Content-Type", "application/json")]
    if let key { headers.append(("Authorization", "Bearer \(key)")) }
    let response = try await transport.send(
      SenderRequest(method: method, url: url, headers: headers, body: Data(json.utf8)))
    let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
    return (response.status, object ?? [:])
  }

  func createKey(_ store: String, scope: String) async throws -> String {
    let run = try await GovernorBinary.run(
      "keys", "create", "--name", "test-\(scope)", "--scope", scope, "--store", store)
    #expect(run.status == 0)
    return try #require(run.stdoutLines.first { $0.hasPrefix("mg_") })
  }
}

extension ServedGovernor {
  func get(_ transport: CurlTransport, _ url: String, key: String) async throws
    -> (Int, [String: Any])
  {
    let response = try await transport.send(
      SenderRequest(method: "GET", url: url, headers: [("Authorization", "Bearer \(key)")]))
    let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
    return (response.status, object ?? [:])
  }
}
