/// What consent each purpose needs and how long each kind of consent lasts.
public struct ConsentPolicy: Hashable, Sendable {
  public struct Purpose: Hashable, Sendable {
    public var name: String
    /// The subscription must have been confirmed (double opt-in) to count.
    public var doubleOptIn: Bool
    /// `consent.<purpose>`: precomputed because every decision reports it.
    public var ruleId: String
  }

  public enum Expiry: Hashable, Sendable, CustomStringConvertible {
    case never
    case after(TimeSpan)

    public var description: String {
      switch self {
      case .never: return "never"
      case .after(let span): return span.description
      }
    }
  }

  public var purposes: [Purpose]
  /// Lifetime per kind of consent (`express: never`, `implied_purchase: 2y`, …), in the
  /// file's order. A list, not a dictionary: there are a handful, and a scan is cheaper
  /// than hashing on every decision.
  public var kinds: [(name: String, expiry: Expiry)]

  public func expiry(ofKind kind: String) -> Expiry? {
    var index = 0
    while index < kinds.count {
      if kinds[index].name == kind { return kinds[index].expiry }
      index += 1
    }
    return nil
  }

  public static func == (lhs: ConsentPolicy, rhs: ConsentPolicy) -> Bool {
    lhs.purposes == rhs.purposes
      && lhs.kinds.elementsEqual(rhs.kinds) { $0.name == $1.name && $0.expiry == $1.expiry }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(purposes)
    for kind in kinds { hasher.combine(kind.name) }
  }

  public func purpose(named name: String) -> Purpose? {
    purposes.first { $0.name == name }
  }
}
