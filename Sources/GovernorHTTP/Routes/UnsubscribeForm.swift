import Foundation
import GovernorCore
import GovernorService
import Hummingbird

/// A POST to `/u/TOKEN`: either a mailbox provider's RFC 8058 one-click request, or a choice
/// made on the preference page.
struct UnsubscribeForm {
  private var fields: Fields

  struct Fields: Decodable {
    var listUnsubscribe: String?
    var choice: String?
    var frequency: String?
    var trackingOff: String?

    enum CodingKeys: String, CodingKey {
      case choice, frequency
      case listUnsubscribe = "List-Unsubscribe"
      case trackingOff = "tracking_off"
    }
  }

  init(body: String, contentType: String?) {
    if contentType?.lowercased().hasPrefix("multipart/form-data") == true {
      fields = Fields(listUnsubscribe: Self.multipartOneClick(body) ? "One-Click" : nil)
    } else {
      fields = (try? URLEncodedFormDecoder().decode(Fields.self, from: body)) ?? Fields()
    }
  }

  /// RFC 8058 §3.1: the body holds `List-Unsubscribe=One-Click`.
  var isOneClick: Bool { fields.listUnsubscribe == "One-Click" }

  func choices() throws(BadForm) -> [PreferenceChoice] {
    switch fields.choice {
    case "unsubscribe_scope": return [.unsubscribeScope]
    case "unsubscribe_all": return [.unsubscribeAll]
    case "save":
      var choices: [PreferenceChoice] = []
      switch fields.frequency {
      case nil, "keep": break
      case let value?:
        guard let option = PreferencePage.frequencyOptions.first(where: { $0.value == value })
        else {
          throw BadForm(
            "frequency '\(value)' is not one of "
              + PreferencePage.frequencyOptions.map(\.value).joined(separator: ", "))
        }
        choices.append(.frequency(option.preference))
      }
      if fields.trackingOff != nil { choices.append(.trackingOff) }
      return choices
    case let other:
      throw BadForm(
        "send List-Unsubscribe=One-Click (RFC 8058), or choice=unsubscribe_scope, "
          + "unsubscribe_all or save" + (other.map { " (got '\($0)')" } ?? ""))
    }
  }

  /// RFC 8058 lets the one-click POST arrive as multipart/form-data. Only that one field
  /// matters here and no listed library parses multipart, so this looks for a part named
  /// List-Unsubscribe whose content is One-Click, by hand.
  static func multipartOneClick(_ body: String) -> Bool {
    for part in body.components(separatedBy: "--") {
      let sections = part.components(separatedBy: "\r\n\r\n")
      guard sections.count >= 2,
        sections[0].range(of: #"name="List-Unsubscribe""#, options: .caseInsensitive) != nil
      else { continue }
      if sections[1].trimmingCharacters(in: .whitespacesAndNewlines) == "One-Click" {
        return true
      }
    }
    return false
  }
}

extension UnsubscribeForm.Fields {
  init(listUnsubscribe: String? = nil) {
    self.listUnsubscribe = listUnsubscribe
  }
}

struct BadForm: Error {
  var detail: String

  init(_ detail: String) { self.detail = detail }
}
