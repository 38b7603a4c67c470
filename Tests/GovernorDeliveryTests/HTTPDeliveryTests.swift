import Foundation
import GovernorDelivery
import Synchronization
import TestPeers
import Testing

/// Records the pauses between attempts instead of sleeping through them.
final class Pauses: Sendable {
  private let taken = Mutex<[TimeInterval]>([])
  var all: [TimeInterval] { taken.withLock { $0 } }
  func record(_ seconds: TimeInterval) { taken.withLock { $0.append(seconds) } }
}

@Suite("Delivery: retries and the circuit breaker, against a real HTTP sink")
struct HTTPDeliveryTests {
  func delivery(_ pauses: Pauses, breaker: CircuitBreaker = CircuitBreaker()) -> HTTPDelivery {
    // Timeouts generous enough for a loaded CI machine: none of these tests waits for one,
    // and an attempt cut short by one is retried, which would change what they count.
    HTTPDelivery(
      transport: CurlTransport(
        configuration: .init(connectTimeout: 5, totalTimeout: 10, maxConcurrent: 2)),
      // The pauses are recorded, not slept, so the total only bounds real attempt time; a
      // test process busy elsewhere must not turn a retry into a give-up.
      retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.1, maxDelay: 1, maxTotal: 120),
      breaker: breaker, pause: { pauses.record($0) }, random: { 0.5 })
  }

  @Test("5xx and 429 are retried with growing pauses until the sender accepts")
  func retriedUntilAccepted() async throws {
    try await LoopbackSink.with(script: [
      .init(status: 503), .init(status: 429), .init(status: 502),
    ]) { base, sink in
      let pauses = Pauses()
      let result = await delivery(pauses).deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(result == .delivered(reference: nil, attempts: 4))
      #expect(await sink.received.count == 4)
      #expect(pauses.all == [0.05, 0.1, 0.2])
    }
  }

  @Test("Retry-After is honoured when it asks for longer than the backoff")
  func retryAfter() async throws {
    try await LoopbackSink.with(script: [.init(status: 429, headers: ["Retry-After": "3"])]) {
      base, _ in
      let pauses = Pauses()
      _ = await delivery(pauses).deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(pauses.all == [3])
    }
  }

  @Test("other 4xx are not retried; the reason keeps the sender's words")
  func permanentFailure() async throws {
    try await LoopbackSink.with(script: [.init(status: 400, body: "invalid from address")]) {
      base, sink in
      let pauses = Pauses()
      let result = await delivery(pauses).deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(result == .failed(reason: "HTTP 400: invalid from address", attempts: 1))
      #expect(await sink.received.count == 1)
      #expect(pauses.all.isEmpty)
    }
  }

  @Test("attempts are bounded: a sender that keeps failing ends as failed with the last reason")
  func attemptsBounded() async throws {
    let failing = [LoopbackSink.Answer](repeating: .init(status: 500), count: 10)
    try await LoopbackSink.with(script: failing) { base, sink in
      let result = await delivery(Pauses()).deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(result == .failed(reason: "HTTP 500", attempts: 4))
      #expect(await sink.received.count == 4)
    }
  }

  @Test("after repeated failures the breaker opens and messages fail fast without a request")
  func breakerOpens() async throws {
    let failing = [LoopbackSink.Answer](repeating: .init(status: 503), count: 10)
    try await LoopbackSink.with(script: failing) { base, sink in
      let breaker = CircuitBreaker(failureThreshold: 3, openDuration: 60)
      let delivery = delivery(Pauses(), breaker: breaker)
      _ = await delivery.deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(breaker.state == .open)
      let sent = await sink.received.count
      let result = await delivery.deliver(SenderRequest(method: "POST", url: base + "/m"))
      #expect(
        result
          == .failed(reason: "the mail sender is failing; circuit open, not tried", attempts: 0))
      #expect(await sink.received.count == sent)
    }
  }

  @Test("a connection error is retried like a 5xx")
  func connectionErrorRetried() async {
    let pauses = Pauses()
    let result = await delivery(pauses).deliver(
      SenderRequest(method: "POST", url: "http://127.0.0.1:1/m"))
    guard case .failed(let reason, let attempts) = result else {
      Issue.record("delivered to a closed port")
      return
    }
    #expect(attempts == 4)
    #expect(reason.hasPrefix("connection: "))
    #expect(pauses.all.count == 3)
  }
}

@Suite("Retry policy and circuit breaker")
struct ResilienceTests {
  @Test("full jitter under an exponential ceiling, capped, and bounded in total time")
  func delays() {
    let policy = RetryPolicy(maxAttempts: 6, baseDelay: 1, maxDelay: 5, maxTotal: 12)
    #expect(policy.delay(after: 1, retryAfter: nil, elapsed: 0, random: 0.999) ?? 0 < 1)
    #expect(policy.delay(after: 3, retryAfter: nil, elapsed: 0, random: 0.5) == 2)
    #expect(policy.delay(after: 5, retryAfter: nil, elapsed: 0, random: 0.5) == 2.5)
    #expect(policy.delay(after: 6, retryAfter: nil, elapsed: 0, random: 0.5) == nil)
    #expect(policy.delay(after: 2, retryAfter: nil, elapsed: 11.5, random: 0.9) == nil)
    #expect(policy.delay(after: 2, retryAfter: 8, elapsed: 0, random: 0.1) == 8)
    #expect(policy.delay(after: 2, retryAfter: 60, elapsed: 0, random: 0.1) == nil)
  }

  @Test("Retry-After as seconds or as an HTTP date")
  func retryAfterParsing() {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    #expect(RetryPolicy.retryAfter("120", now: now) == 120)
    #expect(RetryPolicy.retryAfter(" 0 ", now: now) == 0)
    #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
    #expect(RetryPolicy.retryAfter(nil, now: now) == nil)
    // `now` is 2026-11-18T11:06:40Z; the header says 90 seconds later.
    #expect(RetryPolicy.retryAfter("Wed, 18 Nov 2026 11:08:10 GMT", now: now) == 90)
  }

  @Test("open after the threshold, one trial after the pause, closed again on success")
  func breakerCycle() {
    let breaker = CircuitBreaker(failureThreshold: 2, openDuration: 10)
    let start = Date(timeIntervalSince1970: 0)
    #expect(breaker.allowRequest(at: start))
    breaker.recordFailure(at: start)
    #expect(breaker.state == .closed)
    breaker.recordFailure(at: start)
    #expect(breaker.state == .open)
    #expect(!breaker.allowRequest(at: start + 9))
    #expect(breaker.allowRequest(at: start + 10))
    #expect(breaker.state == .halfOpen)
    #expect(!breaker.allowRequest(at: start + 10))
    breaker.recordFailure(at: start + 11)
    #expect(breaker.state == .open)
    #expect(breaker.allowRequest(at: start + 21))
    breaker.recordSuccess()
    #expect(breaker.state == .closed)
  }
}
