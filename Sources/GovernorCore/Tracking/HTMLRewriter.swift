import Foundation

/// Removes the tracking a message may not carry from its HTML in one forward pass over the
/// UTF-8 bytes, copying everything outside the spans it changes unchanged.
///
/// It follows the tokenizer's rules for tags, quoted and unquoted attributes, comments and
/// raw text (`style`, `script`, `title`, …), and rewrites inside Outlook's `<!--[if mso]>`
/// blocks, which Outlook renders as markup. It keeps no tree and no open-element stack (only
/// the one element hiding what it holds, `HiddenRegion`), so its time is linear in the input
/// and its memory is the output. Fed in pieces (`Stream`),
/// it stops before a construct that has not ended yet and resumes there.
struct HTMLRewriter {
  let treatment: TrackingTreatment
  private(set) var output: [UInt8] = []
  private(set) var modifications: [Modification] = []
  /// Bytes written that were not copied from the input.
  private(set) var replacementBytes = 0
  private var trackedLinks = 0
  private var attributes: [HTMLTokenizer.Attribute] = []
  private var known = KnownAttributes()
  /// The URL being judged, decoded; one buffer for every URL.
  private var urlBytes: [UInt8] = []
  /// Offset in the current input up to which everything is written (or deliberately dropped).
  private var copied = 0
  /// The anchor whose link was changed, until its text is read.
  private var anchor: AnchorWatch?
  /// The last bytes of the anchor's text read so far.
  private var anchorTextTail: [UInt8] = []
  /// How much output an anchor's link is kept undoable for.
  static let longestAnchor = 16_384
  /// The element that hides what it holds, while the rewriter is inside it.
  var hidden: HiddenRegion?

  /// A link is changed when its tag is read, but whether it is an unsubscribe link may only
  /// show in the text after the tag ("Unsubscribe", "Manage preferences"): until the anchor
  /// ends, the change is kept undoable, and undone if the text says so.
  private struct AnchorWatch {
    /// Where the new value is in `output`, and the value as it was written in the input;
    /// nil when the link was only reported (an unrecoverable redirect).
    var replaced: (written: Range<Int>, original: Original)?
    /// Its entries in `modifications`.
    var changes: Range<Int>
    var trackedLinksBefore: Int
    var saysUnsubscribe = false
  }

  /// Where the value a link came with is: in the input being processed (nearly always: an
  /// anchor ends in the piece it starts in), or copied out when the piece ends first. A copy
  /// for every changed link cost more than all the rest of the watch.
  private enum Original {
    case input(Range<Int>)
    case copied([UInt8])
  }

  init(treatment: TrackingTreatment, capacity: Int = 0) {
    self.treatment = treatment
    output.reserveCapacity(capacity)
  }

  /// Rewrites `bytes`; when `final` is false, stops at a construct that may continue in the
  /// next piece and returns its offset (all before it is written). Returns `bytes.count`
  /// when everything was handled.
  mutating func process(_ bytes: UnsafeBufferPointer<UInt8>, final: Bool) -> Int {
    copied = 0
    let stop = scan(bytes, from: 0, to: bytes.count, final: final) ?? bytes.count
    copy(bytes, upTo: stop)
    if final {
      endAnchor(bytes)
    } else if case (let written, .input(let range))? = anchor?.replaced {
      anchor?.replaced = (written, .copied(Array(UnsafeBufferPointer(rebasing: bytes[range]))))
    }
    return stop
  }

  /// The output that is final so far, handed over and forgotten (for the stream): all of it,
  /// except from a link that may still be put back.
  mutating func takeOutput() -> [UInt8] {
    guard var watched = anchor, let replaced = watched.replaced else {
      defer { output.removeAll(keepingCapacity: true) }
      return output
    }
    let ready = replaced.written.lowerBound
    defer {
      output.removeFirst(ready)
      watched.replaced?.written = 0..<replaced.written.count
      anchor = watched
    }
    return Array(output[..<ready])
  }

  /// Ends the watch on the current anchor; a link written around unsubscribe words gets back
  /// the value it came with, and its changes are no longer reported.
  private mutating func endAnchor(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let watched = anchor else { return }
    anchor = nil
    anchorTextTail.removeAll(keepingCapacity: true)
    guard watched.saysUnsubscribe else { return }
    switch watched.replaced {
    case (let written, .input(let range))?:
      output.replaceSubrange(written, with: UnsafeBufferPointer(rebasing: bytes[range]))
      replacementBytes -= written.count
    case (let written, .copied(let original))?:
      output.replaceSubrange(written, with: original)
      replacementBytes -= written.count
    case nil:
      break
    }
    modifications.removeSubrange(watched.changes)
    trackedLinks = watched.trackedLinksBefore
  }

