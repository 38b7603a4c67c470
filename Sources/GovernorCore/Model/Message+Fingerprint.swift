import Crypto
import Foundation

extension Message {
  /// What defines the message, as one digest: customer, recipient, sender, category, campaign,
  /// subject, parts and headers, as canonical JSON under SHA-256. Not the id (the key it is
  /// kept under) nor `receivedAt` (the governor's own stamp). A repeat of a message id with the
  /// same fingerprint is a retry; with another, a different message under a reused id
  /// (draft-ietf-httpapi-idempotency-key-header: a key reused with another payload is a client
  /// error). Every door builds a `Message`, so every door fingerprints the same way.
  public var fingerprint: String {
    var json = CanonicalJSON()
    json.object { object in
      object.field("campaign_id", campaignId)
      object.field("category", category)
      object.field("customer_id", customerId)
      object.field("from", from)
      object.key("headers")
      object.object { fields in
        for name in headers.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }) {
          fields.field(name, headers[name])
        }
      }
      object.field("html", html)
      object.field("subject", subject)
      object.field("text", text)
      object.field("to", to)
    }
    return "sha256:" + Hex.encode(Array(SHA256.hash(data: json.bytes)))
  }
}
