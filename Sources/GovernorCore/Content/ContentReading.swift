import Foundation

/// A message's parts as a reader sees them, read once per set of parts: a campaign sends the
/// same parts to every recipient, so a dry-run reads them once, not once per recipient.
public struct ContentReading: Sendable {
  struct Part: Sendable {
    let part: MessagePart
    let words: VisibleWords
    /// Where the reader can go: visible links' targets (HTML), or the URLs written out (text).
    let targets: [String]
    let hasUnsubscribeLink: Bool
  }

  let parts: [Part]

  init(html: String?, text: String?, unsubscribe: UnsubscribeLinks) {
    var parts: [Part] = []
    if let html {
      let visible = VisibleHTML(html)
      let saysSo = visible.links.contains { link in
        Self.says(link.text) || Self.isUnsubscribe(link.href, unsubscribe)
      }
      parts.append(
        Part(
          part: .html, words: VisibleWords(visible.text), targets: visible.links.map(\.href),
          hasUnsubscribeLink: saysSo))
    }
    if let text {
      let (urls, unsubscribes) = Self.readText(text, unsubscribe)
      parts.append(
        Part(
          part: .text, words: VisibleWords(text), targets: urls, hasUnsubscribeLink: unsubscribes))
    }
    self.parts = parts
  }

  /// The URLs a text part writes out, and whether one of them is an unsubscribe link: its
  /// address says so, or its line or the line before does ("Unsubscribe:" above the URL).
  private static func readText(_ text: String, _ unsubscribe: UnsubscribeLinks) -> (
    [String], Bool
  ) {
    var urls: [String] = []
    var found = false
    var previous = ""
    // Split on bytes: `Character`'s Unicode look-ups would cost more than the rest together.
    let lines = text.utf8.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D })
    for bytes in lines {
      let line = String(Substring(bytes))
      let onLine = bytes.split(whereSeparator: \.isHTMLSpace).compactMap {
        Self.url(in: Substring($0))
      }
      urls += onLine
      if !onLine.isEmpty
        && (says(line) || says(previous) || onLine.contains { isUnsubscribe($0, unsubscribe) })
      {
        found = true
      }
      if !bytes.allSatisfy(\.isHTMLSpace) { previous = line }
    }
    return (urls, found)
  }

  /// A web or mailto address in a word of text, without the brackets and punctuation around
  /// it (`<https://…>`, `(https://…).`).
  private static func url(in word: Substring) -> String? {
    let bytes = word.utf8
    // Every address has a colon; most words have none, and are passed over at once.
    guard bytes.contains(UInt8(ascii: ":")) else { return nil }
    var start: Substring.Index?
    var index = bytes.startIndex
    while index < bytes.endIndex, start == nil {
      let rest = bytes[index...]
      if schemes.contains(where: { rest.starts(with: $0, by: { $0.asciiLowercased == $1 }) }) {
        start = index
      }
      index = bytes.index(after: index)
    }
    guard let start else { return nil }
    var url = word[start...]
    while let last = url.last, ">)].,;:!?\"'".contains(last) { url = url.dropLast() }
    return String(url)
  }

  private static let schemes = ["https://", "http://", "mailto:"].map { Array($0.utf8) }

  private static func says(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { UnsubscribeLinks.saysUnsubscribe($0) }
  }

  private static func isUnsubscribe(_ url: String, _ unsubscribe: UnsubscribeLinks) -> Bool {
    var url = url
    return url.withUTF8 { unsubscribe.isUnsubscribe(url: $0) }
  }
}
