import Foundation
import GovernorCore
import PostgresNIO

extension PostgresStore {
  /// In one transaction: two gateways given one event at once count it once (the event key
  /// is the primary key of `delivery_event`).
  public func count(_ report: DeliveryReport, at now: Date) async throws -> DeliveryCountResult {
    let logger = logger
    let addressDigest = addressKey.digest(of: report.email)
    return try await client.withTransaction(logger: logger) { connection in
      var sent: (Double, String?, String?)?
      if let messageId = report.messageId {
        for try await row in try await connection.query(
          """
          SELECT reserved_at, sending_domain, campaign_id FROM send_ledger
          WHERE message_id = \(messageId)
          """, logger: logger
        ).decode((Double, String?, String?).self) {
          sent = row
        }
      }
      guard let (reservedAt, sendingDomain, campaignId) = sent else {
        let recorded = try await connection.query(
          """
          INSERT INTO bypass_event (key, provider, outcome, address_digest, reported_at)
          VALUES (\(report.key), \(report.provider), \(report.outcome.rawValue),
            \(addressDigest), \(report.at.timeIntervalSince1970))
          ON CONFLICT (key) DO NOTHING RETURNING key
          """, logger: logger
        ).collect()
        return recorded.isEmpty ? .repeated : .unknownMessage
      }
      let inserted = try await connection.query(
        """
        INSERT INTO delivery_event (key, received_at)
        VALUES (\(report.key), \(now.timeIntervalSince1970))
        ON CONFLICT (key) DO NOTHING RETURNING key
        """, logger: logger
      ).collect()
      guard !inserted.isEmpty else { return .repeated }
      let column = DeliveryCountColumns.name(report.outcome)
      let day = DeliveryCount.day(of: Date(timeIntervalSince1970: reservedAt))
      try await connection.query(
        """
        INSERT INTO delivery_count
          (day, sending_domain, campaign_id, recipient_domain, \(unescaped: column))
        VALUES (\(day), \(sendingDomain ?? ""), \(campaignId ?? ""), \(report.recipientDomain), 1)
        ON CONFLICT (day, sending_domain, campaign_id, recipient_domain)
        DO UPDATE SET \(unescaped: column) = delivery_count.\(unescaped: column) + 1
        """, logger: logger)
      return .counted
    }
  }

  public func pruneDeliveryEvents(receivedBefore cutoff: Date) async throws -> Int {
    try await client.query(
      """
      DELETE FROM delivery_event WHERE received_at < \(cutoff.timeIntervalSince1970)
      RETURNING key
      """, logger: logger
    ).collect().count
  }

  public func bypassEvents(toAddress address: String, since: Date) async throws -> [BypassEvent] {
    let digest = addressKey.digest(of: address)
    return try await bypassEvents(since: since).filter { $0.addressDigest == digest }
  }

  public func bypassEvents(since: Date) async throws -> [BypassEvent] {
    var events: [BypassEvent] = []
    for try await (provider, outcome, digest, at) in try await client.query(
      """
      SELECT provider, outcome, address_digest, reported_at FROM bypass_event
      WHERE reported_at >= \(since.timeIntervalSince1970) ORDER BY reported_at DESC, key
      """, logger: logger
    ).decode((String, String, String, Double).self) {
      events.append(
        BypassEvent(
          provider: provider, outcome: DeliveryReport.Outcome(rawValue: outcome) ?? .delivered,
          addressDigest: digest, at: Date(timeIntervalSince1970: at)))
    }
    return events
  }

  public func deliveryCounts(since day: String) async throws -> [DeliveryCount] {
    var counts: [DeliveryCount] = []
    for try await (day, domain, campaign, recipient, delivered, bounced, complained)
      in try await client.query(
        """
        SELECT day, sending_domain, campaign_id, recipient_domain, delivered, hard_bounced,
          complained
        FROM delivery_count WHERE day >= \(day)
        ORDER BY day, sending_domain, campaign_id, recipient_domain
        """, logger: logger
      ).decode((String, String, String, String, Int64, Int64, Int64).self)
    {
      counts.append(
        DeliveryCount(
          day: day, sendingDomain: domain, campaignId: campaign, recipientDomain: recipient,
          delivered: Int(delivered), hardBounced: Int(bounced), complained: Int(complained)))
    }
    return counts
  }
}
