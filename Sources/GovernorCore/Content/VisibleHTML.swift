/// What a reader sees of an HTML part: its text, and the links they can click. Text across
/// tags is joined (`Spring<b>field</b>` is one word), block elements and `<br>` separate,
/// character references (`&amp;`, `&nbsp;`) are decoded; what no reader sees is left out:
/// comments (Outlook's conditional blocks among them: other clients do not show them),
/// `<head>`, scripts and styles, and every element hidden by `display:none`,
/// `visibility:hidden`, zero opacity or size, `font-size:0`, `mso-hide:all` or the `hidden`
/// attribute, with all it holds.
///
/// Read with the tracking rewriter's tokenizer rules; written by hand because no listed
/// library parses HTML.
struct VisibleHTML {
  struct Link {
    /// The `href`, decoded.
    var href: String
    /// The link's visible text.
    var text: String
  }

  private(set) var text = ""
  private(set) var links: [Link] = []

  init(_ html: String) {
    var html = html
    html.withUTF8 { self.read($0) }
  }

  private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
    var scanner = Scanner(bytes: bytes)
    scanner.run()
    text = String(decoding: scanner.output, as: UTF8.self)
    links = scanner.links
  }
}

private struct Scanner {
  let bytes: UnsafeBufferPointer<UInt8>
  var output: [UInt8] = []
  var links: [VisibleHTML.Link] = []
  /// An element whose end tag HTML requires, hiding what it holds.
  private var hidden: HiddenRegion?
  /// An element whose end tag may be left out (`<p>`, `<td>`, `<li>`), hiding what it holds
  /// until its end tag, the next element of its kind, or the end of what contains it.
  private var looseHidden: [UInt8]?
  /// The open link: its href and where its text starts in `output`; nil outside links and for
  /// links no reader sees.
  private var link: (href: String, start: Int)?
  private var attributes: [HTMLTokenizer.Attribute] = []
  private var known = KnownAttributes()

