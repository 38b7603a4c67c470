/// How much tracking a message may carry, with and without the recipient's consent.
public struct TrackingPolicy: Hashable, Sendable {
  public enum Treatment: String, Hashable, Sendable, CaseIterable {
    case remove
    case keep
  }

  public var consentPurpose: String?
  public var withoutConsent: Rules
  public var withConsent: Rules
  /// Tracker lists under `policies/trackers/`, relative to the policy file.
  public var lists: [String]
  /// Families of the lists' patterns the policy does not apply (`tracking.disabled_families`):
  /// a sender whose own links one of them misjudges can turn it off without editing a list.
  public var disabledFamilies: [String] = []

  public struct Rules: Hashable, Sendable {
    public var openPixels: Treatment
    public var clickRedirects: Treatment
    public var urlParameters: Treatment
    public var thirdPartyResources: Treatment
    /// URL parameters that carry the recipient's address (or a digest or encoding of it) or
    /// customer id: removed, or kept and reported.
    public var recipientIdentifiers: Treatment
    /// Links beyond this number keep their destination and lose their tracking.
    public var maxTrackedLinks: Int?
    /// A link carrying the recipient in its path or fragment, where it cannot be cut without
    /// breaking the link: reported and forwarded, or the message blocked.
    public var identifiersOutsideQuery: OutsideQuery = .report

    public enum OutsideQuery: String, Hashable, Sendable, CaseIterable {
      case report
      case block
    }

    public static let strict = Rules(
      openPixels: .remove, clickRedirects: .remove, urlParameters: .remove,
      thirdPartyResources: .remove, recipientIdentifiers: .remove, maxTrackedLinks: nil)
    public static let permissive = Rules(
      openPixels: .keep, clickRedirects: .keep, urlParameters: .keep,
      thirdPartyResources: .keep, recipientIdentifiers: .keep, maxTrackedLinks: nil)
  }
}

/// Headers the governor adds for mailbox providers.
public struct HeaderPolicy: Hashable, Sendable {
  /// RFC 2369 `List-Unsubscribe`, with RFC 8058 one-click when `oneClick` is set.
  public struct ListUnsubscribe: Hashable, Sendable {
    public var categories: [String]
    public var oneClick: Bool
    /// An https URL template containing `{token}`.
    public var url: String?
    public var mailto: String?
  }

  public var listUnsubscribe: ListUnsubscribe?

  /// Gmail's `Feedback-ID: a:b:c:SenderId`, so Postmaster Tools reports complaints per value.
  public struct FeedbackID: Hashable, Sendable {
    public enum Field: String, Hashable, Sendable, CaseIterable {
      case campaign
      case category
      case sendingDomain = "sending_domain"
    }

    /// One to three, in the header's order, before the sender id.
    public var fields: [Field]
    /// 5–15 letters or digits, the same on all of the sender's mail.
    public var senderId: String
    public var categories: [String]
  }

  public var feedbackID: FeedbackID? = nil
}
