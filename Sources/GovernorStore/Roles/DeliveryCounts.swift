import Foundation
import GovernorCore

/// What mailbox providers reported about the mail sent, counted where a reputation brake and
/// the compliance report read it.
public protocol DeliveryCounts: Sendable {
  /// Counts a report against the message it names, once: a report whose key was seen before
  /// changes nothing (`.repeated`); one naming no message of the ledger is not counted but
  /// kept as a `BypassEvent` (`.unknownMessage`: mail that went around the governor, or whose
  /// row was pruned).
  func count(_ report: DeliveryReport, at now: Date) async throws -> DeliveryCountResult

  /// The bypass events reported at or after `since`, newest first.
  func bypassEvents(since: Date) async throws -> [BypassEvent]

  /// Those of them about mail to `address` (matched by the store's keyed digest).
  func bypassEvents(toAddress address: String, since: Date) async throws -> [BypassEvent]

  /// Forgets the keys of reports received before `cutoff` (kept only so a replayed webhook
  /// counts nothing; the counts themselves stay); returns how many.
  func pruneDeliveryEvents(receivedBefore cutoff: Date) async throws -> Int

  /// Every count for days of sending from `day` (`yyyy-MM-dd`) on, oldest first.
  func deliveryCounts(since day: String) async throws -> [DeliveryCount]
}

public enum DeliveryCountResult: String, Hashable, Sendable {
  case counted
  case repeated
  case unknownMessage = "unknown_message"
}

extension DeliveryCount {
  /// The UTC day of `date`, as the counts key it.
  public static func day(of date: Date) -> String {
    CivilDate(utcDayOf: date).description
  }
}

extension DeliveryCounts {
  /// The brakes `policy` holds on at `now`, from the counts as they stand (empty without a
  /// `reputation` section): what the command line's dry-run decides with.
  public func reputationBook(for policy: Policy, at now: Date) async throws -> ReputationBook {
    guard let reputation = policy.reputation else { return .empty }
    let assessment = ReputationAssessment(policy: reputation)
    return assessment.assess(
      try await deliveryCounts(since: assessment.firstDay(at: now).description), at: now)
  }
}
