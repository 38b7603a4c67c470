import Foundation

/// A customer's own settings.
public struct CustomerProfile: Hashable, Sendable, Codable {
  public var id: String
  public var email: String?
  public var timeZone: String?
  public var frequencyPreference: FrequencyPreference?
  /// Where the store got `email` (`first message m-17`, `customer import`) and since when:
  /// consent and suppressions hold for an address, so where it came from is evidence too.
  public var emailSource: String?
  public var emailSince: Date?

  public init(
    id: String, email: String? = nil, timeZone: String? = nil,
    frequencyPreference: FrequencyPreference? = nil, emailSource: String? = nil,
    emailSince: Date? = nil
  ) {
    self.id = id
    self.email = email
    self.timeZone = timeZone
    self.frequencyPreference = frequencyPreference
    self.emailSource = emailSource
    self.emailSince = emailSince
  }

  enum CodingKeys: String, CodingKey {
    case id, email
    case timeZone = "time_zone"
    case frequencyPreference = "frequency_preference"
    case emailSource = "email_source"
    case emailSince = "email_since"
  }
}
