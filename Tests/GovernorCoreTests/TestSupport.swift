import Foundation
import GovernorCore
import Testing

/// The repository's root, found from this file's path, so tests read the real policies and
/// fixtures wherever the suite runs.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func repositoryFile(_ path: String) throws -> Data {
  try Data(contentsOf: repositoryRoot.appendingPathComponent(path))
}

/// A shipped policy, e.g. `shippedPolicy("default")`.
func shippedPolicy(_ name: String) throws -> Policy {
  let path = "policies/\(name).yaml"
  return try PolicyLoader.load(repositoryFile(path), file: path, lists: shippedList).get()
}

/// A tracker list a shipped policy names (its entry is relative to `policies/`).
func shippedList(_ entry: String) -> Data? {
  try? repositoryFile("policies/" + entry)
}

/// A policy written inline in a test.
func policy(_ yaml: String, file: String = "test.yaml") throws -> Policy {
  try PolicyLoader.load(Data(yaml.utf8), file: file).get()
}

/// The diagnostics of a policy that must fail to load.
func diagnostics(_ yaml: String, file: String = "test.yaml") -> [String] {
  switch PolicyLoader.load(Data(yaml.utf8), file: file) {
  case .success: return []
  case .failure(let error): return error.diagnostics.map(\.description)
  }
}

/// An instant written as in ISO 8601, e.g. `time("2026-11-27T10:00:00Z")`.
func time(_ text: String) -> Date {
  guard let date = try? Date(text, strategy: .iso8601) else {
    preconditionFailure("bad test time \(text)")
  }
  return date
}

func zone(_ identifier: String) -> Zone {
  guard let zone = Zone(identifier: identifier) else {
    preconditionFailure("unknown test zone \(identifier)")
  }
  return zone
}

/// A customer who gave express consent for everything long ago, unless told otherwise.
func customer(
  _ id: String = "c1", zone: Zone? = nil, sends: [(String, String)] = [],
  consents: [ConsentEvent]? = nil, suppressions: [Suppression] = [],
  preference: FrequencyPreference? = nil
) -> CustomerState {
  let granted = time("2024-01-01T00:00:00Z")
  let defaultConsents = ["marketing", "newsletter", "tracking"].map {
    ConsentEvent(purpose: $0, status: .granted, kind: "express", at: granted, confirmedAt: granted)
  }
  return CustomerState(
    customerId: id, email: "\(id)@example.com", timeZone: zone, frequencyPreference: preference,
    consents: consents ?? defaultConsents, suppressions: suppressions,
    sends: SendHistory(sends.map { SendRecord(at: time($0.0), category: $0.1) }))
}

func message(_ category: String = "marketing", id: String = "m1", receivedAt: Date? = nil)
  -> Message
{
  Message(
    id: id, customerId: "c1", to: "c1@example.com", from: "news@shop.example",
    subject: "Hello", html: "<p>Hi</p>", category: category, receivedAt: receivedAt)
}

extension Engine {
  /// Shorthand for the many tests that evaluate one message at one instant.
  func decide(
    _ state: CustomerState, _ category: String = "marketing", at instant: String,
    html: String = "<p>Hi</p>"
  ) -> Decision {
    var message = message(category)
    message.html = html
    return evaluate(message, for: state, at: time(instant))
  }
}

/// A body with what us-can-spam.yaml's `content.can_spam` asks to see: the label, the
/// sender's postal address and a visible unsubscribe link.
let canSpamBody = """
  <p>Advertisement</p><p>Hi</p>
  <p>Shop Example Inc.<br>123 Main Street<br>Springfield, IL 62701</p>
  <p><a href="https://shop.example/unsubscribe">Unsubscribe</a></p>
  """

/// The minimal valid policy text tests extend: three categories, UTC.
let basePolicy = """
  name: test
  consent:
    purposes:
      marketing: {}
      newsletter: {}
  categories:
    transactional: {consent: [], caps: false, quiet_hours: false}
    marketing: {consent: [marketing]}
    newsletter: {consent: [newsletter]}

  """
