import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func addressRecords(_ addresses: [String]) async throws -> [String: AddressRecord] {
    guard let addressKey, !addresses.isEmpty else { return [:] }
    let digests = Dictionary(addresses.map { ($0, addressKey.digest(of: $0)) }) { first, _ in first
    }
    return try await pool.read { db in
      var found: [String: [Suppression]] = [:]
      let keys = Array(Set(digests.values))
      // Within SQLite's default limit of host parameters.
      for start in stride(from: 0, to: keys.count, by: 500) {
        let chunk = Array(keys[start..<min(start + 500, keys.count)])
        let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
        let rows = try Row.fetchAll(
          db,
          sql: """
            SELECT reason, scope, at, source, customer_id, address_key FROM suppression
            WHERE address_key IN (\(marks)) AND lifted_at IS NULL ORDER BY at
            """, arguments: StatementArguments(chunk))
        for row in rows {
          let key: String = row["address_key"]
          found[key, default: []].append(
            try StoredValues.suppression(
              reason: row["reason"], scope: row["scope"], at: row["at"], source: row["source"],
              recordedFor: row["customer_id"]))
        }
      }
      return digests.mapValues { AddressRecord(digest: $0, suppressions: found[$0] ?? []) }
    }
  }
}