  /// Reads the next run of an anchor's text. The end of the runs before it is kept, so a word
  /// split by markup (`Unsub<b>scribe</b>`) or by the end of a piece is still found.
  private mutating func readAnchorText(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
    guard anchor?.saysUnsubscribe == false, !range.isEmpty else { return }
    // An anchor left open runs to the end of the mail; a stream would hold all the output
    // after its link. An unsubscribe link's markup is short: past this, it is not one.
    if let start = anchor?.replaced?.written.lowerBound, output.count - start > Self.longestAnchor {
      endAnchor(bytes)
      return
    }
    let kept = UnsubscribeLinks.longestWord - 1
    if !anchorTextTail.isEmpty {
      var joined = anchorTextTail
      joined.append(
        contentsOf: UnsafeBufferPointer(
          rebasing: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + kept)]))
      if joined.withUnsafeBufferPointer(UnsubscribeLinks.saysUnsubscribe) {
        anchor?.saysUnsubscribe = true
        return
      }
    }
    if UnsubscribeLinks.saysUnsubscribe(UnsafeBufferPointer(rebasing: bytes[range])) {
      anchor?.saysUnsubscribe = true
      return
    }
    anchorTextTail.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
    if anchorTextTail.count > kept { anchorTextTail.removeFirst(anchorTextTail.count - kept) }
  }

  /// Nil when `[start, limit)` was handled whole; otherwise where an unfinished construct
  /// begins (only when not `final`).
  private mutating func scan(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to limit: Int, final: Bool
  ) -> Int? {
    var index = start
    while let open = HTMLTokenizer.find(.lessThan, bytes, from: index, to: limit) {
      if anchor != nil { readAnchorText(bytes, index..<open) }
      guard open + 2 < limit else { return final ? nil : open }
      let next = bytes[open + 1]
      if next.isASCIILetter {
        guard
          let (nameEnd, end) = HTMLTokenizer.tag(
            bytes, nameStart: open + 1, limit: limit, attributes: &attributes, known: &known)
        else { return final ? nil : open }
        let name = (open + 1)..<nameEnd
        let element = Element(bytes, name)
        noteStart(bytes, name: name, element: element)
        if element.hasRawText {
          guard
            let close = element == .plaintext
              ? nil
              : HTMLTokenizer.rawTextEnd(bytes, name: name, from: end, limit: limit)
          else {
            if !final { return open }
            startTag(bytes, open: open, end: end, element: element)
            if element == .style { rewriteCSS(bytes, end..<limit) }
            return nil
          }
          startTag(bytes, open: open, end: end, element: element)
          if element == .style { rewriteCSS(bytes, end..<close) }
          index = close
        } else {
          startTag(bytes, open: open, end: end, element: element)
          index = end
        }
      } else if next == .slash {
        let after = bytes[open + 2]
        if after.isASCIILetter {
          guard
            let (nameEnd, end) = HTMLTokenizer.tag(
              bytes, nameStart: open + 2, limit: limit, attributes: &attributes, known: &known)
          else { return final ? nil : open }
          if anchor != nil && Element(bytes, (open + 2)..<nameEnd) == .anchor { endAnchor(bytes) }
          if let region = hidden { region.end(bytes, name: (open + 2)..<nameEnd, into: &hidden) }
          index = end
        } else if after == .greaterThan {
          index = open + 3
        } else {
          guard let end = HTMLTokenizer.find(.greaterThan, bytes, from: open + 2, to: limit)
          else { return final ? nil : open }
          index = end + 1
        }
      } else if next == .exclamation {
        if bytes[open + 2] == .dash {
          guard open + 3 < limit else { return final ? nil : open }
          if bytes[open + 3] == .dash {
            guard let end = HTMLTokenizer.commentEnd(bytes, open: open, limit: limit) else {
              return final ? nil : open
            }
            rewriteConditionalComment(bytes, open: open, end: end)
            index = end
            continue
          }
        }
        // DOCTYPE, CDATA outside foreign content and other markup declarations are bogus
        // comments that end at the first `>` (§13.2.5.41–42).
        guard let end = HTMLTokenizer.find(.greaterThan, bytes, from: open + 2, to: limit) else {
          return final ? nil : open
        }
        index = end + 1
      } else if next == .question {
        guard let end = HTMLTokenizer.find(.greaterThan, bytes, from: open + 2, to: limit) else {
          return final ? nil : open
        }
        index = end + 1
      } else {
        index = open + 1
      }
    }
    if anchor != nil { readAnchorText(bytes, min(index, limit)..<limit) }
    return nil
  }

  /// Outlook renders what `<!--[if mso]>…<![endif]-->` holds, so its markup is rewritten as
  /// any other; other comments are text no client shows.
  private mutating func rewriteConditionalComment(
    _ bytes: UnsafeBufferPointer<UInt8>, open: Int, end: Int
  ) {
    let data = open + 4
    guard HTMLTokenizer.hasPrefix(bytes, at: data, limit: end, "[if") else { return }
    let dataEnd = bytes[end - 2] == .exclamation ? end - 4 : end - 3
    guard dataEnd > data else { return }
    _ = scan(bytes, from: data, to: dataEnd, final: true)
  }

  // MARK: Writing

  private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, upTo offset: Int) {
    guard offset > copied else { return }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<offset]))
    copied = offset
  }

  /// Writes `value` encoded in place of an attribute's value, quoted with the attribute's
  /// quote (an unquoted value gets double quotes: the new one may need them).
  /// Returns where in `output` the new value went.
  @discardableResult
  private mutating func replace(
    _ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>, withAttributeValue value: String,
    quote: UInt8, escapeAllAmpersands: Bool
  ) -> Range<Int> {
    copy(bytes, upTo: range.lowerBound)
    let start = output.count
    let written = quote == 0 ? UInt8.doubleQuote : quote
    if quote == 0 { output.append(written) }
    CharacterReferences.appendEncodedAttribute(
      value, quote: written, escapeAllAmpersands: escapeAllAmpersands, to: &output)
    if quote == 0 { output.append(written) }
    replacementBytes += output.count - start
    copied = range.upperBound
    return start..<output.count
  }

  private mutating func replace(
    _ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>, with replacement: [UInt8]
  ) {
    copy(bytes, upTo: range.lowerBound)
    output.append(contentsOf: replacement)
    replacementBytes += replacement.count
    copied = range.upperBound
  }
}

