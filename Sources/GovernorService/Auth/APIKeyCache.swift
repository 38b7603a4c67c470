import Crypto
import Foundation
import GovernorStore
import Synchronization

/// Keys found valid in the last second, so a busy campaign tool's every request does not read
/// the store (a read is a hop to a database thread and back: ~5% of a request's CPU under
/// load). A key revoked in the store stops working within `lifetime`. Only accepted keys are
/// remembered, under the SHA-256 of the presented credentials, never the credentials.
public final class APIKeyCache: Sendable {
  private struct Entry {
    var record: APIKeyRecord
    var until: ContinuousClock.Instant
  }

  private let store: any Store
  private let lifetime: Duration
  private let deadline: StoreDeadline
  private let entries = Mutex<[SHA256.Digest: Entry]>([:])
  /// When each key's use was last written: at most once a minute per key, so authentication
  /// adds no write to most requests.
  private let usesNoted = Mutex<[String: ContinuousClock.Instant]>([:])
  private static let useNotedEvery = Duration.seconds(60)
  /// Bounds memory when many keys are in use: past it the cache starts over.
  private static let largestCount = 1_024

  public init(
    store: any Store, lifetime: Duration = .seconds(1), deadline: StoreDeadline = StoreDeadline()
  ) {
    self.store = store
    self.deadline = deadline
    self.lifetime = lifetime
  }

  /// As `APIKeys.authenticate`, from memory when the same credentials passed within `lifetime`.
  public func authenticate(_ authorization: String?) async throws -> APIKeyRecord? {
    guard let authorization else { return nil }
    let digest = SHA256.hash(data: Data(authorization.utf8))
    let now = ContinuousClock.now
    if let entry = entries.withLock({ $0[digest] }), entry.until > now,
      entry.record.isLive(at: Date())
    {
      return entry.record
    }
    let store = store
    guard
      let record = try await deadline.run({
        try await APIKeys.authenticate(authorization, in: store)
      })
    else {
      return nil
    }
    let due = usesNoted.withLock { noted in
      if let last = noted[record.id], now - last < Self.useNotedEvery { return false }
      if noted.count >= Self.largestCount { noted.removeAll(keepingCapacity: true) }
      noted[record.id] = now
      return true
    }
    if due {
      // Off the request's path: a store that is slow to take it must not slow the request.
      let deadline = deadline
      Task {
        _ = try? await deadline.run { try await store.noteAPIKeyUsed(id: record.id, at: Date()) }
      }
    }
    entries.withLock { entries in
      if entries.count >= Self.largestCount { entries.removeAll(keepingCapacity: true) }
      entries[digest] = Entry(record: record, until: now + lifetime)
    }
    return record
  }
}
