/// Text as words, to find a phrase the way a reader would: case, punctuation, line breaks and
/// spacing do not matter ("123 Main St.<br>Springfield, IL" holds "123 Main St, Springfield
/// IL"), but the words and their order do.
struct VisibleWords: Sendable {
  let words: [Substring]
  /// Every digit, with a `|` wherever a letter broke a run: phone numbers are matched on their
  /// digits, however they are punctuated.
  let digits: String

  init(_ text: String) {
    let lowered = text.lowercased()
    words = lowered.split { !($0.isLetter || $0.isNumber) }
    var digits = ""
    for character in lowered {
      if character.isASCII && character.isNumber {
        digits.append(character)
      } else if character.isLetter, digits.last != "|" {
        digits.append("|")
      }
    }
    self.digits = digits
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
