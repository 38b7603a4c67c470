import Foundation
import GovernorCore

/// What the compatible routes share in reading a client's own words for things: the labels
/// that name a category, optional text fields, and address lists.
enum CompatibleLabels {
  /// The category `label` names — a policy category or one of its aliases. A label the
  /// client gave expressly for this (SendGrid's `custom_args.category`, Mailgun's
  /// `v:category`, an SES tag) that names none is refused, with `field` and the categories
  /// there are, rather than guessed.
  static func category(_ label: String, policy: Policy, field: String) throws(CompatibleError)
    -> String
  {
    guard let name = policy.categoryName(for: label) else {
      throw .badRequest(
        "'\(label)' is neither a category of the governor's policy (\(known(policy))) nor an "
          + "alias of one", field: field)
    }
    return name
  }

  /// The policy's categories, for a message that says what can be chosen.
  static func known(_ policy: Policy) -> String {
    policy.categories.map(\.name).joined(separator: ", ")
  }

  /// The text without surrounding whitespace; nil when nothing is left.
  static func nonEmpty(_ text: String) -> String? {
    let trimmed = text.trimmingWhitespace()
    return trimmed.isEmpty ? nil : String(trimmed)
  }

  /// `a@x, "Doe, Jane" <j@y>`: split at commas outside quotes and angle brackets.
  static func addressList(_ text: String) -> [String] {
    var pieces: [String] = []
    var current = ""
    var quoted = false
    var angle = false
    for character in text {
      switch character {
      case "\"": quoted.toggle()
      case "<" where !quoted: angle = true
      case ">" where !quoted: angle = false
      case "," where !quoted && !angle:
        pieces.append(current)
        current = ""
        continue
      default: break
      }
      current.append(character)
    }
    pieces.append(current)
    return pieces.compactMap(nonEmpty)
  }
}
