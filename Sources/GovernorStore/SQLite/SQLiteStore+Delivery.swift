import Foundation
import GRDB
import GovernorCore

extension SQLiteStore {
  public func count(_ report: DeliveryReport, at now: Date) async throws -> DeliveryCountResult {
    let addressDigest = addressKey?.digest(of: report.email) ?? ""
    return try await write { db in
      guard let messageId = report.messageId,
        let sent = try Row.fetchOne(
          db.cachedStatement(
            sql: "SELECT reserved_at, sending_domain, campaign_id FROM send_ledger "
              + "WHERE message_id = ?"),
          arguments: [messageId])
      else {
        try db.cachedStatement(
          sql: """
            INSERT INTO bypass_event (key, provider, outcome, address_digest, reported_at)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
            """
        ).execute(
          arguments: [
            report.key, report.provider, report.outcome.rawValue, addressDigest,
            report.at.timeIntervalSince1970,
          ])
        return db.changesCount > 0 ? .unknownMessage : .repeated
      }
      try db.cachedStatement(
        sql: """
          INSERT INTO delivery_event (key, received_at) VALUES (?, ?)
          ON CONFLICT (key) DO NOTHING
          """
      ).execute(arguments: [report.key, now.timeIntervalSince1970])
      guard db.changesCount > 0 else { return .repeated }
      let reservedAt: Double = sent["reserved_at"]
      let column = DeliveryCountColumns.name(report.outcome)
      try db.execute(
        sql: """
          INSERT INTO delivery_count
            (day, sending_domain, campaign_id, recipient_domain, \(column))
          VALUES (?, ?, ?, ?, 1)
          ON CONFLICT (day, sending_domain, campaign_id, recipient_domain)
          DO UPDATE SET \(column) = \(column) + 1
          """,
        arguments: [
          DeliveryCount.day(of: Date(timeIntervalSince1970: reservedAt)),
          (sent["sending_domain"] as String?) ?? "", (sent["campaign_id"] as String?) ?? "",
          report.recipientDomain,
        ])
      return .counted
    }
  }

  public func pruneDeliveryEvents(receivedBefore cutoff: Date) async throws -> Int {
    try await write { db in
      try db.execute(
        sql: "DELETE FROM delivery_event WHERE received_at < ?",
        arguments: [cutoff.timeIntervalSince1970])
      return db.changesCount
    }
  }

  public func bypassEvents(toAddress address: String, since: Date) async throws -> [BypassEvent] {
    guard let digest = addressKey?.digest(of: address) else { return [] }
    return try await bypassEvents(since: since).filter { $0.addressDigest == digest }
  }

  public func bypassEvents(since: Date) async throws -> [BypassEvent] {
    try await pool.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT provider, outcome, address_digest, reported_at FROM bypass_event
          WHERE reported_at >= ? ORDER BY reported_at DESC, key
          """, arguments: [since.timeIntervalSince1970]
      ).map { row in
        BypassEvent(
          provider: row["provider"],
          outcome: DeliveryReport.Outcome(rawValue: row["outcome"]) ?? .delivered,
          addressDigest: row["address_digest"],
          at: Date(timeIntervalSince1970: row["reported_at"]))
      }
    }
  }

  public func deliveryCounts(since day: String) async throws -> [DeliveryCount] {
    try await pool.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT day, sending_domain, campaign_id, recipient_domain, delivered, hard_bounced,
            complained
          FROM delivery_count WHERE day >= ?
          ORDER BY day, sending_domain, campaign_id, recipient_domain
          """, arguments: [day]
      ).map { row in
        DeliveryCount(
          day: row["day"], sendingDomain: row["sending_domain"], campaignId: row["campaign_id"],
          recipientDomain: row["recipient_domain"], delivered: row["delivered"],
          hardBounced: row["hard_bounced"], complained: row["complained"])
      }
    }
  }
}

/// The count columns, one per outcome: written into SQL by name, so only these names.
enum DeliveryCountColumns {
  static func name(_ outcome: DeliveryReport.Outcome) -> String {
    switch outcome {
    case .delivered: "delivered"
    case .hardBounced: "hard_bounced"
    case .complained: "complained"
    }
  }
}
