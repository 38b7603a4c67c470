/// Links a recipient uses to leave or to choose what they get. The governor never changes
/// them: not a parameter (they often carry the recipient's identity on purpose, so the
/// campaign tool knows who is leaving), and not a redirect (the redirect may be what records
/// the unsubscribe). Removing tracking must never make leaving harder.
///
/// A link is one when its URL says so, when it starts with the governor's own unsubscribe
/// URL, or (in HTML) when the text it is written around says so; in a text part, when its
/// line does before it.
struct UnsubscribeLinks: Sendable {
  /// The governor's own unsubscribe URL up to `{token}`, lower-cased.
  let ownPrefix: [UInt8]?

  init(ownURL: String?) {
    ownPrefix = ownURL.flatMap { template in
      template.range(of: "{token}").map { Array(template[..<$0.lowerBound].utf8) }
    }.map { $0.map(\.asciiLowercased) }
  }

  /// Lower-cased ASCII words that name an unsubscribe or preference link, in URLs and link
  /// text, in the languages campaigns in this corpus are written in. Matched anywhere inside
  /// a word: `unsub` finds `unsubscribe`, `/unsub?`, `UnsubscribeLink`.
  static let words: [[UInt8]] = [
    "unsub", "opt-out", "opt_out", "optout", "opt out", "preference", "stop receiving",
    "no longer receive", "no longer wish to receive", "abmelden",
    "desinscri", "désinscri", "desabonn", "désabonn", "darse de baja", "afmelden",
    "uitschrijven", "cancelar suscri", "disiscri",
  ].map { Array($0.utf8) }

  static let longestWord = words.map(\.count).max() ?? 1

  func isUnsubscribe(url bytes: some Collection<UInt8>) -> Bool {
    if let ownPrefix, bytes.count >= ownPrefix.count,
      zip(bytes, ownPrefix).allSatisfy({ $0.asciiLowercased == $1 })
    {
      return true
    }
    return Self.saysUnsubscribe(bytes)
  }

  /// Whether `text` holds one of `words`, ASCII case ignored.
  static func saysUnsubscribe(_ text: some Collection<UInt8>) -> Bool {
    text.withContiguousStorageIfAvailable { saysUnsubscribe(buffer: $0) }
      ?? Array(text).withUnsafeBufferPointer { saysUnsubscribe(buffer: $0) }
  }

  /// The words one after another, for a scan that touches no array per candidate.
  private static let flatWords: [UInt8] = Array(words.joined())
  private static let wordRanges: [Range<Int>] = {
    var start = 0
    return words.map { word in
      defer { start += word.count }
      return start..<(start + word.count)
    }
  }()
  /// One bit per (byte, next byte) pair, lower-cased, that starts a word: every link and
  /// anchor text is scanned, and letters such as `u`, `o` or `p` start most English words, so
  /// a first-letter test alone sent nearly every byte on to the comparisons.
  private static let startingPairs: [UInt64] = {
    var bits = [UInt64](repeating: 0, count: 1024)
    for word in words {
      let pair = Int(word[0]) << 8 | Int(word[1])
      bits[pair >> 6] |= 1 << UInt64(pair & 63)
    }
    return bits
  }()

  private static func saysUnsubscribe(buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    guard buffer.count >= 2 else { return false }
    return startingPairs.withUnsafeBufferPointer { pairs in
      flatWords.withUnsafeBufferPointer { flat in
        var index = 0
        var current = buffer[0].asciiLowercased
        while index + 1 < buffer.count {
          let next = buffer[index + 1].asciiLowercased
          let pair = Int(current) << 8 | Int(next)
          if pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 {
            for range in wordRanges where flat[range.lowerBound] == current {
              guard index + range.count <= buffer.count else { continue }
              var offset = 1
              while offset < range.count
                && buffer[index + offset].asciiLowercased == flat[range.lowerBound + offset]
              {
                offset += 1
              }
              if offset == range.count { return true }
            }
          }
          current = next
          index += 1
        }
        return false
      }
    }
  }
}
