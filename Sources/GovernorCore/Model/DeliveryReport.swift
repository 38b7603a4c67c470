import Foundation

/// What a mail provider reported about one message the governor forwarded: delivered, bounced
/// for good, or complained about. Counted per day of sending, sending domain, campaign and
/// recipient domain: the rates mailbox providers judge a sender by.
public struct DeliveryReport: Hashable, Sendable {
  public enum Outcome: String, Hashable, Sendable, CaseIterable {
    case delivered
    case hardBounced = "hard_bounced"
    case complained
  }

  /// Unique per provider event and recipient: a replayed webhook carries the same key.
  public var key: String
  /// `sendgrid`, `ses`: who reported it.
  public var provider: String
  public var outcome: Outcome
  /// The governor's message id, as the provider echoed it (a custom arg, a tag, a header);
  /// nil when it echoed none.
  public var messageId: String?
  /// The recipient's address.
  public var email: String
  public var at: Date

  public init(
    key: String, provider: String, outcome: Outcome, messageId: String?, email: String, at: Date
  ) {
    self.key = key
    self.provider = provider
    self.outcome = outcome
    self.messageId = messageId
    self.email = email
    self.at = at
  }

  /// The recipient's domain, lowercased: mailbox providers count by it.
  public var recipientDomain: String {
    (try? Mailbox(parsing: email))?.domain.lowercased()
      ?? String(email.split(separator: "@").last ?? "").lowercased()
  }
}

/// A report naming no message the governor decided: mail that went around it (or whose
/// ledger row was pruned). The address only as the store's keyed digest.
public struct BypassEvent: Hashable, Sendable {
  public var provider: String
  public var outcome: DeliveryReport.Outcome
  public var addressDigest: String
  public var at: Date

  public init(provider: String, outcome: DeliveryReport.Outcome, addressDigest: String, at: Date) {
    self.provider = provider
    self.outcome = outcome
    self.addressDigest = addressDigest
    self.at = at
  }
}

/// The reports counted for one day of sending, sending domain, campaign and recipient domain.
public struct DeliveryCount: Hashable, Sendable {
  /// `yyyy-MM-dd`, UTC: the day the message was sent (not reported).
  public var day: String
  public var sendingDomain: String
  /// Empty for mail sent without a campaign.
  public var campaignId: String
  public var recipientDomain: String
  public var delivered: Int
  public var hardBounced: Int
  public var complained: Int

  public init(
    day: String, sendingDomain: String, campaignId: String, recipientDomain: String,
    delivered: Int, hardBounced: Int, complained: Int
  ) {
    self.day = day
    self.sendingDomain = sendingDomain
    self.campaignId = campaignId
    self.recipientDomain = recipientDomain
    self.delivered = delivered
    self.hardBounced = hardBounced
    self.complained = complained
  }
}

extension Message {
  /// The From address's domain, lowercased: what mailbox providers judge a sender's
  /// reputation by. Empty when `from` is not one mailbox.
  public var sendingDomain: String {
    (try? Mailbox(parsing: from))?.domain.lowercased() ?? ""
  }
}
