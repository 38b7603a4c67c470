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
  /// Slots the other categories may not take (count caps only).
  public var reserve: CapReserve? = nil
}

/// The last `slots` of a count cap kept for mail that matters more (an order follow-up over a
/// third newsletter). Slots the reserved categories have already used in the window count
/// toward the reservation, so they free the rest of the cap for everything else.
public struct CapReserve: Hashable, Sendable {
  public var slots: Int
  /// The categories the slots are kept for; all of them are among the cap's categories.
  public var categories: [String]

  public init(slots: Int, categories: [String]) {
    self.slots = slots
    self.categories = categories
  }
}

/// What happens to a message a time-based rule holds back.
public enum HoldAction: Hashable, Sendable {
  case block
  /// Held until the rule passes, unless that is more than `maxDelaySeconds` after the
  /// message arrived; then blocked.
  case deferUpTo(maxDelaySeconds: Int)
}
