import Foundation

/// Gmail's `Feedback-ID` header (`a:b:c:SenderId`), built from the message as the policy says:
/// Postmaster Tools then reports the complaint rate per campaign and category. A value that
/// would carry the recipient (a campaign id made of their address or customer id) is withheld:
/// the header names the mailing, never the person.
public struct FeedbackID: Sendable {
  public let policy: HeaderPolicy.FeedbackID

  public init(policy: HeaderPolicy.FeedbackID) {
    self.policy = policy
  }

  public static let headerName = "Feedback-ID"
  public static let added = "feedback_id_added"

  /// The header's value for `message`; nil when its category does not get one. On every
  /// forwarded decision of the categories covered: plain byte checks, and the recipient looked
  /// for only in a value long enough to hold them.
  public func value(for message: Message) -> String? {
    guard policy.categories.contains(message.category) else { return nil }
    var header = ""
    for field in policy.fields {
      switch field {
      // The campaign id is the client's free text: the one field that could carry the recipient.
      case .campaign: header += Self.campaign(message.campaignId ?? "", of: message)
      case .category: header += Self.kept(message.category)
      case .sendingDomain: header += Self.kept(message.sendingDomain)
      }
      header += ":"
    }
    return header + policy.senderId
  }

  private static func campaign(_ raw: String, of message: Message) -> String {
    if raw == message.customerId { return "withheld" }
    // An address, its digests and its base64 are all longer than this.
    if raw.utf8.count >= 8,
      ParameterValue(Array(raw.utf8))?.carries(
        RecipientIdentity(address: message.to, customerId: message.customerId)) == true
    {
      return "withheld"
    }
    return kept(raw)
  }

  /// `raw` with every byte that could end a field or the header replaced; `none` when empty.
  private static func kept(_ raw: String) -> String {
    if raw.isEmpty { return "none" }
    if raw.utf8.count <= 64 && raw.utf8.allSatisfy(isKept) { return raw }
    return String(
      decoding: raw.utf8.prefix(64).map { isKept($0) ? $0 : UInt8(ascii: "-") }, as: UTF8.self)
  }

  /// Letters, digits, `.`, `_` and `-`: nothing that would end a field (`:`) or the header.
  private static func isKept(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
      UInt8(ascii: "-"):
      return true
    default: return false
    }
  }
}
