import Foundation

/// Why a customer must not be mailed.
public enum SuppressionReason: String, Codable, Hashable, Sendable, CaseIterable {
  case unsubscribed
  case hardBounce = "hard_bounce"
  case complaint
  case manual
}

/// What a suppression covers: every category, or one.
public enum SuppressionScope: Hashable, Sendable, CustomStringConvertible {
  case all
  case category(String)

  public var description: String {
    switch self {
    case .all: return "all"
    case .category(let name): return name
    }
  }

  func covers(_ category: String) -> Bool {
    switch self {
    case .all: return true
    case .category(let name): return name == category
    }
  }
}

extension SuppressionScope: Codable {
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    self = text == "all" ? .all : .category(text)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}

/// An active suppression of one customer.
public struct Suppression: Codable, Hashable, Sendable {
  public var reason: SuppressionReason
  public var scope: SuppressionScope
  public var at: Date
  public var source: String?
  /// The customer id it was recorded for, when that is not the customer being decided on: it
  /// holds here because it was recorded for the same address.
  public var recordedFor: String?

  public init(
    reason: SuppressionReason, scope: SuppressionScope = .all, at: Date, source: String? = nil,
    recordedFor: String? = nil
  ) {
    self.reason = reason
    self.scope = scope
    self.at = at
    self.source = source
    self.recordedFor = recordedFor
  }

  enum CodingKeys: String, CodingKey {
    case reason, scope, at, source
    case recordedFor = "recorded_for"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    reason = try container.decode(SuppressionReason.self, forKey: .reason)
    scope = try container.decodeIfPresent(SuppressionScope.self, forKey: .scope) ?? .all
    at = try container.decode(Date.self, forKey: .at)
    source = try container.decodeIfPresent(String.self, forKey: .source)
    recordedFor = try container.decodeIfPresent(String.self, forKey: .recordedFor)
  }
}
