/// The attributes the tracking rules read, recognised once per attribute from its bytes.
enum KnownAttribute: Int {
  case href, src, style, srcset, background, poster, width, height, hidden, type

  init?(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) {
    // The length picks the few candidates, so most names are rejected without comparing.
    switch name.count {
    case 3:
      guard HTMLTokenizer.is(bytes, name, "src") else { return nil }
      self = .src
    case 4:
      if HTMLTokenizer.is(bytes, name, "href") {
        self = .href
      } else if HTMLTokenizer.is(bytes, name, "type") {
        self = .type
      } else {
        return nil
      }
    case 5:
      if HTMLTokenizer.is(bytes, name, "style") {
        self = .style
      } else if HTMLTokenizer.is(bytes, name, "width") {
        self = .width
      } else {
        return nil
      }
    case 6:
      switch HTMLTokenizer.lowercased(bytes[name.lowerBound]) {
      case UInt8(ascii: "s") where HTMLTokenizer.is(bytes, name, "srcset"): self = .srcset
      case UInt8(ascii: "p") where HTMLTokenizer.is(bytes, name, "poster"): self = .poster
      case UInt8(ascii: "h") where HTMLTokenizer.is(bytes, name, "height"): self = .height
      case UInt8(ascii: "h") where HTMLTokenizer.is(bytes, name, "hidden"): self = .hidden
      default: return nil
      }
    case 10:
      guard HTMLTokenizer.is(bytes, name, "background") else { return nil }
      self = .background
    default:
      return nil
    }
  }
}

/// Which attribute of a tag is the first of each known name: only that one counts (the
/// tokenizer drops repeated attributes). Filled as the tokenizer reads the tag, in a bit set
/// and fixed slots, not a dictionary: every tag of every mail has one.
struct KnownAttributes {
  private var present: UInt16 = 0
  private var positions: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  )

  /// Notes the attribute at `position`, named `name`; returns what it is, if it is known.
  mutating func note(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>, at position: Int)
    -> KnownAttribute?
  {
    guard let known = KnownAttribute(bytes, name) else { return nil }
    let bit = UInt16(1) << known.rawValue
    guard present & bit == 0 else { return known }
    present |= bit
    withUnsafeMutableBytes(of: &positions) {
      $0.storeBytes(
        of: position, toByteOffset: known.rawValue * MemoryLayout<Int>.stride, as: Int.self)
    }
    return known
  }

  mutating func removeAll() { present = 0 }

  /// The position of the first attribute called `name`.
  subscript(_ name: KnownAttribute) -> Int? {
    guard present & (UInt16(1) << name.rawValue) != 0 else { return nil }
    return withUnsafeBytes(of: positions) {
      $0.load(fromByteOffset: name.rawValue * MemoryLayout<Int>.stride, as: Int.self)
    }
  }

  /// Whether any attribute the rules read is present.
  var isEmpty: Bool { present == 0 }
}
