import Foundation
import GovernorDelivery
import Testing

/// Keys with a lifecycle, through the real binary: listed without their secret, revoked while
/// a gateway runs (refused within a second), expiring.
@Suite("API keys: list, revoke, expire")
struct KeyLifecycleTests {
  let server = ServedGovernor()

  @Test("a revoked key is refused by a running gateway within a second; list shows its life")
  func revokeWhileServing() async throws {
    let setup = try await MixedOutcomeStore.make(
      server: server, policy: "fixtures/policies/smtp-e2e.yaml")
    let expiring = try await GovernorBinary.run(
      "keys", "create", "--name", "quarterly", "--scope", "send", "--expires", "90d", "--store",
      setup.store)
    #expect(expiring.status == 0)
    try await setup.serve(policy: "fixtures/policies/smtp-e2e.yaml") { base in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 2))
      defer { transport.shutdown() }
      func status() async throws -> Int {
        try await transport.send(
          SenderRequest(
            method: "GET", url: base + "/v1/decisions?limit=1",
            headers: [("Authorization", "Bearer \(setup.admin)")])
        ).status
      }
      #expect(try await status() == 200)
      let id = try #require(setup.admin.split(separator: "_").dropFirst().first)
      let revoke = try await GovernorBinary.run(
        "keys", "revoke", String(id), "--store", setup.store)
      #expect(revoke.status == 0, "\(revoke.stderr)")
      let revokedAt = ContinuousClock.now
      var refused = false
      while ContinuousClock.now - revokedAt < .seconds(3) {
        if try await status() == 401 {
          refused = true
          break
        }
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(refused)
      #expect(ContinuousClock.now - revokedAt < .milliseconds(1_500))
      let again = try await GovernorBinary.run("keys", "revoke", String(id), "--store", setup.store)
      #expect(again.status == 1)
    }
    let list = try await GovernorBinary.run("keys", "list", "--store", setup.store)
    #expect(list.status == 0)
    let lines = list.stdoutLines
    #expect(lines.first == "id\tname\tscopes\tcreated\tlast used\texpires\tstate")
    let admin = try #require(lines.first { $0.contains("\ttest-admin\t") })
    let fields = admin.split(separator: "\t", omittingEmptySubsequences: false)
    #expect(fields[4] != "-", "last used is recorded: \(admin)")
    #expect(fields[6].hasPrefix("revoked "))
    let quarterly = try #require(lines.first { $0.contains("\tquarterly\t") })
    #expect(quarterly.hasSuffix("\tlive"))
    #expect(!quarterly.contains("\t-\tlive"), "it has an expiry: \(quarterly)")
    #expect(!list.stdout.contains(setup.admin), "no secret is printed")
  }
}
