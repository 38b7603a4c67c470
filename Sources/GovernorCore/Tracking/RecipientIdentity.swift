import Crypto

/// The recipient as campaign tools hide them in link parameters, where no tracker list sees
/// them: the address as written, percent-encoded or base64-encoded (alone or inside a longer
/// encoded value, such as base64 JSON), the MD5, SHA-1 or SHA-256 hex digest of the
/// lower-cased address, and the customer id as a whole value. The governor knows each
/// recipient; a cleaner that only sees the delivered mail does not.
public struct RecipientIdentity: Hashable, Sendable {
  /// Lower-cased (ASCII), without a display name: what is searched for and digested.
  let address: [UInt8]
  let customerId: [UInt8]
  /// The MD5, SHA-1 and SHA-256 hex digests, when worked out ahead (`withDigests()`).
  private var digests: [[UInt8]]?

  /// Shorter customer ids are not looked for: `1`, `42` or `100` are page numbers,
  /// quantities and sizes in as many links as they are ids, and removing those would break
  /// links that carry nothing of the recipient.
  public static let shortestCustomerId = 4

  public init(address: String, customerId: String) {
    var bare = Substring(address)
    if let open = bare.lastIndex(of: "<"), let close = bare.lastIndex(of: ">"), open < close {
      bare = bare[bare.index(after: open)..<close]
    }
    self.address = Array(bare.trimmingWhitespace().utf8).map(\.asciiLowercased)
    self.customerId = Array(customerId.utf8)
  }

  /// Whether a parameter value, as written in the URL, carries this recipient.
  func isCarried(by raw: ByteSpan) -> Bool {
    guard mayCarry(raw) else { return false }
    // A percent-encoded value is decoded into arrays (rare); the rest is read where it is,
    // base64 decoded on the stack: four arrays per value were half of this check's time.
    guard !raw.contains(UInt8(ascii: "%")) else {
      return ParameterValue(raw)?.carries(self) == true
    }
    return withBase64Decoded(UnsafeBufferPointer(rebasing: raw)) { isIn(decoded: $0, base64: $1) }
  }

  /// Whether the value, percent-decoded, and what it holds read as base64 carry this recipient.
  func isIn(decoded: UnsafeBufferPointer<UInt8>, base64: UnsafeBufferPointer<UInt8>?) -> Bool {
    if customerId.count >= Self.shortestCustomerId && decoded.elementsEqual(customerId) {
      return true
    }
    guard address.count >= 3 else { return false }
    if Self.containsIgnoringCase(decoded, address) { return true }
    if decoded.count == 32 || decoded.count == 40 || decoded.count == 64,
      decoded.allSatisfy({ PercentEncoding.hexValue($0) != nil }),
      let digest = digest(ofLength: decoded.count),
      decoded.elementsEqual(digest, by: { $0.asciiLowercased == $1 })
    {
      return true
    }
    if let base64, Self.containsIgnoringCase(base64, address) { return true }
    return false
  }

  /// Calls `body` with `value` and, when it reads as base64 (or base64url), what it holds;
  /// decoded into stack memory.
  private func withBase64Decoded<Result>(
    _ value: UnsafeBufferPointer<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?) -> Result
  ) -> Result {
    guard value.count >= 8 else { return body(value, nil) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: value.count) { space in
      let count = Base64Text.decode(value, into: space)
      return body(value, count.map { UnsafeBufferPointer(rebasing: space[..<$0]) })
    }
  }

  /// One pass, no allocation: whether the value could hold any of the forms at all. Most
  /// parameter values (ids, words, short tokens) cannot, and decoding each of them three ways
  /// cost a fifth of the rewriter's time.
  private func mayCarry(_ raw: some Collection<UInt8>) -> Bool {
    let count = raw.count
    guard count >= 4 else { return false }
    if count == customerId.count || count == 32 || count == 40 || count == 64 { return true }
    // Base64 of a text holding the address is at least 4/3 of the address long.
    let couldBeBase64 = count >= address.count * 4 / 3
    var allBase64 = true
    for byte in raw {
      if byte == UInt8(ascii: "@") || byte == UInt8(ascii: "%") { return true }
      if allBase64 && Base64Text.sextet(byte) == nil && byte != UInt8(ascii: "=") {
        allBase64 = false
      }
    }
    return couldBeBase64 && allBase64
  }

  /// The same recipient with its digests worked out now: a message's rewrite may meet many
  /// digest-long values, and hashing the address for each cost more than the comparisons. A
  /// dry-run's million recipients are checked against a campaign's few values without them.
  func withDigests() -> RecipientIdentity {
    var copy = self
    copy.digests = [32, 40, 64].compactMap(digest(ofLength:))
    return copy
  }

  public static func == (left: Self, right: Self) -> Bool {
    left.address == right.address && left.customerId == right.customerId
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(address)
    hasher.combine(customerId)
  }

  /// The hex digest of the address that is `length` characters long, if any is; worked out
  /// only for a value of that length (few links carry one).
  func digest(ofLength length: Int) -> [UInt8]? {
    if let digests { return digests.first { $0.count == length } }
    return switch length {
    case 32: Array(Hex.encode(Insecure.MD5.hash(data: address)).utf8)
    case 40: Array(Hex.encode(Insecure.SHA1.hash(data: address)).utf8)
    case 64: Array(Hex.encode(SHA256.hash(data: address)).utf8)
    default: nil
    }
  }

  /// Whether `haystack` holds `needle` (lower-case), ASCII case ignored in `haystack`.
  static func containsIgnoringCase(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8])
    -> Bool
  {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    return needle.withUnsafeBufferPointer { needle in
      let first = needle[0]
      var index = 0
      while index + needle.count <= haystack.count {
        if haystack[index].asciiLowercased == first {
          var offset = 1
          while offset < needle.count
            && haystack[index + offset].asciiLowercased == needle[offset]
          {
            offset += 1
          }
          if offset == needle.count { return true }
        }
        index += 1
      }
      return false
    }
  }
}

/// A URL parameter's value in the forms an identifier hides in, decoded once: a campaign's
/// values are decoded when its parts are prepared and then checked against every recipient.
struct ParameterValue: Hashable, Sendable {
  /// Percent-decoded (twice, when a redirector encoded an encoded link).
  let decoded: [UInt8]
  /// What `decoded` holds when read as base64 (or base64url).
  let base64: [UInt8]?

  /// Nil for a value too short to carry any identifier.
  init?(_ raw: some Collection<UInt8>) {
    guard raw.count >= 4 else { return nil }
    var value = PercentEncoding.decodedBytes(ArraySlice(raw)) ?? Array(raw)
    if value.contains(UInt8(ascii: "%")), let again = PercentEncoding.decodedBytes(value[...]) {
      value = again
    }
    decoded = value
    base64 = value.count >= 8 ? Base64Text.decode(value[...]) : nil
  }

  func carries(_ recipient: RecipientIdentity) -> Bool {
    decoded.withUnsafeBufferPointer { decoded in
      guard let base64 else { return recipient.isIn(decoded: decoded, base64: nil) }
      return base64.withUnsafeBufferPointer { recipient.isIn(decoded: decoded, base64: $0) }
    }
  }
}
