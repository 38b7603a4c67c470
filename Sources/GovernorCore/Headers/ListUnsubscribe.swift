import Foundation

/// RFC 2369 `List-Unsubscribe` and RFC 8058 one-click, as the policy asks for them.
///
/// The engine decides whether a message gets the governor's headers (`modification(for:)`);
/// the gateway, which holds the signing secret, writes them (`headers(token:)`). Both read the
/// same policy through this one type.
public struct ListUnsubscribe: Sendable {
  public let policy: HeaderPolicy.ListUnsubscribe

  public init(policy: HeaderPolicy.ListUnsubscribe) {
    self.policy = policy
  }

  public static let headerName = "List-Unsubscribe"
  public static let postHeaderName = "List-Unsubscribe-Post"
  /// RFC 8058 §3.1: the only value `List-Unsubscribe-Post` may have, and the body of the POST.
  public static let oneClickValue = "List-Unsubscribe=One-Click"

  public static let added = "list_unsubscribe_added"
  public static let replaced = "list_unsubscribe_replaced"

  /// What the governor does to this message's unsubscribe headers: nothing (category not
  /// covered, or the campaign tool's own headers are valid and kept), add them, or replace
  /// headers that do not meet the RFCs.
  public func modification(for message: Message) -> Modification? {
    guard policy.categories.contains(message.category) else { return nil }
    let existing = Self.value(of: Self.headerName, in: message.headers)
    guard let existing else {
      return Modification(kind: Self.added)
    }
    if isValid(existing, post: Self.value(of: Self.postHeaderName, in: message.headers)) {
      return nil
    }
    return Modification(kind: Self.replaced, replacement: existing)
  }

  /// The headers to write, with `token` in place of `{token}` in the policy's URL.
  public func headers(token: String) -> [(name: String, value: String)] {
    var targets: [String] = []
    if let url = policy.url {
      targets.append("<" + url.replacingOccurrences(of: "{token}", with: token) + ">")
    }
    // The token rides in the subject, which mail clients send as given (RFC 6068), so the
    // mail that comes back names the customer and scope: `governor unsubscribe-mail` reads it.
    // Without it a mailto unsubscribe would arrive naming no one, and change nothing.
    if let mailto = policy.mailto {
      targets.append("<mailto:\(mailto)?subject=\(UnsubscribeMail.subjectWord)%20\(token)>")
    }
    var headers = [(name: Self.headerName, value: targets.joined(separator: ", "))]
    if policy.oneClick && policy.url != nil {
      headers.append((Self.postHeaderName, Self.oneClickValue))
    }
    return headers
  }

  /// A campaign tool's own header is kept when every entry is `<https:…>` or `<mailto:…>`
  /// (RFC 2369 §2) and, where the policy asks for one-click, it carries an https URI and the
  /// exact RFC 8058 `List-Unsubscribe-Post` value.
  func isValid(_ value: String, post: String?) -> Bool {
    let entries = value.split(separator: ",").map { $0.trimmed }
    guard !entries.isEmpty else { return false }
    var hasHTTPS = false
    for entry in entries {
      guard entry.hasPrefix("<"), entry.hasSuffix(">"), entry.count > 2 else { return false }
      let uri = entry.dropFirst().dropLast().lowercased()
      if uri.hasPrefix("https://") && uri.count > "https://".count {
        hasHTTPS = true
      } else if !(uri.hasPrefix("mailto:") && uri.contains("@")) {
        return false
      }
    }
    guard policy.oneClick else { return true }
    return hasHTTPS && post?.trimmed == Self.oneClickValue
  }

  /// Header names are case-insensitive (RFC 5322 §1.2.2).
  public static func value(of name: String, in headers: [String: String]) -> String? {
    headers.first { MIMEHeader.sameName($0.key, name) }?.value
  }
}

extension Substring {
  fileprivate var trimmed: String { String(self).trimmed }
}
