/// What the law (and the mailbox providers) require a message's content to show, checked in
/// what the reader sees before the message is sent (`content:` in a policy), against the
/// sender's identity the policy declares (`sender:`).
public struct ContentPolicy: Hashable, Sendable {
  public var sender: SenderIdentity
  public var rules: [ContentRule]

  public init(sender: SenderIdentity = SenderIdentity(), rules: [ContentRule] = []) {
    self.sender = sender
    self.rules = rules
  }
}

/// Who sends, as the law asks it to be shown in each message.
public struct SenderIdentity: Hashable, Sendable {
  /// The name the sender carries on business under (CASL).
  public var name: String?
  public var postalAddress: String?
  /// Phone numbers, email addresses and web addresses a recipient can reach the sender at.
  public var contacts: [String]
  /// The words that mark a message as an advertisement (CAN-SPAM).
  public var adLabel: String

  public init(
    name: String? = nil, postalAddress: String? = nil, contacts: [String] = [],
    adLabel: String = "Advertisement"
  ) {
    self.name = name
    self.postalAddress = postalAddress
    self.contacts = contacts
    self.adLabel = adLabel
  }
}

/// A law or provider rule whose content requirements the governor knows, with their sources:
/// the policy chooses which apply to which mail, never what they require.
public enum ContentLaw: String, Hashable, Sendable, CaseIterable {
  case canSpam = "can_spam"
  case casl
  case gmailYahoo = "gmail_yahoo"

  public var requirements: [ContentRequirement] {
    switch self {
    case .canSpam: return [.postalAddress, .unsubscribeLink, .adLabel]
    case .casl: return [.senderName, .postalAddress, .contact, .unsubscribeLink]
    case .gmailYahoo: return [.unsubscribeLink]
    }
  }

  public var title: String {
    switch self {
    case .canSpam: return "CAN-SPAM"
    case .casl: return "CASL"
    case .gmailYahoo: return "Gmail and Yahoo"
    }
  }

  /// `CAN-SPAM requires`, as a reason's sentence starts.
  var requires: String {
    self == .gmailYahoo ? "Gmail and Yahoo require of bulk senders" : "\(title) requires"
  }

  /// Where the requirement is written.
  public func source(of requirement: ContentRequirement) -> String {
    switch (self, requirement) {
    case (.canSpam, .postalAddress): return "15 U.S.C. §7704(a)(5)(A)(iii)"
    case (.canSpam, .unsubscribeLink): return "15 U.S.C. §7704(a)(5)(A)(ii)"
    case (.canSpam, .adLabel): return "15 U.S.C. §7704(a)(5)(A)(i), (a)(5)(B)"
    case (.casl, .senderName): return "CRTC Regulations SOR/2012-36 s.2(a)"
    case (.casl, .postalAddress), (.casl, .contact): return "CRTC Regulations SOR/2012-36 s.2(d)"
    case (.casl, .unsubscribeLink): return "CASL s.6(2)(c); CRTC Regulations SOR/2012-36 s.3"
    case (.gmailYahoo, _):
      return "Gmail and Yahoo sender guidelines, February 2024"
    default: return title
    }
  }
}

public enum ContentRequirement: String, Hashable, Sendable, CaseIterable {
  case senderName = "sender_name"
  case postalAddress = "postal_address"
  case contact
  case unsubscribeLink = "unsubscribe_link"
  case adLabel = "ad_label"

  /// What the reader must be able to see, as a sentence fragment.
  var phrase: String {
    switch self {
    case .senderName: return "the sender's name"
    case .postalAddress: return "the sender's postal address"
    case .contact: return "a phone number, email address or web address to reach the sender"
    case .unsubscribeLink: return "a visible unsubscribe link"
    case .adLabel: return "a label saying it is an advertisement"
    }
  }
}

/// One law applied to some of the policy's mail (`content.can_spam: {categories, action, …}`).
public struct ContentRule: Hashable, Sendable {
  public var law: ContentLaw
  /// `content.can_spam`: the rule id its reasons carry.
  public var ruleId: String
  public var categories: [String]
  /// The recipients it applies to, by time zone (a law applies where the recipient is); nil:
  /// every recipient.
  public var timeZones: [String]?
  /// Reported (a shadow reason) rather than blocked.
  public var reportOnly: Bool
  /// The consent purpose that counts as affirmative consent, which lifts CAN-SPAM's
  /// advertisement label.
  public var affirmativeConsent: String?

  public init(
    law: ContentLaw, categories: [String], timeZones: [String]? = nil, reportOnly: Bool = false,
    affirmativeConsent: String? = nil
  ) {
    self.law = law
    ruleId = "content.\(law.rawValue)"
    self.categories = categories
    self.timeZones = timeZones
    self.reportOnly = reportOnly
    self.affirmativeConsent = affirmativeConsent
  }
}
