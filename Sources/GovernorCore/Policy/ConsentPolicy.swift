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
  /// Whether consent given for an address the customer had before covers the one they have
  /// now. Off unless the policy says so: consent is given for an address (GDPR Art. 4(11)
  /// "specific"), and the new one may belong to someone else.
  public var coversNewAddress: Bool

  public init(
    purposes: [Purpose], kinds: [(name: String, expiry: Expiry)], coversNewAddress: Bool = false
  ) {
    self.purposes = purposes
    self.kinds = kinds
    self.coversNewAddress = coversNewAddress
  }

  public func expiry(ofKind kind: String) -> Expiry? {
    var index = 0
    while index < kinds.count {
      if kinds[index].name == kind { return kinds[index].expiry }
      index += 1
    }
    return nil
  }

  public static func == (lhs: ConsentPolicy, rhs: ConsentPolicy) -> Bool {
    lhs.purposes == rhs.purposes && lhs.coversNewAddress == rhs.coversNewAddress
      && lhs.kinds.elementsEqual(rhs.kinds) { $0.name == $1.name && $0.expiry == $1.expiry }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(purposes)
    hasher.combine(coversNewAddress)
    for kind in kinds { hasher.combine(kind.name) }
  }

  public func purpose(named name: String) -> Purpose? {
    purposes.first { $0.name == name }
  }
}
