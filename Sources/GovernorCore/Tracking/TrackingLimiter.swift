/// The pipeline's tracking stage: removes from a message's HTML and text the tracking the
/// recipient did not consent to (or that the policy forbids even with consent), and reports
/// every change. Pure, like the rest of the engine.
public struct TrackingLimiter: Sendable {
  public let policy: TrackingPolicy
  public var lists: TrackerLists { index.lists }
  private let index: TrackerIndex
  private let unsubscribeLinks: UnsubscribeLinks

  /// `unsubscribeURL`: the governor's own (the policy's List-Unsubscribe URL template), whose
  /// links are never changed.
  public init(policy: TrackingPolicy, lists: TrackerLists, unsubscribeURL: String? = nil) {
    self.policy = policy
    index = TrackerIndex(lists)
    unsubscribeLinks = UnsubscribeLinks(ownURL: unsubscribeURL)
  }

  /// The policy's tracking rules and lists, with its own unsubscribe URL left alone.
  public init(policy: Policy) {
    self.init(
      policy: policy.tracking, lists: policy.trackers,
      unsubscribeURL: policy.headers.listUnsubscribe?.url)
  }

  private func treatment(consent: Bool, recipients: TrackingTreatment.RecipientScan = .none)
    -> TrackingTreatment
  {
    TrackingTreatment(
      rules: rules(consent: consent), lists: index, unsubscribeLinks: unsubscribeLinks,
      recipients: recipients.withDigests)
  }

  public func rules(consent: Bool) -> TrackingPolicy.Rules {
    consent ? policy.withConsent : policy.withoutConsent
  }

  /// `recipient`: whose identifiers to look for in URL parameters.
  public func rewrite(
    html: String?, text: String?, consent: Bool, recipient: RecipientIdentity? = nil
  ) -> TrackingResult {
    rewrite(html: html, text: text, consent: consent, recipients: .init(recipient))
  }

  /// The rewrite for every recipient at once, with the parameter values a recipient's
  /// identifiers could be in (see `Engine.PreparedParts`).
  func prepare(html: String?, text: String?, consent: Bool) -> TrackingResult {
    var result = rewrite(html: html, text: text, consent: consent, recipients: .collect)
    var values: Set<ParameterValue> = []
    result.modifications.removeAll { change in
      guard change.kind == TrackingChange.parameterValue else { return false }
      if let value = change.url.flatMap({ ParameterValue($0.utf8) }) { values.insert(value) }
      return true
    }
    result.parameterValues = Array(values)
    return result
  }

  private func rewrite(
    html: String?, text: String?, consent: Bool, recipients: TrackingTreatment.RecipientScan
  ) -> TrackingResult {
    let html = html.flatMap { Self.mayHoldURL($0) ? $0 : nil }
    let text = text.flatMap { Self.mayHoldURL($0) ? $0 : nil }
    guard html != nil || text != nil else { return TrackingResult() }
    let treatment = treatment(consent: consent, recipients: recipients)
    if treatment.rules == .permissive, case .none = recipients { return TrackingResult() }
    var result = TrackingResult()
    if let html {
      let (output, modifications) = Self.rewriteHTML(html, treatment)
      result.modifications += modifications
      if let output { result.html = output }
    }
    if let text {
      var rewriter = TextRewriter(treatment: treatment)
      var utf8 = text.utf8
      if utf8.withContiguousStorageIfAvailable({ rewriter.process($0) }) == nil {
        var copy = text
        copy.makeContiguousUTF8()
        utf8 = copy.utf8
        utf8.withContiguousStorageIfAvailable { rewriter.process($0) }
      }
      result.modifications += rewriter.modifications
      if rewriter.replacementBytes > 0 || rewriter.output.count != text.utf8.count {
        result.text = String(decoding: rewriter.output, as: UTF8.self)
      }
    }
    return result
  }

