import Foundation
import GovernorCore
import GovernorDelivery
import Prometheus

/// What `GET /metrics` exposes, in Prometheus' text format. A registry per gateway rather than
/// swift-metrics' process-wide bootstrap, so tests can run several gateways in one process.
/// Every series whose labels are known up front is made here, once, so a request only bumps
/// a number.
public final class GatewayMetrics: Sendable {
  public let registry = PrometheusCollectorRegistry()
  private let decisions: [Outcome: Counter]
  private let forwards: [Bool: Counter]
  private let forwardLatency: [Bool: DurationHistogram]
  private let retries: Counter
  private let reusedIds: Counter
  /// By kind: every tracking change and header the engine can make.
  private let modifications: [String: Counter]

  static let latencyBuckets: [Duration] = [
    .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
    .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
  ]

  public init() {
    let registry = registry
    decisions = Dictionary(
      uniqueKeysWithValues: Outcome.allCases.map { outcome in
        let counter = registry.makeCounter(
          descriptor: Self.named("decisions", "total", "Decisions made, by outcome."),
          labels: [("outcome", outcome.rawValue)])
        return (outcome, counter)
      })
    let results = [(true, "sent"), (false, "failed")]
    forwards = Dictionary(
      uniqueKeysWithValues: results.map { delivered, result in
        let counter = registry.makeCounter(
          descriptor: Self.named(
            "forwards", "total", "Messages handed to the mail sender, by result."),
          labels: [("result", result)])
        return (delivered, counter)
      })
    forwardLatency = Dictionary(
      uniqueKeysWithValues: results.map { delivered, result in
        let histogram = registry.makeDurationHistogram(
          descriptor: Self.named(
            "forward_duration", "seconds",
            "Time to hand a message to the mail sender, retries included."),
          labels: [("result", result)], buckets: Self.latencyBuckets)
        return (delivered, histogram)
      })
    modifications = Dictionary(
      uniqueKeysWithValues: (TrackingChange.all + [ListUnsubscribe.added, ListUnsubscribe.replaced])
        .map { kind in (kind, Self.modificationCounter(kind, in: registry)) })
    retries = registry.makeCounter(
      descriptor: Self.named(
        "forward_retries", "total", "Extra attempts made after a 429, 5xx or connection failure."))
    reusedIds = registry.makeCounter(
      descriptor: Self.named(
        "message_id_conflicts", "total",
        "Messages refused because their id was decided before for a different message."))
  }

  func messageIdReused() {
    reusedIds.increment()
  }

  /// A request answered as unavailable because the store could not be used.
  func storeUnavailable() {
    registry.makeCounter(
      descriptor: Self.named(
        "store_unavailable", "total",
        "Requests answered 503 (SMTP: 451) because the store could not be used: a full disk, "
          + "the database restarting or out of reach.")
    ).increment()
  }

  /// A send whose outcome the store could not take at once; it is written again until it is.
  func completionDelayed() {
    registry.makeCounter(
      descriptor: Self.named(
        "send_outcomes_delayed", "total",
        "Sends whose outcome the store could not record at once (retried every second).")
    ).increment()
  }

  /// A provider reported on mail the governor never decided.
  func bypassReported(provider: String) {
    registry.makeCounter(
      descriptor: Self.named(
        "bypass_events", "total",
        "Provider reports (deliveries, bounces, complaints) on mail the governor never decided."),
      labels: [("provider", provider)]
    ).increment()
  }

  /// The rates per sending domain and every brake's state, as the last refresh found them; a
  /// brake released since shows 0.
  func reputation(_ book: ReputationBook, replacing before: ReputationBook) {
    for state in book.states where state.scope == .sendingDomain {
      registry.makeGauge(
        descriptor: Self.named(
          "reputation_rate", "ratio",
          "Complaint and hard-bounce rates per sending domain over the reputation window."),
        labels: [("measure", state.measure.rawValue), ("sending_domain", state.key)]
      ).set(to: Double(state.rate.perMillion) / 1_000_000)
      registry.makeGauge(
        descriptor: Self.named(
          "reputation_base", "",
          "The rate's base per sending domain: deliveries (complaints), attempts (bounces)."),
        labels: [("measure", state.measure.rawValue), ("sending_domain", state.key)]
      ).set(to: Double(state.base))
    }
    var shown = Set<[String]>()
    for state in book.brakes + before.brakes {
      let labels = [state.measure.rawValue, state.scope.rawValue, state.key]
      guard shown.insert(labels).inserted else { continue }
      let level: Double
      switch state.engaged?.step.action {
      case .pause: level = 2
      case .throttle: level = 1
      case nil: level = 0
      }
      registry.makeGauge(
        descriptor: Self.named(
          "reputation_brake", "", "The brake in force: 0 none, 1 throttle, 2 pause."),
        labels: [("measure", labels[0]), ("scope", labels[1]), ("key", labels[2])]
      ).set(to: level)
    }
  }

  /// A brake engaged, moved or released (as recorded in the brake log).
  func brakeChanged(_ change: BrakeChange) {
    registry.makeCounter(
      descriptor: Self.named(
        "reputation_brake_changes", "total",
        "Brake changes recorded in the brake log, by measure and the state changed to."),
      labels: [("measure", change.measure.rawValue), ("to", change.to)]
    ).increment()
  }

  func decided(_ decision: Decision) {
    decisions[decision.outcome]?.increment()
    // Rule and code pairs are open-ended, so these series are made as they first appear.
    for reason in decision.reasons {
      registry.makeCounter(
        descriptor: Self.named(
          "decision_reasons", "total",
          "Reasons given in decisions, by rule, reason code and effect."),
        labels: [("rule", reason.rule), ("code", reason.code), ("effect", reason.effect.rawValue)]
      ).increment()
    }
    for modification in decision.modifications {
      (modifications[modification.kind] ?? Self.modificationCounter(modification.kind, in: registry))
        .increment()
    }
  }

  private static func modificationCounter(
    _ kind: String, in registry: PrometheusCollectorRegistry
  ) -> Counter {
    registry.makeCounter(
      descriptor: named(
        "modifications", "total",
        "Changes made to forwarded messages, by kind: tracking removed, headers added."),
      labels: [("kind", kind)])
  }

  func forwarded(_ result: DeliveryResult, after duration: Duration) {
    let (delivered, attempts): (Bool, Int)
    switch result {
    case .delivered(_, let count): (delivered, attempts) = (true, count)
    case .failed(_, let count), .unknown(_, let count): (delivered, attempts) = (false, count)
    }
    forwardLatency[delivered]?.record(duration)
    forwards[delivered]?.increment()
    if attempts > 1 { retries.increment(by: Int64(attempts - 1)) }
  }

  /// The text to serve; the breaker's state is read now, as it changes with time alone.
  public func exposition(breaker: CircuitBreaker?) -> String {
    if let breaker {
      for state in [CircuitBreaker.State.closed, .open, .halfOpen] {
        registry.makeGauge(
          descriptor: Self.named(
            "circuit_breaker_state", "",
            "1 for the circuit breaker's current state, 0 for the others."),
          labels: [("state", state.rawValue)]
        ).set(to: breaker.state == state ? 1.0 : 0.0)
      }
    }
    return registry.emitToString()
  }

  /// `governor_NAME_UNIT`. Made where used: the descriptor type is not Sendable, so it cannot
  /// be a stored static.
  static func named(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "governor", metricName: metric, unitName: unit, helpText: help)
  }
}
