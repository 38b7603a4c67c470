import Yams

/// The `enforce:` shares read anywhere in a policy, gathered as each section is read.
final class RolloutCollector {
  var rollouts: [Rollout] = []
}

extension PolicyLoader {
  /// `enforce: 10%` on a rule: enforced for that share of customers, shadowed for the rest.
  /// A rule that is only reported (`shadow: true`, `action: report`: the setting is given as
  /// `reportedBy`) is enforced for nobody, so the two together are a contradiction.
  static func readRollout(
    _ fields: Fields, field: String, rules: [String], reportedBy: String? = nil,
    reader: PolicyReader, into collector: RolloutCollector
  ) {
    guard let node = fields["enforce"], let share = rate(node, "\(field).enforce", reader: reader)
    else { return }
    guard share.perMillion > 0 else {
      reader.report(
        "\(field).enforce: 0% enforces the rule for nobody; write shadow: true to report it only",
        at: node)
      return
    }
    if let reportedBy {
      reader.report(
        "\(field) has both \(reportedBy) and enforce: \(share): a rule that is only reported is "
          + "enforced for nobody; keep one", at: node)
      return
    }
    collector.rollouts += rules.map { Rollout(rule: $0, enforce: share) }
  }
}
