/// The image candidate strings of a `srcset` attribute (HTML §4.8.4.3.10): a URL, then
/// descriptors up to a comma. Written by hand: no listed library parses `srcset`.
enum SourceSet {
  static func urls(in value: String) -> [String] {
    var urls: [String] = []
    var rest = Substring(value)
    while true {
      rest = rest.drop { $0.isHTMLSpace || $0 == "," }
      guard !rest.isEmpty else { return urls }
      let candidate = rest.prefix { !$0.isHTMLSpace }
      rest = rest.dropFirst(candidate.count)
      var url = candidate
      if url.last == "," {
        while url.last == "," { url = url.dropLast() }
      } else {
        rest = rest.drop { $0 != "," }
      }
      if !url.isEmpty { urls.append(String(url)) }
    }
  }
}

extension Character {
  fileprivate var isHTMLSpace: Bool {
    self == " " || self == "\t" || self == "\n" || self == "\r" || self == "\r\n"
      || self == "\u{0C}"
  }
}
