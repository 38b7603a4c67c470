import Foundation
import GovernorCore

/// What the governor remembers: customers, their consent and suppressions, what was sent,
/// and every decision. Two backends implement it and pass one contract suite: SQLite (the
/// embedded default) and PostgreSQL (for several gateway processes).
public protocol Store: Sendable {
  /// Creates or updates a customer's address, time zone and frequency preference.
  func saveCustomer(_ profile: Validated<CustomerProfile>) async throws

  /// Brings in customers kept elsewhere until now, with their consent history, active
  /// suppressions and past sends (as `sent` ledger rows), in one transaction: all of them or
  /// none. A customer already known gets the profile replaced and the events added; a send
  /// imported before is not added again.
  func importCustomers(_ customers: [Validated<CustomerState>]) async throws

  /// Appends a consent event; earlier events are never changed.
  func recordConsent(_ event: Validated<ConsentEvent>, customerId: String) async throws

  /// Records a suppression and returns its id.
  func addSuppression(_ suppression: Validated<Suppression>, customerId: String) async throws
    -> String

  /// Records a suppression unless an active one with the same reason already covers its scope,
  /// or `eventKey` was recorded before (a provider replaying a webhook): what customers and
  /// mailbox providers send back may arrive twice and must change things once. `address`: the
  /// address the event named (a bounce names the address that bounced), which the suppression
  /// then holds for; nil: the customer's address.
  func suppressOnce(
    _ suppression: Validated<Suppression>, customerId: String, eventKey: String?,
    address: String?
  ) async throws -> SuppressionChange

  /// Sets (or, with nil, clears) the customer's own frequency preference and records the
  /// change with its source, in one transaction.
  func setFrequencyPreference(
    _ preference: FrequencyPreference?, customerId: String, source: String, at: Date
  ) async throws

  /// Gives a known customer a new address, with where it came from and when, and records the
  /// change in the customer's change log (the export's `preference_changes`). Consent given
  /// for the old address stays with it; suppressions recorded for the old address still hold
  /// for it, and for the customer's id.
  func changeAddress(customerId: String, to email: String, source: String, at: Date)
    async throws -> AddressChange

  /// Customers with this address (compared without case), for feedback that names only it.
  func customerIds(email: String) async throws -> [String]

  /// Ends a suppression; its row stays, with when and why it was lifted.
  func liftSuppression(id: String, at: Date, by source: String) async throws -> Bool

  /// The state the engine decides on, with sends since `since`; nil for an unknown customer.
  func customerState(_ customerId: String, sendsSince since: Date) async throws -> CustomerState?

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

  /// Adds an API key (its hash, never the key itself).
  func saveAPIKey(_ key: APIKeyRecord) async throws

  /// The key with this id, unless revoked.
  func apiKey(id: String) async throws -> APIKeyRecord?

  /// Keeps a policy text by its version, so every decision can show the text that made it.
  func savePolicyText(_ text: String, name: String, version: String, at: Date) async throws

  func policyText(version: String) async throws -> String?

  /// Holds a message until `releaseAt` (quiet hours, or a cap whose policy defers). Holding
  /// the same message id again moves its release time.
  func holdDeferred(_ message: Message, releaseAt: Date, at: Date) async throws

  /// Held messages due at `at`, earliest first.
  func dueDeferred(at: Date, limit: Int) async throws -> [DeferredMessage]

  /// A customer's held messages, earliest release first.
  func deferred(customerId: String) async throws -> [DeferredMessage]

  /// Takes a held message out of the queue and decides on it again, in one transaction: the
  /// new decision (linked to the one that held it), its cap slot, and — deferred again — its
  /// new place in the queue. Nil when the message is no longer held (another process took it).
  func release(messageId: String, engine: Engine, at now: Date) async throws -> ReleasedMessage?

  /// Takes a held message out of the queue (released or given up); false if it was not there.
  func removeDeferred(messageId: String) async throws -> Bool

  /// Everything held about a customer, for a data-subject access request (GDPR Art. 15).
  func exportCustomer(_ customerId: String) async throws -> CustomerExport?

  /// Erases a customer (GDPR Art. 17): profile, consent history, sends, held messages and
  /// lifted suppressions. Audit rows stay, as they hold only the customer id and the hash
  /// chain must not break. Active suppressions stay, reduced to the customer id, a keyed
  /// digest of the address, the reason, scope and date, so the opt-out, bounce or complaint
  /// still stops mail to the id or the address (GDPR Art. 17(3)(b) and 21(3), CAN-SPAM
  /// §7704(a)(4)). Returns false for an unknown customer.
  func eraseCustomer(_ customerId: String) async throws -> Bool
}

