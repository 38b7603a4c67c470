import Foundation
import GovernorCore
import GovernorStore

/// `POST /v1/consents`: one consent event for one customer.
public struct ConsentInput: Decodable, Sendable {
  public var customerId: String
  public var event: ConsentEvent

  enum CodingKeys: String, CodingKey { case customerId = "customer_id" }

  public init(from decoder: any Decoder) throws {
    customerId = try decoder.container(keyedBy: CodingKeys.self)
      .decode(String.self, forKey: .customerId)
    event = try ConsentEvent(from: decoder)
  }
}

/// `POST /v1/suppressions`; `at` defaults to the time it arrives.
public struct SuppressionInput: Decodable, Sendable {
  public var customerId: String
  public var reason: SuppressionReason
  public var scope: SuppressionScope
  public var at: Date?
  public var source: String?

  enum CodingKeys: String, CodingKey {
    case reason, scope, at, source
    case customerId = "customer_id"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    customerId = try container.decode(String.self, forKey: .customerId)
    reason = try container.decode(SuppressionReason.self, forKey: .reason)
    scope = try container.decodeIfPresent(SuppressionScope.self, forKey: .scope) ?? .all
    at = try container.decodeIfPresent(Date.self, forKey: .at)
    source = try container.decodeIfPresent(String.self, forKey: .source)
  }
}

extension Gateway {
  public func recordConsent(_ input: ConsentInput) async throws {
    let customerId = try Self.customerKey(input.customerId)
    let event = try validator.consent(input.event, now: clock())
    try await bounded { try await $0.recordConsent(event, customerId: customerId) }
  }

  /// Returns the new suppression's id.
  public func addSuppression(_ input: SuppressionInput) async throws -> String {
    let customerId = try Self.customerKey(input.customerId)
    let suppression = Suppression(
      reason: input.reason, scope: input.scope, at: input.at ?? clock(), source: input.source)
    let checked = try validator.suppression(suppression, now: clock())
    return try await bounded { try await $0.addSuppression(checked, customerId: customerId) }
  }

  /// False when there is no active suppression with that id.
  public func liftSuppression(id: String, by source: String) async throws -> Bool {
    let now = clock()
    return try await bounded { try await $0.liftSuppression(id: id, at: now, by: source) }
  }

  static func customerKey(_ id: String) throws(InvalidRecord) -> String {
    let trimmed = id.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty, trimmed.count <= 200 else {
      throw InvalidRecord(field: "customer_id", problem: "must be 1 to 200 characters")
    }
    return trimmed
  }
}
