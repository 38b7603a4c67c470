import Logging
import Synchronization

/// Says in the log why requests are answered as unavailable, without writing a line for each
/// of the thousands a busy gateway refuses while its disk is full: the first outage at once,
/// then at most one line every `interval` with how many went unlogged. Every one is counted
/// in `governor_store_unavailable_total`.
public final class StoreOutageLog: Sendable {
  private struct State {
    var lastLogged: ContinuousClock.Instant?
    var unlogged = 0
  }

  private let metrics: GatewayMetrics
  private let interval: Duration
  private let state = Mutex(State())

  init(metrics: GatewayMetrics, interval: Duration = .seconds(10)) {
    self.metrics = metrics
    self.interval = interval
  }

  public func note(_ unavailable: StoreUnavailable, logger: Logger) {
    metrics.storeUnavailable()
    let now = ContinuousClock.now
    let unlogged: Int? = state.withLock { state in
      if let last = state.lastLogged, now - last < interval {
        state.unlogged += 1
        return nil
      }
      defer {
        state.lastLogged = now
        state.unlogged = 0
      }
      return state.unlogged
    }
    guard let unlogged else { return }
    logger.error(
      "store unavailable; answering 503 with Retry-After, nothing decided or sent",
      metadata: [
        "reason": "\(unavailable.reason)", "since_last_line": "\(unlogged)",
      ])
  }
}
