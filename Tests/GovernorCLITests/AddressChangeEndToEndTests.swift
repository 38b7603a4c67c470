import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// A CRM changes a customer's address through the API; the next marketing message goes to the
/// new address. Whether the consent given for the old one covers it is the policy's choice.
@Suite("Address change end to end")
struct AddressChangeEndToEndTests {
  let server = ServedGovernor()

  static func policy(coversNewAddress: Bool) -> String {
    """
    name: address-e2e
    consent:
      purposes: {marketing: {}}
      kinds: {express: never}
      covers_new_address: \(coversNewAddress)
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: [marketing]}
    """
  }

  static func message(_ id: String, to: String, category: String = "marketing") -> String {
    """
    {"id":"\(id)","customer_id":"c1","to":"\(to)","from":"news@shop.example",\
    "subject":"Offer","text":"Hello","category":"\(category)"}
    """
  }

  func decision(_ answer: [String: Any]) -> [String: Any] {
    (answer["record"] as? [String: Any])?["decision"] as? [String: Any] ?? [:]
  }

  func codes(_ answer: [String: Any]) -> [String] {
    (decision(answer)["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
  }

  @Test(
    "an address change through the API, then a consented send to the new address, under each policy choice",
    arguments: [false, true])
  func changeThenSend(coversNewAddress: Bool) async throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("address-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let store = folder + "/governor.sqlite"
    let policy = folder + "/policy.yaml"
    try Self.policy(coversNewAddress: coversNewAddress)
      .write(toFile: policy, atomically: true, encoding: .utf8)
    let writer = try await server.createKey(store, scope: "consent:write")
    let sender = try await server.createKey(store, scope: "send")
    let admin = try await server.createKey(store, scope: "admin")
    try await LoopbackSink.with { sinkURL, sink in
      let (status, log) = try await server.withServer([
        "--store", store, "--policy", policy, "--sender", "webhook:\(sinkURL)/mail",
      ]) { base, transport in
        let consent = """
          {"customer_id":"c1","purpose":"marketing","status":"granted",\
          "at":"2026-11-01T00:00:00Z","source":"signup form"}
          """
        #expect(
          try await server.post(transport, base + "/v1/consents", consent, key: writer).0 == 201)
        // The first message gives the customer their address, and the consent with it.
        let first = try await server.post(
          transport, base + "/v1/messages",
          Self.message("m0", to: "ana@example.com", category: "transactional"), key: sender)
        #expect(decision(first.1)["outcome"] as? String == "forwarded")

        let path = base + "/v1/customers/c1/address"
        let change = #"{"email":"Ana <ana.new@example.net>","source":"account settings"}"#
        #expect(
          try await server.post(transport, path, change, key: sender, method: "PUT").0 == 403)
        let bad = try await server.post(
          transport, path, #"{"email":"ana@x, bea@y","source":"crm"}"#, key: writer,
          method: "PUT")
        #expect(bad.0 == 422)
        #expect((bad.1["errors"] as? [[String: Any]])?.first?["field"] as? String == "email")
        let unknown = try await server.post(
          transport, base + "/v1/customers/nobody/address", change, key: writer, method: "PUT")
        #expect(unknown.0 == 404)
        let changed = try await server.post(transport, path, change, key: writer, method: "PUT")
        #expect(changed.0 == 200)
        #expect(changed.1["email"] as? String == "ana.new@example.net")
        let source = changed.1["email_source"] as? String ?? ""
        #expect(source.hasPrefix("account settings (api key "))

        let toNew = try await server.post(
          transport, base + "/v1/messages", Self.message("m1", to: "ana.new@example.net"),
          key: sender)
        if coversNewAddress {
          #expect(decision(toNew.1)["outcome"] as? String == "forwarded")
          #expect(codes(toNew.1) == ["consent_carried_over"])
        } else {
          #expect(decision(toNew.1)["outcome"] as? String == "blocked")
          #expect(codes(toNew.1) == ["consent_other_address"])
        }
        // The old address is no longer the customer's.
        let toOld = try await server.post(
          transport, base + "/v1/messages", Self.message("m2", to: "ana@example.com"),
          key: sender)
        #expect(decision(toOld.1)["outcome"] as? String == "blocked")
        #expect(codes(toOld.1).contains("address_mismatch"))

        let export = try await server.get(transport, base + "/v1/customers/c1/export", key: admin)
        let changes = export.1["preference_changes"] as? [[String: Any]] ?? []
        let addresses = changes.filter { $0["kind"] as? String == "email" }
        #expect(
          addresses.compactMap { $0["value"] as? String } == [
            "ana@example.com", "ana.new@example.net",
          ])
        #expect(addresses.last?["source"] as? String == source)
        let consents = export.1["consents"] as? [[String: Any]] ?? []
        #expect(consents.compactMap { $0["address"] as? String } == ["ana@example.com"])
        // The decisions (the audit log) hold digests, never the addresses.
        let decisions = export.1["decisions"] as? [Any] ?? []
        #expect(decisions.count == 3)
        let recorded = String(describing: decisions)
        #expect(!recorded.contains("ana.new@example.net"))
        #expect(!recorded.contains("ana@example.com"))
      }
      #expect(status == 0)
      #expect(log.contains("customer address changed"))
      #expect(!log.contains("ana.new@example.net"))
      #expect(!log.contains("ana@example.com"))
      #expect(await sink.received.count == (coversNewAddress ? 2 : 1))
    }
  }
}
