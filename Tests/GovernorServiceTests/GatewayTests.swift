import Foundation
import GovernorCore
import GovernorDelivery
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing

/// The pipeline on a real SQLite file with real senders: the outbox folder, and a webhook to
/// a port where nobody listens.
@Suite("Gateway pipeline")
struct GatewayTests {
  let now = Date(timeIntervalSince1970: 1_795_000_000)  // Wed 2026-11-18 11:06:40 UTC

  func policy(max: Int = 3) throws -> Policy {
    try ServiceFixture.policy(max: max)
  }

  func folder() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)").path
  }

  func store(consenting customers: [String], policy: Policy) async throws -> SQLiteStore {
    try await ServiceFixture.store(at: folder(), consenting: customers, policy: policy, now: now)
  }

  func message(_ id: String, customer: String = "c1") -> Message {
    Message(
      id: id, customerId: customer, to: "\(customer)@example.com", from: "news@shop.example",
      subject: "Hello", text: "Hi", category: "marketing", campaignId: "spring")
  }

  func outboxFiles(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
      $0.hasSuffix(".eml")
    }.sorted()
  }

  @Test("an allowed message is decided, recorded, forwarded and marked sent")
  func forwarded() async throws {
    let policy = try policy()
    let store = try await store(consenting: ["c1"], policy: policy)
    let outbox = folder()
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: outbox), clock: { now })
    let submission = try await gateway.submit(message("m1"))
    #expect(submission.decision.outcome == .forwarded)
    #expect(submission.delivery == .delivered(reference: "m1.eml", attempts: 1))
    #expect(!submission.repeated)
    #expect(outboxFiles(outbox) == ["m1.eml"])
    #expect(try await store.ledger(status: .sent).map(\.messageId) == ["m1"])
    #expect(try await store.verifyAudit().rows == 1)
  }

  @Test("the mail sender gets the HTML without the pixel; the decision lists what was removed")
  func trackingRemovedBeforeForwarding() async throws {
    let policy = try policy()
    let store = try await store(consenting: ["c1"], policy: policy)
    let outbox = folder()
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: outbox), clock: { now })
    var tracked = message("m1")
    tracked.html =
      #"<p>Sale</p><img src="https://t.shop.example/open-4417.gif" width="1" height="1">"#
    let submission = try await gateway.submit(tracked)
    #expect(submission.decision.outcome == .forwarded)
    // The audit log's copy of the decision says what was removed, and where.
    let recorded = try #require(
      try JSONSerialization.jsonObject(with: Data(submission.decision.content.utf8))
        as? [String: Any])
    let inner = try #require(recorded["decision"] as? [String: Any])
    let changes = try #require(inner["modifications"] as? [[String: Any]])
    #expect(changes.first?["kind"] as? String == "open_pixel_removed")
    #expect(changes.first?["url"] as? String == "https://t.shop.example/open-4417.gif")
    #expect(changes.first?["part"] as? String == "html")
    let sent = try String(
      contentsOfFile: outbox + "/m1.eml", encoding: .utf8)
    // The outbox writes parts in base64: exactly the HTML without the pixel went out.
    #expect(sent.contains("\r\n\r\n" + Data("<p>Sale</p>".utf8).base64EncodedString() + "\r\n"))
  }

  @Test("the same message id again returns the same decision and sends nothing")
  func repeated() async throws {
    let policy = try policy()
    let store = try await store(consenting: ["c1"], policy: policy)
    let outbox = folder()
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: outbox), clock: { now })
    let first = try await gateway.submit(message("m1"))
    let blockedFirst = try await gateway.submit(message("b1", customer: "stranger"))
    let again = try await gateway.submit(message("m1"))
    let blockedAgain = try await gateway.submit(message("b1", customer: "stranger"))
    #expect(again.repeated && blockedAgain.repeated)
    #expect(again.decision.content == first.decision.content)
    #expect(blockedAgain.decision.content == blockedFirst.decision.content)
    #expect(blockedFirst.decision.outcome == .blocked)
    #expect(again.delivery == nil)
    #expect(outboxFiles(outbox) == ["m1.eml"])
    #expect(try await store.verifyAudit().rows == 2)
  }

  @Test("concurrent duplicates of one message id are forwarded exactly once")
  func concurrentDuplicates() async throws {
    let policy = try policy()
    let store = try await store(consenting: ["c1"], policy: policy)
    let outbox = folder()
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: outbox), clock: { now })
    let delivered = try await withThrowingTaskGroup(of: Bool.self) { group in
      for _ in 0..<20 {
        group.addTask { try await gateway.submit(message("dup")).delivery != nil }
      }
      return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
    #expect(delivered == 1)
    #expect(outboxFiles(outbox) == ["dup.eml"])
    #expect(try await store.ledger(status: .sent).count == 1)
  }

  @Test("concurrent duplicates of a blocked message leave one decision in the audit log")
  func concurrentBlockedDuplicates() async throws {
    let policy = try policy(max: 1)
    let store = try await store(consenting: ["c1"], policy: policy)
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder()), clock: { now })
    _ = try await gateway.submit(message("first"))
    let decisionIds = try await withThrowingTaskGroup(of: String.self) { group in
      for _ in 0..<20 {
        group.addTask { try await gateway.submit(message("dup")).decision.id }
      }
      return try await group.reduce(into: Set<String>()) { $0.insert($1) }
    }
    #expect(decisionIds.count == 1)
    #expect(try await store.decision(messageId: "dup")?.outcome == .blocked)
    #expect(try await store.verifyAudit().rows == 2)
  }

  @Test("a delivery that fails ends as failed with its reason and releases the cap slot")
  func failedReleasesSlot() async throws {
    let policy = try policy(max: 1)
    let store = try await store(consenting: ["c1"], policy: policy)
    let deadSender = WebhookSender(
      url: "http://127.0.0.1:1/mail",
      delivery: HTTPDelivery(
        transport: CurlTransport(configuration: .init(connectTimeout: 1, maxConcurrent: 1)),
        retry: RetryPolicy(maxAttempts: 2), pause: { _ in }))
    let failing = Gateway(store: store, policy: policy, sender: deadSender, clock: { now })
    let submission = try await failing.submit(message("m1"))
    guard case .failed(let reason, 2) = submission.delivery else {
      Issue.record("expected a failed delivery, got \(String(describing: submission.delivery))")
      return
    }
    #expect(reason.hasPrefix("connection: "))
    let failed = try await store.ledger(status: .failed)
    #expect(failed.map(\.messageId) == ["m1"])
    #expect(failed.first?.detail?.hasSuffix("(after 2 attempt(s))") == true)

    // The weekly cap of 1 is free again: the next message goes out.
    let working = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder()), clock: { now + 60 })
    #expect(try await working.submit(message("m2")).decision.outcome == .forwarded)
  }

  @Test("a message that cannot be sent as given is refused with every field, nothing stored")
  func invalidMessage() async throws {
    let policy = try policy()
    let store = try await store(consenting: ["c1"], policy: policy)
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder()), clock: { now })
    var bad = message("m1")
    bad.subject = "Hi\r\nBcc: all@example.com"
    bad.category = "promo"
    await #expect(throws: InvalidRecord.self) { try await gateway.submit(bad) }
    do {
      _ = try await gateway.submit(bad)
    } catch let error as InvalidRecord {
      #expect(error.problems.map(\.field) == ["subject", "category"])
    }
    #expect(try await store.verifyAudit().rows == 0)
    #expect(try await store.ledger(status: .reserved).isEmpty)
  }
}

