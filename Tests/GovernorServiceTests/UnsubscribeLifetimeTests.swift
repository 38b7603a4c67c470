import Foundation
import GovernorCore
import GovernorDelivery
import GovernorService
import GovernorStore
import ServiceFixtures
import Testing

/// CAN-SPAM wants an unsubscribe link to work 30 days after sending, CASL 60: a link in a
/// forwarded message still unsubscribes 61 days on, and after a rotation of the secret.
@Suite("Unsubscribe links' lifetime")
struct UnsubscribeLifetimeTests {
  @Test("61 days after sending, under a rotated secret, the link in the mail unsubscribes")
  func sixtyOneDaysOn() async throws {
    let policy = try DeferredReleaseTests.policy()
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("lifetime-\(UUID().uuidString)").path
    let sent = ScheduledSendTests.noon
    let store = try await ServiceFixture.store(
      at: folder, consenting: ["c1"], policy: policy, now: sent)
    let old = String(repeating: "o", count: 32)
    let clock = DeferredReleaseTests.TestClock(sent)
    let sending = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder + "/outbox"),
      unsubscribeTokens: try UnsubscribeTokens(secret: old), clock: { clock.now })
    let submitted = try await sending.submit(ScheduledSendTests.message("m1", sendAt: nil))
    #expect(submitted.decision.outcome == .forwarded)
    let eml = try String(contentsOfFile: folder + "/outbox/m1.eml", encoding: .utf8)
    let line = try #require(
      eml.split(separator: "\r\n").first { $0.hasPrefix("List-Unsubscribe: <") })
    let token = String(try #require(line.split(separator: "/").last?.dropLast()))

    clock.set(sent + 61 * 86_400)
    let later = Gateway(
      store: store, policy: policy, sender: OutboxSender(folder: folder + "/outbox"),
      unsubscribeTokens: try UnsubscribeTokens(secret: String(repeating: "n", count: 32))
        .opening(previous: [old]),
      clock: { clock.now })
    let grant = try #require(later.unsubscribeTokens.grant(for: token))
    #expect(try await later.apply(.unsubscribeScope, for: grant, from: .oneClick))
    let next = try await later.submit(ScheduledSendTests.message("m2", sendAt: nil))
    #expect(next.decision.outcome == .blocked)
  }
}
