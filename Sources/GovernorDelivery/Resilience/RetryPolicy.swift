import Foundation

/// When to try a delivery again: exponential backoff with full jitter (AWS Architecture Blog,
/// "Exponential Backoff And Jitter"), a server's `Retry-After` honoured when it asks for
/// longer, and a bound on attempts and on total time.
public struct RetryPolicy: Hashable, Sendable {
  public var maxAttempts: Int
  public var baseDelay: TimeInterval
  public var maxDelay: TimeInterval
  /// No retry is scheduled that would start later than this after the first attempt.
  public var maxTotal: TimeInterval

  public init(
    maxAttempts: Int = 4, baseDelay: TimeInterval = 0.2, maxDelay: TimeInterval = 10,
    maxTotal: TimeInterval = 30
  ) {
    self.maxAttempts = maxAttempts
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxTotal = maxTotal
  }

  /// What one attempt came to, as far as retrying is concerned.
  public enum Attempt: Sendable {
    case delivered
    /// 429, 5xx or no response at all: the same request may succeed later.
    case transient(retryAfter: TimeInterval?)
    /// Any other 4xx: the request is wrong and will stay wrong.
    case permanent
  }

  public static func classify(status: Int) -> Attempt {
    switch status {
    case 200..<300: return .delivered
    case 429, 500...599: return .transient(retryAfter: nil)
    default: return .permanent
    }
  }

  /// The pause before attempt `attempt + 1` (attempts count from 1), or nil to give up.
  /// `random` is a number in 0..<1 (injected so tests can pin the jitter).
  public func delay(
    after attempt: Int, retryAfter: TimeInterval?, elapsed: TimeInterval, random: Double
  ) -> TimeInterval? {
    guard attempt < maxAttempts else { return nil }
    let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
    let jittered = ceiling * random
    // A server asking for a longer wait than the budget allows means giving up now.
    let pause = max(jittered, retryAfter ?? 0)
    guard elapsed + pause <= maxTotal else { return nil }
    return pause
  }

  /// `Retry-After` as seconds (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
  public static func retryAfter(_ value: String?, now: Date) -> TimeInterval? {
    guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
      return nil
    }
    if let seconds = Int(value), seconds >= 0 { return TimeInterval(seconds) }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    guard let date = formatter.date(from: value) else { return nil }
    return max(0, date.timeIntervalSince(now))
  }
}