@Suite("Gateway: consents and suppressions")
struct GatewayRecordTests {
  let now = Date(timeIntervalSince1970: 1_795_000_000)

  func gateway() throws -> (Gateway, SQLiteStore) {
    let yaml = """
      name: records
      consent:
        purposes: {marketing: {}}
      categories:
        marketing: {consent: [marketing]}
      """
    let policy = try PolicyLoader.load(Data(yaml.utf8), file: "records.yaml").get()
    let store = try SQLiteStore(
      path: FileManager.default.temporaryDirectory
        .appendingPathComponent("gw-\(UUID().uuidString)/governor.sqlite").path)
    let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("o").path
    return (
      Gateway(store: store, policy: policy, sender: OutboxSender(folder: outbox), clock: { now }),
      store
    )
  }

  @Test("a consent from JSON is validated against the policy and stored")
  func consent() async throws {
    let (gateway, store) = try gateway()
    let input = try RecordDecoding.decode(
      ConsentInput.self,
      from: Data(
        #"{"customer_id":"c9","purpose":"marketing","status":"granted","at":"2026-11-18T10:00:00Z","source":"signup","proof":"checkbox"}"#
          .utf8))
    try await gateway.recordConsent(input)
    #expect(
      try await store.customerState("c9", sendsSince: now)?.consents.first?.proof == "checkbox")

    let wrong = try RecordDecoding.decode(
      ConsentInput.self,
      from: Data(
        #"{"customer_id":"c9","purpose":"sms","status":"granted","at":"2026-11-18T10:00:00Z","source":"x"}"#
          .utf8))
    await #expect(throws: InvalidRecord.self) { try await gateway.recordConsent(wrong) }
  }

  @Test("a suppression is added (at defaults to now) and lifted by id, keeping its history")
  func suppression() async throws {
    let (gateway, store) = try gateway()
    let input = try RecordDecoding.decode(
      SuppressionInput.self, from: Data(#"{"customer_id":"c9","reason":"complaint"}"#.utf8))
    let id = try await gateway.addSuppression(input)
    #expect(try await store.customerState("c9", sendsSince: now)?.suppressions.first?.at == now)
    #expect(try await gateway.liftSuppression(id: id, by: "test"))
    #expect(try await !gateway.liftSuppression(id: id, by: "test"))
    #expect(try await store.customerState("c9", sendsSince: now)?.suppressions.isEmpty == true)
  }
}
