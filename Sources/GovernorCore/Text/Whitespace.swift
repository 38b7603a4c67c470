extension StringProtocol {
  /// The text without leading and trailing whitespace (newlines included). Foundation's
  /// `trimmingCharacters(in:)` does the same through NSString, at several times the cost on
  /// every request's fields.
  public func trimmingWhitespace() -> SubSequence {
    guard let first = firstIndex(where: { !$0.isWhitespace }),
      let last = lastIndex(where: { !$0.isWhitespace })
    else { return self[endIndex...] }
    return self[first...last]
  }
}
