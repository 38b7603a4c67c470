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
/// tokenizer drops repeated attributes). Kept in a vector, not a dictionary: one per tag.
struct KnownAttributes {
  private var positions = SIMD16<Int32>(repeating: -1)

  init(_ bytes: UnsafeBufferPointer<UInt8>, _ attributes: [HTMLTokenizer.Attribute]) {
    for (position, attribute) in attributes.enumerated() {
      guard let known = KnownAttribute(bytes, attribute.name),
        positions[known.rawValue] < 0
      else { continue }
      positions[known.rawValue] = Int32(truncatingIfNeeded: position)
    }
  }

  /// The position of the first attribute called `name`.
  subscript(_ name: KnownAttribute) -> Int? {
    let position = positions[name.rawValue]
    return position < 0 ? nil : Int(position)
  }

  /// The known attribute at `position`, if it is the first of its name.
  func name(at position: Int) -> KnownAttribute? {
    let position = Int32(truncatingIfNeeded: position)
    for index in 0..<10 where positions[index] == position {
      return KnownAttribute(rawValue: index)
    }
    return nil
  }

  /// Whether any attribute the rules read is present.
  var isEmpty: Bool { positions == SIMD16<Int32>(repeating: -1) }
}