  /// Every rule acts on an absolute (`scheme://`) or protocol-relative (`//`) URL: a part
  /// with no `//` has nothing a client could fetch or follow (a relative URL in a mail has no
  /// base, unless a `<base href>` gives one, which has a `//`). Most transactional mail and
  /// the engine's own benchmark message stop here, at memchr speed.
  static func mayHoldURL(_ part: String) -> Bool {
    part.utf8.withContiguousStorageIfAvailable { bytes in
      var index = 0
      while let slash = HTMLTokenizer.find(.slash, bytes, from: index, to: bytes.count) {
        if slash + 1 < bytes.count && bytes[slash + 1] == .slash { return true }
        index = slash + 1
      }
      return false
    } ?? hasDoubleSlash(part.utf8)
  }

  /// For the strings short enough to be stored inline, which have no contiguous storage.
  private static func hasDoubleSlash(_ utf8: String.UTF8View) -> Bool {
    var previous: UInt8 = 0
    for byte in utf8 {
      if byte == .slash && previous == .slash { return true }
      previous = byte
    }
    return false
  }

  private static func rewriteHTML(_ html: String, _ treatment: TrackingTreatment)
    -> (String?, [Modification])
  {
    var source = html
    source.makeContiguousUTF8()
    var rewriter = HTMLRewriter(treatment: treatment, capacity: source.utf8.count)
    source.utf8.withContiguousStorageIfAvailable { _ = rewriter.process($0, final: true) }
    let changed = rewriter.replacementBytes > 0 || rewriter.output.count != source.utf8.count
    return (
      changed ? String(decoding: rewriter.output, as: UTF8.self) : nil, rewriter.modifications
    )
  }

  /// The HTML rewriter over raw bytes, for the fuzzer and the benchmark: the output, the
  /// changes, and how many output bytes are not copies of input bytes.
  public func rewriteHTML(
    _ bytes: UnsafeBufferPointer<UInt8>, consent: Bool, recipient: RecipientIdentity? = nil
  ) -> (output: [UInt8], modifications: [Modification], replacementBytes: Int) {
    var rewriter = HTMLRewriter(
      treatment: treatment(consent: consent, recipients: .init(recipient)), capacity: bytes.count)
    _ = rewriter.process(bytes, final: true)
    return (rewriter.output, rewriter.modifications, rewriter.replacementBytes)
  }

  /// A rewriter fed in pieces, for bodies that arrive in pieces.
  public func htmlStream(consent: Bool, recipient: RecipientIdentity? = nil) -> HTMLRewriteStream {
    HTMLRewriteStream(
      HTMLRewriter(treatment: treatment(consent: consent, recipients: .init(recipient))))
  }
}

/// What the tracking stage did to a message: the new parts (nil where nothing changed) and
/// every change, in document order.
public struct TrackingResult: Hashable, Sendable {
  public var html: String?
  public var text: String?
  public var modifications: [Modification] = []
  /// From `TrackingLimiter.prepare` only: every parameter value in the parts' URLs.
  var parameterValues: [ParameterValue] = []

  public init(html: String? = nil, text: String? = nil, modifications: [Modification] = []) {
    self.html = html
    self.text = text
    self.modifications = modifications
  }
}

/// The HTML rewriter fed piece by piece. A construct cut by a piece's end (a tag, a comment,
/// a `<style>` element) is held back until it is complete. Held-back bytes are scanned again
/// only once they have doubled, so even a 20 MB unterminated comment fed in small pieces
/// costs linear time.
public struct HTMLRewriteStream {
  private var rewriter: HTMLRewriter
  private var pending: [UInt8] = []
  private var retryAt = 0

  init(_ rewriter: HTMLRewriter) {
    self.rewriter = rewriter
  }

  /// Takes the next piece; returns the output that is now final.
  public mutating func feed(_ piece: some Sequence<UInt8>) -> [UInt8] {
    pending.append(contentsOf: piece)
    guard pending.count >= retryAt else { return [] }
    let consumed = pending.withUnsafeBufferPointer { rewriter.process($0, final: false) }
    if consumed > 0 { pending.removeFirst(consumed) }
    retryAt = pending.count * 2
    return rewriter.takeOutput()
  }

  /// Ends the input; returns the rest of the output.
  public mutating func finish() -> [UInt8] {
    _ = pending.withUnsafeBufferPointer { rewriter.process($0, final: true) }
    pending = []
    return rewriter.takeOutput()
  }

  public var modifications: [Modification] { rewriter.modifications }
  public var replacementBytes: Int { rewriter.replacementBytes }
}
