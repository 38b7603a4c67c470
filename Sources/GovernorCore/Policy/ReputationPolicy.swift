/// The reputation brake: what the policy does to a whole mailing when mailbox providers'
/// complaint or bounce rates approach the lines past which they start filtering or pause the
/// sender. Rates are measured over the last `windowDays` days of sending, per scope (a sending
/// domain, a campaign), from the delivery, bounce and complaint reports the provider webhooks
/// bring in.
public struct ReputationPolicy: Hashable, Sendable {
  /// What one measurement covers.
  public enum Scope: String, Hashable, Sendable, CaseIterable {
    /// The From domain: what Gmail's and Yahoo's complaint rates are computed for.
    case sendingDomain = "sending_domain"
    case campaign
  }

  /// Which rate a signal watches.
  public enum Measure: String, Hashable, Sendable, CaseIterable {
    /// Complaints over deliveries (less those to domains that report none).
    case complaints
    /// Hard bounces over delivery attempts (deliveries and hard bounces).
    case hardBounces = "hard_bounces"
  }

  public enum Action: Hashable, Sendable {
    /// Forward the mail of `keep` of the customers, chosen by a hash of the customer and the
    /// day (the same on every node and after a restart); hold the rest until the next day.
    case throttle(keep: Rate)
    /// Hold every message of the step's categories until the brake is released.
    case pause

    /// Pause beats any throttle; a smaller share kept beats a larger one.
    var strength: Int {
      switch self {
      case .pause: return 2_000_000
      case .throttle(let keep): return 1_000_000 - keep.perMillion
      }
    }
  }

  public struct Step: Hashable, Sendable {
    /// The rate from which the step applies.
    public var at: Rate
    public var action: Action
    /// The categories it brakes; transactional mail only when the policy names it.
    public var categories: [String]
  }

  /// Hysteresis: a brake, once on, stays on until the daily rate has been below `below` on
  /// `days` days of sending in a row (Gmail: 7 days below 0.3% to recover).
  public struct Resume: Hashable, Sendable {
    public var below: Rate
    public var days: Int
  }

  public struct Signal: Hashable, Sendable {
    public var measure: Measure
    /// In ascending order of `at`.
    public var steps: [Step]
    public var resume: Resume
    /// Recipient domains whose deliveries do not count in the complaint rate's base: those
    /// whose mailbox provider reports no complaints to senders (Gmail has no feedback loop),
    /// so their mail would only dilute it.
    public var baseExcludes: [String]
  }

  public var windowDays: Int
  /// No verdict on fewer deliveries (a rate's base) than this in the window.
  public var minDelivered: Int
  public var scopes: [Scope]
  public var signals: [Signal]
  /// A braked message waits at most this long from its arrival; past it, it is blocked.
  public var maxDelaySeconds: Int
  /// Evaluated and reported, never enforced.
  public var shadow: Bool

  /// How many days of counts an assessment reads: the window, the longest resume, and as
  /// long again so a brake engaged before the window is still seen.
  public var historyDays: Int {
    windowDays + 2 * (signals.map(\.resume.days).max() ?? 0) + 7
  }

  public static func ruleId(_ measure: Measure) -> String { "reputation.\(measure.rawValue)" }
}

/// A share, in parts per million: exact comparisons (30 complaints in 10,000 deliveries is
/// 0.3%, 29 is not) and no floating point in a decision.
public struct Rate: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var perMillion: Int

  public init(perMillion: Int) {
    self.perMillion = perMillion
  }

  /// `0.3%`, `50%`: a percentage with up to four decimals.
  public init?(percent text: String) {
    guard text.hasSuffix("%") else { return nil }
    let number = text.dropLast().trimmingPrefix(while: { $0 == " " })
    let parts = number.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0, whole <= 100,
      parts[0].allSatisfy(\.isASCII)
    else { return nil }
    var fraction = 0
    if parts.count == 2 {
      let digits = parts[1]
      guard (1...4).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
        let value = Int(digits)
      else { return nil }
      fraction = value * [1, 1_000, 100, 10, 1][digits.count]
    }
    perMillion = whole * 10_000 + fraction
    guard perMillion <= 1_000_000 else { return nil }
  }

  /// `count` of `base`, rounded down.
  public static func measured(_ count: Int, of base: Int) -> Rate {
    base <= 0
      ? Rate(perMillion: 0) : Rate(perMillion: Int((Int64(count) * 1_000_000) / Int64(base)))
  }

  /// Whether `count` of `base` reaches this rate, exactly.
  public func isReached(by count: Int, of base: Int) -> Bool {
    base > 0 && Int64(count) * 1_000_000 >= Int64(perMillion) * Int64(base)
  }

  public static func < (lhs: Rate, rhs: Rate) -> Bool { lhs.perMillion < rhs.perMillion }

  public var description: String {
    let whole = perMillion / 10_000
    var fraction = String(perMillion % 10_000)
    guard fraction != "0" else { return "\(whole)%" }
    fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(whole).\(fraction)%"
  }
}
