import Foundation
import GovernorCore
import Logging
import ServiceLifecycle

/// Releases deferred messages inside `governor serve`: every `interval` it asks the gateway
/// to decide again on what is due. The queue lives in the store, so what was pending when the
/// process stopped is released by the next one.
public struct DeferredScheduler: Service {
  let gateway: Gateway
  let interval: Duration
  let logger: Logger

  public init(gateway: Gateway, interval: Duration, logger: Logger) {
    self.gateway = gateway
    self.interval = interval
    self.logger = logger
  }

  public func run() async throws {
    await cancelWhenGracefulShutdown {
      while !Task.isCancelled {
        await refreshReputation()
        await releaseDue()
        do {
          try await Task.sleep(for: interval)
        } catch {
          return
        }
      }
    }
  }

  /// The day's change releases brakes with no report at all: the book is worked out again
  /// when it grows old.
  func refreshReputation() async {
    do {
      try await gateway.refreshReputationIfStale()
    } catch {
      logger.error("refreshing the reputation brakes failed", metadata: ["error": "\(error)"])
    }
  }

  func releaseDue() async {
    do {
      // A full batch means more may be due: go again at once rather than wait.
      var batch: [Submission]
      repeat {
        batch = try await gateway.releaseDue(limit: Self.batchSize)
        for released in batch {
          logger.info(
            "deferred message decided again",
            metadata: [
              "message_id": "\(released.decision.messageId)",
              "decision_id": "\(released.decision.id)",
              "outcome": "\(released.decision.outcome.rawValue)",
            ])
        }
      } while batch.count == Self.batchSize && !Task.isCancelled
    } catch {
      // The store may be briefly unreachable: the messages stay queued for the next round.
      logger.error("releasing deferred messages failed", metadata: ["error": "\(error)"])
    }
  }

  static let batchSize = 100
}
