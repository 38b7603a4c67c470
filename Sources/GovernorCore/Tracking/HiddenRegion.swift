/// The element hiding what it holds (`display:none`, `visibility:hidden`, a zero size, the
/// `hidden` attribute), from its start tag to its end tag: an image inside it is never seen,
/// so it can only be there to report the open. Only an element whose end tag HTML requires
/// starts one (a `<td>` or `<p>` may end without one, and a region that never ended would
/// hide the rest of the mail); tags of the same name nest, so the matching end tag ends it.
struct HiddenRegion {
  /// Lowercased.
  private let name: [UInt8]
  private var depth = 1

  /// Nil for a void element or one whose end tag may be left out.
  init?(_ bytes: UnsafeBufferPointer<UInt8>, name range: Range<Int>) {
    guard Self.mayStart(bytes, name: range) else { return nil }
    name = bytes[range].map(HTMLTokenizer.lowercased)
  }

  /// Whether an element of this name can start a region: not void, and its end tag required.
  static func mayStart(_ bytes: UnsafeBufferPointer<UInt8>, name range: Range<Int>) -> Bool {
    // The length picks the few candidates: every styled element passes here.
    guard range.count < unendedByLength.count else { return true }
    for unended in unendedByLength[range.count] where HTMLTokenizer.is(bytes, range, unended) {
      return false
    }
    return true
  }

  /// Elements with no end tag (void) or an end tag HTML lets a mail leave out, by length.
  private static let unendedByLength: [[StaticString]] = [
    [],
    ["p"],
    ["br", "hr", "li", "dt", "dd", "tr", "td", "th", "rb", "rt", "rp"],
    ["wbr", "col"],
    ["meta", "base", "html", "head", "body"],
    ["param", "frame", "tbody", "thead", "tfoot"],
    ["keygen", "option"],
    ["caption"],
    ["optgroup", "colgroup"],
  ]

  mutating func start(_ bytes: UnsafeBufferPointer<UInt8>, name range: Range<Int>) {
    if matches(bytes, range) { depth += 1 }
  }

  /// An end tag: the region's own last one ends it (`region` becomes nil).
  func end(
    _ bytes: UnsafeBufferPointer<UInt8>, name range: Range<Int>, into region: inout HiddenRegion?
  ) {
    guard matches(bytes, range) else { return }
    var ended = self
    ended.depth -= 1
    region = ended.depth == 0 ? nil : ended
  }

  private func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
    guard range.count == name.count else { return false }
    var offset = 0
    while offset < name.count {
      if HTMLTokenizer.lowercased(bytes[range.lowerBound + offset]) != name[offset] {
        return false
      }
      offset += 1
    }
    return true
  }
}
