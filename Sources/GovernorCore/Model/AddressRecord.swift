/// What a store holds about one address apart from any customer: the keyed digest that stands
/// for it in a decision's facts, and the active suppressions recorded for it, each naming the
/// customer it was recorded for. A dry-run needs it for a recipient listed with an address
/// other than their profile's: the gateway would check that address, so the dry-run must.
public struct AddressRecord: Hashable, Sendable {
  public var digest: String?
  public var suppressions: [Suppression]

  public init(digest: String?, suppressions: [Suppression]) {
    self.digest = digest
    self.suppressions = suppressions
  }
}
