import Foundation

/// How one message's delivery ended.
public enum DeliveryResult: Hashable, Sendable {
  /// The sender accepted it; `reference` is the provider's id for it, when it gives one.
  case delivered(reference: String?, attempts: Int)
  /// Not delivered, with the reason (the last status or error) and how often it was tried.
  case failed(reason: String, attempts: Int)
  /// The request was sent (or partly sent) and no answer came: a timeout, a reset, a sender
  /// that never answers. It may have been accepted, so it is not tried again — mail sent twice
  /// is worse than mail a person reviews — and it keeps its cap slot.
  case unknown(reason: String, attempts: Int)
}

/// Sends one request to a mail sender with retries and a circuit breaker: the part every
/// HTTP sender adapter shares.
public struct HTTPDelivery: Sendable {
  public var transport: any HTTPTransport
  public var retry: RetryPolicy
  public var breaker: CircuitBreaker
  /// Waits between attempts; tests pass one that records instead of sleeping.
  public var pause: @Sendable (TimeInterval) async -> Void
  public var random: @Sendable () -> Double

  public init(
    transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy(),
    breaker: CircuitBreaker = CircuitBreaker(),
    pause: @escaping @Sendable (TimeInterval) async -> Void = { seconds in
      try? await Task.sleep(for: .seconds(seconds))
    },
    random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
  ) {
    self.transport = transport
    self.retry = retry
    self.breaker = breaker
    self.pause = pause
    self.random = random
  }

  /// Sends `request` until it is accepted, fails permanently, or the retry policy gives up;
  /// retried only when the sender answered 429/5xx or cannot have received it (at most once).
  /// `reference` reads the provider's id for the message from an accepted response.
  public func deliver(
    _ request: SenderRequest, reference: (SenderResponse) -> String? = { _ in nil }
  ) async -> DeliveryResult {
    let started = Date()
    var attempt = 0
    while true {
      attempt += 1
      guard breaker.allowRequest(at: Date()) else {
        return .failed(
          reason: "the mail sender is failing; circuit open, not tried", attempts: attempt - 1)
      }
      let outcome: RetryPolicy.Attempt
      let reason: String
      do {
        let response = try await transport.send(request)
        outcome = Self.classify(response)
        if case .delivered = outcome {
          breaker.recordSuccess()
          return .delivered(reference: reference(response), attempts: attempt)
        }
        reason = "HTTP \(response.status)" + Self.excerpt(response.body)
      } catch {
        if error.mayHaveArrived {
          breaker.recordFailure(at: Date())
          return .unknown(reason: error.description, attempts: attempt)
        }
        outcome = error.kind == .invalidRequest ? .permanent : .transient(retryAfter: nil)
        reason = error.description
      }
      guard case .transient(let retryAfter) = outcome else {
        // The sender answered: it is up, the request was wrong.
        breaker.recordSuccess()
        return .failed(reason: reason, attempts: attempt)
      }
      breaker.recordFailure(at: Date())
      guard
        let delay = retry.delay(
          after: attempt, retryAfter: retryAfter, elapsed: Date().timeIntervalSince(started),
          random: random())
      else {
        return .failed(reason: reason, attempts: attempt)
      }
      await pause(delay)
    }
  }

  static func classify(_ response: SenderResponse) -> RetryPolicy.Attempt {
    switch RetryPolicy.classify(status: response.status) {
    case .transient:
      return .transient(
        retryAfter: RetryPolicy.retryAfter(response.headers["retry-after"], now: Date()))
    case let other:
      return other
    }
  }

  /// The start of an error body, for the reason; providers explain rejections there.
  static func excerpt(_ body: Data) -> String {
    let text = String(decoding: body.prefix(200), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "" : ": " + text
  }
}
