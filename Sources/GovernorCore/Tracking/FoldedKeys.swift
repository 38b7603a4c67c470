/// A map from byte strings, ASCII case folded, looked up straight from a URL's bytes: an
/// FNV-1a hash of the folded bytes picks a slot of an open-addressing table and a byte
/// comparison confirms. Written by hand: `Set<String>` would need a `String` made for every
/// host suffix and parameter name of every link, and `Dictionary` hashes its keys again.
struct FoldedKeys<Value: Sendable>: Sendable {
  private struct Entry: Sendable {
    let hash: UInt64
    let key: [UInt8]
    let value: Value
  }

  private let entries: [Entry]
  /// Entry index + 1 per slot, 0 for an empty slot; the count is a power of two.
  private let slots: [Int32]

  var isEmpty: Bool { entries.isEmpty }

  /// `domains` hashes keys from their last byte to their first, so that `forEachDomain`
  /// hashes every parent domain of a host in one pass from its end.
  init(_ pairs: some Sequence<(String, Value)>, domains: Bool = false) {
    var entries: [Entry] = []
    for (key, value) in pairs {
      let bytes = key.utf8.map(\.asciiLowercased)
      entries.append(
        Entry(
          hash: domains ? Self.hash(bytes.reversed()) : Self.hash(bytes), key: bytes, value: value))
    }
    var size = 8
    while size < entries.count * 2 { size *= 2 }
    var slots = [Int32](repeating: 0, count: size)
    for (index, entry) in entries.enumerated() {
      var slot = Self.slot(entry.hash, size)
      while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
      slots[slot] = Int32(index + 1)
    }
    self.entries = entries
    self.slots = slots
  }

  func value(for bytes: ByteSpan) -> Value? {
    value(hash: Self.hash(bytes), bytes)
  }

  func contains(_ bytes: ByteSpan) -> Bool {
    value(for: bytes) != nil
  }

  /// Calls `body` with the value of each of `host` and its parent domains (`a.b.example`,
  /// `b.example`, `example`) that is a key, shortest first. Needs `domains: true`.
  func forEachDomain(of host: ByteSpan, _ body: (Value) -> Void) {
    guard !entries.isEmpty else { return }
    var hash = Self.offsetBasis
    var index = host.endIndex
    while index > host.startIndex {
      index -= 1
      let byte = host[index].asciiLowercased
      if byte == UInt8(ascii: "."), let value = value(hash: hash, host[(index + 1)...]) {
        body(value)
      }
      hash = Self.mix(hash, byte)
    }
    if let value = value(hash: hash, host) { body(value) }
  }

  private func value(hash: UInt64, _ bytes: ByteSpan) -> Value? {
    let mask = slots.count - 1
    var slot = Self.slot(hash, slots.count)
    while true {
      let stored = Int(slots[slot])
      if stored == 0 { return nil }
      let entry = entries[stored - 1]
      if entry.hash == hash && entry.key.elementsEqual(bytes, by: { $0 == $1.asciiLowercased }) {
        return entry.value
      }
      slot = (slot + 1) & mask
    }
  }

  private static var offsetBasis: UInt64 { 0xcbf2_9ce4_8422_2325 }

  @inline(__always) private static func mix(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
    (hash ^ UInt64(byte)) &* 0x100_0000_01b3
  }

  static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash = offsetBasis
    for byte in bytes { hash = mix(hash, byte.asciiLowercased) }
    return hash
  }

  /// FNV's low bits depend on few input bits: fold the high half in before masking.
  private static func slot(_ hash: UInt64, _ size: Int) -> Int {
    Int(truncatingIfNeeded: hash ^ (hash >> 29)) & (size - 1)
  }
}
