import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  public func customersOptedOut(since: Date) async throws -> [String] {
    let instant = since.timeIntervalSince1970
    var ids: [String] = []
    for try await id in try await client.query(
      """
      SELECT customer_id FROM suppression
      WHERE reason IN ('unsubscribed', 'complaint') AND at >= \(instant)
      UNION
      SELECT customer_id FROM consent_event WHERE status = 'withdrawn' AND at >= \(instant)
      ORDER BY 1
      """, logger: logger
    ).decode(String.self) {
      ids.append(id)
    }
    return ids
  }
}
