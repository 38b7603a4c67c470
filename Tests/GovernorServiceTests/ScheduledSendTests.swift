import Foundation
import GovernorCore
import GovernorDelivery
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing

/// A client's `send_at`: held until then, decided again at that time like any deferred
/// message (so caps and quiet hours speak of the moment it goes), and refused past 72 hours.
@Suite("Scheduled sends")
struct ScheduledSendTests {
  static let noon = Date(timeIntervalSince1970: 1_795_003_200)  // Wed 2026-11-18 12:00 UTC

  func gateway() async throws -> (Gateway, DeferredReleaseTests.TestClock, String) {
    let policy = try DeferredReleaseTests.policy()
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("scheduled-\(UUID().uuidString)").path
    let store = try await ServiceFixture.store(
      at: folder, consenting: ["c1"], policy: policy, now: Self.noon)
    let clock = DeferredReleaseTests.TestClock(Self.noon)
    let gateway = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder + "/outbox"),
      clock: { clock.now })
    return (gateway, clock, folder)
  }

  static func message(_ id: String, sendAt: Date?, customer: String = "c1") -> Message {
    var message = Message(
      id: id, customerId: customer, to: "\(customer)@example.com", from: "news@shop.example",
      subject: "Later", text: "Hi", category: "marketing")
    message.sendAt = sendAt
    return message
  }

  @Test("held until send_at, then decided again and forwarded")
  func heldUntilItsTime() async throws {
    let (gateway, clock, folder) = try await gateway()
    let at = Self.noon + 2 * 3_600
    let held = try await gateway.submit(Self.message("later-1", sendAt: at))
    #expect(held.decision.outcome == .deferred)
    #expect(held.decision.content.contains(#""code":"scheduled""#), "\(held.decision.content)")
    #expect(try await gateway.customerOverview("c1")?.deferred.first?.releaseAt == at)
    clock.set(at - 60)
    #expect(try await gateway.releaseDue().isEmpty)
    clock.set(at)
    let released = try await gateway.releaseDue()
    #expect(released.map(\.decision.outcome) == [.forwarded])
    #expect(FileManager.default.fileExists(atPath: folder + "/outbox/later-1.eml"))
  }

  @Test("scheduled into quiet hours: held again at its time, until the night ends")
  func scheduledIntoTheNight() async throws {
    let (gateway, clock, _) = try await gateway()
    let night = DeferredReleaseTests.night
    _ = try await gateway.submit(Self.message("night-1", sendAt: night))
    clock.set(night)
    let released = try await gateway.releaseDue()
    #expect(released.map(\.decision.outcome) == [.deferred])
    #expect(released.first?.decision.content.contains(#""code":"quiet_hours""#) == true)
  }

  @Test("without consent it is blocked at once, not held; past 72 hours it is refused")
  func blockedOrRefused() async throws {
    let (gateway, _, _) = try await gateway()
    let blocked = try await gateway.submit(
      Self.message("nobody-1", sendAt: Self.noon + 3_600, customer: "stranger"))
    #expect(blocked.decision.outcome == .blocked)
    #expect(!blocked.decision.content.contains(#""code":"scheduled""#))
    await #expect {
      _ = try await gateway.submit(Self.message("far-1", sendAt: Self.noon + 73 * 3_600))
    } throws: { error in
      (error as? InvalidRecord)?.problems.first?.field == "send_at"
    }
  }
}
