/// The attributes the tracking rules read, recognised once per attribute from its bytes.
enum KnownAttribute: Int {
  case href, src, style, srcset, background, poster, width, height, hidden, type

  init?(_ bytes: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) {
    // The length and the first letter pick the one candidate, so most names (`class`,
    // `align`, `border`, …) are rejected without comparing.
    let candidate: (StaticString, KnownAttribute)
    switch (name.count, HTMLTokenizer.lowercased(bytes[name.lowerBound])) {
    case (3, UInt8(ascii: "s")): candidate = ("src", .src)
    case (4, UInt8(ascii: "h")): candidate = ("href", .href)
    case (4, UInt8(ascii: "t")): candidate = ("type", .type)
    case (5, UInt8(ascii: "s")): candidate = ("style", .style)
    case (5, UInt8(ascii: "w")): candidate = ("width", .width)
    case (6, UInt8(ascii: "s")): candidate = ("srcset", .srcset)
    case (6, UInt8(ascii: "p")): candidate = ("poster", .poster)
    case (6, UInt8(ascii: "h")):
      candidate =
        HTMLTokenizer.lowercased(bytes[name.lowerBound + 1]) == UInt8(ascii: "e")
        ? ("height", .height) : ("hidden", .hidden)
    case (10, UInt8(ascii: "b")): candidate = ("background", .background)
    default: return nil
    }
    guard HTMLTokenizer.is(bytes, name, candidate.0) else { return nil }
    self = candidate.1
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

  /// Notes an attribute called `name` at `position`; false if an earlier one had the name
  /// (the later one does not count, and need not be kept).
  mutating func note(_ name: KnownAttribute, at position: Int) -> Bool {
    let bit = UInt16(1) << name.rawValue
    guard present & bit == 0 else { return false }
    present |= bit
    withUnsafeMutableBytes(of: &positions) {
      $0.storeBytes(
        of: position, toByteOffset: name.rawValue * MemoryLayout<Int>.stride, as: Int.self)
    }
    return true
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
