import Foundation
import GovernorCore

/// Decisions on messages and the cap slots they take: `decide` reads a customer under the
/// store's locks, lets `DecisionStep` plan, and carries the plan out; the ledger then records
/// how forwarding ended, and what a crash left unfinished.
public protocol SendLedger: Sendable {
  /// The states `decide` would read for these customers at `now` under `engine` (each with
  /// the history its caps and preference look at), read in one go; customers the store does
  /// not know are left out. For dry-runs, which decide on many customers and write nothing.
  func decisionStates(customerIds: [String], engine: Engine, at now: Date) async throws
    -> [String: CustomerState]

  /// For each address given, its digest and the active suppressions recorded for it under any
  /// customer id (`recordedFor` set), keyed by the address as given. For dry-runs whose list
  /// names addresses: what `decide` would add for a message to each.
  func addressRecords(_ addresses: [String]) async throws -> [String: AddressRecord]

  /// What the gateway calls per message, in one transaction: a message id decided before for
  /// the same message (its fingerprint) gets that decision back and nothing else happens; for
  /// a different message it throws `MessageIdConflict` and nothing happens at all; otherwise
  /// the store reads the customer under its lock, `DecisionStep.plan` decides, and the plan —
  /// the customer's record, the cap slot, the audit row (with the fingerprint), the queue —
  /// becomes durable together, or not at all. Two concurrent requests cannot take the same
  /// last slot.
  func decide(_ message: Message, engine: Engine, at now: Date) async throws -> DecidedMessage

  /// Records how forwarding ended. `failed` releases the cap slot.
  func completeReservation(messageId: String, outcome: LedgerStatus, at: Date, detail: String?)
    async throws

  /// Marks reservations made before `cutoff` and still without an outcome (a crash between
  /// reserve and commit) as `unknown`: they keep counting against caps. Returns them for
  /// review. The cutoff lies further back than any forwarding can take, so another process
  /// sharing the database never loses a send it is still making.
  func recoverUnfinishedReservations(reservedBefore cutoff: Date, at: Date) async throws
    -> [LedgerEntry]

  /// Deletes `sent` and `failed` ledger rows reserved before `cutoff` (older than any cap's
  /// window, so no decision reads them). `reserved` and `unknown` rows stay until reviewed.
  /// Returns how many rows went.
  func pruneLedger(reservedBefore cutoff: Date) async throws -> Int

  /// Every distinct window customers chose for their own frequency preference: pruning must
  /// keep the longest of them as well as the policy's.
  func preferenceWindows() async throws -> [CapWindow]

  /// Ledger rows with the given status, oldest first.
  func ledger(status: LedgerStatus) async throws -> [LedgerEntry]
}

/// Where a forwarded message stands.
public enum LedgerStatus: String, Hashable, Sendable, Codable, CaseIterable {
  /// Slot taken, forwarding not finished: counts against caps.
  case reserved
  case sent
  /// Not delivered; the slot is released.
  case failed
  /// Reserved before a crash, outcome never recorded: counts against caps, needs review.
  case unknown
}

public struct LedgerEntry: Hashable, Sendable, Encodable {
  public var messageId: String
  public var customerId: String
  public var category: String
  public var campaignId: String?
  public var reservedAt: Date
  public var status: LedgerStatus
  public var detail: String?
}

/// What `decide` did.
public struct DecidedMessage: Sendable {
  /// The message's audit row: the one just written, or the earlier one for a repeated id.
  public var entry: AuditEntry
  /// The new decision; nil when the message id had been decided before.
  public var decision: Decision?
  /// Whether a cap slot was reserved for it now.
  public var reserved: Bool
}
