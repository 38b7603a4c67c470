/// Text as words, to find a phrase the way a reader would: case, punctuation, line breaks and
/// spacing do not matter ("123 Main St.<br>Springfield, IL" holds "123 Main St, Springfield
/// IL"), but the words and their order do.
struct VisibleWords: Sendable {
  let words: [String]
  /// Every digit, with a `|` wherever a letter broke a run: phone numbers are matched on their
  /// digits, however they are punctuated.
  let digits: String

  /// Read a scalar at a time with an ASCII fast path: a mail's text is mostly ASCII, and
  /// `Character`'s Unicode property look-ups cost a 6 KB mail a few hundred microseconds.
  init(_ text: String) {
    var words: [String] = []
    var word: [UInt8] = []
    var digits: [UInt8] = []
    func endWord() {
      guard !word.isEmpty else { return }
      words.append(String(decoding: word, as: UTF8.self))
      word.removeAll(keepingCapacity: true)
    }
    func letter() {
      if digits.last != UInt8(ascii: "|") { digits.append(UInt8(ascii: "|")) }
    }
    for scalar in text.unicodeScalars {
      if scalar.isASCII {
        let byte = UInt8(scalar.value)
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
          word.append(byte)
          digits.append(byte)
        } else if byte.isASCIILetter {
          word.append(byte | 0x20)
          letter()
        } else {
          endWord()
        }
      } else if scalar.properties.isAlphabetic {
        word.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
        letter()
      } else if scalar.properties.numericType != nil {
        word.append(contentsOf: String(scalar).utf8)
      } else {
        endWord()
      }
    }
    endWord()
    self.words = words
    self.digits = String(decoding: digits, as: UTF8.self)
  }

  /// Whether `phrase`'s words appear here, in order, one after another.
  func contains(_ phrase: VisibleWords) -> Bool {
    let wanted = phrase.words
    guard !wanted.isEmpty, wanted.count <= words.count else { return false }
    var start = 0
    while start + wanted.count <= words.count {
      if words[start] == wanted[0]
        && words[start..<(start + wanted.count)].elementsEqual(wanted)
      {
        return true
      }
      start += 1
    }
    return false
  }

  /// Whether a phone number's digits appear here (the last ten: a country code may be left
  /// out of a domestic number).
  func containsPhone(_ phone: VisibleWords) -> Bool {
    let number = phone.digits.filter(\.isNumber)
    guard number.count >= 7 else { return false }
    return digits.contains(String(number.suffix(10)))
  }
}
