import Crypto
import Foundation
import GovernorCore

/// One row of the audit log: a decision, and the hashes that chain it to the row before.
public struct AuditEntry: Hashable, Sendable {
  public var sequence: Int64
  public var id: String
  public var messageId: String
  public var customerId: String
  public var outcome: Outcome
  public var policyVersion: String
  public var decidedAt: Date
  public var campaignId: String?
  /// The rules among the decision's reasons, for filtering.
  public var rules: [String]
  /// The decision as canonical JSON: what the hash covers.
  public var content: String
  public var previousHash: String
  public var hash: String
  /// The decided message's `Message.fingerprint`, beside the chain (not in the hashed
  /// content): nil on rows written before fingerprints were kept, and on decisions of no
  /// message of the gateway's.
  public var fingerprint: String? = nil
}

/// What `governor audit verify` found.
public struct AuditVerification: Hashable, Sendable {
  public var rows: Int
  /// The first row that does not match its hash or its predecessor, with what is wrong.
  public var firstProblem: (sequence: Int64, problem: String)?

  public var intact: Bool { firstProblem == nil }

  public static func == (lhs: AuditVerification, rhs: AuditVerification) -> Bool {
    lhs.rows == rhs.rows && lhs.firstProblem?.sequence == rhs.firstProblem?.sequence
      && lhs.firstProblem?.problem == rhs.firstProblem?.problem
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(rows)
    hasher.combine(firstProblem?.sequence)
  }
}

/// The hash chain both backends write and verify the same way: each row's hash is
/// sha256(previous row's hash + "\n" + the row's canonical content), so editing, deleting or
/// reordering any row breaks every hash after it.
public enum AuditChain {
  public static let genesis = String(repeating: "0", count: 64)

  public static func hash(content: String, previous: String) -> String {
    Hex.encode(SHA256.hash(data: Data((previous + "\n" + content).utf8)))
  }

  /// The decision as JSON with sorted keys and ISO 8601 times: the same decision always
  /// gives the same bytes (`CanonicalJSON`: those `JSONEncoder` gives with sorted keys, which
  /// wrote every row before it).
  /// `follows` links a decision on a released deferred message to the decision that held it;
  /// absent otherwise, so rows written before it existed hash the same. So is `sending_domain`
  /// (the From domain, which a reputation brake is measured by and a replay brakes by).
  public static func content(
    of decision: Decision, id: String, campaignId: String?, follows: String? = nil,
    sendingDomain: String? = nil
  ) -> String {
    var json = CanonicalJSON()
    json.object { json in
      if let campaignId {
        json.key("campaign_id")
        json.string(campaignId)
      }
      json.key("decision")
      decision.writeCanonical(&json)
      if let follows {
        json.key("follows")
        json.string(follows)
      }
      json.key("id")
      json.string(id)
      if let sendingDomain, !sendingDomain.isEmpty {
        json.key("sending_domain")
        json.string(sendingDomain)
      }
    }
    return json.text
  }

  /// The columns stored beside the content for filtering, re-read from the content so a
  /// verifier can tell when a column was edited on its own.
  public struct Columns: Decodable, Equatable {
    public var id: String
    public var campaignId: String?
    public var decision: Inner

    enum CodingKeys: String, CodingKey {
      case id, decision
      case campaignId = "campaign_id"
    }

    public struct Inner: Decodable, Equatable {
      public var messageId: String
      public var customerId: String
      public var outcome: String
      public var policy: PolicyReference
      public var reasons: [RuleOnly]

      enum CodingKeys: String, CodingKey {
        case outcome, policy, reasons
        case messageId = "message_id"
        case customerId = "customer_id"
      }
    }

    public struct RuleOnly: Decodable, Equatable {
      public var rule: String
    }
  }

  /// The `rules` column: each rule between spaces, so one rule is found by a plain substring
  /// search for " rule " without LIKE's wildcards (rule ids contain `_`).
  static func rulesColumn(_ rules: [String]) -> String {
    rules.isEmpty ? "" : " " + rules.joined(separator: " ") + " "
  }

