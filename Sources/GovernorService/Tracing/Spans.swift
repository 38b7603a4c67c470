import GovernorDelivery
import Synchronization
import Tracing

/// Spans for operators: what the gateway did and how long it took, never to whom. Attributes
/// are ids the governor made (decision ids), outcomes, counts and durations; no address,
/// customer id, subject or error text (an error's description can quote an address), so a
/// tracing backend never holds a personal datum.
public enum Spans {
  /// Runs `body` in a span named `name`. A thrown error marks the span failed with the
  /// error's type only.
  public static func run<T>(
    _ name: String, kind: SpanKind = .internal, _ body: (any Span) async throws -> T
  ) async rethrows -> T {
    let span = startSpan(name, ofKind: kind)
    defer { span.end() }
    do {
      return try await ServiceContext.$current.withValue(span.context) {
        try await body(span)
      }
    } catch {
      failed(span, error)
      throw error
    }
  }

  public static func failed(_ span: any Span, _ error: any Error) {
    span.attributes["error.type"] = String(describing: type(of: error))
    span.setStatus(SpanStatus(code: .error))
  }
}

/// The decisions made while serving one request, so its span can carry their ids: the HTTP
/// layer sets one for the request, the gateway adds to it as it decides.
public final class DecisionTrail: Sendable {
  @TaskLocal public static var current: DecisionTrail?

  private let ids = Mutex<[String]>([])

  public init() {}

  func add(_ id: String) {
    ids.withLock { $0.append(id) }
  }

  public var decisionIds: [String] { ids.withLock { $0 } }
}

extension DeliveryResult {
  /// `sent`, `failed` or `unknown`, without the reason (a sender's answer can quote the mail).
  var spanResult: String {
    switch self {
    case .delivered: "sent"
    case .failed: "failed"
    case .unknown: "unknown"
    }
  }

  var attempts: Int {
    switch self {
    case .delivered(_, let attempts), .failed(_, let attempts), .unknown(_, let attempts):
      attempts
    }
  }
}
