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

  /// The header's value for `message`; nil when its category does not get one.
  public func value(for message: Message) -> String? {
    guard policy.categories.contains(message.category) else { return nil }
    let recipient = RecipientIdentity(address: message.to, customerId: message.customerId)
    let fields = policy.fields.map { field -> String in
      let raw: String
      switch field {
      case .campaign: raw = message.campaignId ?? ""
      case .category: raw = message.category
      case .sendingDomain: raw = message.sendingDomain
      }
      if raw == message.customerId || ParameterValue(Array(raw.utf8))?.carries(recipient) == true {
        return "withheld"
      }
      let kept = String(
        raw.unicodeScalars.map { scalar -> Character in
          scalar.isASCII
            && (CharacterSet.alphanumerics.contains(scalar)
              || "._-".unicodeScalars.contains(scalar))
            ? Character(scalar) : "-"
        })
      return kept.isEmpty ? "none" : String(kept.prefix(64))
    }
    return (fields + [policy.senderId]).joined(separator: ":")
  }
}
