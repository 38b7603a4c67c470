import Foundation
import GovernorCore
import GovernorStore

/// `GET /v1/customers/{id}`: what a campaign tool needs before it schedules a send.
public struct CustomerOverview: Encodable, Sendable {
  public var profile: CustomerProfile
  /// The latest consent event per purpose: what is in force (or was withdrawn or expired).
  public var consents: [ConsentEvent]
  /// Active suppressions, with the ids `DELETE /v1/suppressions/{id}` takes.
  public var suppressions: [SuppressionHistory]
  /// Sends inside the longest window any cap (or the customer's preference) reads, newest
  /// first.
  public var recentSends: [LedgerEntry]
  /// Per category: eligible now, or when next, and why not.
  public var eligibility: [Eligibility]
  /// Messages waiting in the deferred queue, earliest release first.
  public var deferred: [HeldMessage]
  public var asOf: Date
}

/// A deferred message as the customer view lists it: what and when, not its body.
public struct HeldMessage: Encodable, Sendable {
  public var messageId: String
  public var category: String
  public var campaignId: String?
  public var subject: String
  public var releaseAt: Date
  public var heldAt: Date
  /// The decision that held it.
  public var decisionId: String?

  init(_ held: DeferredMessage) {
    messageId = held.message.id
    category = held.message.category
    campaignId = held.message.campaignId
    subject = held.message.subject
    releaseAt = held.releaseAt
    heldAt = held.heldAt
    decisionId = held.decisionId
  }
}

/// `PUT /v1/customers/{id}/address`: the customer's new address and where it came from.
public struct AddressInput: Decodable, Sendable {
  public var email: String
  /// Where the new address came from (`account settings`, `support ticket 4411`).
  public var source: String
}

extension Gateway {
  /// Gives a customer a new address. The source keeps the key that made the change, so the
  /// change log says who as well as where from. Nil for an unknown customer.
  public func changeAddress(customerId: String, _ input: AddressInput, by keyId: String)
    async throws -> (change: AddressChange, profile: CustomerProfile)?
  {
    let customerId = try Self.customerKey(customerId)
    var problems: [FieldProblem] = []
    var address = input.email
    do {
      address = try validator.address(input.email, field: "email")
    } catch {
      problems += error.problems
    }
    let source = input.source.trimmingCharacters(in: .whitespacesAndNewlines)
    if source.isEmpty || source.count > 200 {
      problems.append(
        FieldProblem(
          field: "source",
          problem: "must say, in 1 to 200 characters, where the new address came from"))
    }
    guard problems.isEmpty else { throw InvalidRecord(problems) }
    let (newAddress, recorded, now) = (address, "\(source) (api key \(keyId))", clock())
    let change = try await bounded {
      try await $0.changeAddress(customerId: customerId, to: newAddress, source: recorded, at: now)
    }
    guard change != .unknownCustomer,
      let profile = try await bounded({ try await $0.exportCustomer(customerId) })?.profile
    else { return nil }
    return (change, profile)
  }

  public func customerOverview(_ customerId: String) async throws -> CustomerOverview? {
    guard let export = try await bounded({ try await $0.exportCustomer(customerId) }) else {
      return nil
    }
    let now = clock()
    let since = now - engine.historyNeeded(preference: export.profile.frequencyPreference)
    guard
      let state = try await bounded({ try await $0.customerState(customerId, sendsSince: since) })
    else {
      return nil
    }
    let purposes = Set(export.consents.map(\.purpose)).sorted()
    return CustomerOverview(
      profile: export.profile,
      consents: purposes.compactMap { state.latestConsent(for: $0) },
      suppressions: export.suppressions.filter { $0.liftedAt == nil },
      recentSends: export.sends.filter { $0.reservedAt >= since }
        .sorted { $0.reservedAt > $1.reservedAt },
      eligibility: engine.eligibility(of: state, at: now),
      deferred: try await bounded { try await $0.deferred(customerId: customerId) }
        .map(HeldMessage.init),
      asOf: now)
  }
}

extension CustomerOverview {
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()

  public func json() throws -> String {
    try Self.json(self)
  }

  /// Any value of the customer API in that API's JSON shape (snake_case keys, ISO dates).
  public static func json(_ value: some Encodable) throws -> String {
    String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
