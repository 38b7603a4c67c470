import Foundation
import GovernorCore
import GovernorStore

/// What a customer can choose behind an unsubscribe link. Each choice changes the state the
/// engine reads (a suppression, their frequency preference, their tracking consent) and is
/// recorded with where it came from.
public enum PreferenceChoice: Hashable, Sendable {
  /// Stop the mail the link came with (its category).
  case unsubscribeScope
  /// Stop all mail but what the policy never lets an unsubscribe stop (transactional).
  case unsubscribeAll
  /// At most this often; nil lifts the customer's own limit.
  case frequency(FrequencyPreference?)
  /// Withdraw consent to open and click tracking.
  case trackingOff
}

/// The customer's settings as the preference page shows them.
public struct PreferenceState: Sendable {
  public var grant: UnsubscribeGrant
  public var email: String?
  /// Active unsubscribes by scope (`all` or a category).
  public var unsubscribedScopes: [String]
  public var frequency: FrequencyPreference?
  /// Nil when the policy has no tracking consent to withdraw.
  public var trackingAllowed: Bool?
  /// The latest consent event for each purpose the policy names, in the policy's order.
  public var consents: [ConsentEvent] = []
  /// Every suppression that holds now, whatever its reason.
  public var suppressions: [Suppression] = []
  /// The limits on this customer's mail, as the policy in force sets them.
  public var limits: CustomerLimits? = nil
  /// Messages sent (or reserved) per category in the last `PreferenceState.recentDays` days,
  /// in the policy's order; categories with none are left out.
  public var recent: [(category: String, count: Int)] = []
  /// The customer's time zone, or the policy's default: dates on the page are in it.
  public var zone: Zone? = nil

  public static let recentDays = 30
}

extension Gateway {
  /// Where a change came from, as the suppression and consent records keep it.
  public enum ChangeSource: String, Sendable {
    /// RFC 8058 one-click POST from the mailbox provider.
    case oneClick = "list-unsubscribe one-click (RFC 8058)"
    case preferencePage = "preference page"
    /// Mail to the `mailto:` of `List-Unsubscribe` (RFC 2369), read by `unsubscribe-mail`.
    case mailto = "list-unsubscribe mailto (RFC 2369)"
  }

  /// Unsubscribes the customer and scope named by the first token in a mail sent to the
  /// `mailto:` of `List-Unsubscribe`; nil when the mail carries no token this gateway made
  /// (nothing changes: anyone can send mail to that address).
  public func unsubscribe(mail raw: String) async throws -> UnsubscribeGrant? {
    for candidate in UnsubscribeMail.candidateTokens(in: raw) {
      guard let grant = unsubscribeTokens.grant(for: candidate) else { continue }
      try await apply(.unsubscribeScope, for: grant, from: .mailto)
      return grant
    }
    return nil
  }

  /// Applies one choice for the customer and scope the (already verified) link names.
  /// Returns whether anything changed: repeating a choice is harmless.
  @discardableResult
  public func apply(
    _ choice: PreferenceChoice, for grant: UnsubscribeGrant, from source: ChangeSource
  )
    async throws -> Bool
  {
    let now = clock()
    let proof = "signed unsubscribe link, scope \(grant.scope)"
    switch choice {
    case .unsubscribeScope, .unsubscribeAll:
      let scope: SuppressionScope = choice == .unsubscribeAll ? .all : grant.scope
      let suppression = try validator.suppression(
        Suppression(reason: .unsubscribed, scope: scope, at: now, source: source.rawValue),
        now: now)
      let customerId = grant.customerId
      return try await bounded {
        try await $0.suppressOnce(suppression, customerId: customerId, eventKey: nil)
      }.changed
    case .frequency(let preference):
      let customerId = grant.customerId
      let current = try await bounded { try await $0.customerState(customerId, sendsSince: now) }
      guard current?.frequencyPreference != preference else { return false }
      try await bounded {
        try await $0.setFrequencyPreference(
          preference, customerId: customerId, source: source.rawValue, at: now)
      }
      return true
    case .trackingOff:
      guard let purpose = compiled.policy.tracking.consentPurpose else { return false }
      let customerId = grant.customerId
      let current = try await bounded { try await $0.customerState(customerId, sendsSince: now) }
      guard current?.latestConsent(for: purpose)?.status == .granted else { return false }
      let withdrawal = try validator.consent(
        ConsentEvent(
          purpose: purpose, status: .withdrawn, at: now, source: source.rawValue, proof: proof),
        now: now)
      try await bounded { try await $0.recordConsent(withdrawal, customerId: customerId) }
      return true
    }
  }

  /// What the preference page shows: the customer's own record, read from the state the
  /// engine decides on, and the policy's limits in words.
  public func preferences(for grant: UnsubscribeGrant) async throws -> PreferenceState {
    let now = clock()
    let since = now.addingTimeInterval(-Double(PreferenceState.recentDays) * 86_400)
    let customerId = grant.customerId
    let state =
      try await bounded { try await $0.customerState(customerId, sendsSince: since) }
      ?? CustomerState(customerId: customerId)
    let policy = compiled.policy
    let tracking = policy.tracking.consentPurpose.map {
      state.latestConsent(for: $0)?.status == .granted
    }
    let zone = state.timeZone ?? policy.defaultZone
    var counts: [String: Int] = [:]
    for send in state.sends[state.sends.firstIndex(atOrAfter: since)...] {
      counts[send.category, default: 0] += 1
    }
    var result = PreferenceState(
      grant: grant, email: state.email,
      unsubscribedScopes: state.suppressions.filter { $0.reason == .unsubscribed }
        .map(\.scope.description),
      frequency: state.frequencyPreference, trackingAllowed: tracking)
    result.consents = policy.consent.purposes.compactMap { state.latestConsent(for: $0.name) }
    result.suppressions = state.suppressions
    result.limits = CustomerLimits(
      policy: policy, preference: state.frequencyPreference, zone: zone)
    result.recent = policy.categories.compactMap { category in
      counts[category.name].map { (category.name, $0) }
    }
    result.zone = zone
    return result
  }
}
