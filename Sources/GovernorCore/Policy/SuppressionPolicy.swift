/// Which categories each suppression reason blocks.
public struct SuppressionPolicy: Hashable, Sendable {
  public var blocked: [SuppressionReason: Set<String>]

  public func blocks(_ reason: SuppressionReason, category: String) -> Bool {
    blocked[reason]?.contains(category) ?? false
  }

  /// Hard bounces block everything (the address does not exist); unsubscribes and complaints
  /// block everything but transactional mail, which CAN-SPAM §7702(17) and GDPR allow.
  public static func defaultBlocked(
    _ reason: SuppressionReason, categories: [Category]
  ) -> Set<String> {
    let all = Set(categories.map(\.name))
    switch reason {
    case .hardBounce, .manual: return all
    case .unsubscribed, .complaint: return all.subtracting(["transactional"])
    }
  }
}
