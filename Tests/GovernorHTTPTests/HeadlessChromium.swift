import Foundation

/// Debian's `chromium`, headless, driven over the Chrome DevTools Protocol on a pipe
/// (`--remote-debugging-pipe`: requests on fd 3, answers on fd 4, each JSON message ended by
/// NUL). A pipe needs no WebSocket client, and no listed package offers one without a TLS
/// stack to build, so this small driver is written by hand.
final class HeadlessChromium: @unchecked Sendable {
  static let path = "/usr/bin/chromium"
  static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

  private let process = Process()
  private let requests = Pipe()
  private let answers = Pipe()
  private let profile: String
  private var nextId = 0
  private var pending = Data()
  private var session: String?

  init() throws {
    profile =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("chromium-\(UUID().uuidString)").path
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // The shell moves our pipes to fds 3 and 4, where Chromium looks for them.
    process.arguments = [
      "-c",
      "exec \(Self.path) --headless=new --no-sandbox --disable-gpu --no-first-run "
        + "--disable-extensions --remote-debugging-pipe --user-data-dir='\(profile)' about:blank "
        + "3<&0 4>&1 0</dev/null 1>/dev/null 2>/dev/null",
    ]
    process.standardInput = requests
    process.standardOutput = answers
    try process.run()
  }

  deinit {
    kill(process.processIdentifier, SIGKILL)
    try? FileManager.default.removeItem(atPath: profile)
  }

  /// Opens `url` in a new tab and attaches to it; later calls go to that tab.
  func open(_ url: String) async throws {
    let created = try await call("Target.createTarget", ["url": url], inSession: false)
    guard let target = created["targetId"] as? String else {
      throw Failure("no target: \(created)")
    }
    let attached = try await call(
      "Target.attachToTarget", ["targetId": target, "flatten": true], inSession: false)
    guard let session = attached["sessionId"] as? String else {
      throw Failure("no session: \(attached)")
    }
    self.session = session
  }

  /// Sends `headers` with every request the tab makes from now on (an API key, for pages
  /// behind one).
  func setHeaders(_ headers: [String: String]) async throws {
    _ = try await call("Network.enable", [:], inSession: true)
    _ = try await call("Network.setExtraHTTPHeaders", ["headers": headers], inSession: true)
  }

  /// Loads `url` in the attached tab.
  func navigate(_ url: String) async throws {
    _ = try await call("Page.navigate", ["url": url], inSession: true)
  }

  /// The page as a PNG, at `width` × `height` CSS pixels.
  func screenshot(width: Int = 1200, height: Int = 900) async throws -> Data {
    _ = try await call(
      "Emulation.setDeviceMetricsOverride",
      ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false],
      inSession: true)
    let shot = try await call(
      "Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true], inSession: true)
    guard let encoded = shot["data"] as? String, let data = Data(base64Encoded: encoded) else {
      throw Failure("no screenshot")
    }
    return data
  }

  /// The value of a JavaScript expression in the page.
  func evaluate(_ expression: String) async throws -> Any? {
    let answer = try await call(
      "Runtime.evaluate", ["expression": expression, "returnByValue": true], inSession: true)
    return (answer["result"] as? [String: Any])?["value"]
  }

  /// Polls until `condition` is true in the page (navigation included), or fails after
  /// `seconds`.
  func wait(until condition: String, seconds: Double = 15) async throws {
    let deadline = Date() + seconds
    while Date() < deadline {
      if (try? await evaluate("Boolean(\(condition))")) as? Bool == true { return }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw Failure("timed out waiting for \(condition)")
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  private func call(_ method: String, _ parameters: [String: Any], inSession: Bool) async throws
    -> [String: Any]
  {
    nextId += 1
    var request: [String: Any] = ["id": nextId, "method": method, "params": parameters]
    if inSession, let session { request["sessionId"] = session }
    let data = try JSONSerialization.data(withJSONObject: request) + [0]
    let id = nextId
    // Blocking pipe reads run off the test's cooperative threads, which the server in this
    // process needs.
    return try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        do {
          self.requests.fileHandleForWriting.write(data)
          continuation.resume(returning: try self.answer(to: id))
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
  }

  /// Reads messages until the answer to `id`; events in between are dropped.
  private func answer(to id: Int) throws -> [String: Any] {
    while true {
      if let end = pending.firstIndex(of: 0) {
        let message = pending[pending.startIndex..<end]
        pending = Data(pending[pending.index(after: end)...])
        guard let object = try JSONSerialization.jsonObject(with: message) as? [String: Any],
          object["id"] as? Int == id
        else { continue }
        if let error = object["error"] { throw Failure("\(error)") }
        return object["result"] as? [String: Any] ?? [:]
      }
      let chunk = answers.fileHandleForReading.availableData
      if chunk.isEmpty { throw Failure("chromium closed the pipe") }
      pending.append(chunk)
    }
  }
}
