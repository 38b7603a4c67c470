extension Decision {
  /// Whether a customer known by no address takes this message's recipient as theirs. Not
  /// from a blocked message: mail to an erased or suppressed person must not bring back a
  /// profile with their address. One rule, which every store backend carries out.
  public var adoptsRecipientAddress: Bool { outcome != .blocked }
}
