import Foundation
import GovernorCore
import GovernorStore

/// One recorded decision as a compliance reviewer reads it: what, when, under which policy
/// version, every reason with its facts, the changes made, its place in the hash chain, and
/// the text of the policy version that made it, the lines behind its rules marked.
enum AuditDetail {
  static func lines(_ entry: AuditEntry, policyText: String?) -> [String] {
    let content =
      (try? JSONSerialization.jsonObject(with: Data(entry.content.utf8)) as? [String: Any]) ?? [:]
    let record = content["decision"] as? [String: Any] ?? [:]
    var lines = [
      "decision \(entry.id) (#\(entry.sequence)), decided \(entry.decidedAt.formatted(.iso8601))",
      "message \(entry.messageId), customer \(entry.customerId), campaign \(entry.campaignId ?? "-")",
      "outcome \(entry.outcome.rawValue)"
        + ((record["not_before"] as? String).map { ", not before \($0)" } ?? ""),
      "policy \((record["policy"] as? [String: Any])?["name"] as? String ?? "?") \(entry.policyVersion)",
    ]
    let reasons = record["reasons"] as? [[String: Any]] ?? []
    lines.append(reasons.isEmpty ? "reasons: none" : "reasons:")
    for reason in reasons {
      let rule = reason["rule"] as? String ?? "?"
      let code = reason["code"] as? String ?? "?"
      let effect = reason["effect"] as? String ?? "?"
      lines.append("  \(rule) (\(code), \(effect)): \(reason["message"] as? String ?? "")")
      let facts = reason["facts"] as? [String: Any] ?? [:]
      for (name, value) in facts.sorted(by: { $0.key < $1.key }) {
        let text =
          (value as? [Any]).map { $0.map { "\($0)" }.joined(separator: ", ") } ?? "\(value)"
        lines.append("    \(name): \(text)")
      }
    }
    let changes = record["modifications"] as? [[String: Any]] ?? []
    if !changes.isEmpty {
      lines.append("changes:")
      for change in changes {
        var line = "  \(change["kind"] as? String ?? "?")"
        if let url = change["url"] as? String { line += " \(url)" }
        if let replacement = change["replacement"] as? String { line += " → \(replacement)" }
        lines.append(line)
      }
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
