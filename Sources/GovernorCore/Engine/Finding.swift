import Foundation

/// What a rule found wrong with sending the message now. The reason code, the sentence a
/// marketer reads and the facts compliance reads are all derived from it, on demand, so
/// deciding costs no string formatting.
public enum Finding: Hashable, Sendable {
  case unknownCategory(category: String, known: [String])
  case consentMissing(purpose: String)
  case consentWithdrawn(purpose: String, at: Date)
  case consentExpired(purpose: String, kind: String, grantedAt: Date, expiredAt: Date)
  case consentKindUnknown(purpose: String, kind: String)
  case doubleOptInMissing(purpose: String, grantedAt: Date)
  /// The only valid consent was given for an address other than the customer's current one,
  /// and the policy does not carry consent over to a new address.
  case consentForOtherAddress(purpose: String, grantedAt: Date)
  /// Consent given for an earlier address holds for the current one because the policy says
  /// so (`consent.covers_new_address`): a note, so the record shows why it held.
  case consentCarriedOver(purpose: String, grantedAt: Date)
  case suppressed(Suppression, category: String)
  /// The recipient is not the address the customer is known by; the digests (keyed, from the
  /// store) stand for the addresses, which a decision never holds.
  case addressMismatch(knownDigest: String?, recipientDigest: String?)
  case capExceeded(CapUsage)
  /// The cap has room, but only in slots it keeps for other categories (`reserve`). Boxed, so
  /// its larger payload does not widen every finding.
  indirect case capReserved(CapUsage, reservedFor: [String], slots: Int)
  case preferenceExceeded(CapUsage)
  case minimumGap(lastSend: Date, gapSeconds: Int, nextAt: Date)
  case quietHours(QuietHoursFinding)
  /// The client asked for the message to go later (`send_at`); it is held until then.
  case scheduled(at: Date)
  /// Links carry the recipient where no cut can take it out (a path, a fragment), and the
  /// policy blocks such a message (`identifiers_outside_query: block`).
  case recipientOutsideQuery(links: Int, places: [String])
  /// The mailing's complaint or bounce rate braked it (`reputation`). Boxed: its payload is
  /// several times the size of any other, and every finding would carry that size.
  indirect case reputationBrake(BrakeFinding)
  /// Content a law requires is not visible in the message (`content`). Boxed like the brake.
  indirect case contentMissing(ContentFinding)

  public var code: String {
    switch self {
    case .unknownCategory: return "unknown_category"
    case .consentMissing: return "consent_missing"
    case .consentWithdrawn: return "consent_withdrawn"
    case .consentExpired: return "consent_expired"
    case .consentKindUnknown: return "consent_kind_unknown"
    case .doubleOptInMissing: return "double_opt_in_missing"
    case .consentForOtherAddress: return "consent_other_address"
    case .consentCarriedOver: return "consent_carried_over"
    case .suppressed(let suppression, _): return suppression.reason.rawValue
    case .addressMismatch: return "address_mismatch"
    case .capExceeded: return "cap_exceeded"
    case .capReserved: return "cap_reserved"
    case .preferenceExceeded: return "frequency_preference"
    case .minimumGap: return "min_gap"
    case .quietHours: return "quiet_hours"
    case .scheduled: return "scheduled"
    case .recipientOutsideQuery: return "recipient_in_link_path"
    case .reputationBrake(let finding): return finding.code
    case .contentMissing(let finding): return finding.code
    }
  }

  /// When the rule would pass again without any change to the customer's state, if ever.
  public var passesAt: Date? {
    switch self {
    case .capExceeded(let usage), .preferenceExceeded(let usage), .capReserved(let usage, _, _):
      return usage.nextAt
    case .minimumGap(_, _, let nextAt): return nextAt
    case .quietHours(let finding): return finding.until
    case .scheduled(let at): return at
    case .reputationBrake(let finding): return finding.until
    default: return nil
    }
  }
}

/// How full a cap is: the sends it counted and when a slot opens.
public struct CapUsage: Hashable, Sendable {
  public var max: Int
  public var window: CapWindow
  public var categories: [String]
  public var windowStart: Date
  /// How many sends in the cap's categories fall in the window.
  public var count: Int
  /// Every send in the window, of any category: a view of the history, not a copy, so a
  /// decision costs no allocation for facts nobody may read.
  var windowSends: ArraySlice<SendRecord>
  /// When a slot frees; nil when none ever will (a preference of zero sends).
  public var nextAt: Date?

  /// The times of the sends counted, oldest first.
  public var counted: [Date] {
    windowSends.filter { categories.contains($0.category) }.map(\.at)
  }
}

/// Where the recipient's clock stood when quiet hours held the message.
public struct QuietHoursFinding: Hashable, Sendable {
  public var localTime: LocalTime
  public var zone: String
  public var start: TimeOfDay
  public var end: TimeOfDay
  public var until: Date
}
