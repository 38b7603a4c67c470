import Crypto
import Foundation
import Testing

@testable import GovernorStore

/// A migration that has run somewhere must never change: a database migrated by the old text
/// and one migrated by the new would differ with nothing to tell them apart. Each shipped
/// migration's text is held here by its digest; a schema change is a new migration.
@Suite("Shipped migrations")
struct ShippedMigrationTests {
  static let digests: [String: String] = [
    "v3-audit-head": "f6cacc0961b7ce3821a2880d43228dcc69da5eaa60e6ce457f750cfae7d8d8cd",
    "v4-decision-by-message": "ba705740283909cbc96cf5e5caa9a01b754bc7d49f0eaa6ce7e96a742eb5ee7d",
    "v5-api-keys": "35c8271c2e6c37f11d86632ab298887c5c71f0cec50823b674d34084404e8ff4",
    "v6-decision-filters": "028a66f95a83e45d0eca3773dca55a9ece563969c56f2c1ebc116ef6f8bc166d",
    "v7-customer-control": "e49b3de9a79cd18870377c52a0d7702c19425099d4ed28e24bb2e954335077e1",
    "v8-erasure-records": "178dc47140c014ec5e990d15577072fee480875cebc77a68b0c61f3575e06814",
    "v9-customer-address": "07baef73f5d869d382281e0799899caf0ccd338312d42071df2e6f650c21b109",
    "v10-consent-address": "7d8d0bdb888e0172abbff2a8247f01b70e956698d1611c55c1e7cdd02f1d130f",
    "v11-message-fingerprint": "714bdef91f85780e001e9bd870050d64cafa7ed52cd96653af378c104e7db454",
    "v12-customer-by-address": "979e67236b3722c28a39cfc2760bef8d4cf753ef245cc9ffed279263efbaf5c1",
    "v13-delivery-counts": "35846cabf47569e13a6d793319a8f99f0aa2a3546a4d42fa79036a70148ad1f9",
    "v14-bypass-events": "ee4e6c078463b52a7c851f43d1457c486f11f9a2fd5428822037914c4501e8cb",
    "v15-brake-log": "03b20d0212496f1f225cb885f79a13ec969bb7a820661a94a60d35b631a17bb1",
    "v16-recorded-at": "39c154c044df403304218c311a3e09fb6dcf46201ed86d639f5dd924d4423ae0",
    "v17-key-lifecycle": "bc1ea2f036d04676201503f6369bcbf22d2fda5b5c28beb9ed87ebe215ca290d",
  ]

  @Test("every shipped migration's text is exactly what shipped")
  func frozen() {
    var actual: [String: String] = [:]
    for (name, statements) in ShippedMigrations.all {
      let text = statements.joined(separator: "\n;\n")
      actual[name] = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }
        .joined()
    }
    for (name, digest) in actual.sorted(by: { $0.key < $1.key }) {
      #expect(Self.digests[name] == digest, "\(name): \(digest)")
    }
    #expect(Set(Self.digests.keys) == Set(actual.keys))
  }
}
