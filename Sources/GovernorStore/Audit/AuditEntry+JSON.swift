import Foundation
import GovernorCore

extension AuditEntry {
  /// The row as one JSON object: its columns (keys in sorted order), then `record`, the
  /// recorded decision byte for byte, so a reader can re-hash it. What `GET /v1/decisions`
  /// returns and `governor audit export --format jsonl` writes, one per line. Written by
  /// hand: an export of a large log would spend most of its time in `JSONEncoder`.
  public var json: String {
    var fields: [(String, String)] = [
      ("campaign_id", campaignId.map(JSONLiteral.string) ?? "null"),
      ("customer_id", JSONLiteral.string(customerId)),
      ("decided_at", JSONLiteral.string(decidedAt.formatted(.iso8601))),
      ("hash", JSONLiteral.string(hash)),
      ("id", JSONLiteral.string(id)),
      ("message_id", JSONLiteral.string(messageId)),
      ("outcome", JSONLiteral.string(outcome.rawValue)),
      ("policy_version", JSONLiteral.string(policyVersion)),
      ("previous_hash", JSONLiteral.string(previousHash)),
      ("rules", "[" + rules.map(JSONLiteral.string).joined(separator: ",") + "]"),
      ("sequence", String(sequence)),
    ]
    fields.append(("record", content))
    return "{" + fields.map { JSONLiteral.string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
  }

  /// The reason codes of the recorded decision, in order.
  public var codes: [String] {
    RecordedDecision(self)?.reasons.map(\.code) ?? []
  }

  public static let csvHeader =
    "id,sequence,decided_at,message_id,customer_id,campaign_id,outcome,rules,codes,"
    + "policy_version,hash"

  /// The row for `governor audit export --format csv` (the record itself is left to jsonl).
  public var csv: String {
    [
      id, String(sequence), decidedAt.formatted(.iso8601), messageId, customerId,
      campaignId ?? "", outcome.rawValue, rules.joined(separator: ";"),
      codes.joined(separator: ";"), policyVersion, hash,
    ].map(DryRunRow.csvField).joined(separator: ",")
  }
}
