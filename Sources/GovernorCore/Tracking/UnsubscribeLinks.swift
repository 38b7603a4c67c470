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
  /// a word: `unsub` finds `unsubscribe`, `/unsub?`, `UnsubscribeLink`. Each comes with the
  /// offset of four of its bytes that are rare in other text: the scan looks for those.
  static let keyedWords: [(word: String, key: Int)] = [
    ("unsub", 0), ("opt-out", 0), ("opt_out", 0), ("optout", 1), ("opt out", 0),
    ("preference", 0), ("stop receiving", 3), ("no longer receive", 1),
    ("no longer wish to receive", 1), ("abmelden", 1), ("desinscri", 3), ("désinscri", 4),
    ("desabonn", 3), ("désabonn", 4), ("darse de baja", 9), ("afmelden", 1),
    ("uitschrijven", 1), ("cancelar suscri", 10), ("disiscri", 3),
  ]
  static let words: [[UInt8]] = keyedWords.map { Array($0.word.utf8) }

  static let longestWord = words.map(\.count).max() ?? 1

  func isUnsubscribe(url bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    if let ownPrefix, bytes.count >= ownPrefix.count,
      zip(bytes, ownPrefix).allSatisfy({ $0.asciiLowercased == $1 })
    {
      return true
    }
    return Self.saysUnsubscribe(bytes)
  }

  /// Each word's four key bytes as one number, compared against the last four bytes read.
  private static let keys: [UInt32] = zip(words, keyedWords).map { word, keyed in
    word[keyed.key..<(keyed.key + 4)].reduce(0) { $0 &<< 8 | UInt32($1) }
  }
  /// One bit per hash of the four-byte keys. Four rare bytes, not a first letter or two:
  /// `u`, `o`, `p`, `op` or `de` start or fill most URLs, and sent nearly every byte on to
  /// the comparisons.
  private static let keyBits: [UInt64] = {
    var bits = [UInt64](repeating: 0, count: 1024)
    for key in keys {
      let hash = keyHash(key)
      bits[hash &>> 6] |= 1 &<< UInt64(hash & 63)
    }
    return bits
  }()

  private static func keyHash(_ key: UInt32) -> Int {
    Int((key &* 0x9E37_79B1) &>> 16)
  }

  /// Whether `buffer` holds one of `words`, ASCII case ignored.
  static func saysUnsubscribe(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    guard buffer.count >= 5 else { return false }
    // Through a buffer pointer: an array subscript checks its bounds on every byte.
    return keyBits.withUnsafeBufferPointer { bits in
      var window: UInt32 = 0
      for index in 0..<buffer.count {
        window = window &<< 8 | UInt32(buffer[index].asciiLowercased)
        let hash = keyHash(window)
        if bits[hash &>> 6] & (1 &<< UInt64(hash & 63)) != 0 && index >= 3
          && matchesWord(buffer, keyEnd: index, window: window)
        {
          return true
        }
      }
      return false
    }
  }

  /// After four bytes that hash like a key: whether a word is written around them. Reached
  /// rarely (a key hit), so it reads the words themselves.
  private static func matchesWord(
    _ buffer: UnsafeBufferPointer<UInt8>, keyEnd: Int, window: UInt32
  ) -> Bool {
    for index in keys.indices where keys[index] == window {
      let word = words[index]
      let start = keyEnd - 3 - keyedWords[index].key
      guard start >= 0, start + word.count <= buffer.count else { continue }
      if zip(buffer[start...], word).allSatisfy({ $0.asciiLowercased == $1 }) { return true }
    }
    return false
  }
}
