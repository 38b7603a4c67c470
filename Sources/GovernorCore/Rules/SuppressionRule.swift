import Foundation

/// Does an active suppression (unsubscribe, bounce, complaint, manual) cover this category,
/// as the policy reads that reason?
struct SuppressionRule: Sendable {
  let policy: SuppressionPolicy

  /// Suppressions dated after `now` are not yet known at `now` (a dry-run at a past instant),
  /// but one dated within the validator's clock skew counts: an opt-out from a sender whose
  /// clock runs ahead must hold at once.
  func check(category: String, _ state: CustomerState, at now: Date) -> [(
    rule: String, finding: Finding
  )] {
    var findings: [(String, Finding)] = []
    let horizon = now.addingTimeInterval(RecordValidator.defaultClockSkew)
    for suppression in state.suppressions
    where suppression.scope.covers(category)
      && policy.blocks(suppression.reason, category: category) && suppression.at <= horizon
    {
      findings.append(
        (
          Self.ruleIds[suppression.reason] ?? "suppression",
          .suppressed(suppression, category: category)
        ))
    }
    return findings
  }

  private static let ruleIds: [SuppressionReason: String] = Dictionary(
    uniqueKeysWithValues: SuppressionReason.allCases.map { ($0, "suppression.\($0.rawValue)") })
}
