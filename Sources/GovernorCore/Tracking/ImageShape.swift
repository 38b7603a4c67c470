/// What an `<img>`'s attributes say about how it is shown, to tell an open pixel from a real
/// image without fetching it.
///
/// A pixel is tiny (every size given is at most 2 px) or hidden (`display:none`,
/// `visibility:hidden`, zero opacity, `max-height:0`, Outlook's `mso-hide:all`, the `hidden`
/// attribute) — unless some size is larger: a responsive mail hides its mobile hero with
/// `display:none` and a media query shows it, and a 600×1 divider is a real image.
///
/// Read over the attribute's bytes where they are (decoded only when they hold a character
/// reference), ASCII case ignored: every image of every mail passes here.
struct ImageShape {
  private(set) var hasTinySize = false
  private(set) var hasRealSize = false
  /// Some size is zero: an element so sized shows nothing inside it.
  private(set) var hasZeroSize = false
  var isHidden = false

  static let pixelLimit = 2.0

  var isPixel: Bool { (hasTinySize || isHidden) && !hasRealSize }

  /// A `width` or `height` attribute, by the HTML rules for dimensions: leading digits, then
  /// `%` for a percentage; anything else after the number is ignored (`1/` in `height=1/>`
  /// is 1).
  mutating func readDimension<Bytes: BidirectionalCollection<UInt8>>(_ text: Bytes)
  where Bytes.SubSequence == Bytes {
    let value = text.trimmingHTMLSpace
    let (amount, unit) = Self.number(value)
    guard let amount else {
      if !value.isEmpty { hasRealSize = true }
      return
    }
    note(amount, isPercentage: unit.first == UInt8(ascii: "%"))
  }

  /// A `style` attribute's declarations.
  mutating func readStyle<Bytes: BidirectionalCollection<UInt8>>(_ style: Bytes)
  where Bytes.SubSequence == Bytes {
    var rest = style
    while !rest.isEmpty {
      let end = rest.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
      read(declaration: rest[..<end])
      rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
    }
  }

  private mutating func read<Bytes: BidirectionalCollection<UInt8>>(declaration: Bytes)
  where Bytes.SubSequence == Bytes {
    guard let colon = declaration.firstIndex(of: .colon) else { return }
    let property = declaration[..<colon].trimmingHTMLSpace
    var value = declaration[declaration.index(after: colon)...]
    if let bang = value.firstIndex(of: UInt8(ascii: "!")) { value = value[..<bang] }
    value = value.trimmingHTMLSpace
    guard let property = Self.property(property) else { return }
    switch property {
    case .width, .height:
      cssSize(value)
    case .maxWidth, .maxHeight, .opacity:
      if Self.number(value).amount == 0 { isHidden = true }
    case .display:
      if value.elementsEqualIgnoringASCIICase("none") { isHidden = true }
    case .visibility:
      if value.elementsEqualIgnoringASCIICase("hidden")
        || value.elementsEqualIgnoringASCIICase("collapse")
      {
        isHidden = true
      }
    case .msoHide:
      if value.elementsEqualIgnoringASCIICase("all") { isHidden = true }
    }
  }

  private enum Property {
    case width, height, maxWidth, maxHeight, opacity, display, visibility, msoHide
  }

  /// The property, if it is one that sizes or hides; the length and the first letter pick the
  /// one candidate, so most (`padding`, `color`, `font-family`, …) are passed over without a
  /// comparison: every declaration of every styled element passes here.
  private static func property<Bytes: Collection<UInt8>>(_ name: Bytes) -> Property? {
    guard let first = name.first?.asciiLowercased else { return nil }
    let candidate: (String, Property)
    switch (name.count, first) {
    case (5, UInt8(ascii: "w")): candidate = ("width", .width)
    case (6, UInt8(ascii: "h")): candidate = ("height", .height)
    case (9, UInt8(ascii: "m")): candidate = ("max-width", .maxWidth)
    case (10, UInt8(ascii: "m")): candidate = ("max-height", .maxHeight)
    case (7, UInt8(ascii: "o")): candidate = ("opacity", .opacity)
    case (7, UInt8(ascii: "d")): candidate = ("display", .display)
    case (10, UInt8(ascii: "v")): candidate = ("visibility", .visibility)
    case (8, UInt8(ascii: "m")): candidate = ("mso-hide", .msoHide)
    default: return nil
    }
    return name.elementsEqual(candidate.0.utf8, by: { $0.asciiLowercased == $1 })
      ? candidate.1 : nil
  }

  /// A CSS length: tiny in `px` or `pt` (or zero in any unit); `auto`, `%` and others are not.
  private mutating func cssSize<Bytes: BidirectionalCollection<UInt8>>(_ value: Bytes)
  where Bytes.SubSequence == Bytes {
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
    if amount == 0 { hasZeroSize = true }
    if !isPercentage && amount <= Self.pixelLimit { hasTinySize = true } else { hasRealSize = true }
  }

  /// The leading decimal number (digits and at most one dot) and what follows it; nil when
  /// the run of digits and dots is not such a number. Read by hand: `Double(String)` would
  /// make a string for every size of every image.
  static func number<Bytes: Collection<UInt8>>(_ text: Bytes) -> (amount: Double?, rest: Bytes)
  where Bytes.SubSequence == Bytes {
    var whole = 0.0
    var fraction = 0.0
    var scale = 1.0
    var digits = 0
    var dots = 0
    var index = text.startIndex
    while index < text.endIndex {
      let byte = text[index]
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        let digit = Double(byte - UInt8(ascii: "0"))
        if dots == 0 {
          whole = whole * 10 + digit
        } else {
          scale /= 10
          fraction += digit * scale
        }
        digits += 1
      } else if byte == UInt8(ascii: ".") {
        dots += 1
      } else {
        break
      }
      index = text.index(after: index)
    }
    guard index != text.startIndex else { return (nil, text) }
    guard digits > 0 && dots <= 1 else { return (nil, text[index...]) }
    return (whole + fraction, text[index...])
  }
}

extension BidirectionalCollection<UInt8> where SubSequence == Self {
  var trimmingHTMLSpace: Self {
    guard let first = firstIndex(where: { !$0.isHTMLSpace }),
      let last = lastIndex(where: { !$0.isHTMLSpace })
    else { return self[endIndex...] }
    return self[first...last]
  }
}
