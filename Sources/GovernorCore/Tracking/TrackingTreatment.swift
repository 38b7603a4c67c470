/// What the tracking rules do to one URL. The HTML and the text rewriters both ask it, so a
/// link gets the same treatment in either part of a message.
struct TrackingTreatment: Sendable {
  let rules: TrackingPolicy.Rules
  let lists: TrackerIndex
  let unsubscribeLinks: UnsubscribeLinks
  let recipients: RecipientScan

  var scansRecipients: Bool {
    if case .none = recipients { false } else { true }
  }

  /// What is looked for in URL parameters besides tracking.
  enum RecipientScan: Sendable {
    case none
    /// This recipient's identifiers: removed or reported, as `rules` say.
    case recipient(RecipientIdentity)
    /// Every parameter value, reported as `TrackingChange.parameterValue` for the caller to
    /// take out: a campaign's parts are rewritten once, and each recipient is then checked
    /// against these values instead of rewriting the parts again.
    case collect

    /// This recipient's identifiers, or nothing when there is no recipient.
    init(_ recipient: RecipientIdentity?) {
      self = recipient.map { .recipient($0) } ?? .none
    }

    /// The same scan with the recipient's digests worked out, for a rewrite about to run:
    /// not before, since most messages hold no URL and never need them.
    var withDigests: Self {
      guard case .recipient(let recipient) = self else { return self }
      return .recipient(recipient.withDigests())
    }
  }

  /// How deep a chain of redirectors is followed (a redirector may wrap another).
  static let maximumRedirects = 4

  enum Resource {
    case keep
    case remove(kind: String)
  }

  /// A resource the mail client would fetch (an image, a stylesheet, a CSS `url()`):
  /// open-tracking endpoints and tiny or hidden images are open pixels; anything from a
  /// tracker domain is a third-party tracker.
  func resource(_ url: String, looksLikePixel: Bool = false) -> Resource {
    resource(WebAddress(url), looksLikePixel: looksLikePixel)
  }

  func resource(_ address: WebAddress?, looksLikePixel: Bool = false) -> Resource {
    guard rules.openPixels == .remove || rules.thirdPartyResources == .remove else { return .keep }
    let facts = address.map(lists.resourceFacts) ?? (isOpenPixel: false, isTrackerHost: false)
    if (looksLikePixel || facts.isOpenPixel) && rules.openPixels == .remove {
      return .remove(kind: TrackingChange.openPixel)
    }
    if facts.isTrackerHost && rules.thirdPartyResources == .remove {
      return .remove(kind: TrackingChange.trackerResource)
    }
    return .keep
  }

  /// The link with the tracking the rules do not allow taken out: what was done is appended
  /// to `modifications` (the caller's own list: a list per link was an allocation per link),
  /// and the link as it now reads is returned; nil when nothing was done.
  /// `trackedLinks` counts the links that still carry tracking, for `max_tracked_links`.
  func link(
    _ url: String, part: MessagePart, trackedLinks: inout Int,
    modifications: inout [Modification]
  ) -> String? {
    WebAddress(url).flatMap {
      link($0, part: part, trackedLinks: &trackedLinks, modifications: &modifications)
    }
  }

  func link(
    _ address: WebAddress, part: MessagePart, trackedLinks: inout Int,
    modifications: inout [Modification]
  ) -> String? {
    let mark = modifications.count
    let trackedBefore = trackedLinks
    var change = clean(
      address, unwrap: rules.clickRedirects == .remove,
      stripParameters: rules.urlParameters == .remove, part: part, into: &modifications)
    if change.stillTracked, let limit = rules.maxTrackedLinks {
      trackedLinks += 1
      if trackedLinks > limit {
        modifications.removeSubrange(mark...)
        change = clean(
          address, unwrap: true, stripParameters: true, part: part, into: &modifications)
      }
    }
    // The pass that removed tracking parameters may already have looked at the rest for the
    // recipient and found nothing.
    if scansRecipients && change.carriesRecipient != false {
      let current = change.url.isEmpty ? address : WebAddress(change.url)
      if let current, current.hasQuery,
        let cleaned = recipientIdentifiers(
          current, part: part, keptBy: change.redirector, into: &modifications)
      {
        change.url = cleaned
      }
    }
    if scansRecipients {
      let current = change.url.isEmpty ? address : WebAddress(change.url)
      if let current {
        outsideQuery(current, part: part, redirector: change.redirector, into: &modifications)
      }
    }
    guard modifications.count > mark || trackedLinks > trackedBefore else { return nil }
    // Only a link the rules would change or count is looked at again: most links are clean.
    // An unsubscribe link (or a redirect to one) keeps all it had and is not counted.
    if change.leadsToUnsubscribe
      || address.withSpans({ unsubscribeLinks.isUnsubscribe(url: $0.buffer) })
    {
      modifications.removeSubrange(mark...)
      trackedLinks = trackedBefore
      return nil
    }
    // A reported (not removed) identifier changes nothing: `url` is set only by a change.
    return change.url.isEmpty ? nil : change.url
  }

