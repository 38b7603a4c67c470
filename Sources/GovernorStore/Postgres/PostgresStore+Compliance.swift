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

  public func optOutRecordings(customerId: String) async throws -> [OptOutRecording] {
    var recordings: [OptOutRecording] = []
    for try await (kind, scope, at, recordedAt) in try await client.query(
      """
      SELECT reason, scope, at, recorded_at FROM suppression
      WHERE customer_id = \(customerId) AND reason IN ('unsubscribed', 'complaint')
        AND recorded_at IS NOT NULL
      UNION ALL
      SELECT 'consent_withdrawn', purpose, at, recorded_at FROM consent_event
      WHERE customer_id = \(customerId) AND status = 'withdrawn' AND recorded_at IS NOT NULL
      """, logger: logger
    ).decode((String, String, Double, Double).self) {
      recordings.append(
        OptOutRecording(
          kind: kind, scope: scope, at: Date(timeIntervalSince1970: at),
          recordedAt: Date(timeIntervalSince1970: recordedAt)))
    }
    return recordings
  }
}
