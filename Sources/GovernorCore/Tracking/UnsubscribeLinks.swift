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
    ("desabonn", 3), ("désabonn", 4),
    // `é` as a URL carries it (either case of hex digits is folded like any letter).
    ("d%c3%a9sinscri", 8), ("d%c3%a9sabonn", 8), ("darse de baja", 9), ("afmelden", 1),
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

  /// The distinct four-byte keys, lower-cased, each with the words it is part of.
  private static let keyedIndex: (keys: [[UInt8]], wordsByKey: [[Int]]) = {
    var keys: [[UInt8]] = []
    var wordsByKey: [[Int]] = []
    for (index, (word, keyed)) in zip(words, keyedWords).enumerated() {
      let key = Array(word[keyed.key..<(keyed.key + 4)])
      if let known = keys.firstIndex(of: key) {
        wordsByKey[known].append(index)
      } else {
        keys.append(key)
        wordsByKey.append([index])
      }
    }
    return (keys, wordsByKey)
  }()
  static var keys: [[UInt8]] { keyedIndex.keys }
  private static var wordsByKey: [[Int]] { keyedIndex.wordsByKey }
  /// The most keys `byteMasks` has room for: four bits each in one `UInt64`.
  static let keyCapacity = 16

  /// Shift-and over every key at once (Baeza-Yates–Gonnet): key `k` owns bits `4k…4k+3`, and
  /// a byte's mask has bit `4k+j` set when it is byte `j` of key `k`, in either case. Written
  /// by hand: no listed library searches bytes for several words. A hash of the last four
  /// bytes per byte cost twice as much.
  private static let byteMasks: [UInt64] = {
    precondition(keys.count <= keyCapacity, "UnsubscribeLinks: more keys than one word holds")
    var masks = [UInt64](repeating: 0, count: 256)
    for (k, key) in keys.enumerated() {
      for (j, byte) in key.enumerated() {
        let bit: UInt64 = 1 &<< UInt64(4 * k + j)
        masks[Int(byte)] |= bit
        if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { masks[Int(byte - 0x20)] |= bit }
      }
    }
    return masks
  }()
  private static let startBits: UInt64 = (0..<keys.count).reduce(0) { $0 | 1 &<< UInt64(4 * $1) }
  private static let endBits: UInt64 = startBits &<< 3

  /// Whether `buffer` holds one of `words`, case ignored (ASCII and Latin-1 letters).
  static func saysUnsubscribe(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    guard buffer.count >= 5 else { return false }
    let startBits = startBits
    let endBits = endBits
    // Through a buffer pointer: an array subscript checks its bounds on every byte.
    return byteMasks.withUnsafeBufferPointer { masks in
      var state: UInt64 = 0
      for index in 0..<buffer.count {
        state = (state &<< 1 | startBits) & masks[Int(buffer[index])]
        let ends = state & endBits
        if ends != 0 && matchesWord(buffer, keyEnd: index, keysEnding: ends) { return true }
      }
      return false
    }
  }

  /// After a key's four bytes: whether a word is written around them. Reached rarely, so it
  /// reads the words themselves.
  private static func matchesWord(
    _ buffer: UnsafeBufferPointer<UInt8>, keyEnd: Int, keysEnding ends: UInt64
  ) -> Bool {
    var ends = ends
    while ends != 0 {
      let key = ends.trailingZeroBitCount / 4
      ends &= ends - 1
      for index in wordsByKey[key] {
        let word = words[index]
        let start = keyEnd - 3 - keyedWords[index].key
        guard start >= 0, start + word.count <= buffer.count else { continue }
        if word.indices.allSatisfy({ folded(buffer, start + $0) == word[$0] }) { return true }
      }
    }
    return false
  }

  /// The byte at `index` lower-cased: ASCII letters, and the second byte of a Latin-1
  /// capital (`É` is `C3 89`, `é` is `C3 A9`), so `DÉSINSCRIRE` is read as `désinscrire`.
  private static func folded(_ buffer: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt8 {
    let byte = buffer[index]
    if byte >= 0x80 && byte <= 0x9E && byte != 0x97 && index > 0 && buffer[index - 1] == 0xC3 {
      return byte | 0x20
    }
    return byte.asciiLowercased
  }
}