  init(bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  private var isHidden: Bool { hidden != nil || looseHidden != nil }

  mutating func run() {
    let limit = bytes.count
    var index = 0
    while index < limit {
      guard let open = HTMLTokenizer.find(.lessThan, bytes, from: index, to: limit) else {
        appendText(index..<limit)
        break
      }
      appendText(index..<open)
      index = markup(at: open, limit: limit)
    }
    closeLink()
  }

  private mutating func appendText(_ range: Range<Int>) {
    guard !range.isEmpty, !isHidden else { return }
    CharacterReferences.appendDecoded(bytes, range, to: &output)
  }

  /// Reads the markup at `open` (a `<`); returns where the text after it starts.
  private mutating func markup(at open: Int, limit: Int) -> Int {
    guard open + 1 < limit else {
      appendText(open..<limit)
      return limit
    }
    let next = bytes[open + 1]
    if next == .exclamation {
      if HTMLTokenizer.hasPrefix(bytes, at: open, limit: limit, "<!--") {
        return HTMLTokenizer.commentEnd(bytes, open: open, limit: limit) ?? limit
      }
      return (HTMLTokenizer.find(.greaterThan, bytes, from: open, to: limit) ?? limit - 1) + 1
    }
    let isEnd = next == .slash
    let nameStart = open + (isEnd ? 2 : 1)
    guard nameStart < limit, bytes[nameStart].isASCIILetter else {
      // Not a tag: a `<` in text (`a < b`), shown as it is.
      appendText(open..<(open + 1))
      return open + 1
    }
    guard
      let (nameEnd, end) = HTMLTokenizer.tag(
        bytes, nameStart: nameStart, limit: limit, attributes: &attributes, known: &known)
    else { return limit }
    let name = nameStart..<nameEnd
    if isEnd {
      endTag(name)
      return end
    }
    if Self.isRawText(bytes, name) {
      // Its text is never shown: skip to its end tag.
      guard let close = HTMLTokenizer.rawTextEnd(bytes, name: name, from: end, limit: limit)
      else {
        // An unclosed style or script runs to the end, as in a browser; an unclosed head
        // ends where the body starts, which a mail rarely marks.
        return HTMLTokenizer.is(bytes, name, "head") ? end : limit
      }
      return (HTMLTokenizer.find(.greaterThan, bytes, from: close, to: limit) ?? limit - 1) + 1
    }
    startTag(name)
    return end
  }

  private mutating func startTag(_ name: Range<Int>) {
    if Self.separates(bytes, name) { separate() }
    if let loose = looseHidden, endsLoose(loose, startOf: name) { looseHidden = nil }
    if HTMLTokenizer.is(bytes, name, "a") { closeLink() }
    if hidden != nil {
      hidden?.start(bytes, name: name)
    } else if looseHidden == nil, hides() {
      if let region = HiddenRegion(bytes, name: name) {
        hidden = region
      } else if !Self.isVoid(bytes, name) {
        looseHidden = bytes[name].map(HTMLTokenizer.lowercased)
      }
    }
    if HTMLTokenizer.is(bytes, name, "a"), !isHidden, let position = known[.href],
      let value = attributes[position].value
    {
      link = (CharacterReferences.decodeAttribute(bytes, value), output.count)
    }
  }

  private mutating func endTag(_ name: Range<Int>) {
    if HTMLTokenizer.is(bytes, name, "a") { closeLink() }
    if let region = hidden { region.end(bytes, name: name, into: &hidden) }
    if let loose = looseHidden, endsLoose(loose, endOf: name) { looseHidden = nil }
    if Self.separates(bytes, name) { separate() }
  }

  private mutating func closeLink() {
    guard let open = link else { return }
    link = nil
    let text = String(decoding: output[open.start...], as: UTF8.self)
    links.append(VisibleHTML.Link(href: open.href, text: text))
  }

  private mutating func separate() {
    if output.last != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\n")) }
  }

  /// Whether the tag just read hides what it holds.
  private func hides() -> Bool {
    guard !known.isEmpty else { return false }
    var shape = ImageShape()
    shape.isHidden = known[.hidden] != nil
    for attribute in [KnownAttribute.width, .height] {
      if let position = known[attribute], let range = attributes[position].value {
        let value = CharacterReferences.decodedBytes(bytes, range)
        value.withUnsafeBufferPointer { shape.readDimension($0[...]) }
      }
    }
    var fontSizeZero = false
    if let position = known[.style], let range = attributes[position].value {
      let style = CharacterReferences.decodedBytes(bytes, range)
      style.withUnsafeBufferPointer { shape.readStyle($0[...]) }
      fontSizeZero = Self.hasZeroFontSize(style)
    }
    return shape.isHidden || shape.hasZeroSize || fontSizeZero
  }

  /// `font-size: 0` (in any unit): text so set takes no room at all.
  static func hasZeroFontSize(_ style: [UInt8]) -> Bool {
    let property: StaticString = "font-size"
    let length = property.utf8CodeUnitCount
    var start = 0
    // Every styled element passes here: the first letter is compared before the rest.
    while start + length <= style.count {
      guard HTMLTokenizer.lowercased(style[start]) == UInt8(ascii: "f"),
        style.withUnsafeBufferPointer({
          HTMLTokenizer.is($0, start..<(start + length), property)
        })
      else {
        start += 1
        continue
      }
      var index = start + length
      while index < style.count && style[index].isHTMLSpace { index += 1 }
      guard index < style.count, style[index] == .colon else {
        start += 1
        continue
      }
      index += 1
      while index < style.count && style[index].isHTMLSpace { index += 1 }
      if ImageShape.number(style[index...]).amount == 0 { return true }
      start = index
    }
    return false
  }

  private func endsLoose(_ loose: [UInt8], startOf name: Range<Int>) -> Bool {
    matches(loose, name) || (Self.isCell(loose) && Self.isCell(bytes, name))
  }

  private func endsLoose(_ loose: [UInt8], endOf name: Range<Int>) -> Bool {
    matches(loose, name) || Self.containers.contains { HTMLTokenizer.is(bytes, name, $0) }
  }

  private func matches(_ loose: [UInt8], _ name: Range<Int>) -> Bool {
    name.count == loose.count
      && zip(bytes[name], loose).allSatisfy { HTMLTokenizer.lowercased($0) == $1 }
  }

  /// End tags that end every unended element inside them.
  private static let containers: [StaticString] = [
    "tr", "table", "tbody", "thead", "tfoot", "ul", "ol", "dl", "div", "body", "td", "th",
  ]

  private static func isCell(_ name: [UInt8]) -> Bool {
    name == Array("td".utf8) || name == Array("th".utf8) || name == Array("tr".utf8)
  }

  private static func isCell(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
    HTMLTokenizer.is(bytes, name, "td") || HTMLTokenizer.is(bytes, name, "th")
      || HTMLTokenizer.is(bytes, name, "tr")
  }

  private static func isRawText(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
    ["script", "style", "title", "template", "head"].contains {
      HTMLTokenizer.is(bytes, name, $0)
    }
  }

  private static func isVoid(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
    ["br", "img", "hr", "wbr", "input", "meta", "link", "col", "area", "source"].contains {
      HTMLTokenizer.is(bytes, name, $0)
    }
  }

  /// Elements a reader sees as apart from the text around them.
  private static func separates(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
    [
      "br", "p", "div", "td", "th", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6",
      "hr", "ul", "ol", "blockquote", "center", "address", "footer", "header", "section",
    ].contains { HTMLTokenizer.is(bytes, name, $0) }
  }
}
