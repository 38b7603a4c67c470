import Foundation

/// One message decided, from values alone: what the gateway does for a first decision and for
/// the release of a held message. Each store backend reads the inputs under its locks and
/// carries out the plan; the rules of what follows a decision (a forwarded message takes a
/// slot, a deferred one waits in the queue, a first-seen customer takes an address or not) live
/// here, once, beside the engine they follow.
public enum DecisionStep {
  /// What an earlier decision under the message's id means. A retry of the same message gets
  /// that decision back (so does any message when the earlier decision kept no fingerprint, as
  /// none did before fingerprints were kept); a different message under the id is refused.
  public static func repeatOf(
    _ messageId: String, fingerprint: String, earlierDecision: String, earlierFingerprint: String?
  ) throws(MessageIdConflict) {
    guard let earlierFingerprint, earlierFingerprint != fingerprint else { return }
    throw MessageIdConflict(messageId: messageId, decisionId: earlierDecision)
  }

  /// `state`: the customer as the store read them; one it knows by no address (`knownAddress`
  /// false) carries the recipient as their address, which is what they would take.
  public static func plan(
    _ message: Message, state: CustomerState, knownAddress: Bool, engine: Engine, at now: Date
  ) -> DecisionPlan {
    let decision = engine.evaluate(message, for: state, at: now)
    var profile = DecisionPlan.ProfileChange.unchanged
    if !knownAddress {
      if decision.outcome != .blocked {
        profile = .address((try? Mailbox(parsing: message.to))?.address ?? message.to)
      } else if !decision.reasons.contains(where: \.isSuppression) {
        // Known from now on, as consent and suppressions make a customer known, so the
        // customer view shows what was decided; but with no address from a blocked message,
        // and no record at all for a suppressed or erased person.
        profile = .known
      }
    }
    return DecisionPlan(
      decision: decision,
      holdUntil: decision.outcome == .deferred ? decision.notBefore : nil, profile: profile)
  }
}

/// What deciding on a message changes, for the store to carry out in the decision's own
/// transaction.
public struct DecisionPlan: Sendable {
  public enum ProfileChange: Hashable, Sendable {
    case unchanged
    /// A customer not known before exists from now on, with no address.
    case known
    /// A customer known by no address takes this one (the message is its source).
    case address(String)
  }

  public var decision: Decision
  /// A deferred message waits in the queue until then.
  public var holdUntil: Date?
  public var profile: ProfileChange

  /// A forwarded message takes a cap slot, unless its id holds one already (which only the
  /// store can see).
  public var takesSlot: Bool { decision.outcome == .forwarded }
}

/// A message id decided before for a different message (another fingerprint): refused, with
/// nothing decided, reserved or sent. The earlier decision stands.
public struct MessageIdConflict: Error, Hashable, Sendable, CustomStringConvertible {
  public var messageId: String
  /// The first decision made under the id.
  public var decisionId: String

  public init(messageId: String, decisionId: String) {
    self.messageId = messageId
    self.decisionId = decisionId
  }

  public var description: String {
    "message id '\(messageId)' was decided before (\(decisionId)) for a different message"
  }
}

extension Reason {
  fileprivate var isSuppression: Bool {
    if case .suppressed = finding { return effect == .block }
    return false
  }
}
