import Foundation
import GovernorCore
import GovernorDelivery
import Prometheus

/// What `GET /metrics` exposes, in Prometheus' text format. A registry per gateway rather than
/// swift-metrics' process-wide bootstrap, so tests can run several gateways in one process.
public final class GatewayMetrics: Sendable {
  public let registry = PrometheusCollectorRegistry()

  public init() {}

  static let latencyBuckets: [Duration] = [
    .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
    .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
  ]

  func decided(_ decision: Decision) {
    registry.makeCounter(
      descriptor: Self.decisions, labels: [("outcome", decision.outcome.rawValue)]
    ).increment()
    for reason in decision.reasons {
      registry.makeCounter(
        descriptor: Self.reasons,
        labels: [("rule", reason.rule), ("code", reason.code), ("effect", reason.effect.rawValue)]
      ).increment()
    }
  }

  func forwarded(_ result: DeliveryResult, after duration: Duration) {
    let (status, attempts): (String, Int)
    switch result {
    case .delivered(_, let count): (status, attempts) = ("sent", count)
    case .failed(_, let count): (status, attempts) = ("failed", count)
    }
    registry.makeDurationHistogram(
      descriptor: Self.forwardLatency, labels: [("result", status)], buckets: Self.latencyBuckets
    ).record(duration)
    registry.makeCounter(descriptor: Self.forwards, labels: [("result", status)]).increment()
    if attempts > 1 {
      registry.makeCounter(descriptor: Self.retries).increment(by: Int64(attempts - 1))
    }
  }

  /// The text to serve; the breaker's state is read now, as it changes with time alone.
  public func exposition(breaker: CircuitBreaker?) -> String {
    if let breaker {
      for state in [CircuitBreaker.State.closed, .open, .halfOpen] {
        registry.makeGauge(descriptor: Self.breakerState, labels: [("state", state.rawValue)])
          .set(to: breaker.state == state ? 1.0 : 0.0)
      }
    }
    return registry.emitToString()
  }

  // Computed: the descriptor type is not Sendable, so it cannot be a stored static.
  static var decisions: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "decisions", unitName: "total",
      helpText: "Decisions made, by outcome.")
  }
  static var reasons: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "decision_reasons", unitName: "total",
      helpText: "Reasons given in decisions, by rule, reason code and effect.")
  }
  static var forwardLatency: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "forward_duration", unitName: "seconds",
      helpText: "Time to hand a message to the mail sender, retries included.")
  }
  static var forwards: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "forwards", unitName: "total",
      helpText: "Messages handed to the mail sender, by result.")
  }
  static var retries: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "forward_retries", unitName: "total",
      helpText: "Extra attempts made after a 429, 5xx or connection failure.")
  }
  static var breakerState: MetricNameDescriptor {
    MetricNameDescriptor(
      namespace: "governor", metricName: "circuit_breaker_state", unitName: "",
      helpText: "1 for the circuit breaker's current state, 0 for the others.")
  }
}
