import Foundation

/// One change to a customer's consent for one purpose. Events are append-only; the latest
/// event per purpose is the customer's current consent.
///
/// `source` and `proof` are the GDPR Art. 7(1) record: what the customer was shown, where and
/// when, so the controller can demonstrate the consent.
public struct ConsentEvent: Codable, Hashable, Sendable {
  public enum Status: String, Codable, Sendable, CaseIterable {
    case granted
    case withdrawn
  }

  public var purpose: String
  public var status: Status
  /// The kind of consent, as the policy names it (`express`, `implied_purchase`, …); it
  /// decides when the consent expires.
  public var kind: String
  public var at: Date
  /// When the customer confirmed the subscription (double opt-in); nil for single opt-in.
  public var confirmedAt: Date?
  public var source: String?
  public var proof: String?
  /// The address the consent was given for: consent is specific (GDPR Art. 4(11)), so it
  /// covers a later address only where the policy says so (`consent.covers_new_address`).
  /// Nil: given before the customer had any address; the store gives it the first one.
  public var address: String?

  public init(
    purpose: String, status: Status, kind: String = "express", at: Date,
    confirmedAt: Date? = nil, source: String? = nil, proof: String? = nil,
    address: String? = nil
  ) {
    self.purpose = purpose
    self.status = status
    self.kind = kind
    self.at = at
    self.confirmedAt = confirmedAt
    self.source = source
    self.proof = proof
    self.address = address
  }

  enum CodingKeys: String, CodingKey {
    case purpose, status, kind, at, source, proof, address
    case confirmedAt = "confirmed_at"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    purpose = try container.decode(String.self, forKey: .purpose)
    status = try container.decode(Status.self, forKey: .status)
    kind = try container.decodeIfPresent(String.self, forKey: .kind) ?? "express"
    at = try container.decode(Date.self, forKey: .at)
    confirmedAt = try container.decodeIfPresent(Date.self, forKey: .confirmedAt)
    source = try container.decodeIfPresent(String.self, forKey: .source)
    proof = try container.decodeIfPresent(String.self, forKey: .proof)
    address = try container.decodeIfPresent(String.self, forKey: .address)
  }
}
