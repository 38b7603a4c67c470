/// The shape of a piece of a tracking URL — a path segment, a parameter's value — in a small
/// pattern language list authors can get right: literal text (ASCII case ignored), `*` for any
/// run of characters, and `{hex}`, `{base64}` or `{digits}` for a run of that class, at least
/// one character long or as many as `{hex:32}` says. Branded tracking domains are recognised
/// by these shapes on any host. Written by hand rather than as regular expressions: a list
/// author cannot write a catastrophic one, and matching allocates nothing on the hot path of
/// every link of every mail.
public struct TextShape: Hashable, Sendable, CustomStringConvertible {
  enum Piece: Hashable, Sendable {
    /// Lowercased.
    case literal([UInt8])
    case anything
    case run(CharacterClass, atLeast: Int)
  }

  enum CharacterClass: String, Hashable, Sendable, CaseIterable {
    case hex
    /// base64 and base64url, with `=` padding.
    case base64
    case digits

    func contains(_ byte: UInt8) -> Bool {
      switch self {
      case .hex: PercentEncoding.hexValue(byte) != nil
      case .base64: Base64Text.sextet(byte) != nil || byte == UInt8(ascii: "=")
      case .digits: byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
      }
    }
  }

  let pieces: [Piece]
  public let description: String

  /// The shape `text` writes, or the reason it is not one.
  public static func parse(_ text: String) -> Result<TextShape, ShapeError> {
    var pieces: [Piece] = []
    var literal: [UInt8] = []
    func flush() {
      if !literal.isEmpty { pieces.append(.literal(literal)) }
      literal = []
    }
    var rest = Substring(text)
    while let character = rest.first {
      if character == "*" {
        flush()
        if pieces.last != .anything { pieces.append(.anything) }
        rest = rest.dropFirst()
      } else if character == "{" {
        guard let close = rest.firstIndex(of: "}") else {
          return .failure(ShapeError("'{' without '}' in '\(text)'"))
        }
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        let parts = inside.split(separator: ":", omittingEmptySubsequences: false)
        guard let name = parts.first, let kind = CharacterClass(rawValue: String(name)) else {
          return .failure(
            ShapeError(
              "'{\(inside)}' in '\(text)' is not {hex}, {base64} or {digits} (with an optional "
                + "least length, {hex:32})"))
        }
        var least = 1
        if parts.count == 2 {
          guard let number = Int(parts[1]), number >= 1, number <= 4096 else {
            return .failure(ShapeError("'{\(inside)}' in '\(text)': the length must be 1 to 4096"))
          }
          least = number
        } else if parts.count > 2 {
          return .failure(ShapeError("'{\(inside)}' in '\(text)' has more than one ':'"))
        }
        flush()
        pieces.append(.run(kind, atLeast: least))
        rest = rest[rest.index(after: close)...]
      } else {
        literal += character.lowercased().utf8
        rest = rest.dropFirst()
      }
    }
    flush()
    // Each variable piece may backtrack over what the next one took: two, each ended by
    // literal text or the shape's end, keep a match linear in practice and quadratic at worst.
    let variable = pieces.indices.filter { pieces[$0] == .anything || pieces[$0].isRun }
    if variable.count > 2 {
      return .failure(ShapeError("'\(text)' has more than two of *, {hex}, {base64}, {digits}"))
    }
    // A `*` ending the shape takes whatever is left at once: it may follow a run.
    if variable.count == 2 && variable[1] == variable[0] + 1
      && !(variable[1] == pieces.count - 1 && pieces[variable[1]] == .anything)
    {
      return .failure(
        ShapeError("'\(text)': put literal text between two of *, {hex}, {base64}, {digits}"))
    }
    return .success(TextShape(pieces: pieces, description: text))
  }

  /// Text longer than this never has a shape: no tracking token is, and the bound keeps the
  /// worst match of a URL written to be slow small.
  static let longestShaped = 4_096

  /// Whether all of `bytes` has this shape.
  func matches(_ bytes: ByteSpan) -> Bool {
    bytes.count <= Self.longestShaped && Self.match(pieces[...], bytes)
  }

  private static func match(_ pieces: ArraySlice<Piece>, _ bytes: ByteSpan) -> Bool {
    guard let piece = pieces.first else { return bytes.isEmpty }
    let rest = pieces.dropFirst()
    switch piece {
    case .literal(let text):
      guard bytes.count >= text.count,
        zip(bytes, text).allSatisfy({ $0.asciiLowercased == $1 })
      else { return false }
      return match(rest, bytes.dropFirst(text.count))
    case .anything:
      if rest.isEmpty { return true }
      var start = bytes.startIndex
      while true {
        if match(rest, bytes[start...]) { return true }
        guard start < bytes.endIndex else { return false }
        start += 1
      }
    case .run(let kind, let least):
      // The longest run first; shorter ones only when what follows needs them.
      var end = bytes.startIndex
      while end < bytes.endIndex && kind.contains(bytes[end]) { end += 1 }
      guard end - bytes.startIndex >= least else { return false }
      if rest.isEmpty { return end == bytes.endIndex }
      while end - bytes.startIndex >= least {
        if match(rest, bytes[end...]) { return true }
        end -= 1
      }
      return false
    }
  }
}

/// A path's shape, segment by segment between its slashes: `/ss/c/u001.*/**` is the segments
/// `ss`, `c` and one starting `u001.`, then anything (`**`, last only). `/` alone is the empty
/// path.
public struct PathShape: Hashable, Sendable, CustomStringConvertible {
  let segments: [TextShape]
  /// Ends in `**`: any further segments may follow.
  let open: Bool
  public let description: String

  public static func parse(_ text: String) -> Result<PathShape, ShapeError> {
    guard text.hasPrefix("/") else {
      return .failure(ShapeError("'\(text)' must start with /"))
    }
    var parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
      .map(String.init)
    var open = false
    if parts.last == "**" {
      open = true
      parts.removeLast()
    }
    if parts.contains("**") {
      return .failure(ShapeError("'\(text)': ** may only end the path"))
    }
    var segments: [TextShape] = []
    for part in parts {
      switch TextShape.parse(part) {
      case .success(let shape): segments.append(shape)
      case .failure(let error): return .failure(error)
      }
    }
    return .success(PathShape(segments: segments, open: open, description: text))
  }

  /// Whether `path` (from its first `/`, or empty) has this shape.
  func matches(_ path: ByteSpan) -> Bool {
    var index = path.startIndex
    if index < path.endIndex && path[index] == .slash { index += 1 }
    var matched = 0
    while true {
      let end = path[index...].firstIndex(of: .slash) ?? path.endIndex
      guard matched < segments.count else { return open }
      guard segments[matched].matches(path[index..<end]) else { return false }
      matched += 1
      guard end < path.endIndex else { return matched == segments.count }
      index = end + 1
    }
  }
}

/// A shape that cannot be read, said in words for the list's author.
public struct ShapeError: Error, Hashable, Sendable {
  public var message: String
  init(_ message: String) { self.message = message }
}

extension TextShape.Piece {
  var isRun: Bool {
    if case .run = self { return true }
    return false
  }
}
