import Foundation
import GovernorCore
import GovernorStore
import Testing

/// `governor compliance bypass`: provider reports on mail the governor never decided.
@Suite("Compliance: bypass listing")
struct ComplianceCommandTests {
  @Test(
    "reports on mail no decision names are listed, newest first, without the address; none: exit 0",
    arguments: CLIStore.available)
  func bypass(kind: CLIStore) async throws {
    let empty = try kind.freshLocation()
    let clean = try await GovernorBinary.run("compliance", "bypass", "--store", empty)
    #expect(clean.status == 0, "\(clean.stderr)")
    #expect(clean.stdoutLines.last?.hasPrefix("no mail went around the governor since") == true)

    let now = Date()
    let location = try await kind.prepared { store in
      for (key, outcome, ago) in [
        ("a", DeliveryReport.Outcome.delivered, 3_600.0), ("b", .complained, 60.0),
        ("old", .delivered, 30 * 86_400.0),
      ] {
        _ = try await store.count(
          DeliveryReport(
            key: key, provider: "ses", outcome: outcome, messageId: "sent-elsewhere-\(key)",
            email: "ana@example.com", at: now - ago), at: now)
      }
    }
    let run = try await GovernorBinary.run(
      "compliance", "bypass", "--since", "7d", "--store", location)
    #expect(run.status == 3)
    #expect(run.stdoutLines.count == 3, "\(run.stdout)")
    #expect(run.stdoutLines.first?.contains("ses  complained") == true)
    #expect(run.stdoutLines.dropFirst().first?.contains("ses  delivered") == true)
    #expect(!run.stdout.contains("ana@example.com"))
    #expect(run.stdoutLines.last == "2 report(s) on mail the governor never decided")
    let json = try await GovernorBinary.run(
      "compliance", "bypass", "--json", "--store", location)
    let first =
      try JSONSerialization.jsonObject(
        with: Data((json.stdoutLines.first ?? "").utf8)) as? [String: Any]
    #expect(first?["provider"] as? String == "ses")
    #expect(first?["outcome"] as? String == "complained")
  }
}
