import Foundation

extension Finding {
  /// One sentence a marketer understands.
  public var sentence: String {
    switch self {
    case .unknownCategory(let category, let known):
      return "'\(category)' is not a category of this policy (it has "
        + "\(known.joined(separator: ", ")))"
    case .consentMissing(let purpose):
      return "the customer has never given consent for \(purpose)"
    case .consentWithdrawn(let purpose, let at):
      return "the customer withdrew consent for \(purpose) on \(Self.format(at))"
    case .consentExpired(let purpose, let kind, let grantedAt, let expiredAt):
      return "\(kind) consent for \(purpose), given on \(Self.format(grantedAt)), expired on "
        + Self.format(expiredAt)
    case .consentKindUnknown(let purpose, let kind):
      return "consent for \(purpose) is of kind '\(kind)', which the policy does not recognise"
    case .doubleOptInMissing(let purpose, _):
      return "\(purpose) needs a confirmed (double opt-in) subscription; the customer never "
        + "confirmed"
    case .consentForOtherAddress(let purpose, let grantedAt):
      return "consent for \(purpose) was given on \(Self.format(grantedAt)) for another address "
        + "than the customer's current one, and the policy does not carry consent over to a new "
        + "address (consent.covers_new_address)"
    case .consentCarriedOver(let purpose, let grantedAt):
      return "consent for \(purpose) was given on \(Self.format(grantedAt)) for an earlier "
        + "address; the policy carries it over to the customer's current one "
        + "(consent.covers_new_address)"
    case .suppressed(let suppression, let category):
      let scope = suppression.scope == .all ? "all mail" : "\(suppression.scope) mail"
      let whose =
        suppression.recordedFor.map {
          "the recipient's address is suppressed for \(scope) (recorded for customer \($0), "
        } ?? "the customer is suppressed for \(scope) ("
      return whose + "\(Self.describe(suppression.reason)) on "
        + "\(Self.format(suppression.at))), which blocks \(category)"
    case .addressMismatch:
      return "the message goes to an address other than the one the customer is known by, "
        + "and consent and suppressions hold for that one"
    case .capExceeded(let usage):
      return "\(usage.count) of \(usage.max) \(usage.categories.joined(separator: "/")) "
        + "sends \(usage.window.phrase)" + Self.nextSlot(usage.nextAt)
    case .capReserved(let usage, let reservedFor, let slots):
      return "\(usage.count) of \(usage.max) \(usage.categories.joined(separator: "/")) "
        + "sends \(usage.window.phrase); the last \(slots == 1 ? "slot is" : "\(slots) slots are") "
        + "reserved for \(reservedFor.joined(separator: ", "))" + Self.nextSlot(usage.nextAt)
    case .preferenceExceeded(let usage):
      return "the customer asked for at most \(usage.max) "
        + "\(usage.max == 1 ? "message" : "messages") \(usage.window.phrase) and has had "
        + "\(usage.count)" + Self.nextSlot(usage.nextAt)
    case .minimumGap(let lastSend, let gapSeconds, let nextAt):
      return
        "sends must be at least \(TimeSpan(seconds: gapSeconds).spoken) apart; the last was at "
        + "\(Self.format(lastSend)), so the next may go at \(Self.format(nextAt))"
    case .quietHours(let finding):
      return "it is \(finding.localTime) in \(finding.zone), inside quiet hours "
        + "\(finding.start)–\(finding.end); they end at \(Self.format(finding.until))"
    case .scheduled(let at):
      return "the sender scheduled it for \(Self.format(at)); it is held until then and "
        + "decided again at that time"
    case .recipientOutsideQuery(let links, let places):
      return "\(links) \(links == 1 ? "link carries" : "links carry") the recipient in the "
        + "\(places.joined(separator: " and ")), which cannot be cut without breaking the link"
    case .reputationBrake(let finding):
      return finding.sentence
    case .contentMissing(let finding):
      return finding.sentence
    }
  }

  /// The values the rule used, for compliance and for tests.
  public var facts: Facts {
    switch self {
    case .unknownCategory(let category, let known):
      return ["category": .text(category), "known_categories": .texts(known)]
    case .consentMissing(let purpose):
      return ["purpose": .text(purpose)]
    case .consentWithdrawn(let purpose, let at):
      return ["purpose": .text(purpose), "withdrawn_at": .time(at)]
    case .consentExpired(let purpose, let kind, let grantedAt, let expiredAt):
      return [
        "purpose": .text(purpose), "kind": .text(kind), "granted_at": .time(grantedAt),
        "expired_at": .time(expiredAt),
      ]
    case .consentKindUnknown(let purpose, let kind):
      return ["purpose": .text(purpose), "kind": .text(kind)]
    case .doubleOptInMissing(let purpose, let grantedAt),
      .consentForOtherAddress(let purpose, let grantedAt),
      .consentCarriedOver(let purpose, let grantedAt):
      return ["purpose": .text(purpose), "granted_at": .time(grantedAt)]
    case .suppressed(let suppression, let category):
      var facts: Facts = [
        "reason": .text(suppression.reason.rawValue), "scope": .text("\(suppression.scope)"),
        "since": .time(suppression.at), "category": .text(category),
      ]
      if let source = suppression.source { facts.append("source", .text(source)) }
      if let recordedFor = suppression.recordedFor {
        facts.append("recorded_for", .text(recordedFor))
      }
      return facts
    case .addressMismatch(let known, let recipient):
      var facts: Facts = [:]
      if let known { facts.append("known_address_digest", .text(known)) }
      if let recipient { facts.append("recipient_digest", .text(recipient)) }
      return facts
    case .capExceeded(let usage), .preferenceExceeded(let usage):
      return Self.facts(of: usage)
    case .capReserved(let usage, let reservedFor, let slots):
      var facts = Self.facts(of: usage)
      facts.append("reserved_for", .texts(reservedFor))
      facts.append("reserved_slots", .number(slots))
      return facts
    case .minimumGap(let lastSend, let gapSeconds, let nextAt):
      return [
        "last_send_at": .time(lastSend),
        "min_gap": .text(TimeSpan(seconds: gapSeconds).description),
        "next_at": .time(nextAt),
      ]
    case .quietHours(let finding):
      return [
        "local_time": .text(finding.localTime.description), "time_zone": .text(finding.zone),
        "start": .text(finding.start.description), "end": .text(finding.end.description),
        "until": .time(finding.until),
      ]
    case .scheduled(let at):
      return ["send_at": .time(at)]
    case .recipientOutsideQuery(let links, let places):
      return ["links": .number(links), "places": .texts(places)]
    case .reputationBrake(let finding):
      return finding.facts
    case .contentMissing(let finding):
      return finding.facts
    }
  }

  private static func facts(of usage: CapUsage) -> Facts {
    var facts: Facts = [
      "max": .number(usage.max), "window": .text(usage.window.description),
      "categories": .texts(usage.categories), "window_start": .time(usage.windowStart),
      "counted": .number(usage.count), "send_times": .times(usage.counted),
    ]
    if let next = usage.nextAt { facts.append("next_slot_at", .time(next)) }
    return facts
  }

  static func format(_ date: Date) -> String {
    date.formatted(.iso8601)
  }

  private static func nextSlot(_ next: Date?) -> String {
    next.map { "; the next slot opens at \(format($0))" } ?? "; no slot will open"
  }

  private static func describe(_ reason: SuppressionReason) -> String {
    switch reason {
    case .unsubscribed: return "unsubscribed"
    case .hardBounce: return "hard bounce"
    case .complaint: return "spam complaint"
    case .manual: return "suppressed by hand"
    }
  }
}
