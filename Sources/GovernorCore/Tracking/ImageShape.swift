/// What an `<img>`'s attributes say about how it is shown, to tell an open pixel from a real
/// image without fetching it.
///
/// A pixel is tiny (every size given is at most 2 px) or hidden (`display:none`,
/// `visibility:hidden`, zero opacity, `max-height:0`, Outlook's `mso-hide:all`, the `hidden`
/// attribute) — unless some size is larger: a responsive mail hides its mobile hero with
/// `display:none` and a media query shows it, and a 600×1 divider is a real image.
struct ImageShape {
  private(set) var hasTinySize = false
  private(set) var hasRealSize = false
  private(set) var isHidden = false

  static let pixelLimit = 2.0

  init(width: String?, height: String?, style: String?, hidden: Bool) {
    isHidden = hidden
    if let width { attributeSize(width) }
    if let height { attributeSize(height) }
    if let style { read(style: style) }
  }

  var isPixel: Bool { (hasTinySize || isHidden) && !hasRealSize }

  /// The HTML rules for dimension attributes: leading digits, then `%` for a percentage;
  /// anything else after the number is ignored (`1/` in `height=1/>` is 1).
  private mutating func attributeSize(_ text: String) {
    let value = text.trimmedHTMLSpace
    let number = value.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    guard let amount = Double(number) else {
      if !value.isEmpty { hasRealSize = true }
      return
    }
    note(amount, isPercentage: value.dropFirst(number.count).hasPrefix("%"))
  }

  /// A CSS length: tiny in `px` or `pt` (or zero in any unit); `auto`, `%` and others are not.
  private mutating func cssSize(_ value: String) {
    let number = value.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    let unit = value.dropFirst(number.count).trimmingPrefix(while: { $0 == " " })
    guard let amount = Double(number) else {
      if !value.isEmpty && value != "auto" { hasRealSize = true }
      return
    }
    note(amount, isPercentage: !(amount == 0 || unit.isEmpty || unit == "px" || unit == "pt"))
  }

  private mutating func note(_ amount: Double, isPercentage: Bool) {
    if !isPercentage && amount <= Self.pixelLimit { hasTinySize = true } else { hasRealSize = true }
  }

  private mutating func read(style: String) {
    for declaration in style.split(separator: ";") {
      guard let colon = declaration.firstIndex(of: ":") else { continue }
      let property = declaration[..<colon].trimmedSpace.lowercased()
      var value = declaration[declaration.index(after: colon)...].trimmedSpace.lowercased()
      if let bang = value.firstIndex(of: "!") { value = String(value[..<bang]).trimmedSpace }
      switch property {
      case "width", "height": cssSize(value)
      case "max-width", "max-height":
        if let amount = Double(value.prefix { $0.isNumber || $0 == "." }), amount == 0 {
          isHidden = true
        }
      case "display": if value == "none" { isHidden = true }
      case "visibility": if value == "hidden" || value == "collapse" { isHidden = true }
      case "opacity":
        if let amount = Double(value.prefix { $0.isNumber || $0 == "." }), amount == 0 {
          isHidden = true
        }
      case "mso-hide": if value == "all" { isHidden = true }
      default: break
      }
    }
  }
}

extension StringProtocol {
  var trimmedSpace: String {
    String(self).trimmedHTMLSpace
  }
}
