/// The pipeline's tracking stage: removes from a message's HTML and text the tracking the
/// recipient did not consent to (or that the policy forbids even with consent), and reports
/// every change. Pure, like the rest of the engine.
public struct TrackingLimiter: Sendable {
  public let policy: TrackingPolicy
  public var lists: TrackerLists { index.lists }
  private let index: TrackerIndex

  public init(policy: TrackingPolicy, lists: TrackerLists) {
    self.policy = policy
    index = TrackerIndex(lists)
  }

  public func rules(consent: Bool) -> TrackingPolicy.Rules {
    consent ? policy.withConsent : policy.withoutConsent
  }

  public func rewrite(html: String?, text: String?, consent: Bool) -> TrackingResult {
    let html = html.flatMap { Self.mayHoldURL($0) ? $0 : nil }
    let text = text.flatMap { Self.mayHoldURL($0) ? $0 : nil }
    guard html != nil || text != nil else { return TrackingResult() }
    let rules = rules(consent: consent)
    guard rules != .permissive else { return TrackingResult() }
    let treatment = TrackingTreatment(rules: rules, lists: index)
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
  public func rewriteHTML(_ bytes: UnsafeBufferPointer<UInt8>, consent: Bool) -> (
    output: [UInt8], modifications: [Modification], replacementBytes: Int
  ) {
    var rewriter = HTMLRewriter(
      treatment: TrackingTreatment(rules: rules(consent: consent), lists: index),
      capacity: bytes.count)
    _ = rewriter.process(bytes, final: true)
    return (rewriter.output, rewriter.modifications, rewriter.replacementBytes)
  }

  /// A rewriter fed in pieces, for bodies that arrive in pieces.
  public func htmlStream(consent: Bool) -> HTMLRewriteStream {
    HTMLRewriteStream(
      HTMLRewriter(treatment: TrackingTreatment(rules: rules(consent: consent), lists: index)))
  }
}

/// What the tracking stage did to a message: the new parts (nil where nothing changed) and
/// every change, in document order.
public struct TrackingResult: Hashable, Sendable {
  public var html: String?
  public var text: String?
  public var modifications: [Modification] = []

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
