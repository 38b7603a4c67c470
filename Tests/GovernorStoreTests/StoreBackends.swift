import Foundation
import GovernorCore
import GovernorStore
import Testing

/// The backends the contract suite runs against; each test gets a fresh, empty store.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case sqlite

  var testDescription: String { rawValue }

  func makeStore() throws -> any Store {
    switch self {
    case .sqlite:
      return try SQLiteStore(path: Self.temporaryPath())
    }
  }

  static func temporaryPath() -> String {
    FileManager.default.temporaryDirectory
      .appendingPathComponent("governor-tests-\(UUID().uuidString)")
      .appendingPathComponent("governor.sqlite").path
  }
}

func time(_ text: String) -> Date {
  guard let date = try? Date(text, strategy: .iso8601) else {
    preconditionFailure("bad test time \(text)")
  }
  return date
}

/// A policy with one cap of three marketing sends a week and nothing else that could hold a
/// message, so tests see the cap alone.
func weeklyCapPolicy(max: Int = 3) throws -> Policy {
  let yaml = """
    name: store-test
    consent:
      purposes: {marketing: {}}
    categories:
      transactional: {consent: [], caps: false, quiet_hours: false}
      marketing: {consent: [marketing]}
    caps:
      - {id: weekly, max: \(max), within: 7d}
    """
  return try PolicyLoader.load(Data(yaml.utf8), file: "store-test.yaml").get()
}

func marketingMessage(_ id: String, customer: String = "c1") -> Message {
  Message(
    id: id, customerId: customer, to: "\(customer)@example.com", from: "news@shop.example",
    subject: "Hello", text: "Hi", category: "marketing", campaignId: "camp")
}

/// A customer with express consent for marketing since 2025.
func consentingCustomer(_ store: any Store, id: String = "c1", zone: String? = "Europe/Madrid")
  async throws
{
  try await store.saveCustomer(CustomerProfile(id: id, email: "\(id)@example.com", timeZone: zone))
  try await store.recordConsent(
    ConsentEvent(
      purpose: "marketing", status: .granted, kind: "express", at: time("2025-01-01T00:00:00Z"),
      source: "signup-form", proof: "checkbox on /signup"),
    customerId: id)
}
