import Foundation
import GovernorCore

/// Consent carried in a listmonk subscriber's attributes, through the documented mapping
/// (README, "listmonk"): `attribs.consent` holds, per policy purpose, either the time it was
/// given (RFC 3339) or an object with `at` and optionally `status` (`granted`, `withdrawn`),
/// `kind`, `confirmed_at`, `source` and `proof`:
///
///     "consent": {"marketing": {"at": "2026-03-01T10:00:00Z", "confirmed_at": "…",
///                               "proof": "Ticked: send me the newsletter"},
///                 "tracking": "2026-03-01T10:00:00Z"}
///
/// Each is recorded for the subscriber's address, with `listmonk subscriber <uuid>` as its
/// source unless one is given.
enum ListmonkConsent {
  static func events(
    _ attribute: ListmonkPostback.JSONAttribute?, recipient: ListmonkPostback.Recipient,
    field: String
  ) throws(InvalidRecord) -> [ConsentEvent] {
    guard let attribute else { return [] }
    guard let purposes = attribute.object else {
      throw InvalidRecord(field: field, problem: "must be an object of purposes")
    }
    let source = "listmonk subscriber \(recipient.uuid ?? recipient.email)"
    var events: [ConsentEvent] = []
    for (purpose, value) in purposes.sorted(by: { $0.key < $1.key }) {
      let field = "\(field).\(purpose)"
      if let at = value.text {
        events.append(
          ConsentEvent(
            purpose: purpose, status: .granted, at: try time(at, field: field), source: source,
            address: recipient.email))
        continue
      }
      guard let fields = value.object else {
        throw InvalidRecord(
          field: field, problem: "must be the time consent was given, or an object with 'at'")
      }
      guard let at = fields["at"]?.text else {
        throw InvalidRecord(field: "\(field).at", problem: "is required")
      }
      let statusText = fields["status"]?.text ?? "granted"
      guard let status = ConsentEvent.Status(rawValue: statusText) else {
        throw InvalidRecord(
          field: "\(field).status", problem: "'\(statusText)' is not granted or withdrawn")
      }
      events.append(
        ConsentEvent(
          purpose: purpose, status: status, kind: fields["kind"]?.text ?? "express",
          at: try time(at, field: "\(field).at"),
          confirmedAt: try fields["confirmed_at"]?.text.map { text throws(InvalidRecord) in
            try time(text, field: "\(field).confirmed_at")
          },
          source: fields["source"]?.text ?? source, proof: fields["proof"]?.text,
          address: recipient.email))
    }
    return events
  }

  /// RFC 3339, with or without fractional seconds (listmonk writes Go's time format).
  static func time(_ text: String, field: String) throws(InvalidRecord) -> Date {
    if let date = try? Date(text, strategy: .iso8601) { return date }
    if let date = try? Date(
      text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    {
      return date
    }
    throw InvalidRecord(field: field, problem: "'\(text)' is not an RFC 3339 time")
  }
}
