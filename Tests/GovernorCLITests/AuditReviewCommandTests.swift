import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Compliance reviews blocked sends from the command line: the autumn-sale example sent
/// through the store (as the gateway would), then listed, shown and exported.
@Suite("governor audit list, show and export")
struct AuditReviewCommandTests {
  /// The example customers, the policy text kept, and the campaign decided for each
  /// recipient at its send time; returns the store and the decisions' ids by message.
  func reviewedStore(_ kind: CLIStore) async throws -> (String, [String: String]) {
    let policy = try GovernorBinary.shippedPolicy("default")
    let engine = Engine(policy: policy)
    let root = GovernorBinary.repositoryRoot
    let customers = try StateDocuments.customers(
      from: Data(
        contentsOf: root.appendingPathComponent("fixtures/campaigns/autumn-customers.yaml")))
    let file = try CampaignFileLoader.load(
      file: root.appendingPathComponent("fixtures/campaigns/autumn-sale.yaml").path
    ).get()
    let validator = RecordValidator(policy: policy)
    var ids: [String: String] = [:]
    let location = try await kind.prepared { store in
      try await store.importCustomers(customers.map { try validator.customer($0, now: Date()) })
      try await store.savePolicyText(
        policy.text, name: policy.name, version: policy.version, at: file.campaign.sendAt)
      for id in ["2001", "2003", "2004", "2005", "2006"] {
        let state = customers.first { $0.customerId == id }!
        let decided = try await store.decide(
          file.campaign.message(to: state), engine: engine, at: file.campaign.sendAt)
        ids[decided.entry.messageId] = decided.entry.id
      }
    }
    return (location, ids)
  }

  @Test(
    "list filters by outcome, rule, reason code, campaign, customer and time",
    arguments: CLIStore.available)
  func list(kind: CLIStore) async throws {
    let (location, ids) = try await reviewedStore(kind)
    func listed(_ filters: String...) async throws -> [String] {
      let run = try await GovernorBinary.run(
        ["audit", "list", "--store", location] + filters, environment: nil)
      #expect(run.status == 0, "\(run.stderr)")
      return run.stdoutLines.map { String($0.split(separator: "\t")[0]) }
    }
    let blocked = try await listed("--outcome", "blocked")
    #expect(
      blocked == ["autumn-sale-2006", "autumn-sale-2005", "autumn-sale-2004"].map { ids[$0]! })
    #expect(try await listed("--code", "consent_missing") == [ids["autumn-sale-2004"]!])
    #expect(try await listed("--rule", "caps.weekly") == [ids["autumn-sale-2006"]!])
    #expect(try await listed("--customer", "2003") == [ids["autumn-sale-2003"]!])
    #expect(try await listed("--campaign", "autumn-sale").count == 5)
    #expect(try await listed("--campaign", "other") == [])
    await #expect(
      try listed("--since", "2026-11-18T10:00:00Z", "--until", "2026-11-18T10:00:01Z").count == 5)
    #expect(try await listed("--since", "2026-11-18T10:00:01Z") == [])
    let line = try await GovernorBinary.run(
      "audit", "list", "--store", location, "--customer", "2006")
    #expect(
      line.stdoutLines == [
        "\(ids["autumn-sale-2006"]!)\t2026-11-18T10:00:00Z\tblocked\tcustomer=2006\tcampaign=autumn-sale\tcaps.weekly"
      ])
    let bad = try await GovernorBinary.run(
      "audit", "list", "--store", location, "--since", "last week")
    #expect(bad.status != 0 && bad.stderr.contains("--since 'last week' is neither"))
  }

  @Test("show gives the reasons, their facts and the policy lines behind them")
  func show() async throws {
    let (location, ids) = try await reviewedStore(.sqlite)
    let run = try await GovernorBinary.run(
      "audit", "show", ids["autumn-sale-2006"]!, "--store", location)
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdoutLines
    #expect(lines.contains("outcome blocked, not before 2026-11-19T09:00:00Z"))
    #expect(lines.contains { $0.hasPrefix("  caps.weekly (cap_exceeded, block): 3 of 3 ") })
    #expect(lines.contains("    max: 3"))
    #expect(
      lines.contains(
        "    send_times: 2026-11-12T09:00:00Z, 2026-11-14T09:00:00Z, 2026-11-16T09:00:00Z"))
    #expect(lines.contains { $0.hasPrefix(">") && $0.hasSuffix("- id: weekly") })
    #expect(!lines.contains { $0.hasPrefix(">") && $0.hasSuffix("- id: daily") })
    let missing = try await GovernorBinary.run("audit", "show", "dec_nope", "--store", location)
    #expect(missing.status == 1)
  }

  @Test("export writes every match as re-hashable JSON lines or CSV", arguments: CLIStore.available)
  func export(kind: CLIStore) async throws {
    let (location, ids) = try await reviewedStore(kind)
    let jsonl = try await GovernorBinary.run("audit", "export", "--store", location)
    #expect(jsonl.status == 0)
    #expect(jsonl.stdoutLines.count == 5)
    let first = try #require(
      try JSONSerialization.jsonObject(with: Data(jsonl.stdoutLines[0].utf8)) as? [String: Any])
    #expect(first["id"] as? String == ids["autumn-sale-2006"])
    let record = try #require(first["record"] as? [String: Any])
    #expect((record["decision"] as? [String: Any])?["outcome"] as? String == "blocked")

    let csv = try await GovernorBinary.run(
      "audit", "export", "--store", location, "--format", "csv", "--outcome", "blocked")
    #expect(csv.stdoutLines.first == AuditEntry.csvHeader)
    #expect(csv.stdoutLines.count == 4)
    #expect(csv.stdoutLines.contains { $0.contains(",blocked,consent.marketing,consent_missing,") })
    let verify = try await GovernorBinary.run("audit", "verify", "--store", location)
    #expect(verify.stdoutLines == ["audit log intact: 5 decisions"])
  }
}
