import Foundation
import GovernorCore

/// The hash-chained log of every decision, read back for repeats, reviews and verification.
public protocol AuditLog: Sendable {
  /// The first decision recorded for a message id: what a repeated request gets back.
  func decision(messageId: String) async throws -> AuditEntry?

  /// A customer's decisions, oldest first. They hold only the customer key, never the
  /// address, so they stay — and can be found by that key — after the customer is erased.
  func decisions(customerId: String) async throws -> [AuditEntry]

  /// Decisions matching every filter given, newest first, at most `query.limit`.
  func decisions(matching query: DecisionQuery) async throws -> [AuditEntry]

  /// The decision with this id (`dec_…`).
  func decision(id: String) async throws -> AuditEntry?

  /// Re-computes the chain: every row's hash covers its content and the previous row's hash.
  func verifyAudit() async throws -> AuditVerification
}

/// Filters over the audit log; nil means any. `before` is a cursor: only rows older than that
/// sequence number, so a page never shifts when new decisions arrive.
public struct DecisionQuery: Hashable, Sendable {
  public var outcome: Outcome?
  public var rule: String?
  /// A reason code (`cap_exceeded`, `consent_missing`, …) among the decision's reasons.
  public var code: String?
  public var campaignId: String?
  public var customerId: String?
  /// One request to a door that fans out (an ESP API call, one SMTP message): decisions whose
  /// message id is this, then `/` and the recipient, or `sg:` and that (SendGrid's
  /// `X-Message-Id`).
  public var request: String?
  public var since: Date?
  public var until: Date?
  public var before: Int64?
  public var limit: Int

  public init(
    outcome: Outcome? = nil, rule: String? = nil, code: String? = nil, campaignId: String? = nil,
    customerId: String? = nil, request: String? = nil, since: Date? = nil, until: Date? = nil,
    before: Int64? = nil, limit: Int = 50
  ) {
    self.outcome = outcome
    self.rule = rule
    self.code = code
    self.campaignId = campaignId
    self.customerId = customerId
    self.request = request
    self.since = since
    self.until = until
    self.before = before
    self.limit = limit
  }

  /// The message-id prefixes `request` stands for.
  public var requestPrefixes: [String] {
    request.map { ["\($0)/", "sg:\($0)/"] } ?? []
  }
}

extension AuditEntry {
  /// Whether this earlier decision under a message's id answers the message now arriving
  /// (`DecisionStep.repeatOf`): throws `MessageIdConflict` for a different message.
  func answers(_ fingerprint: String) throws(MessageIdConflict) {
    try DecisionStep.repeatOf(
      messageId, fingerprint: fingerprint, earlierDecision: id, earlierFingerprint: self.fingerprint
    )
  }
}
