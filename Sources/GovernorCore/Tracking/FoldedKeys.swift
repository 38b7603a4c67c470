/// A map from byte strings, ASCII case folded, looked up straight from a URL's bytes: an
/// FNV-1a hash of the folded bytes picks the candidates and a byte comparison confirms.
/// Written by hand: `Set<String>` would need a `String` made for every host suffix and
/// parameter name of every link.
struct FoldedKeys<Value: Sendable>: Sendable {
  private var table: [UInt64: [(key: [UInt8], value: Value)]] = [:]

  var isEmpty: Bool { table.isEmpty }

  mutating func insert(_ key: some StringProtocol, _ value: Value) {
    let bytes = key.utf8.map(\.asciiLowercased)
    table[Self.hash(bytes), default: []].append((bytes, value))
  }

  func value(for bytes: ArraySlice<UInt8>) -> Value? {
    guard let candidates = table[Self.hash(bytes)] else { return nil }
    return candidates.first { $0.key.elementsEqual(bytes) { $0 == $1.asciiLowercased } }?.value
  }

  func contains(_ bytes: ArraySlice<UInt8>) -> Bool {
    value(for: bytes) != nil
  }

  static func hash(_ bytes: some Collection<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash = (hash ^ UInt64(byte.asciiLowercased)) &* 0x100_0000_01b3
    }
    return hash
  }
}