extension Store {
  /// For the customer's own address.
  public func suppressOnce(
    _ suppression: Validated<Suppression>, customerId: String, eventKey: String?
  ) async throws -> SuppressionChange {
    try await suppressOnce(suppression, customerId: customerId, eventKey: eventKey, address: nil)
  }
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
  public var since: Date?
  public var until: Date?
  public var before: Int64?
  public var limit: Int

  public init(
    outcome: Outcome? = nil, rule: String? = nil, code: String? = nil, campaignId: String? = nil,
    customerId: String? = nil, since: Date? = nil, until: Date? = nil, before: Int64? = nil,
    limit: Int = 50
  ) {
    self.outcome = outcome
    self.rule = rule
    self.code = code
    self.campaignId = campaignId
    self.customerId = customerId
    self.since = since
    self.until = until
    self.before = before
    self.limit = limit
  }
}

/// A message waiting in the deferred queue.
public struct DeferredMessage: Hashable, Sendable, Encodable {
  public var message: Message
  public var releaseAt: Date
  public var heldAt: Date
  /// The decision that held it; nil for messages held by hand.
  public var decisionId: String?

  public init(message: Message, releaseAt: Date, heldAt: Date, decisionId: String? = nil) {
    self.message = message
    self.releaseAt = releaseAt
    self.heldAt = heldAt
    self.decisionId = decisionId
  }
}

/// A held message and what deciding on it again did.
public struct ReleasedMessage: Sendable {
  public var message: Message
  public var decided: DecidedMessage
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

/// What `changeAddress` did.
public enum AddressChange: Hashable, Sendable {
  case changed
  /// The customer already had this address: nothing was recorded.
  case unchanged
  case unknownCustomer
}

/// What `suppressOnce` did.
public enum SuppressionChange: Hashable, Sendable {
  case added(id: String)
  /// An active suppression with this reason already covered the scope: nothing changed.
  case alreadyActive(id: String)
  /// The event was recorded before: nothing changed.
  case replayed

  public var changed: Bool {
    if case .added = self { return true }
    return false
  }
}

/// A customer's data as the store holds it.
public struct CustomerExport: Encodable, Sendable {
  public var profile: CustomerProfile
  public var consents: [ConsentEvent]
  /// Every suppression, lifted ones included.
  public var suppressions: [SuppressionHistory]
  public var sends: [LedgerEntry]
  /// Changes the customer made to their own preferences, oldest first.
  public var preferenceChanges: [PreferenceChange]
  /// The decisions' canonical JSON, as the audit log holds them.
  public var decisions: [String]
}

/// A preference the customer changed, where (`source`) and when.
public struct PreferenceChange: Hashable, Sendable, Encodable {
  /// `frequency` (value like `max 1 per week`, nil when cleared) or `email` (the new address).
  public var kind: String
  public var value: String?
  public var source: String
  public var at: Date
}

/// A suppression with its whole life: when it started and, if lifted, when and by whom.
public struct SuppressionHistory: Hashable, Sendable, Encodable {
  public var id: String
  public var suppression: Suppression
  public var liftedAt: Date?
  public var liftedBy: String?
  /// When its customer was erased and it was kept, holding only the customer id, a keyed
  /// digest of the address, the reason, scope and date: it still stops mail to either.
  public var erasedAt: Date?
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

public enum StoreError: Error, Equatable, CustomStringConvertible {
  case unknownCustomer(String)
  case unknownReservation(String)
  case badStoredValue(String)
  /// A read-only open found no store file to read.
  case noStore(path: String)

  public var description: String {
    switch self {
    case .noStore(let path): return "there is no store at \(path)"
    case .unknownCustomer(let id): return "no customer '\(id)'"
    case .unknownReservation(let id): return "no reservation for message '\(id)'"
    case .badStoredValue(let what): return "the store holds a value it cannot read: \(what)"
    }
  }
}

/// An API key as stored: who it is for, what it may do, and the SHA-256 of its secret part.
public struct APIKeyRecord: Hashable, Sendable {
  public var id: String
  public var name: String
  public var scopes: [String]
  /// Hex SHA-256 of the secret. The secret is 256 random bits, so a plain hash is enough: there
  /// is nothing to guess that a slow hash would protect.
  public var secretHash: String
  public var createdAt: Date

  public init(id: String, name: String, scopes: [String], secretHash: String, createdAt: Date) {
    self.id = id
    self.name = name
    self.scopes = scopes
    self.secretHash = secretHash
    self.createdAt = createdAt
  }
}