// MARK: Tags

extension HTMLRewriter {
  /// The elements whose attributes the tracking rules read; everything else is `.other`.
  enum Element: Equatable {
    /// `anchor` is `<a>`, whose text follows; `area` has none.
    case image, anchor, area, link, input, style, rawText, plaintext, vml, fetching, other

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) {
      // The length and the first letter pick the few candidates: every tag passes here.
      let first = HTMLTokenizer.lowercased(bytes[name.lowerBound])
      if first == UInt8(ascii: "v"), name.count > 2, bytes[name.lowerBound + 1] == .colon {
        self = .vml
        return
      }
      func either(_ one: (StaticString, Element), _ other: (StaticString, Element)? = nil)
        -> Element
      {
        if HTMLTokenizer.is(bytes, name, one.0) { return one.1 }
        if let other, HTMLTokenizer.is(bytes, name, other.0) { return other.1 }
        return .other
      }
      switch (name.count, first) {
      case (1, UInt8(ascii: "a")): self = .anchor
      case (3, UInt8(ascii: "i")): self = either(("img", .image))
      case (3, UInt8(ascii: "x")): self = either(("xmp", .rawText))
      case (4, UInt8(ascii: "l")): self = either(("link", .link))
      case (4, UInt8(ascii: "a")): self = either(("area", .area))
      case (5, UInt8(ascii: "s")): self = either(("style", .style))
      case (5, UInt8(ascii: "i")): self = either(("image", .image), ("input", .input))
      case (5, UInt8(ascii: "t")): self = either(("title", .rawText), ("track", .fetching))
      case (5, UInt8(ascii: "v")): self = either(("video", .fetching))
      case (5, UInt8(ascii: "a")): self = either(("audio", .fetching))
      case (5, UInt8(ascii: "e")): self = either(("embed", .fetching))
      case (5, UInt8(ascii: "f")): self = either(("frame", .fetching))
      case (6, UInt8(ascii: "s")): self = either(("script", .rawText), ("source", .fetching))
      case (6, UInt8(ascii: "i")): self = either(("iframe", .rawText))
      // `noscript` is not raw text: it is only where scripts run, and no mail client runs
      // them, so what it holds is shown (and fetched) like any other markup.
      case (7, UInt8(ascii: "n")): self = either(("noembed", .rawText))
      case (8, UInt8(ascii: "t")): self = either(("textarea", .rawText))
      case (8, UInt8(ascii: "n")): self = either(("noframes", .rawText))
      case (9, UInt8(ascii: "p")): self = either(("plaintext", .plaintext))
      default: self = .other
      }
    }

