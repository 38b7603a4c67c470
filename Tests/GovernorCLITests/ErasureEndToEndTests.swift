import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// What a privacy audit of the real binary asks: an erased opt-out stays an opt-out, and the
/// `mailto:` of List-Unsubscribe really unsubscribes.
@Suite("Erasure and mailto unsubscribe end to end")
struct ErasureEndToEndTests {
  let server = ServedGovernor()

  func folder() throws -> String {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("erasure-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  static func message(
    _ id: String, customer: String, to: String, category: String = "marketing"
  ) -> String {
    """
    {"id":"\(id)","customer_id":"\(customer)","to":"\(to)","from":"news@shop.example",\
    "subject":"Offer","text":"Hello","category":"\(category)"}
    """
  }

  func outcome(_ answer: [String: Any]) -> String? {
    ((answer["record"] as? [String: Any])?["decision"] as? [String: Any])?["outcome"] as? String
  }

  @Test("under us-can-spam an erased unsubscriber and an erased hard bounce are never mailed again")
  func erasedOptOutsHold() async throws {
    let folder = try folder()
    let store = folder + "/governor.sqlite"
    let customers = folder + "/customers.yaml"
    let zone = MiddayZone.now
    try """
    - id: c-unsub
      email: ana@example.com
      time_zone: \(zone)
      suppressions: [{reason: unsubscribed, at: "2026-11-01T00:00:00Z", source: one-click}]
    - id: c-bounce
      email: gone@example.org
      time_zone: \(zone)
      suppressions: [{reason: hard_bounce, at: "2026-11-02T00:00:00Z", source: sendgrid}]
    """.write(toFile: customers, atomically: true, encoding: .utf8)
    let policy = "policies/us-can-spam.yaml"
    #expect(
      try await GovernorBinary.run(
        "customer", "import", customers, "--store", store, "--policy", policy
      ).status == 0)
    #expect(
      try await GovernorBinary.run("customer", "forget", "c-unsub", "--store", store).status == 0)
    let admin = try await server.createKey(store, scope: "admin")
    try await LoopbackSink.with { sinkURL, sink in
      let (status, _) = try await server.withServer([
        "--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, transport in
        let erased = try await transport.send(
          SenderRequest(
            method: "DELETE", url: base + "/v1/customers/c-bounce",
            headers: [("Authorization", "Bearer \(admin)")]))
        #expect(erased.status == 204)
        let cases: [(String, String, String, String, String)] = [
          ("e1", "c-unsub", "ana@example.com", "marketing", "blocked"),
          ("e2", "c-new", "Ana@Example.com", "marketing", "blocked"),
          ("e3", "c-unsub", "ana.new@example.net", "marketing", "blocked"),
          ("e4", "c-guest", "gone@example.org", "transactional", "blocked"),
          ("e5", "c-new", "ana@example.com", "transactional", "forwarded"),
        ]
        for (id, customer, to, category, expected) in cases {
          let answer = try await server.post(
            transport, base + "/v1/messages",
            Self.message(id, customer: customer, to: to, category: category), key: admin)
          #expect(outcome(answer.1) == expected, "\(id)")
        }
        let export = try await server.get(
          transport, base + "/v1/customers/c-unsub/export", key: admin)
        #expect(export.0 == 200)
        let kept = export.1["suppressions"] as? [[String: Any]] ?? []
        #expect(kept.compactMap { $0["erased_at"] as? String }.count == 1)
        #expect(!String(describing: export.1).contains("ana@example.com"))
      }
      #expect(status == 0)
      #expect(await sink.received.count == 1)
    }
  }

  @Test("a mail to the List-Unsubscribe mailto:, as a mail client sends it, unsubscribes")
  func mailtoUnsubscribes() async throws {
    let folder = try folder()
    let store = folder + "/governor.sqlite"
    let policy = "policies/default.yaml"
    let admin = try await server.createKey(store, scope: "admin")
    let zone = MiddayZone.now
    try "[{id: c1, email: c1@example.com, time_zone: \(zone)}]".write(
      toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
    #expect(
      try await GovernorBinary.run("customer", "import", folder + "/c.yaml", "--store", store)
        .status
        == 0)
    try await LoopbackSink.with { sinkURL, sink in
      let arguments = ["--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail"]
      try await server.withServer(arguments) { base, transport in
        let consent = #"""
          {"customer_id":"c1","purpose":"marketing","status":"granted",
           "at":"2026-01-01T00:00:00Z","source":"signup form"}
          """#
        _ = try await server.post(transport, base + "/v1/consents", consent, key: admin)
        let first = try await server.post(
          transport, base + "/v1/messages",
          Self.message("u1", customer: "c1", to: "c1@example.com"),
          key: admin)
        #expect(outcome(first.1) == "forwarded")
      }
      let forwarded = try #require(await sink.received.first)
      let body = try #require(
        try JSONSerialization.jsonObject(with: forwarded.body) as? [String: Any])
      let header = try #require((body["headers"] as? [String: String])?["List-Unsubscribe"])
      // <mailto:unsubscribe@example.com?subject=unsubscribe%20TOKEN>
      let mailto = try #require(header.split(separator: "<").first { $0.hasPrefix("mailto:") })
      let query = try #require(mailto.split(separator: "?").last?.dropLast())
      let subject = try #require(
        query.replacingOccurrences(of: "subject=", with: "").removingPercentEncoding)
      #expect(subject.hasPrefix("unsubscribe "))
      let address = String(mailto.dropFirst("mailto:".count).prefix { $0 != "?" })

      let environment = ProcessInfo.processInfo.environment.merging([
        "GOVERNOR_UNSUBSCRIBE_SECRET": ServedGovernor.unsubscribeSecret
      ]) { $1 }
      let hook = ["unsubscribe-mail", "--store", store, "--policy", policy]
      // Anyone can write to the address: a mail with no token (or a forged one) changes nothing.
      let stray = try await GovernorBinary.run(
        hook, environment: environment,
        input:
          "From: someone@example.net\r\nTo: \(address)\r\nSubject: unsubscribe abc\r\n\r\nhi\r\n")
      #expect(stray.status == 0)
      #expect(stray.stderr.contains("nothing changed"))
      // As a mail client writes it: the subject folded onto a second line.
      let mail =
        "From: C One <c1@example.com>\r\nTo: <\(address)>\r\nSubject: "
        + subject.replacingOccurrences(of: " ", with: "\r\n ")
        + "\r\nMIME-Version: 1.0\r\n\r\nPlease unsubscribe me.\r\n"
      let run = try await GovernorBinary.run(hook, environment: environment, input: mail)
      #expect(run.status == 0)
      #expect(run.stdout.contains("unsubscribed customer c1 from marketing"))

      try await server.withServer(arguments) { base, transport in
        let next = try await server.post(
          transport, base + "/v1/messages",
          Self.message("u2", customer: "c1", to: "c1@example.com"),
          key: admin)
        #expect(outcome(next.1) == "blocked")
        let customer = try await server.get(transport, base + "/v1/customers/c1", key: admin)
        let suppressions = customer.1["suppressions"] as? [[String: Any]] ?? []
        let sources = suppressions.compactMap {
          ($0["suppression"] as? [String: Any])?["source"] as? String
        }
        #expect(sources == ["list-unsubscribe mailto (RFC 2369)"])
      }
    }
  }
}
