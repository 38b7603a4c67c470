import Foundation
import GovernorCore
import GovernorService

/// What the preference page shows of the customer's own record, in plain words: each consent
/// with what they were told, what stops mail to them, the limits the policy sets, and what
/// they received lately. Dates are in the customer's time zone.
struct PreferenceRecord {
  let state: PreferenceState

  var view: [String: Any] {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_GB")
    formatter.timeZone = state.zone.flatMap { TimeZone(identifier: $0.identifier) } ?? .gmt
    formatter.dateFormat = "d MMMM yyyy, HH:mm"
    let date = formatter.string(from:)
    let consents = state.consents.map { consent -> [String: Any] in
      var how = [consent.kind.replacingOccurrences(of: "_", with: " ")]
      if let source = consent.source { how.append("via \(source)") }
      if consent.confirmedAt != nil { how.append("confirmed") }
      let verb = consent.status == .granted ? "given" : "withdrawn"
      return [
        "sentence":
          "\(consent.purpose.capitalized): \(verb) on \(date(consent.at)) (\(how.joined(separator: ", ")))",
        "proof": consent.proof ?? "",
        // A Bool: swift-mustache renders a section for an empty string too.
        "hasProof": !(consent.proof ?? "").isEmpty,
      ]
    }
    let suppressions = state.suppressions.map { suppression -> String in
      let scope = suppression.scope == .all ? "all email" : "\(suppression.scope) email"
      let what: String =
        switch suppression.reason {
        case .unsubscribed: "You unsubscribed from \(scope)"
        case .hardBounce: "Your address bounced: \(scope) stopped"
        case .complaint: "You reported an email as spam: \(scope) stopped"
        case .manual: "Stopped by our team: \(scope)"
        }
      return "\(what) on \(date(suppression.at))."
    }
    let recent = state.recent.map { entry in
      "\(entry.category.capitalized): \(entry.count) \(entry.count == 1 ? "email" : "emails")"
    }
    return [
      "consents": consents, "hasConsents": !consents.isEmpty,
      "suppressions": suppressions, "hasSuppressions": !suppressions.isEmpty,
      "limits": state.limits?.lines.map(\.sentence) ?? [],
      "recent": recent, "hasRecent": !recent.isEmpty,
      "recentDays": PreferenceState.recentDays,
      "trackingOn": state.trackingAllowed == true,
    ]
  }
}