  /// How a reason code stands in a decision's canonical content (compact JSON, so exactly
  /// `"code":"cap_exceeded"`); a `"` inside a reason's message is escaped, so no message can
  /// hold it. Codes are matched in the content rather than a column: they are already there,
  /// under the hash, for every row ever written.
  static func codeMarker(_ code: String) -> String {
    #""code":"# + JSONLiteral.string(code)
  }

  static func rules(parsing column: String) -> [String] {
    column.split(separator: " ").map(String.init)
  }

  /// Re-derives the filter columns from the hashed content: the repair when a verifier reports
  /// that only the columns were edited (migration v6 ran its own frozen copy).
  public static let sqliteFilterBackfillSQL = """
    UPDATE decision SET
      campaign_id = json_extract(content, '$.campaign_id'),
      rules = coalesce((
        SELECT ' ' || group_concat(json_extract(value, '$.rule'), ' ') || ' '
        FROM json_each(content, '$.decision.reasons')), '')
    """

  public static let postgresFilterBackfillSQL = """
    UPDATE decision SET
      campaign_id = content::jsonb->>'campaign_id',
      rules = coalesce((
        SELECT ' ' || string_agg(reason->>'rule', ' ') || ' '
        FROM jsonb_array_elements(content::jsonb->'decision'->'reasons') AS reason), '')
    """

  /// Checks rows in sequence order, then that the log still ends at its recorded head; stops
  /// at the first problem.
  public static func verify(_ rows: [AuditEntry], head: (sequence: Int64, hash: String)?)
    -> AuditVerification
  {
    let chain = verifyChain(rows)
    guard chain.intact else { return chain }
    switch (rows.last, head) {
    case (nil, nil):
      return chain
    case (let last?, let head?) where last.sequence == head.sequence && last.hash == head.hash:
      return chain
    case (_, let head?):
      return AuditVerification(
        rows: rows.count,
        firstProblem: (
          head.sequence,
          "the log's newest row is missing or changed: it should end with this row "
            + "(hash \(head.hash.prefix(12))…)"
        ))
    case (let last?, nil):
      return AuditVerification(
        rows: rows.count,
        firstProblem: (last.sequence, "the log's recorded head is missing"))
    }
  }

  /// What is wrong with a row's link to the row before it (whose hash is `previous`) or with
  /// its own hash; nil when both hold. Shared by every hash-chained log.
  static func linkProblem(
    previous: String, previousHash: String, content: String, hash rowHash: String
  ) -> String? {
    if previousHash != previous {
      return "its previous-hash does not match the row before it: "
        + "a row was deleted, inserted or reordered"
    }
    if hash(content: content, previous: previousHash) != rowHash {
      return "its content does not match its hash"
    }
    return nil
  }

  static func verifyChain(_ rows: [AuditEntry]) -> AuditVerification {
    var previous = genesis
    for row in rows {
      if let problem = linkProblem(
        previous: previous, previousHash: row.previousHash, content: row.content, hash: row.hash)
      {
        return AuditVerification(rows: rows.count, firstProblem: (row.sequence, problem))
      }
      guard let columns = try? JSONDecoder().decode(Columns.self, from: Data(row.content.utf8)),
        columns.id == row.id, columns.decision.messageId == row.messageId,
        columns.decision.customerId == row.customerId,
        columns.decision.outcome == row.outcome.rawValue,
        columns.decision.policy.version == row.policyVersion,
        columns.campaignId == row.campaignId,
        Set(columns.decision.reasons.map(\.rule)) == Set(row.rules)
      else {
        return AuditVerification(
          rows: rows.count,
          firstProblem: (row.sequence, "its columns do not match its hashed content"))
      }
      previous = row.hash
    }
    return AuditVerification(rows: rows.count, firstProblem: nil)
  }
}
