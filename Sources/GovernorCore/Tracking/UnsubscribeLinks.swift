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

  /// Indexed by byte: whether some word starts with it.
  private static let startsWord: [Bool] = (0...255).map { byte in
    words.contains { $0[0] == UInt8(byte) }
  }

  private static func saysUnsubscribe(buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    while index < buffer.count {
      let byte = buffer[index].asciiLowercased
      // Most bytes start no word: one table lookup each, the comparisons only where one might.
      if startsWord[Int(byte)] {
        for word in words where word[0] == byte && index + word.count <= buffer.count {
          var offset = 1
          while offset < word.count && buffer[index + offset].asciiLowercased == word[offset] {
            offset += 1
          }
          if offset == word.count { return true }
        }
      }
      index += 1
    }
    return false
  }
}
