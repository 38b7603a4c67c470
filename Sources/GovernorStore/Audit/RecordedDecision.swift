import Foundation
import GovernorCore

/// What an audit row's canonical content says about its decision, read once for every reader
/// of the log (`governor audit show`, the `/review` pages, exports, policy replay): the
/// category, when a held message could go, each reason with its facts as text, and the
/// changes made. Read from the JSON rather than decoded into `Decision`: the row holds the
/// decision as it was written, sentences and facts included, and must be shown as it is.
public struct RecordedDecision: Sendable {
  public struct Reason: Sendable {
    public var rule: String
    public var code: String
    public var effect: String
    public var message: String
    /// By name, in name order; lists joined with ", ".
    public var facts: [(name: String, value: String)]
  }

  public var category: String
  public var notBefore: String?
  public var policyName: String?
  public var reasons: [Reason]
  public var changes: [Modification]

  public init?(_ entry: AuditEntry) {
    guard
      let content = try? JSONSerialization.jsonObject(with: Data(entry.content.utf8))
        as? [String: Any],
      let decision = content["decision"] as? [String: Any],
      let category = decision["category"] as? String
    else { return nil }
    self.category = category
    notBefore = decision["not_before"] as? String
    policyName = (decision["policy"] as? [String: Any])?["name"] as? String
    reasons = (decision["reasons"] as? [[String: Any]] ?? []).map { reason in
      Reason(
        rule: reason["rule"] as? String ?? "?", code: reason["code"] as? String ?? "?",
        effect: reason["effect"] as? String ?? "?", message: reason["message"] as? String ?? "",
        facts: (reason["facts"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map {
          ($0.key, Self.text($0.value))
        })
    }
    changes = (decision["modifications"] as? [[String: Any]] ?? []).map {
      Modification(
        kind: $0["kind"] as? String ?? "?", url: $0["url"] as? String,
        replacement: $0["replacement"] as? String, part: $0["part"] as? String,
        detail: $0["detail"] as? String)
    }
  }

  static func text(_ value: Any) -> String {
    (value as? [Any]).map { $0.map { "\($0)" }.joined(separator: ", ") } ?? "\(value)"
  }
}

extension AuditEntry {
  /// The From domain of the decided message, in rows written since the reputation brake
  /// exists (what a replay brakes by); nil in older rows.
  public var sendingDomain: String? {
    guard
      let content = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any]
    else { return nil }
    return content["sending_domain"] as? String
  }
}
