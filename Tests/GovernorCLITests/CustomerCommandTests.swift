import Foundation
import GovernorCore
import GovernorStore
import Testing

@Suite("governor customer export and forget")
struct CustomerCommandTests {
  /// A store holding customer c1 with consent, a lifted suppression, a send and its decision.
  func storeWithCustomer() async throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("customer-cli-\(UUID().uuidString)/governor.sqlite").path
    let store = try SQLiteStore(path: path)
    let granted = try Date("2025-03-01T09:12:00Z", strategy: .iso8601)
    let policy = try GovernorBinary.shippedPolicy("default")
    let validator = RecordValidator(policy: policy)
    try await store.saveCustomer(
      validator.profile(
        CustomerProfile(id: "c1", email: "ana@example.com", timeZone: "Europe/Madrid")))
    try await store.recordConsent(
      validator.consent(
        ConsentEvent(
          purpose: "marketing", status: .granted, at: granted, source: "signup-form",
          proof: "checkbox on /signup"),
        now: granted),
      customerId: "c1")
    let message = Message(
      id: "m1", customerId: "c1", to: "ana@example.com", from: "f@example.com", subject: "s",
      category: "transactional")
    let now = try Date("2026-11-26T12:00:00Z", strategy: .iso8601)
    _ = try await store.decide(message, engine: Engine(policy: policy), at: now)
    return path
  }

  @Test("export prints the customer's data as JSON, decisions included as objects")
  func export() async throws {
    let path = try await storeWithCustomer()
    let run = try await GovernorBinary.run("customer", "export", "c1", "--store", path)
    #expect(run.status == 0)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let profile = try #require(json["profile"] as? [String: Any])
    #expect(profile["email"] as? String == "ana@example.com")
    #expect(profile["time_zone"] as? String == "Europe/Madrid")
    let consents = try #require(json["consents"] as? [[String: Any]])
    #expect(consents.first?["proof"] as? String == "checkbox on /signup")
    #expect(consents.first?["at"] as? String == "2025-03-01T09:12:00Z")
    let sends = try #require(json["sends"] as? [[String: Any]])
    #expect(sends.first?["message_id"] as? String == "m1")
    let decisions = try #require(json["decisions"] as? [[String: Any]])
    let decision = try #require(decisions.first?["decision"] as? [String: Any])
    #expect(decision["outcome"] as? String == "forwarded")
  }

  @Test("forget erases the customer; export then fails; the audit log still verifies")
  func forget() async throws {
    let path = try await storeWithCustomer()
    let forget = try await GovernorBinary.run("customer", "forget", "c1", "--store", path)
    #expect(forget.status == 0)
    #expect(forget.stdoutLines == ["customer 'c1' erased"])
    let export = try await GovernorBinary.run("customer", "export", "c1", "--store", path)
    #expect(export.status == 1)
    #expect(export.stderrLines == ["no customer 'c1' in \(path)"])
    let again = try await GovernorBinary.run("customer", "forget", "c1", "--store", path)
    #expect(again.status == 1)
    #expect(try await GovernorBinary.run("audit", "verify", "--store", path).status == 0)
    let decisions = try await GovernorBinary.run(
      "audit", "decisions", "--customer", "c1", "--store", path)
    #expect(decisions.status == 0)
    #expect(decisions.stdoutLines.count == 1)
    #expect(decisions.stdout.contains(#""customer_id":"c1""#))
    #expect(!decisions.stdout.contains("ana@example.com"))
  }
}
