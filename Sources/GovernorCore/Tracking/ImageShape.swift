/// What an `<img>`'s attributes say about how it is shown, to tell an open pixel from a real
/// image without fetching it.
///
/// A pixel is tiny (every size given is at most 2 px) or hidden (`display:none`,
/// `visibility:hidden`, zero opacity, `max-height:0`, Outlook's `mso-hide:all`, the `hidden`
/// attribute) — unless some size is larger: a responsive mail hides its mobile hero with
/// `display:none` and a media query shows it, and a 600×1 divider is a real image.
///
/// Read over UTF-8 bytes, ASCII case ignored: every image of every mail passes here.
struct ImageShape {
  private(set) var hasTinySize = false
  private(set) var hasRealSize = false
  private(set) var isHidden = false

  static let pixelLimit = 2.0

  init(width: String?, height: String?, style: String?, hidden: Bool) {
    isHidden = hidden
    if let width { attributeSize(Array(width.utf8)[...]) }
    if let height { attributeSize(Array(height.utf8)[...]) }
    if let style { read(style: Array(style.utf8)) }
  }

  var isPixel: Bool { (hasTinySize || isHidden) && !hasRealSize }

  /// The HTML rules for dimension attributes: leading digits, then `%` for a percentage;
  /// anything else after the number is ignored (`1/` in `height=1/>` is 1).
  private mutating func attributeSize(_ text: ArraySlice<UInt8>) {
    let value = text.trimmingHTMLSpace
    let (amount, unit) = Self.number(value)
    guard let amount else {
      if !value.isEmpty { hasRealSize = true }
      return
    }
    note(amount, isPercentage: unit.first == UInt8(ascii: "%"))
  }

  /// A CSS length: tiny in `px` or `pt` (or zero in any unit); `auto`, `%` and others are not.
  private mutating func cssSize(_ value: ArraySlice<UInt8>) {
    let (amount, rest) = Self.number(value)
    guard let amount else {
      if !value.isEmpty && !value.elementsEqualIgnoringASCIICase("auto") { hasRealSize = true }
      return
    }
    let unit = rest.trimmingHTMLSpace
    let isAbsolute =
      amount == 0 || unit.isEmpty || unit.elementsEqualIgnoringASCIICase("px")
      || unit.elementsEqualIgnoringASCIICase("pt")
    note(amount, isPercentage: !isAbsolute)
  }

  private mutating func note(_ amount: Double, isPercentage: Bool) {
    if !isPercentage && amount <= Self.pixelLimit { hasTinySize = true } else { hasRealSize = true }
  }

  private mutating func read(style: [UInt8]) {
    for declaration in style.split(separator: UInt8(ascii: ";")) {
      guard let colon = declaration.firstIndex(of: .colon) else { continue }
      let property = declaration[..<colon].trimmingHTMLSpace
      var value = declaration[(colon + 1)...]
      if let bang = value.firstIndex(of: UInt8(ascii: "!")) { value = value[..<bang] }
      value = value.trimmingHTMLSpace
      if property.elementsEqualIgnoringASCIICase("width")
        || property.elementsEqualIgnoringASCIICase("height")
      {
        cssSize(value)
      } else if property.elementsEqualIgnoringASCIICase("max-width")
        || property.elementsEqualIgnoringASCIICase("max-height")
        || property.elementsEqualIgnoringASCIICase("opacity")
      {
        if Self.number(value).amount == 0 { isHidden = true }
      } else if property.elementsEqualIgnoringASCIICase("display") {
        if value.elementsEqualIgnoringASCIICase("none") { isHidden = true }
      } else if property.elementsEqualIgnoringASCIICase("visibility") {
        if value.elementsEqualIgnoringASCIICase("hidden")
          || value.elementsEqualIgnoringASCIICase("collapse")
        {
          isHidden = true
        }
      } else if property.elementsEqualIgnoringASCIICase("mso-hide") {
        if value.elementsEqualIgnoringASCIICase("all") { isHidden = true }
      }
    }
  }

  /// The leading decimal number (digits and dots) and what follows it.
  private static func number(_ text: ArraySlice<UInt8>) -> (
    amount: Double?, rest: ArraySlice<UInt8>
  ) {
    let end =
      text.firstIndex {
        !($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "."))
      }
      ?? text.endIndex
    let digits = text[..<end]
    guard !digits.isEmpty else { return (nil, text) }
    return (Double(String(decoding: digits, as: UTF8.self)), text[end...])
  }
}

extension ArraySlice<UInt8> {
  var trimmingHTMLSpace: ArraySlice<UInt8> {
    guard let first = firstIndex(where: { !$0.isHTMLSpace }),
      let last = lastIndex(where: { !$0.isHTMLSpace })
    else { return self[endIndex...] }
    return self[first...last]
  }
}
