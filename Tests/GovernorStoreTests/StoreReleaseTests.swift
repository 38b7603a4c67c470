import Foundation
import GovernorCore
import GovernorStore
import Testing

/// Deferred messages decided again, and suppressions that must happen once, on every backend.
@Suite("Store contract: releasing deferred messages and one-time suppressions")
struct StoreReleaseTests {
  /// One marketing send per 10 minutes, deferred (not blocked) for up to an hour.
  static func deferringPolicy() throws -> Policy {
    let yaml = """
      name: defer-test
      consent:
        purposes: {marketing: {}}
      categories:
        marketing: {consent: [marketing]}
      caps:
        - {id: burst, max: 1, within: 10m, action: defer, max_delay: 1h}
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "defer-test.yaml").get()
  }

  @Test(
    "a deferral is queued with its decision; release decides again, linked, exactly once",
    arguments: StoreBackend.available)
  func releaseOnce(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try Self.deferringPolicy())
      let start = time("2026-11-20T10:00:00Z")
      var first = marketingMessage("first")
      first.receivedAt = start
      #expect(try await store.decide(first, engine: engine, at: start).reserved)
      var second = marketingMessage("second")
      second.receivedAt = start
      let held = try await store.decide(second, engine: engine, at: start)
      #expect(held.decision?.outcome == .deferred)
      let queued = try await store.deferred(customerId: "c1")
      #expect(queued.map(\.message.id) == ["second"])
      #expect(queued.first?.decisionId == held.entry.id)
      #expect(queued.first?.releaseAt == time("2026-11-20T10:10:00Z"))

      // Two gateways release it at the same moment: one decides, the other gets nothing.
      let later = time("2026-11-20T10:10:00Z")
      async let one = store.release(messageId: "second", engine: engine, at: later)
      async let two = store.release(messageId: "second", engine: engine, at: later)
      let results = try await [one, two].compactMap { $0 }
      #expect(results.count == 1)
      let released = try #require(results.first)
      #expect(released.decided.decision?.outcome == .forwarded)
      #expect(released.decided.reserved)
      #expect(released.message.receivedAt == start)
      #expect(released.decided.entry.content.contains(#""follows":"\#(held.entry.id)""#))
      #expect(try await store.deferred(customerId: "c1").isEmpty)
      // A repeat of the message id still gets its first decision.
      #expect(try await store.decision(messageId: "second")?.id == held.entry.id)
      #expect(try await store.verifyAudit().intact)
    }
  }

  @Test(
    "a released message deferred again keeps its place; past max_delay it is blocked",
    arguments: StoreBackend.available)
  func deferredAgainThenBlocked(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let engine = Engine(policy: try Self.deferringPolicy())
      let start = time("2026-11-20T10:00:00Z")
      for id in ["a", "b", "c"] {
        var message = marketingMessage(id)
        message.receivedAt = start
        _ = try await store.decide(message, engine: engine, at: start)
      }
      // b and c wait for 10:10; b goes, c is deferred again to 10:20.
      let b = try #require(
        try await store.release(messageId: "b", engine: engine, at: time("2026-11-20T10:10:00Z")))
      #expect(b.decided.decision?.outcome == .forwarded)
      let c = try #require(
        try await store.release(messageId: "c", engine: engine, at: time("2026-11-20T10:10:00Z")))
      #expect(c.decided.decision?.outcome == .deferred)
      let again = try await store.deferred(customerId: "c1")
      #expect(again.map(\.message.id) == ["c"])
      #expect(again.first?.decisionId == c.decided.entry.id)
      // Another send at 11:00 fills the cap until 11:10, past c's deadline (arrived 10:00,
      // max_delay 1h): the policy's longest delay is honoured by blocking, not waiting more.
      var d = marketingMessage("d")
      d.receivedAt = time("2026-11-20T11:00:00Z")
      #expect(try await store.decide(d, engine: engine, at: time("2026-11-20T11:00:00Z")).reserved)
      let late = try #require(
        try await store.release(messageId: "c", engine: engine, at: time("2026-11-20T11:05:00Z")))
      #expect(late.decided.decision?.outcome == .blocked)
      #expect(try await store.deferred(customerId: "c1").isEmpty)
    }
  }

  @Test(
    "suppressOnce: a replayed event or an already active suppression changes nothing",
    arguments: StoreBackend.available)
  func suppressOnce(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let validator = RecordValidator(policy: try weeklyCapPolicy())
      let at = time("2026-11-20T10:00:00Z")
      func bounce(_ scope: SuppressionScope = .all) throws -> Validated<Suppression> {
        try validator.suppression(
          Suppression(reason: .hardBounce, scope: scope, at: at, source: "sendgrid bounce"),
          now: at)
      }
      let added = try await store.suppressOnce(bounce(), customerId: "c1", eventKey: "sg:1 c1")
      guard case .added(let id) = added else {
        Issue.record("expected a new suppression, got \(added)")
        return
      }
      #expect(
        try await store.suppressOnce(bounce(), customerId: "c1", eventKey: "sg:1 c1") == .replayed)
      #expect(
        try await store.suppressOnce(bounce(), customerId: "c1", eventKey: "sg:2 c1")
          == .alreadyActive(id: id))
      // Covered by the active suppression of all mail.
      #expect(
        try await store.suppressOnce(
          bounce(.category("marketing")), customerId: "c1", eventKey: nil)
          == .alreadyActive(id: id))
      #expect(try await store.exportCustomer("c1")?.suppressions.count == 1)
      #expect(try await store.customerIds(email: "C1@EXAMPLE.com") == ["c1"])
      #expect(try await store.customerIds(email: "nobody@example.com").isEmpty)
      #expect(
        try await store.customerIds(emails: [
          "C1@EXAMPLE.com", "nobody@example.com", "c1@example.com",
        ])
          == ["c1@example.com": ["c1"]])
      #expect(try await store.customerIds(emails: []).isEmpty)

      // Concurrent copies of one event add one suppression.
      try await consentingCustomer(store, id: "c2")
      try await withThrowingTaskGroup(of: SuppressionChange.self) { group in
        for _ in 0..<8 {
          group.addTask {
            try await store.suppressOnce(bounce(), customerId: "c2", eventKey: "sg:9 c2")
          }
        }
        var changes: [SuppressionChange] = []
        for try await change in group { changes.append(change) }
        #expect(changes.filter(\.changed).count == 1)
      }
      #expect(try await store.exportCustomer("c2")?.suppressions.count == 1)
    }
  }

  @Test(
    "a preference change is saved and logged with its source", arguments: StoreBackend.available)
  func preferenceChange(backend: StoreBackend) async throws {
    try await backend.withStore { store in
      try await consentingCustomer(store)
      let weekly = FrequencyPreference(max: 1, window: .rolling(seconds: 604_800))
      try await store.setFrequencyPreference(
        weekly, customerId: "c1", source: "preference page", at: time("2026-11-20T10:00:00Z"))
      try await store.setFrequencyPreference(
        nil, customerId: "c1", source: "preference page", at: time("2026-11-21T10:00:00Z"))
      let export = try #require(try await store.exportCustomer("c1"))
      #expect(export.profile.frequencyPreference == nil)
      #expect(export.profile.email == "c1@example.com")
      #expect(
        export.preferenceChanges.filter { $0.kind == "frequency" }.map(\.value) == [
          "max 1 within 7d", nil,
        ])
      #expect(try await store.eraseCustomer("c1"))
      #expect(try await store.exportCustomer("c1") == nil)
    }
  }
}
