import Foundation
import GovernorCore
import GovernorStore

/// One recorded decision as a compliance reviewer reads it: what, when, under which policy
/// version, every reason with its facts, the changes made, its place in the hash chain, and
/// the text of the policy version that made it, the lines behind its rules marked.
enum AuditDetail {
  static func lines(_ entry: AuditEntry, policyText: String?) -> [String] {
    let record = RecordedDecision(entry)
    var lines = [
      "decision \(entry.id) (#\(entry.sequence)), decided \(entry.decidedAt.formatted(.iso8601))",
      "message \(entry.messageId), customer \(entry.customerId), campaign \(entry.campaignId ?? "-")",
      "outcome \(entry.outcome.rawValue)" + (record?.notBefore.map { ", not before \($0)" } ?? ""),
      "policy \(record?.policyName ?? "?") \(entry.policyVersion)",
    ]
    let reasons = record?.reasons ?? []
    lines.append(reasons.isEmpty ? "reasons: none" : "reasons:")
    for reason in reasons {
      lines.append("  \(reason.rule) (\(reason.code), \(reason.effect)): \(reason.message)")
      for fact in reason.facts { lines.append("    \(fact.name): \(fact.value)") }
    }
    let changes = record?.changes ?? []
    if !changes.isEmpty {
      lines.append("changes:")
      for change in changes { lines.append("  \(change.summary)") }
    }
    lines.append("chain: previous \(entry.previousHash), this \(entry.hash)")
    guard let policyText else {
      lines.append("policy text: not in this store (recorded by a gateway that did not keep it)")
      return lines
    }
    lines.append("policy text of \(entry.policyVersion) (> marks the lines of its rules):")
    for line in PolicyExcerpt.lines(of: policyText, rules: entry.rules) {
      lines.append("\(line.marked ? ">" : " ")\(String(format: "%4d", line.number))  \(line.text)")
    }
    return lines
  }
}
