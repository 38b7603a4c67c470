import Crypto
import Foundation
import GovernorCore

/// The keyed digest by which a store recognises an address it must not keep in the clear: what
/// erasure leaves of an erased customer's address beside their suppressions (UK ICO: keep
/// "just enough information to ensure their preferences are respected").
///
/// HMAC-SHA256 under a random key made once per store, not a plain hash: a plain SHA-256 of an
/// address is looked up in a list of addresses (or a mailing list's own digests) in a moment;
/// this one only means something to whoever holds the store.
struct AddressKey: Sendable {
  private let key: SymmetricKey

  init?(hex: String) {
    guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
    key = SymmetricKey(data: bytes)
  }

  /// A new key, as the store keeps it.
  static func randomHex() -> String {
    Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
  }

  /// The digest of `address` (a bare address or `Name <address>`), compared without case:
  /// a suppression errs on the side of matching.
  func digest(of address: String) -> String {
    let bare = (try? Mailbox(parsing: address))?.address ?? address
    let folded = bare.trimmingCharacters(in: .whitespaces).lowercased()
    return Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(folded.utf8), using: key)))
  }

  /// What a decision's facts hold for the customer's known address and the recipient: the
  /// recipient's digest (worked out before the write lock) serves both when they are the same
  /// mailbox, so only a mismatch costs a second one.
  func digests(known: String?, recipient: String, recipientDigest: String) -> AddressDigests {
    AddressDigests(
      known: known.map {
        Mailbox.sameAddress($0, recipient) ? recipientDigest : digest(of: $0)
      },
      recipient: recipientDigest)
  }

  /// The row that holds the key in `store_key`.
  static let name = "address"
}
