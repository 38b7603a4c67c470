import Foundation
import GovernorCore
import GovernorDelivery
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing

/// Quiet hours hold a message; the gateway releases it when the night ends, decides again
/// under the policy in force then, and forwards it with a new decision linked to the first.
@Suite("Deferred sends")
struct DeferredReleaseTests {
  /// A clock tests move by hand.
  final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
  }

  static func policy(quietAction: String = "defer") throws -> Policy {
    let yaml = """
      name: quiet-test
      consent:
        purposes: {marketing: {}}
      categories:
        marketing: {consent: [marketing]}
      quiet_hours: {start: "21:00", end: "08:00", action: \(quietAction), max_delay: 24h}
      headers:
        list_unsubscribe: {url: "https://mail.example.com/u/{token}"}
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "quiet-test.yaml").get()
  }

  static let night = Date(timeIntervalSince1970: 1_795_037_400)  // Wed 2026-11-18 22:30 UTC

  /// A gateway at 22:30 UTC with one consenting customer, `c1`, and an outbox in `folder`.
  static func nightGateway() async throws -> (Gateway, SQLiteStore, TestClock, String) {
    let policy = try Self.policy()
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("deferred-\(UUID().uuidString)").path
    let store = try await ServiceFixture.store(
      at: folder, consenting: ["c1"], policy: policy, now: Self.night)
    let clock = TestClock(Self.night)
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder + "/outbox"),
      clock: { clock.now })
    return (gateway, store, clock, folder)
  }

  @Test("held at night, listed on the customer, released at 08:00 and forwarded, linked")
  func heldAndReleased() async throws {
    let (gateway, store, clock, folder) = try await Self.nightGateway()
    let outbox = folder + "/outbox"
    let message = Message(
      id: "night-1", customerId: "c1", to: "c1@example.com", from: "news@shop.example",
      subject: "Late offer", text: "Hi", category: "marketing", campaignId: "late")

    let held = try await gateway.submit(message)
    #expect(held.decision.outcome == .deferred)
    let overview = try #require(try await gateway.customerOverview("c1"))
    #expect(overview.deferred.map(\.messageId) == ["night-1"])
    #expect(overview.deferred.first?.decisionId == held.decision.id)
    let morning = Date(timeIntervalSince1970: 1_795_075_200)  // Thu 08:00 UTC
    #expect(overview.deferred.first?.releaseAt == morning)

    clock.set(morning - 60)
    #expect(try await gateway.releaseDue().isEmpty)
    clock.set(morning)
    let released = try await gateway.releaseDue()
    #expect(released.map(\.decision.outcome) == [.forwarded])
    #expect(released.first?.decision.content.contains(#""follows":"\#(held.decision.id)""#) == true)
    if case .delivered = released.first?.delivery {
    } else {
      Issue.record(
        "the released message was not delivered: \(String(describing: released.first?.delivery))")
    }
    let eml = try String(contentsOfFile: outbox + "/night-1.eml", encoding: .utf8)
    #expect(eml.contains("List-Unsubscribe: <https://mail.example.com/u/"))
    #expect(try await gateway.customerOverview("c1")?.deferred.isEmpty == true)
    #expect(try await gateway.releaseDue().isEmpty)
    // The message id still answers with its first decision: the client sees what it was told.
    let repeated = try await gateway.submit(message)
    #expect(repeated.repeated && repeated.decision.id == held.decision.id)
    #expect(try await store.verifyAudit().intact)
  }

  @Test("a customer unsubscribed while the message waited: released, then blocked")
  func releasedUnderTheStateAtRelease() async throws {
    let (gateway, _, clock, folder) = try await Self.nightGateway()
    let message = Message(
      id: "night-2", customerId: "c1", to: "c1@example.com", from: "news@shop.example",
      subject: "Late offer", text: "Hi", category: "marketing")
    #expect(try await gateway.submit(message).decision.outcome == .deferred)
    try await gateway.apply(
      .unsubscribeAll, for: UnsubscribeGrant(customerId: "c1", scope: .all), from: .oneClick)
    clock.set(Date(timeIntervalSince1970: 1_795_075_200))
    let released = try await gateway.releaseDue()
    #expect(released.map(\.decision.outcome) == [.blocked])
    #expect(released.first?.decision.rules == ["suppression.unsubscribed"])
    #expect(!FileManager.default.fileExists(atPath: folder + "/outbox/night-2.eml"))
  }
}