    var hasRawText: Bool { self == .style || self == .rawText || self == .plaintext }
    /// `href` is a link the reader follows (VML buttons carry theirs in `href` too).
    var followsHref: Bool { self == .anchor || self == .area || self == .vml }
    /// `src` is fetched when the message is shown.
    var fetchesSource: Bool { self == .rawText || self == .vml || self == .fetching }
  }

  private mutating func startTag(
    _ bytes: UnsafeBufferPointer<UInt8>, open: Int, end: Int, element: Element
  ) {
    // An `<a>` inside an `<a>` closes the first (HTML's adoption agency does the same).
    if element == .anchor && anchor != nil { endAnchor(bytes) }
    let attributes = self.attributes
    guard !attributes.isEmpty else { return }
    let known = self.known
    guard !known.isEmpty else { return }
    switch element {
    case .image, .input:
      if removeImage(bytes, open: open, end: end, known: known, isInput: element == .input) {
        return
      }
    case .link:
      if let href = known[.href], let range = attributes[href].value,
        case .remove(let kind) = resource(bytes, range)
      {
        modifications.append(
          Modification(kind: kind, url: urlText, part: MessagePart.html.rawValue))
        replace(open..<end, in: bytes, with: [])
        return
      }
    default: break
    }
    // Each is the first of its name: the tokenizer keeps no other.
    for attribute in attributes {
      guard let valueRange = attribute.value else { continue }
      let name = attribute.name
      switch name {
      case .href:
        if element.followsHref {
          rewriteLink(bytes, attribute, valueRange, watchText: element == .anchor)
        }
      case .style:
        rewriteStyleAttribute(bytes, attribute, valueRange)
      case .srcset:
        if element == .image || element == .fetching {
          removeSourceSet(bytes, attribute, valueRange)
        }
      case .background, .poster, .src:
        // An image's `src` was judged with its shape, above; what is kept may still carry
        // the recipient.
        let isImage = name == .src && (element == .image || element == .input)
        guard name != .src || element.fetchesSource || isImage else { continue }
        if !isImage, case .remove(let kind) = resource(bytes, valueRange) {
          modifications.append(
            Modification(kind: kind, url: urlText, part: MessagePart.html.rawValue))
          replace(attribute.whole, in: bytes, with: [])
        } else {
          cleanKeptResource(bytes, attribute, valueRange)
        }
      case .width, .height, .hidden, .type:
        continue
      }
    }
  }

  /// Removes an `<img>` that is an open pixel or a third-party tracker; true if it did.
  private mutating func removeImage(
    _ bytes: UnsafeBufferPointer<UInt8>, open: Int, end: Int, known: KnownAttributes,
    isInput: Bool
  ) -> Bool {
    if isInput {
      guard let type = known[.type], let range = attributes[type].value,
        withValue(bytes, range, { $0.trimmingHTMLSpace.elementsEqualIgnoringASCIICase("image") })
      else { return false }
    }
    guard let source = known[.src], let sourceRange = attributes[source].value else {
      return false
    }
    var shape = ImageShape()
    shape.isHidden = known[.hidden] != nil || hidden != nil
    if let width = known[.width], let range = attributes[width].value {
      withValue(bytes, range) { shape.readDimension($0) }
    }
    if let height = known[.height], let range = attributes[height].value {
      withValue(bytes, range) { shape.readDimension($0) }
    }
    if let style = known[.style], let range = attributes[style].value {
      withValue(bytes, range) { shape.readStyle($0) }
    }
    guard case .remove(let kind) = resource(bytes, sourceRange, looksLikePixel: shape.isPixel)
    else { return false }
    modifications.append(Modification(kind: kind, url: urlText, part: MessagePart.html.rawValue))
    replace(open..<end, in: bytes, with: [])
    return true
  }

  /// A start tag: one that hides what it holds begins a hidden region (unless one is open:
  /// then a tag of its name nests in it).
  private mutating func noteStart(
    _ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, element: Element
  ) {
    if hidden != nil {
      hidden?.start(bytes, name: name)
      return
    }
    let known = self.known
    guard !known.isEmpty, element == .other || element == .vml,
      known[.hidden] != nil || known[.style] != nil || known[.width] != nil
        || known[.height] != nil,
      // Most styled elements are cells and paragraphs, which start no region: their style
      // is not read.
      HiddenRegion.mayStart(bytes, name: name)
    else { return }
    var shape = ImageShape()
    shape.isHidden = known[.hidden] != nil
    for attribute in [KnownAttribute.width, .height] {
      if let position = known[attribute], let range = attributes[position].value {
        withValue(bytes, range) { shape.readDimension($0) }
      }
    }
    if let style = known[.style], let range = attributes[style].value {
      withValue(bytes, range) { shape.readStyle($0) }
    }
    guard shape.isHidden || shape.hasZeroSize else { return }
    hidden = HiddenRegion(bytes, name: name)
  }

  /// Calls `body` with the attribute value as the browser reads it: the bytes where they are
  /// when they hold no character reference (nearly always), else decoded.
  private func withValue<Result>(
    _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
    _ body: (Slice<UnsafeBufferPointer<UInt8>>) -> Result
  ) -> Result {
    guard CharacterReferences.firstAmpersand(bytes, range) != nil else {
      return body(bytes[range])
    }
    return CharacterReferences.decodedBytes(bytes, range).withUnsafeBufferPointer {
      body($0[...])
    }
  }

  /// The rules' verdict on the resource URL in `range`, decoded into `urlBytes`.
  private mutating func resource(
    _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, looksLikePixel: Bool = false
  ) -> TrackingTreatment.Resource {
    decodeURL(bytes, range)
    guard !urlBytes.isEmpty else { return .keep }
    return treatment.resource(WebAddress(bytes: urlBytes), looksLikePixel: looksLikePixel)
  }

  /// Decodes the URL in `range` into `urlBytes`, reusing its storage: a buffer per URL was
  /// a tenth of the rewriter's time.
  private mutating func decodeURL(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
    urlBytes.removeAll(keepingCapacity: true)
    CharacterReferences.appendDecoded(
      bytes, CharacterReferences.trimmingHTMLSpace(bytes, range), to: &urlBytes)
  }

  /// The URL last decoded, for a report.
  private var urlText: String { String(decoding: urlBytes, as: UTF8.self) }

  /// A `srcset` naming a tracker goes whole: the client falls back to `src`, which is
  /// judged on its own, and a partly kept set would change which image a screen picks.
  private mutating func removeSourceSet(
    _ bytes: UnsafeBufferPointer<UInt8>, _ attribute: HTMLTokenizer.Attribute,
    _ valueRange: Range<Int>
  ) {
    let value = CharacterReferences.decodeAttribute(bytes, valueRange)
    var removed: [Modification] = []
    for url in SourceSet.urls(in: value) {
      if case .remove(let kind) = treatment.resource(url) {
        removed.append(Modification(kind: kind, url: url, part: MessagePart.html.rawValue))
      }
    }
    guard !removed.isEmpty else { return }
    modifications += removed
    replace(attribute.whole, in: bytes, with: [])
  }

  /// `watchText`: the link's text follows, and may show it is an unsubscribe link.
  private mutating func rewriteLink(
    _ bytes: UnsafeBufferPointer<UInt8>, _ attribute: HTMLTokenizer.Attribute,
    _ valueRange: Range<Int>, watchText: Bool
  ) {
    decodeURL(bytes, valueRange)
    let mark = modifications.count
    let trackedBefore = trackedLinks
    guard let address = WebAddress(bytes: urlBytes) else { return }
    let changed = treatment.link(
      address, part: .html, trackedLinks: &trackedLinks, modifications: &modifications)
    // As the treatment does: a link counted as tracked is watched too, so an unsubscribe link
    // found by its text is not counted either.
    guard modifications.count > mark || trackedLinks > trackedBefore else { return }
    var replaced: (written: Range<Int>, original: Original)?
    if var changed,
      !changed.withUTF8({ written in
        guard let start = written.baseAddress else { return urlBytes.isEmpty }
        return written.count == urlBytes.count && memcmp(start, urlBytes, written.count) == 0
      })
    {
      let written = replace(
        valueRange, in: bytes, withAttributeValue: changed, quote: attribute.quote,
        escapeAllAmpersands: containsEscapedAmpersand(bytes, valueRange))
      // `written` took the place of exactly `valueRange` (with the quotes an unquoted value
      // was given), so those bytes are what goes back.
      replaced = (written, .input(valueRange))
    }
    guard watchText else { return }
    anchor = AnchorWatch(
      replaced: replaced, changes: mark..<modifications.count, trackedLinksBefore: trackedBefore)
    anchorTextTail.removeAll(keepingCapacity: true)
  }

  /// A resource that stays: the recipient's identifiers come out of its URL, if the rules say.
  private mutating func cleanKeptResource(
    _ bytes: UnsafeBufferPointer<UInt8>, _ attribute: HTMLTokenizer.Attribute,
    _ valueRange: Range<Int>
  ) {
    // A URL without `?` has no parameters to look in: most images.
    guard treatment.scansRecipients,
      HTMLTokenizer.find(.question, bytes, from: valueRange.lowerBound, to: valueRange.upperBound)
        != nil
    else { return }
    decodeURL(bytes, valueRange)
    guard let address = WebAddress(bytes: urlBytes),
      let cleaned = treatment.keptResource(address, part: .html, modifications: &modifications)
    else { return }
    replace(
      valueRange, in: bytes, withAttributeValue: cleaned, quote: attribute.quote,
      escapeAllAmpersands: containsEscapedAmpersand(bytes, valueRange))
  }

  private func containsEscapedAmpersand(
    _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>
  ) -> Bool {
    var index = range.lowerBound
    while let ampersand = HTMLTokenizer.find(.ampersand, bytes, from: index, to: range.upperBound) {
      if HTMLTokenizer.hasPrefix(bytes, at: ampersand, limit: range.upperBound, "&amp;") {
        return true
      }
      index = ampersand + 1
    }
    return false
  }
}

