/// Links in a plain-text part: every `http://` or `https://` URL, up to whitespace or the
/// brackets and quotes that usually enclose one (`<…>`, `[…]`, `"…"`), without trailing
/// sentence punctuation. Each gets the same treatment as a link in the HTML part.
struct TextRewriter {
  let treatment: TrackingTreatment
  private(set) var output: [UInt8] = []
  private(set) var modifications: [Modification] = []
  private(set) var replacementBytes = 0
  private var trackedLinks = 0

  init(treatment: TrackingTreatment) {
    self.treatment = treatment
  }

  mutating func process(_ bytes: UnsafeBufferPointer<UInt8>) {
    output.reserveCapacity(bytes.count)
    var copied = 0
    var index = 0
    while let colon = HTMLTokenizer.find(.colon, bytes, from: index, to: bytes.count) {
      index = colon + 1
      guard let start = schemeStart(bytes, colon: colon), colon + 3 < bytes.count,
        bytes[colon + 1] == .slash, bytes[colon + 2] == .slash
      else { continue }
      let end = urlEnd(bytes, from: colon + 3)
      index = end
      guard !isUnsubscribeLink(bytes, start: start) else { continue }
      let url = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
      guard
        let changed = treatment.link(
          url, part: .text, trackedLinks: &trackedLinks, modifications: &modifications),
        changed != url
      else { continue }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
      let replacement = Array(changed.utf8)
      output.append(contentsOf: replacement)
      replacementBytes += replacement.count
      copied = end
    }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
  }

  /// Whether the words before the link call it an unsubscribe or preference link: the text
  /// before it on its line ("Unsubscribe: https://…") or, for a link alone on its line, the
  /// line before ("To stop these emails, visit:").
  private func isUnsubscribeLink(_ bytes: UnsafeBufferPointer<UInt8>, start: Int) -> Bool {
    let lineStart = lineStart(bytes, before: start)
    let before = bytes[lineStart..<start]
    if before.contains(where: { $0 > 0x20 }) {
      return UnsubscribeLinks.saysUnsubscribe(UnsafeBufferPointer(rebasing: before))
    }
    guard lineStart > 0 else { return false }
    return UnsubscribeLinks.saysUnsubscribe(
      UnsafeBufferPointer(rebasing: bytes[self.lineStart(bytes, before: lineStart - 1)..<lineStart])
    )
  }

  private func lineStart(_ bytes: UnsafeBufferPointer<UInt8>, before offset: Int) -> Int {
    var index = offset
    while index > 0 && bytes[index - 1] != UInt8(ascii: "\n") { index -= 1 }
    return index
  }

  /// The start of `http` or `https` ending at `colon`, when it begins a word.
  private func schemeStart(_ bytes: UnsafeBufferPointer<UInt8>, colon: Int) -> Int? {
    for length in [5, 4] {
      let start = colon - length
      guard start >= 0 else { continue }
      let matches =
        length == 5
        ? HTMLTokenizer.is(bytes, start..<colon, "https")
        : HTMLTokenizer.is(bytes, start..<colon, "http")
      if matches && (start == 0 || !bytes[start - 1].isASCIIAlphanumeric) { return start }
    }
    return nil
  }

  private func urlEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    var end = start
    var openParens = 0
    while end < bytes.count {
      let byte = bytes[end]
      if byte <= 0x20 || byte == .lessThan || byte == .greaterThan || byte == .doubleQuote
        || byte == UInt8(ascii: "]") || byte == 0x7F
      {
        break
      }
      if byte == UInt8(ascii: "(") { openParens += 1 }
      if byte == UInt8(ascii: ")") {
        if openParens == 0 { break }
        openParens -= 1
      }
      end += 1
    }
    while end > start,
      [
        UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
        UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "'"),
      ].contains(bytes[end - 1])
    {
      end -= 1
    }
    return end
  }
}
