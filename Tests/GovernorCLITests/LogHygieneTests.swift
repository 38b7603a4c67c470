import Foundation
import GovernorDelivery
import Testing

/// What `governor serve` logs is read by more people than the audit log is: it must never
/// hold an API key, the secret that signs unsubscribe links, a signed link itself, or a
/// message's body — whatever the requests, good or bad.
@Suite("Logs hold no secrets and no mail")
struct LogHygieneTests {
  let served = ServedGovernor()

  @Test("a whole session of good and bad requests leaves no key, secret, token or body in the log")
  func nothingSecretLogged() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("logs-\(UUID().uuidString)").path
    let store = folder + "/governor.sqlite"
    let outbox = folder + "/outbox"
    let admin = try await served.createKey(store, scope: "admin")
    // The message must be forwarded, not held for quiet hours, whatever the time of day.
    let customers = folder + "/customers.yaml"
    try "- {id: c1, email: c1@example.com, time_zone: \(MiddayZone.now)}\n"
      .write(toFile: customers, atomically: true, encoding: .utf8)
    #expect(
      try await GovernorBinary.run("customer", "import", customers, "--store", store).status == 0)
    let bodyMarker = "PRIVATE-BODY-7f3a"
    let subjectMarker = "PRIVATE-SUBJECT-91c2"
    var tokens: [String] = []
    let (_, log) = try await served.withServer([
      "--store", store, "--policy", "policies/default.yaml", "--sender", "outbox:\(outbox)",
    ]) { base, transport in
      let consent = #"""
        {"customer_id":"c1","purpose":"marketing","status":"granted",
         "at":"2026-01-01T00:00:00Z","source":"signup form"}
        """#
      _ = try await served.post(transport, base + "/v1/consents", consent, key: admin)
      let message = """
        {"id":"log-1","customer_id":"c1","to":"c1@example.com","from":"news@shop.example",\
        "subject":"\(subjectMarker)","text":"\(bodyMarker)",\
        "html":"<p>\(bodyMarker)</p><img src=\\"https://t.example/open.gif\\" width=\\"1\\" height=\\"1\\">",\
        "category":"marketing"}
        """
      _ = try await served.post(transport, base + "/v1/messages", message, key: admin)
      // Refused requests of every kind: a wrong key, bad fields, broken JSON, a bad policy.
      _ = try await served.post(transport, base + "/v1/messages", message, key: admin + "x")
      _ = try await served.post(
        transport, base + "/v1/messages",
        message.replacingOccurrences(of: "marketing", with: "no-such-category"), key: admin)
      _ = try? await served.post(
        transport, base + "/v1/messages", "{\"text\":\"\(bodyMarker)\"", key: admin)
      _ = try? await served.post(transport, base + "/v1/events/ses", "{}", key: admin)
      _ = try? await served.post(
        transport, base + "/v1/policy/check", "name: [\(bodyMarker)", key: admin)
      // The signed link the forwarded message carries, used as a recipient would.
      let eml = try String(contentsOfFile: outbox + "/log-1.eml", encoding: .utf8)
      if let range = eml.range(of: #"/u/[A-Za-z0-9._-]+"#, options: .regularExpression) {
        let path = String(eml[range])
        tokens.append(String(path.dropFirst(3)))
        _ = try await transport.send(SenderRequest(method: "GET", url: base + path))
        _ = try await transport.send(
          SenderRequest(
            method: "POST", url: base + path,
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Data("List-Unsubscribe=One-Click".utf8)))
      }
      _ = try await transport.send(SenderRequest(method: "POST", url: base + "/u/forged.token"))
      _ = try await served.get(transport, base + "/v1/decisions", key: admin)
    }
    #expect(tokens.count == 1, "the forwarded message carried no unsubscribe link")
    #expect(log.contains("decided"), "the log is empty: nothing was checked")
    // mg_ID_SECRET, split as the server splits it: the secret is base64url and may hold `_`.
    let secretPart = String(admin.split(separator: "_", maxSplits: 2).last ?? "")
    for (secret, name) in [
      (admin, "the API key"), (secretPart, "the API key's secret"),
      (ServedGovernor.unsubscribeSecret, "the unsubscribe secret"),
      (bodyMarker, "the message body"), (subjectMarker, "the subject"),
    ] + tokens.map({ ($0, "an unsubscribe token") }) {
      #expect(!log.contains(secret), "the log holds \(name)")
    }
  }
}
