import Foundation
import GovernorCore
import GovernorStore
import Testing

@Suite("governor ledger review|resolve")
struct LedgerCommandTests {
  /// One send reserved an hour ago and never completed (its gateway died), one in flight now.
  func strandedStore(_ kind: CLIStore) async throws -> String {
    let engine = Engine(policy: try GovernorBinary.shippedPolicy("default"))
    return try await kind.prepared { store in
      for (id, at) in [("stranded", Date() - 3600), ("in-flight", Date())] {
        let message = Message(
          id: id, customerId: "c1", to: "c1@example.com", from: "f@example.com", subject: "s",
          category: "transactional", campaignId: "spring")
        let reservation = try await store.decide(message, engine: engine, at: at)
        #expect(reservation.reserved)
      }
    }
  }

  @Test(
    "review marks a stranded reservation unknown, lists it and exits 3; in-flight ones stay",
    arguments: CLIStore.available)
  func review(kind: CLIStore) async throws {
    let location = try await strandedStore(kind)
    let run = try await GovernorBinary.run("ledger", "review", "--store", location)
    #expect(run.status == 3)
    #expect(run.stdoutLines.count == 3)
    #expect(
      run.stdoutLines.first == "1 send(s) with an unknown outcome; they still count against caps:")
    #expect(
      run.stdoutLines.dropFirst().first?.contains(
        "stranded  customer c1  transactional  campaign spring") == true)

    let json = try await GovernorBinary.run("ledger", "review", "--json", "--store", location)
    let entry = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect(entry?["message_id"] as? String == "stranded")
    #expect(entry?["status"] as? String == "unknown")

    let reserved = try await StoreLocation(location).withStore { store in
      try await store.ledger(status: .reserved).map(\.messageId)
    }
    #expect(reserved == ["in-flight"])
  }

  @Test("resolving the last unknown send leaves nothing to review", arguments: CLIStore.available)
  func resolve(kind: CLIStore) async throws {
    let location = try await strandedStore(kind)
    _ = try await GovernorBinary.run("ledger", "review", "--store", location)
    let resolved = try await GovernorBinary.run(
      "ledger", "resolve", "stranded", "--as", "failed", "--note", "not in the ESP's log",
      "--store", location)
    #expect(resolved.status == 0)
    #expect(resolved.stdoutLines == ["stranded: failed"])
    let again = try await GovernorBinary.run("ledger", "review", "--store", location)
    #expect(again.status == 0)
    #expect(again.stdoutLines == ["no sends with an unknown outcome"])

    let failed = try await StoreLocation(location).withStore { store in
      try await store.ledger(status: .failed)
    }
    #expect(failed.map(\.detail) == ["not in the ESP's log"])
  }

  @Test("resolving a message that is not under review exits 1 and says so")
  func resolveUnknownId() async throws {
    let location = try CLIStore.sqlite.freshLocation()
    let run = try await GovernorBinary.run(
      "ledger", "resolve", "nope", "--as", "sent", "--store", location)
    #expect(run.status == 1)
    #expect(run.stderrLines == ["no reservation for message 'nope'"])
  }

  @Test("a bad --older-than names the option")
  func badDuration() async throws {
    let run = try await GovernorBinary.run("ledger", "review", "--older-than", "soon")
    #expect(run.status == 64)
    #expect(run.stderr.contains("--older-than: 'soon' is not a duration like 15m or 1h"))
  }
}

@Suite("governor ledger prune")
struct LedgerPruneTests {
  @Test(
    "prune keeps what the policy's caps or any customer's own preference can still see",
    arguments: CLIStore.available)
  func prune(kind: CLIStore) async throws {
    let policy = try GovernorBinary.shippedPolicy("default")
    let engine = Engine(policy: policy)
    let validator = RecordValidator(policy: policy)
    let location = try await kind.prepared { store in
      // One customer asked for at most 2 mails in 120 days: their last 120 days must stay.
      try await store.saveCustomer(
        validator.profile(
          CustomerProfile(
            id: "c1",
            frequencyPreference: FrequencyPreference(
              max: 2, window: .rolling(seconds: 120 * 86_400)))))
      for (id, daysAgo) in [("200-days", 200.0), ("100-days", 100), ("today", 0)] {
        let at = Date() - daysAgo * 86_400
        let message = Message(
          id: id, customerId: "c1", to: "c1@example.com", from: "f@example.com", subject: "s",
          category: "transactional")
        _ = try await store.decide(message, engine: engine, at: at)
        try await store.completeReservation(messageId: id, outcome: .sent, at: at, detail: nil)
        // A delivery report the day after each send.
        _ = try await store.count(
          DeliveryReport(
            key: "delivered-\(id)", provider: "ses", outcome: .delivered, messageId: id,
            email: "c1@example.com", at: at + 86_400), at: min(Date(), at + 86_400))
      }
    }
    let run = try await GovernorBinary.run("ledger", "prune", "--store", location)
    #expect(run.status == 0)
    #expect(run.stdout.hasPrefix("pruned 1 finished send(s) reserved before "))
    // The 200- and 100-day-old reports' keys go; today's stays, so its replay counts nothing.
    #expect(
      run.stdoutLines.last?.hasPrefix("pruned 2 provider report key(s) received before ") == true)
    let kept = try await StoreLocation(location).withStore { store in
      try await store.ledger(status: .sent).map(\.messageId)
    }
    #expect(kept == ["100-days", "today"])
    try await StoreLocation(location).withStore { store in
      let replay = try await store.count(
        DeliveryReport(
          key: "delivered-today", provider: "ses", outcome: .delivered, messageId: "today",
          email: "c1@example.com", at: Date()), at: Date())
      #expect(replay == .repeated)
    }
  }
}
