import GovernorStore

/// The store cannot be used now (see `StoreOutage`), or did not answer within the gateway's
/// bound: nothing was decided or sent for the request, and the same request later is safe.
/// The HTTP doors answer it with 503 and `Retry-After`, the SMTP door with 451.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
  public let reason: String
  /// Seconds a client should wait before trying again.
  public static let retryAfter = 5

  public init(reason: String) {
    self.reason = reason
  }

  /// `error` as an outage, or nil when it is something else.
  public init?(classifying error: any Error) {
    switch error {
    case let unavailable as StoreUnavailable:
      self = unavailable
    case let late as DeadlineExceeded:
      self.init(reason: "the store did not answer within \(late.limit)")
    default:
      guard let reason = StoreOutage.reason(for: error) else { return nil }
      self.init(reason: reason)
    }
  }

  public var description: String { reason }
}

/// How long a request waits for the store before it is answered as unavailable. PostgresNIO's
/// pool waits for a connection with no bound of its own: while PostgreSQL is down every
/// request would hang with it.
public struct StoreDeadline: Sendable {
  public var limit: Duration
  /// False for a store that cannot hang (SQLite): the bound's two tasks and a timer per call
  /// cost the gateway about a quarter of its CPU per request (BENCHMARKS.md) and buy nothing
  /// there.
  public var enforced = true

  public init(_ limit: Duration = .seconds(5)) {
    self.limit = limit
  }

  /// This deadline, enforced only when `store` can wait without a bound of its own.
  public func applied(to store: any Store) -> StoreDeadline {
    var deadline = self
    deadline.enforced = store.waitsWithoutBound
    return deadline
  }

  /// `work`'s result; `StoreUnavailable` when the store is out or did not answer in time.
  /// Work that outlives the bound is cancelled: a transaction still waiting for a connection
  /// gives up and keeps nothing.
  public func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws
    -> T
  {
    do {
      return enforced ? try await withDeadline(limit, work) : try await work()
    } catch {
      if let unavailable = StoreUnavailable(classifying: error) { throw unavailable }
      throw error
    }
  }
}
