import Foundation
import GovernorCore
import GovernorStore

/// The policy and the consenting customers the service and route tests share.
public enum ServiceFixture {
  public static let now = Date(timeIntervalSince1970: 1_795_000_000)  // Wed 2026-11-18 11:06:40 UTC

  /// Marketing needs consent and is capped at `max` a week; transactional is neither;
  /// marketing mail gets one-click unsubscribe headers.
  public static func policy(max: Int) throws -> Policy {
    let yaml = """
      name: route-test
      consent:
        purposes: {marketing: {}, tracking: {}}
      categories:
        transactional: {consent: [], caps: false, quiet_hours: false}
        marketing: {consent: [marketing]}
      caps:
        - {id: weekly, max: \(max), within: 7d}
      tracking: {consent_purpose: tracking}
      headers:
        list_unsubscribe:
          categories: [marketing]
          url: https://mail.example.com/u/{token}
          mailto: unsubscribe@example.com
      """
    return try PolicyLoader.load(Data(yaml.utf8), file: "route-test.yaml").get()
  }

  /// Marketing needs express consent (which never expires), transactional nothing; nothing
  /// else limits either. `extra` (a suppression rule, a reputation section) follows.
  public static func consentOnlyPolicy(name: String, extra: String = "") throws -> Policy {
    let yaml =
      """
      name: \(name)
      consent:
        purposes: {marketing: {}}
        kinds: {express: never}
      categories:
        transactional: {consent: [], caps: false, quiet_hours: false}
        marketing: {consent: [marketing]}

      """ + extra
    return try PolicyLoader.load(Data(yaml.utf8), file: "\(name).yaml").get()
  }

  /// A SQLite store in `folder` whose customers have granted marketing consent a day ago.
  public static func store(
    at folder: String, consenting customers: [String], policy: Policy, now: Date
  ) async throws -> SQLiteStore {
    let store = try SQLiteStore(path: folder + "/governor.sqlite")
    let validator = RecordValidator(policy: policy)
    for id in customers {
      try await store.saveCustomer(
        validator.profile(CustomerProfile(id: id, email: "\(id)@example.com", timeZone: "UTC")))
      try await store.recordConsent(
        validator.consent(
          ConsentEvent(purpose: "marketing", status: .granted, at: now - 86_400, source: "form"),
          now: now),
        customerId: id)
    }
    return store
  }
}
