/// One of the policy's caps as a category's plan holds it: the counting, plus the names and
/// the action its reasons report. A class, so walking a plan's caps takes a reference each
/// instead of copying names and lists.
final class CapRule: Sendable {
  let ruleId: String
  let counting: CapLimit
  let categories: [String]
  let action: HoldAction
  let shadow: Bool
  /// The categories the cap keeps slots for, when the plan's category is not one of them.
  let reservedFor: [String]?

  /// `reserveScope`: the mask of the reserved categories, or nil when the cap keeps no slots
  /// from the plan's category.
  init(_ cap: Cap, scope: UInt64, reserveScope: UInt64?) {
    ruleId = cap.ruleId
    categories = cap.categories
    action = cap.action
    shadow = cap.shadow
    if let reserve = cap.reserve, let reserveScope {
      counting = CapLimit(
        limit: cap.limit, scope: scope, reserveSlots: reserve.slots, reserveScope: reserveScope)
      reservedFor = reserve.categories
    } else {
      counting = CapLimit(limit: cap.limit, scope: scope)
      reservedFor = nil
    }
  }
}
