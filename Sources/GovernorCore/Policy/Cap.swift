/// One send cap. All caps are enforced together; each reports its own reason.
public struct Cap: Hashable, Sendable {
  public enum Limit: Hashable, Sendable {
    /// At most `max` sends within the window.
    case count(max: Int, window: CapWindow)
    /// At least this many seconds between any two sends.
    case minimumGap(seconds: Int)
  }

  public var id: String
  /// `caps.<id>`: precomputed because every decision that trips it reports it.
  public var ruleId: String
  public var limit: Limit
  /// The categories it counts and limits.
  public var categories: [String]
  public var action: HoldAction
  /// Evaluated and reported, never enforced: how a new cap is tried out safely.
  public var shadow: Bool
}

/// What happens to a message a time-based rule holds back.
public enum HoldAction: Hashable, Sendable {
  case block
  /// Held until the rule passes, unless that is more than `maxDelaySeconds` after the
  /// message arrived; then blocked.
  case deferUpTo(maxDelaySeconds: Int)
}
