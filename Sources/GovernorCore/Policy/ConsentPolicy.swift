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
  /// Lifetime per kind of consent (`express: never`, `implied_purchase: 2y`, …).
  public var kinds: [String: Expiry]

  public func purpose(named name: String) -> Purpose? {
    purposes.first { $0.name == name }
  }
}
