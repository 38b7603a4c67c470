import Foundation
import GovernorDelivery
import TestPeers
import Testing

/// A request that left and got no answer may have been accepted; sending it again could mail
/// a person twice. These tests hold the delivery to "retry only what cannot have arrived".
@Suite("Delivery: at most once, against a sink that misbehaves at the socket")
struct AtMostOnceTests {
  /// One worker: one handle, so a second request reuses the first one's connection.
  func delivery(totalTimeout: TimeInterval = 0.5) -> HTTPDelivery {
    HTTPDelivery(
      transport: CurlTransport(
        configuration: .init(connectTimeout: 2, totalTimeout: totalTimeout, maxConcurrent: 1)),
      retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05, maxTotal: 60),
      pause: { _ in }, random: { 0.5 })
  }

  func request(_ sink: FaultSink, key: String = "m-1") -> SenderRequest {
    SenderRequest(
      method: "POST", url: sink.url + "/mail", headers: [("Idempotency-Key", key)],
      body: Data(#"{"id":"m-1"}"#.utf8))
  }

  @Test(
    "no answer after the request left is unknown and never retried",
    arguments: [FaultSink.Behaviour.silent, .reset, .late(seconds: 2)])
  func unansweredIsUnknown(_ behaviour: FaultSink.Behaviour) async throws {
    let sink = try FaultSink { _, _ in behaviour }
    defer { sink.stop() }
    let result = await delivery().deliver(request(sink))
    guard case .unknown(let reason, let attempts) = result else {
      Issue.record("\(behaviour) ended as \(result)")
      return
    }
    #expect(attempts == 1)
    #expect(!reason.isEmpty)
    #expect(sink.received.count == 1)
  }

  @Test("a reset on a reused keep-alive connection is not silently sent again by libcurl")
  func resetOnReusedConnection() async throws {
    let sink = try FaultSink { number, _ in number == 1 ? .reset : .answer(status: 200) }
    defer { sink.stop() }
    let delivery = delivery()
    #expect(
      await delivery.deliver(request(sink, key: "m-0")) == .delivered(reference: nil, attempts: 1))
    let result = await delivery.deliver(request(sink, key: "m-1"))
    guard case .unknown = result else {
      Issue.record("a reset after the request ended as \(result)")
      return
    }
    #expect(sink.received.map(\.key) == ["m-0", "m-1"])
  }

  @Test("an explicit 500 or 429 is retried: the sender said it did not take the message")
  func errorAnswersRetried() async throws {
    let sink = try FaultSink { number, _ in
      switch number {
      case 0: .answer(status: 500)
      case 1: .answer(status: 429, headers: ["Retry-After": "0"])
      default: .answer(status: 202)
      }
    }
    defer { sink.stop() }
    let result = await delivery().deliver(request(sink))
    #expect(result == .delivered(reference: nil, attempts: 3))
    #expect(sink.received.filter(\.behaviour.mayHaveAccepted).count == 1)
  }

  @Test("a refused connection cannot have arrived, so it is retried")
  func refusedRetried() async throws {
    let result = await delivery().deliver(
      SenderRequest(method: "POST", url: "http://127.0.0.1:1/mail"))
    guard case .failed(_, let attempts) = result else {
      Issue.record("a closed port ended as \(result)")
      return
    }
    #expect(attempts == 4)
  }
}
