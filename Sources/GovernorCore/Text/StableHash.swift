/// FNV-1a over bytes, then SplitMix64's finalizer to spread FNV's weak low bits: a hash every
/// node, every restart and every release computes alike, which Swift's per-process seeded
/// `Hasher` is not. What holds a customer back (a throttle, a rule's rollout) must not change
/// when the gateway restarts. Written by hand: no listed library has a stable 64-bit hash.
enum StableHash {
  static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

  static func add(_ text: String, to hash: inout UInt64) {
    for byte in text.utf8 { add(byte, to: &hash) }
  }

  static func add(_ byte: UInt8, to hash: inout UInt64) {
    hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
  }

  static func finish(_ value: UInt64) -> UInt64 {
    var hash = value
    hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
    hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
    return hash ^ (hash >> 31)
  }
}
