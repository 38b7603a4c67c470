import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Compliance tries a policy change on last month's traffic before it goes live.
@Suite("governor policy replay")
struct PolicyReplayCommandTests {
  /// The default policy with a looser weekly cap and no quiet hours, beside its tracker lists.
  func proposedPolicy(edit: ((String) -> String)? = nil) throws -> String {
    let root = GovernorBinary.repositoryRoot
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "replay-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: root.appendingPathComponent("policies/trackers"),
      to: folder.appendingPathComponent("trackers"))
    let text = try String(
      contentsOf: root.appendingPathComponent("policies/default.yaml"), encoding: .utf8)
    if let edit {
      let file = folder.appendingPathComponent("proposed.yaml").path
      try Data(edit(text).utf8).write(to: URL(fileURLWithPath: file))
      return file
    }
    let quiet = try #require(text.range(of: "quiet_hours:\n  start"))
    let end = try #require(text.range(of: "\ntracking:", range: quiet.upperBound..<text.endIndex))
    let edited = text.replacingCharacters(in: quiet.lowerBound..<end.lowerBound, with: "")
      .replacingOccurrences(of: "    quiet_hours: false\n", with: "")
      .replacingOccurrences(of: "    max: 3\n    within: 7d", with: "    max: 10\n    within: 7d")
    let file = folder.appendingPathComponent("proposed.yaml").path
    try Data(edited.utf8).write(to: URL(fileURLWithPath: file))
    return file
  }

  @Test("the policy in force changes nothing; a looser one releases what it no longer holds")
  func replay() async throws {
    let (location, ids) = try await AuditReviewCommandTests().reviewedStore(.sqlite)
    let since = ["--since", "2026-11-01T00:00:00Z"]
    let same = try await GovernorBinary.run(
      ["policy", "replay", "--policy", "policies/default.yaml", "--store", location] + since,
      environment: nil)
    #expect(same.status == 0, "\(same.stderr)")
    #expect(same.stdoutLines.count == 1)
    #expect(same.stdoutLines.first?.contains(": 0 would change, 5 would not") == true)

    let proposed = try await GovernorBinary.run(
      ["policy", "replay", "--policy", try proposedPolicy(), "--store", location] + since,
      environment: nil)
    #expect(proposed.status == 0, "\(proposed.stderr)")
    let lines = proposed.stdoutLines
    #expect(lines.first?.contains(": 2 would change, 3 would not") == true)
    #expect(lines.contains("  blocked → forwarded: 1"))
    #expect(lines.contains("  deferred → forwarded: 1"))
    #expect(lines.contains("  caps.weekly: 1 no longer held back"))
    #expect(lines.contains("  quiet_hours: 1 no longer held back"))
    #expect(lines.contains("  autumn-sale: 2"))
    #expect(
      lines.contains {
        $0.hasPrefix(
          "  \(ids["autumn-sale-2006"]!) autumn-sale-2006 customer 2006: blocked → forwarded")
      })

    let json = try await GovernorBinary.run(
      [
        "policy", "replay", "--policy", try proposedPolicy(), "--store", location, "--format",
        "json",
      ]
        + since, environment: nil)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(object["replayed"] as? Int == 5)
    #expect((object["examples"] as? [Any])?.count == 2)
  }

  @Test("a rule rolled out to a share: the report says what enforcing it for everyone would change")
  func rollout() async throws {
    let (location, _) = try await AuditReviewCommandTests().reviewedStore(.sqlite)
    // A share just short of customer 2006's bucket: the weekly cap that blocked their
    // message is now only reported for them.
    let bucket = Rollout.bucket(rule: "caps.weekly", customerId: "2006")
    try #require(bucket > 0)
    let share = "\(Rate(perMillion: bucket))"
    let file = try proposedPolicy {
      $0.replacingOccurrences(
        of: "    max: 3\n    within: 7d", with: "    max: 3\n    within: 7d\n    enforce: \(share)")
    }
    let run = try await GovernorBinary.run(
      [
        "policy", "replay", "--policy", file, "--store", location, "--since",
        "2026-11-01T00:00:00Z",
      ],
      environment: nil)
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdoutLines
    #expect(lines.contains("  blocked → forwarded: 1"), "\(lines)")
    #expect(lines.contains("rolled out (enforce: N%):"))
    #expect(
      lines.contains(
        "  caps.weekly at \(share): held back 0, reported only 1; enforced for everyone, 1 more "
          + "would be held back"), "\(lines)")
    #expect(lines.contains("  enforced for everyone: forwarded → blocked: 1"))
    #expect(
      lines.contains { $0.contains("rolled out to \(share) of customers, not yet this one") })
  }
}
