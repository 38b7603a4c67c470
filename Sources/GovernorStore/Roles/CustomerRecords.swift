import Foundation
import GovernorCore

/// Customers as the store keeps them: profiles and where their address came from, consent
/// history, suppressions (which hold for an address as well as an id), the customer's own
/// preferences, and what a data-subject request reads or erases.
public protocol CustomerRecords: Sendable {
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

  /// The same for many addresses in one read (an ESP API request's recipients): each address
  /// found, lower-cased, to its customers' ids in order; an address no customer has is absent.
  func customerIds(emails: [String]) async throws -> [String: [String]]

  /// Ends a suppression; its row stays, with when and why it was lifted.
  func liftSuppression(id: String, at: Date, by source: String) async throws -> Bool

  /// The state the engine decides on, with sends since `since`; nil for an unknown customer.
  func customerState(_ customerId: String, sendsSince since: Date) async throws -> CustomerState?

  /// Everything held about a customer, for a data-subject access request (GDPR Art. 15).
  func exportCustomer(_ customerId: String) async throws -> CustomerExport?

  /// Customers who opted out at or after `since` (an unsubscribe or complaint suppression, or a
  /// consent withdrawn), in id order: whom the compliance report looks at.
  func customersOptedOut(since: Date) async throws -> [String]

  /// When the governor took each of a customer's opt-outs (those recorded since it keeps that).
  func optOutRecordings(customerId: String) async throws -> [OptOutRecording]

  /// Erases a customer (GDPR Art. 17): profile, consent history, sends, held messages and
  /// lifted suppressions. Audit rows stay, as they hold only the customer id and the hash
  /// chain must not break. Active suppressions stay, reduced to the customer id, a keyed
  /// digest of the address, the reason, scope and date, so the opt-out, bounce or complaint
  /// still stops mail to the id or the address (GDPR Art. 17(3)(b) and 21(3), CAN-SPAM
  /// §7704(a)(4)). Returns false for an unknown customer.
  func eraseCustomer(_ customerId: String) async throws -> Bool
}

extension CustomerRecords {
  /// For the customer's own address.
  public func suppressOnce(
    _ suppression: Validated<Suppression>, customerId: String, eventKey: String?
  ) async throws -> SuppressionChange {
    try await suppressOnce(suppression, customerId: customerId, eventKey: eventKey, address: nil)
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

/// An opt-out as the store took it: its kind (`unsubscribed`, `complaint`,
/// `consent_withdrawn`), its scope or purpose, the time it names and when it was recorded.
public struct OptOutRecording: Hashable, Sendable {
  public var kind: String
  public var scope: String
  public var at: Date
  public var recordedAt: Date

  public init(kind: String, scope: String, at: Date, recordedAt: Date) {
    self.kind = kind
    self.scope = scope
    self.at = at
    self.recordedAt = recordedAt
  }
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