  /// A fetched resource that is kept: its URL without the recipient's identifiers (when the
  /// rules remove them); nil when it stays as written.
  func keptResource(
    _ address: WebAddress, part: MessagePart, modifications: inout [Modification]
  ) -> String? {
    guard scansRecipients else { return nil }
    outsideQuery(address, part: part, into: &modifications)
    return address.hasQuery
      ? recipientIdentifiers(address, part: part, into: &modifications) : nil
  }

  /// Looks for the recipient in the path's segments and the fragment, in every form the
  /// query's check knows, and reports where (collecting them as values, for a campaign).
  /// `redirector`: the one the URL still is, whose encoded place is read too.
  private func outsideQuery(
    _ address: WebAddress, part: MessagePart, redirector: Int? = nil,
    into modifications: inout [Modification]
  ) {
    address.withSpans { spans in
      switch recipients {
      case .none:
        return
      case .collect:
        spans.forEachOutsideQuery { value, _ in
          guard value.count >= 4 else { return }
          modifications.append(
            Modification(
              kind: TrackingChange.parameterValue,
              url: String(decoding: UnsafeBufferPointer(rebasing: value), as: UTF8.self)))
        }
      case .recipient(let recipient):
        var places: [String] = []
        spans.forEachOutsideQuery { value, place in
          if recipient.isCarried(by: value) && !places.contains(place) { places.append(place) }
        }
        if let redirector, lists.redirector(redirector, carries: recipient, in: address) {
          places.append("redirect record")
        }
        guard !places.isEmpty else { return }
        modifications.append(
          Modification(
            kind: TrackingChange.recipientIdentifierOutsideQuery, url: address.text,
            part: part.rawValue, detail: places.joined(separator: ", ")))
      }
    }
  }

  /// Finds the parameters that carry the recipient: removes them (and returns the URL
  /// without them) or only reports them, as the rules say.
  /// `keptBy`: the redirector the URL is, whose own parameters are only reported (cut, the
  /// redirect could no longer send the reader on).
  private func recipientIdentifiers(
    _ address: WebAddress, part: MessagePart, keptBy redirector: Int? = nil,
    into modifications: inout [Modification]
  ) -> String? {
    switch recipients {
    case .none:
      return nil
    case .collect:
      address.withSpans { spans in
        spans.forEachPair { pair in
          let value = WebAddress.Spans.split(pair).value
          guard value.count >= 4 else { return }
          modifications.append(
            Modification(
              kind: TrackingChange.parameterValue,
              url: String(decoding: UnsafeBufferPointer(rebasing: value), as: UTF8.self)))
        }
      }
      return nil
    case .recipient(let recipient):
      // One pass: each value is judged once, and the URL without the ones that go is built
      // as they are found.
      let removes = rules.recipientIdentifiers == .remove
      var removed: [String] = []
      var kept: [String] = []
      let cleaned = address.removingPairs { pair in
        guard recipient.isCarried(by: pair.value) else { return false }
        let name = String(decoding: UnsafeBufferPointer(rebasing: pair.name), as: UTF8.self)
        guard removes && !(redirector.map { lists.redirector($0, keeps: pair.name) } ?? false)
        else {
          kept.append(name)
          return false
        }
        removed.append(name)
        return true
      }
      // Each change says exactly which parameters went and which only were found.
      if let cleaned {
        modifications.append(
          Modification(
            kind: TrackingChange.recipientIdentifierRemoved, url: address.text,
            replacement: cleaned, part: part.rawValue, detail: removed.joined(separator: ", ")))
      }
      if !kept.isEmpty {
        modifications.append(
          Modification(
            kind: TrackingChange.recipientIdentifierFound, url: address.text, part: part.rawValue,
            detail: kept.joined(separator: ", ")))
      }
      return cleaned
    }
  }

  private struct LinkChange {
    /// Set once something changed.
    var url = ""
    var stillTracked = false
    var leadsToUnsubscribe = false
    /// Whether the parameters left carry the recipient; nil when they were not looked at.
    var carriesRecipient: Bool?
    /// The redirector the link still is, if any.
    var redirector: Int?
  }

