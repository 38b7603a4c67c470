import Foundation

/// Everything the engine knows about one customer when it decides: consent history, active
/// suppressions, sends inside the longest cap window, their own preference and time zone.
///
/// The gateway loads it from the store; the dry-run overlays the campaign's own sends on it.
public struct CustomerState: Hashable, Sendable {
  public var customerId: String
  public var email: String?
  /// Nil: the policy's default time zone applies.
  public var timeZone: Zone?
  public var frequencyPreference: FrequencyPreference?
  public var consents: [ConsentEvent]
  public var suppressions: [Suppression]
  public var sends: SendHistory
  /// Keyed digests of `email` and of the message's recipient, when the store has worked them
  /// out: what a decision's facts hold instead of the addresses. Not part of the documents.
  public var addressDigests: AddressDigests?

  public init(
    customerId: String, email: String? = nil, timeZone: Zone? = nil,
    frequencyPreference: FrequencyPreference? = nil, consents: [ConsentEvent] = [],
    suppressions: [Suppression] = [], sends: SendHistory = SendHistory()
  ) {
    self.customerId = customerId
    self.email = email
    self.timeZone = timeZone
    self.frequencyPreference = frequencyPreference
    self.consents = consents
    self.suppressions = suppressions
    self.sends = sends
  }

  /// The customer's current consent for `purpose`: the latest event, whatever it says.
  public func latestConsent(for purpose: String) -> ConsentEvent? {
    latestConsentIndex(for: purpose).map { consents[$0] }
  }

  /// An index, not a copy: copying an event retains its five strings, and the engine asks
  /// this on every decision.
  func latestConsentIndex(for purpose: String) -> Int? {
    var latest: Int?
    for index in consents.indices where consents[index].purpose == purpose {
      if let current = latest, consents[current].at > consents[index].at { continue }
      latest = index
    }
    return latest
  }
}

/// Stand-ins for addresses in a decision's facts.
public struct AddressDigests: Hashable, Sendable {
  public var known: String?
  public var recipient: String?

  public init(known: String?, recipient: String?) {
    self.known = known
    self.recipient = recipient
  }
}

extension CustomerState: Codable {
  enum CodingKeys: String, CodingKey {
    case email, consents, suppressions, sends
    case customerId = "id"
    case timeZone = "time_zone"
    case frequencyPreference = "frequency_preference"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    customerId = try container.decode(String.self, forKey: .customerId)
    email = try container.decodeIfPresent(String.self, forKey: .email)
    if let identifier = try container.decodeIfPresent(String.self, forKey: .timeZone) {
      guard let zone = Zone(identifier: identifier) else {
        throw DecodingError.dataCorruptedError(
          forKey: .timeZone, in: container,
          debugDescription: "'\(identifier)' is not an IANA time zone")
      }
      timeZone = zone
    }
    frequencyPreference = try container.decodeIfPresent(
      FrequencyPreference.self, forKey: .frequencyPreference)
    consents = try container.decodeIfPresent([ConsentEvent].self, forKey: .consents) ?? []
    suppressions =
      try container.decodeIfPresent([Suppression].self, forKey: .suppressions) ?? []
    sends = try container.decodeIfPresent(SendHistory.self, forKey: .sends) ?? SendHistory()
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(customerId, forKey: .customerId)
    try container.encodeIfPresent(email, forKey: .email)
    try container.encodeIfPresent(timeZone?.identifier, forKey: .timeZone)
    try container.encodeIfPresent(frequencyPreference, forKey: .frequencyPreference)
    try container.encode(consents, forKey: .consents)
    try container.encode(suppressions, forKey: .suppressions)
    try container.encode(sends, forKey: .sends)
  }
}