// MARK: CSS

extension HTMLRewriter {
  /// A `style` element's text: each `url(…)` the rules remove becomes `none`, which every
  /// property that takes an image accepts.
  private mutating func rewriteCSS(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
    for found in CSSURLs.find(in: bytes, range) {
      if case .remove(let kind) = treatment.resource(found.url) {
        modifications.append(
          Modification(kind: kind, url: found.url, part: MessagePart.html.rawValue))
        replace(found.span, in: bytes, with: CSSURLs.none)
      }
    }
  }

  /// A `style` attribute: rewritten in place when it has no character references; otherwise
  /// decoded (so `url(&quot;…&quot;)` is read as the browser reads it) and written back whole.
  private mutating func rewriteStyleAttribute(
    _ bytes: UnsafeBufferPointer<UInt8>, _ attribute: HTMLTokenizer.Attribute,
    _ valueRange: Range<Int>
  ) {
    guard
      HTMLTokenizer.find(
        UInt8(ascii: "("), bytes, from: valueRange.lowerBound, to: valueRange.upperBound) != nil
    else { return }
    guard CharacterReferences.firstAmpersand(bytes, valueRange) != nil else {
      rewriteCSS(bytes, valueRange)
      return
    }
    let decoded = Array(CharacterReferences.decodeAttribute(bytes, valueRange).utf8)
    var rewritten: [UInt8] = []
    var changed = false
    decoded.withUnsafeBufferPointer { css in
      var copiedCSS = 0
      for found in CSSURLs.find(in: css, 0..<css.count) {
        guard case .remove(let kind) = treatment.resource(found.url) else { continue }
        modifications.append(
          Modification(kind: kind, url: found.url, part: MessagePart.html.rawValue))
        rewritten.append(contentsOf: css[copiedCSS..<found.span.lowerBound])
        rewritten.append(contentsOf: CSSURLs.none)
        copiedCSS = found.span.upperBound
        changed = true
      }
      rewritten.append(contentsOf: css[copiedCSS...])
    }
    guard changed else { return }
    replace(
      valueRange, in: bytes, withAttributeValue: String(decoding: rewritten, as: UTF8.self),
      quote: attribute.quote, escapeAllAmpersands: false)
  }
}
