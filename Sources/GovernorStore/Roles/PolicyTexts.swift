import Foundation
import GovernorCore

/// Every policy text a decision was made under, by its version.
public protocol PolicyTexts: Sendable {
  /// Keeps a policy text by its version, so every decision can show the text that made it.
  func savePolicyText(_ text: String, name: String, version: String, at: Date) async throws

  func policyText(version: String) async throws -> String?
}
