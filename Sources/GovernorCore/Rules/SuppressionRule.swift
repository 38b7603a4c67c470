/// Does an active suppression (unsubscribe, bounce, complaint, manual) cover this category,
/// as the policy reads that reason?
struct SuppressionRule: Sendable {
  let policy: SuppressionPolicy

  func check(category: String, _ state: CustomerState) -> [(rule: String, finding: Finding)] {
    var findings: [(String, Finding)] = []
    for suppression in state.suppressions
    where suppression.scope.covers(category)
      && policy.blocks(suppression.reason, category: category)
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
