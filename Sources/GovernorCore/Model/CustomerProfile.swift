import Foundation

/// A customer's own settings.
public struct CustomerProfile: Hashable, Sendable, Codable {
  public var id: String
  public var email: String?
  public var timeZone: String?
  public var frequencyPreference: FrequencyPreference?

  public init(
    id: String, email: String? = nil, timeZone: String? = nil,
    frequencyPreference: FrequencyPreference? = nil
  ) {
    self.id = id
    self.email = email
    self.timeZone = timeZone
    self.frequencyPreference = frequencyPreference
  }

  enum CodingKeys: String, CodingKey {
    case id, email
    case timeZone = "time_zone"
    case frequencyPreference = "frequency_preference"
  }
}
