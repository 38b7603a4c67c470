import Foundation
import GovernorCore

/// The reputation brakes' changes, hash-chained like the decisions: when each brake engaged,
/// moved to another step or was released, with the rate that did it and the policy in force.
public protocol BrakeLog: Sendable {
  /// Appends the changes that bring the log's last state of each brake to `book`'s, in one
  /// transaction under the log's lock, so a change seen by several gateways is recorded once;
  /// returns those appended.
  func recordBrakes(_ book: ReputationBook, policyVersion: String, at now: Date) async throws
    -> [BrakeChange]

  /// The changes recorded at or after `since`, newest first.
  func brakeChanges(since: Date) async throws -> [BrakeChange]

  /// Re-computes the brake log's chain, as `verifyAudit` does the decisions'.
  func verifyBrakeLog() async throws -> AuditVerification
}

/// One row of the brake log as stored.
struct BrakeLogRow {
  var sequence: Int64
  var content: String
  var previousHash: String
  var hash: String

  /// The first row whose link or content is wrong, as `AuditChain.verifyChain` finds it.
  static func verify(_ rows: [BrakeLogRow]) -> AuditVerification {
    var previous = AuditChain.genesis
    for row in rows {
      if let problem = AuditChain.linkProblem(
        previous: previous, previousHash: row.previousHash, content: row.content, hash: row.hash)
      {
        return AuditVerification(rows: rows.count, firstProblem: (row.sequence, problem))
      }
      previous = row.hash
    }
    return AuditVerification(rows: rows.count, firstProblem: nil)
  }
}
