import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  public func addressRecords(_ addresses: [String]) async throws -> [String: AddressRecord] {
    guard !addresses.isEmpty else { return [:] }
    let addressKey = addressKey
    let digests = Dictionary(addresses.map { ($0, addressKey.digest(of: $0)) }) { first, _ in first
    }
    let keys = Array(Set(digests.values))
    var found: [String: [Suppression]] = [:]
    for try await (reason, scope, at, source, owner, key) in try await client.query(
      """
      SELECT reason, scope, at, source, customer_id, address_key FROM suppression
      WHERE address_key = ANY(\(keys)) AND lifted_at IS NULL ORDER BY at
      """, logger: logger
    ).decode((String, String, Double, String?, String, String).self) {
      found[key, default: []].append(
        try StoredValues.suppression(
          reason: reason, scope: scope, at: at, source: source, recordedFor: owner))
    }
    return digests.mapValues { AddressRecord(digest: $0, suppressions: found[$0] ?? []) }
  }
}
