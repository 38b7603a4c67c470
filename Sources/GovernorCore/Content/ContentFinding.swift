/// What a reader cannot see that a law requires: the requirement, its source, the parts it
/// is missing from.
public struct ContentFinding: Hashable, Sendable {
  public var law: ContentLaw
  public var requirement: ContentRequirement
  public var parts: [MessagePart]
  /// What was looked for (the declared address, name, contacts or label), where there is one.
  public var expected: String?
  /// For the advertisement label: the consent purpose that would have lifted it.
  public var consentPurpose: String?

  public var code: String { "missing_\(requirement.rawValue)" }

  public var source: String { law.source(of: requirement) }

  public var sentence: String {
    let partNames = parts.map { $0 == .html ? "the HTML part" : "the text part" }
      .joined(separator: " and ")
    var sentence = "\(law.requires) \(requirement.phrase) (\(source)); "
    switch requirement {
    case .unsubscribeLink:
      sentence += "no link a reader can see in \(partNames) unsubscribes"
    case .contact:
      sentence += "none of \(expected ?? "the sender's contacts") is visible in \(partNames)"
    case .adLabel:
      sentence +=
        "'\(expected ?? "")' is neither in the subject nor visible in \(partNames)"
        + (consentPurpose.map { ", and the customer has not consented to \($0)" } ?? "")
    case .senderName, .postalAddress:
      sentence += "'\(expected ?? "")' is not visible in \(partNames)"
    }
    return sentence
  }

  public var facts: Facts {
    var facts: Facts = [
      "law": .text(law.rawValue), "requirement": .text(requirement.rawValue),
      "source": .text(source), "parts": .texts(parts.map(\.rawValue)),
    ]
    if let expected { facts.append("expected", .text(expected)) }
    if let consentPurpose { facts.append("consent_purpose", .text(consentPurpose)) }
    return facts
  }
}
