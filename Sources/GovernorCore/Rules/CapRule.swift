/// One of the policy's caps as a category's plan holds it: the counting, plus the names and
/// the action its reasons report. A class, so walking a plan's caps takes a reference each
/// instead of copying names and lists.
final class CapRule: Sendable {
  let ruleId: String
  let counting: CapLimit
  let categories: [String]
  let action: HoldAction
  let shadow: Bool

  init(_ cap: Cap, scope: UInt64) {
    ruleId = cap.ruleId
    counting = CapLimit(limit: cap.limit, scope: scope)
    categories = cap.categories
    action = cap.action
    shadow = cap.shadow
  }
}