  private func clean(
    _ original: WebAddress, unwrap: Bool, stripParameters: Bool, part: MessagePart,
    into modifications: inout [Modification]
  ) -> LinkChange {
    let mark = modifications.count
    var change = LinkChange()
    var address = original
    // The redirector at `address`, kept current so no URL is matched twice.
    var redirector = lists.redirector(for: address)
    if unwrap {
      var hops = 0
      while hops < Self.maximumRedirects, let current = redirector {
        hops += 1
        guard let next = lists.destination(of: address, through: current) else {
          modifications.append(
            Modification(
              kind: TrackingChange.redirectKept, url: address.text, part: part.rawValue))
          change.stillTracked = true
          break
        }
        if next.withSpans({ unsubscribeLinks.isUnsubscribe(url: $0.buffer) }) {
          change.leadsToUnsubscribe = true
          return change
        }
        modifications.append(
          Modification(
            kind: TrackingChange.redirectUnwrapped, url: address.text, replacement: next.text,
            part: part.rawValue))
        address = next
        redirector = lists.redirector(for: address)
      }
    }
    if modifications.count > mark { change.url = address.text }
    if stripParameters {
      // One pass over the pairs: the ones that stay are looked at for the recipient too, so
      // the cleaned link is not parsed and walked again for them (`link` does that only when
      // one is there).
      let recipient: RecipientIdentity? =
        if case .recipient(let recipient) = recipients { recipient } else { nil }
      if recipient != nil { change.carriesRecipient = false }
      // A redirector that stays keeps the parameters it needs to send the reader on.
      let kept = redirector
      let cleaned = address.removingPairs { pair in
        if lists.isTrackingParameter(pair.name) {
          return kept.map { !lists.redirector($0, keeps: pair.name) } ?? true
        }
        if let recipient, change.carriesRecipient == false, recipient.isCarried(by: pair.value) {
          change.carriesRecipient = true
        }
        return false
      }
      if let cleaned {
        modifications.append(
          Modification(
            kind: TrackingChange.parametersRemoved, url: address.text, replacement: cleaned,
            part: part.rawValue))
        change.url = cleaned
        // Removing parameters only narrows what a pattern matches: one that required a
        // parameter may no longer match.
        if let current = redirector, lists.redirectorRequiresParameter(current) {
          redirector = WebAddress(cleaned).flatMap(lists.redirector(for:))
        }
      }
    } else if address.hasParameter(where: lists.isTrackingParameter) {
      change.stillTracked = true
    }
    if redirector != nil { change.stillTracked = true }
    change.redirector = redirector
    return change
  }
}

public enum MessagePart: String, Sendable {
  case html
  case text
}

/// The `kind` of each change the tracking stage reports in a decision's `modifications`.
public enum TrackingChange {
  public static let openPixel = "open_pixel_removed"
  public static let trackerResource = "tracker_resource_removed"
  public static let redirectUnwrapped = "click_redirect_unwrapped"
  /// A known redirector whose destination only the ESP knows: left as it is, and said so.
  public static let redirectKept = "click_redirect_unrecoverable"
  public static let parametersRemoved = "tracking_parameters_removed"
  /// Parameters carrying the recipient's address, a digest or encoding of it, or their
  /// customer id; `detail` names the parameters.
  public static let recipientIdentifierRemoved = "recipient_identifier_removed"
  /// The same, kept because the recipient consented: only reported.
  public static let recipientIdentifierFound = "recipient_identifier_found"
  /// The recipient in a link's path or fragment (`detail`: which), where no cut can take it
  /// out without breaking the link: reported, or the message blocked, as the policy says.
  public static let recipientIdentifierOutsideQuery = "recipient_identifier_outside_query"
  /// The mail sender told not to add its own tracking; `detail` says which.
  public static let senderTrackingDisabled = "sender_tracking_disabled"
  /// The body is a template the mail sender renders (`SenderTemplate`): tracking written into
  /// it was not seen, so not limited; `detail` names the template.
  public static let bodyNotSeen = "body_not_seen"
  /// Internal to the tracking stage (see `RecipientScan.collect`); never in a decision.
  static let parameterValue = "parameter_value"

  public static let all = [
    openPixel, trackerResource, redirectUnwrapped, redirectKept, parametersRemoved,
    recipientIdentifierRemoved, recipientIdentifierFound, recipientIdentifierOutsideQuery,
    senderTrackingDisabled, bodyNotSeen,
  ]

  /// The kinds that take tracking out (a kept redirect or identifier is only reported).
  public static let removals: Set<String> = [
    openPixel, trackerResource, redirectUnwrapped, parametersRemoved,
    recipientIdentifierRemoved, senderTrackingDisabled,
  ]
}
