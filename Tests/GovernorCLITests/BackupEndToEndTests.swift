import Foundation
import GovernorDelivery
import TestDatabases
import Testing

/// `governor backup` while a gateway takes traffic, then `governor restore`: the copy
/// verifies, holds every decision answered before it started, and restores to a store that
/// holds what the original holds.
@Suite("Backup and restore end to end")
struct BackupEndToEndTests {
  let server = ServedGovernor()
  static let policy = "fixtures/policies/smtp-e2e.yaml"

  func governor(_ arguments: String...) async throws -> GovernorBinary.Run {
    try await GovernorBinary.run(arguments, environment: nil)
  }

  @Test("an online backup under load verifies and restores to the same state")
  func backupUnderLoad() async throws {
    let setup = try await MixedOutcomeStore.make(server: server, policy: Self.policy)
    let during = setup.folder + "/during.sqlite"
    let after = setup.folder + "/after.sqlite"
    let restored = setup.folder + "/restored.sqlite"
    try await setup.serve(policy: Self.policy) { base in
      let transport = CurlTransport(configuration: .init(maxConcurrent: 8))
      defer { transport.shutdown() }
      func send(_ index: Int) async throws -> Int {
        let body = """
          {"id":"load-\(index)","customer_id":"fwd\(index % 2 + 1)","to":"fwd\(index % 2 + 1)@example.com",
           "from":"shop@shop.example","subject":"Receipt \(index)","text":"Thanks",
           "category":"transactional"}
          """
        return try await server.post(transport, base + "/v1/messages", body, key: setup.key).0
      }
      // Traffic before, during and after the copy.
      var answeredBefore = 0
      for index in 0..<40 where try await send(index) == 200 { answeredBefore += 1 }
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          for index in 40..<160 { _ = try await send(index) }
        }
        group.addTask {
          let run = try await governor("backup", "--store", setup.store, during)
          #expect(run.status == 0, "\(run.stderr)")
          #expect(run.stdoutLines.first?.hasPrefix("backed up") == true)
        }
        try await group.waitForAll()
      }
      #expect(answeredBefore == 40)
      let verified = try await governor("audit", "verify", "--store", during)
      #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
      let count =
        Int(
          verified.stdoutLines.first?.split(separator: " ").dropFirst(3).first ?? "") ?? 0
      #expect(count >= 40 + 1, "\(verified.stdoutLines)")

      let final = try await governor("backup", "--store", setup.store, after)
      #expect(final.status == 0)
      let again = try await governor("backup", "--store", setup.store, after)
      #expect(again.status == 1)
      #expect(again.stderr.contains("never overwrites"))
      let missing = try await governor(
        "backup", "--store", setup.folder + "/none.sqlite", after + "2")
      #expect(missing.status == 1)
      #expect(missing.stderr.contains("does not exist"))
    }
    let restore = try await governor("restore", "--store", restored, after)
    #expect(restore.status == 0, "\(restore.stderr)")
    #expect(try await governor("audit", "verify", "--store", restored).status == 0)
    for customer in ["fwd1", "fwd2", "unsub"] {
      let original = try await governor("customer", "export", customer, "--store", setup.store)
      let copy = try await governor("customer", "export", customer, "--store", restored)
      #expect(original.status == 0)
      #expect(original.stdout == copy.stdout, "\(customer)")
    }
  }
}

/// PostgreSQL's own way, as the README gives it: `pg_dump -Fc` and `pg_restore` into a new
/// database, which verifies and holds what the original holds.
@Suite("PostgreSQL backup with pg_dump")
struct PostgresDumpTests {
  @Test(
    "pg_dump and pg_restore give a store that verifies and exports the same",
    .enabled(if: CLIStore.available.contains(.postgres)))
  func dumpAndRestore() async throws {
    let (original, _) = try await AuditReviewCommandTests().reviewedStore(.postgres)
    let copy = try TestPostgres.freshDatabase()
    let dump = FileManager.default.temporaryDirectory
      .appendingPathComponent("governor-\(UUID().uuidString).dump").path
    defer { try? FileManager.default.removeItem(atPath: dump) }
    let dumped = try await SMTPClients.run(
      "/usr/bin/pg_dump", ["-Fc", "--no-owner", "-f", dump, original])
    #expect(dumped.status == 0, "\(dumped.stderr)")
    let restored = try await SMTPClients.run(
      "/usr/bin/pg_restore", ["--no-owner", "-d", copy, dump])
    #expect(restored.status == 0, "\(restored.stderr)")
    let verified = try await GovernorBinary.run("audit", "verify", "--store", copy)
    #expect(verified.status == 0, "\(verified.stdout)")
    #expect(verified.stdoutLines.first == "audit log intact: 5 decisions")
    for customer in ["2001", "2006"] {
      let before = try await GovernorBinary.run("customer", "export", customer, "--store", original)
      let after = try await GovernorBinary.run("customer", "export", customer, "--store", copy)
      #expect(before.status == 0)
      #expect(before.stdout == after.stdout)
    }
  }
}
