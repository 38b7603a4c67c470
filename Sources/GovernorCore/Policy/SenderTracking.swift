/// What tracking of its own the mail sender may add after the governor hands a message on:
/// ESPs add an open pixel, wrap links in click redirects and append analytics parameters
/// unless each request tells them not to. It follows the same tracking rules as the
/// rewriter, so a recipient without consent is not tracked by the sender either.
public struct SenderTracking: Hashable, Sendable, Codable {
  /// The sender's open pixel.
  public var opens: Bool
  /// The sender's click redirects.
  public var clicks: Bool
  /// Analytics parameters the sender appends to links (SendGrid's Google Analytics `utm_`).
  public var linkParameters: Bool

  enum CodingKeys: String, CodingKey {
    case opens, clicks
    case linkParameters = "link_parameters"
  }

  public init(opens: Bool, clicks: Bool, linkParameters: Bool) {
    self.opens = opens
    self.clicks = clicks
    self.linkParameters = linkParameters
  }

  public static let allowed = SenderTracking(opens: true, clicks: true, linkParameters: true)
  public static let disabled = SenderTracking(opens: false, clicks: false, linkParameters: false)

  public init(rules: TrackingPolicy.Rules) {
    opens = rules.openPixels == .keep
    clicks = rules.clickRedirects == .keep
    linkParameters = rules.urlParameters == .keep
  }

  /// Allowed only where both allow it: the policy's answer with the client's own "off" kept.
  public func keeping(_ requested: SenderTracking) -> SenderTracking {
    SenderTracking(
      opens: opens && requested.opens, clicks: clicks && requested.clicks,
      linkParameters: linkParameters && requested.linkParameters)
  }

  /// Whether everything is left as the campaign tool and the sender's account set it.
  public var isAllowed: Bool { self == .allowed }

  /// What is switched off, in the words the webhook body and the audit record use.
  public var disabledNames: [String] {
    var names: [String] = []
    if !opens { names.append("opens") }
    if !clicks { names.append("clicks") }
    if !linkParameters { names.append("link_parameters") }
    return names
  }
}
