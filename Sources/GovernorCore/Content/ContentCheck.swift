/// The policy's content rules, ready to check a message's parts: the sender's identity read
/// into words once, not per decision.
struct ContentCheck: Sendable {
  private let rules: [ContentRule]
  private let sender: SenderIdentity
  private let name: VisibleWords?
  private let address: VisibleWords?
  private let adLabel: VisibleWords
  private let contacts: [Contact]
  private let unsubscribe: UnsubscribeLinks

  /// A way to reach the sender, as it may be shown: written out, or as a link's target.
  private enum Contact: Sendable {
    case phone(VisibleWords)
    /// An email or web address, lowercased without `mailto:` or the scheme.
    case address(String, VisibleWords)
  }

  init?(policy: ContentPolicy, unsubscribeURL: String?) {
    guard !policy.rules.isEmpty else { return nil }
    rules = policy.rules
    let sender = policy.sender
    self.sender = sender
    name = sender.name.map(VisibleWords.init)
    address = sender.postalAddress.map(VisibleWords.init)
    adLabel = VisibleWords(sender.adLabel)
    contacts = sender.contacts.map { contact in
      let words = VisibleWords(contact)
      guard contact.contains(where: \.isLetter) else { return .phone(words) }
      return .address(Self.bare(contact), words)
    }
    unsubscribe = UnsubscribeLinks(ownURL: unsubscribeURL)
  }

  func read(html: String?, text: String?) -> ContentReading {
    ContentReading(html: html, text: text, unsubscribe: unsubscribe)
  }

  /// The rules that apply to a message of `category` to a recipient in `zone`.
  func rules(category: String, zone: String) -> [ContentRule] {
    rules.filter { rule in
      rule.categories.contains(category) && (rule.timeZones.map { $0.contains(zone) } ?? true)
    }
  }

  /// The parts in which the reader cannot see what `requirement` asks for.
  func missing(
    _ requirement: ContentRequirement, in reading: ContentReading, subject: String
  ) -> [MessagePart] {
    reading.parts.filter { !shows(requirement, $0, subject: subject) }.map(\.part)
  }

  private func shows(
    _ requirement: ContentRequirement, _ part: ContentReading.Part, subject: String
  ) -> Bool {
    switch requirement {
    case .senderName: return name.map(part.words.contains) ?? false
    case .postalAddress: return address.map(part.words.contains) ?? false
    case .unsubscribeLink: return part.hasUnsubscribeLink
    case .adLabel:
      return part.words.contains(adLabel) || VisibleWords(subject).contains(adLabel)
    case .contact:
      return contacts.contains { contact in
        switch contact {
        case .phone(let digits): return part.words.containsPhone(digits)
        case .address(let bare, let words):
          return part.words.contains(words)
            || part.targets.contains { Self.bare($0).hasPrefix(bare) }
        }
      }
    }
  }

  /// What is shown of `requirement` for the reason: the expected text, where there is one.
  func expected(_ requirement: ContentRequirement) -> String? {
    switch requirement {
    case .senderName: return sender.name
    case .postalAddress: return sender.postalAddress
    case .adLabel: return sender.adLabel
    case .contact: return sender.contacts.joined(separator: ", ")
    case .unsubscribeLink: return nil
    }
  }

  private static func bare(_ address: String) -> String {
    var text = address.lowercased()
    for prefix in ["mailto:", "https://", "http://", "www."] where text.hasPrefix(prefix) {
      text.removeFirst(prefix.count)
    }
    return text
  }
}
