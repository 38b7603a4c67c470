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
    for line in text.split(whereSeparator: \.isNewline) {
      let line = String(line)
      let onLine = line.split(whereSeparator: \.isWhitespace).compactMap(Self.url(in:))
      urls += onLine
      if !onLine.isEmpty
        && (says(line) || says(previous) || onLine.contains { isUnsubscribe($0, unsubscribe) })
      {
        found = true
      }
      if !line.allSatisfy(\.isWhitespace) { previous = line }
    }
    return (urls, found)
  }

  /// A web or mailto address in a word of text, without the brackets and punctuation around
  /// it (`<https://…>`, `(https://…).`).
  private static func url(in word: Substring) -> String? {
    guard
      let start = ["https://", "http://", "mailto:"].compactMap({
        word.range(of: $0, options: .caseInsensitive)
      }).map(\.lowerBound).min()
    else { return nil }
    var url = word[start...]
    while let last = url.last, ">)].,;:!?\"'".contains(last) { url = url.dropLast() }
    return String(url)
  }

  private static func says(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { UnsubscribeLinks.saysUnsubscribe($0) }
  }

  private static func isUnsubscribe(_ url: String, _ unsubscribe: UnsubscribeLinks) -> Bool {
    var url = url
    return url.withUTF8 { unsubscribe.isUnsubscribe(url: $0) }
  }
}
