/// The bounds of one listener; each one crossed is answered with its own code.
public struct SMTPLimits: Sendable {
  /// RFC 5321 §4.5.3.1.4: 512 octets with the CRLF.
  public var commandLine = 512
  /// RFC 5321 §4.5.3.1.6 asks for 1,000; tools write longer HTML lines, so more is taken.
  public var dataLine = 64 * 1024
  /// Announced in EHLO as SIZE (RFC 1870).
  public var messageSize = 32 * 1024 * 1024
  /// RFC 5321 §4.5.3.1.8 asks for at least 100; campaign tools send to more.
  public var recipients = 2_000
  /// Silence longer than this closes the session (RFC 5321 §4.5.3.2.7 suggests 5 minutes).
  public var idle: Duration = .seconds(300)
  /// However busy, a session ends after this.
  public var session: Duration = .seconds(3_600)
  /// Sessions at once; one more is told 421 and closed.
  public var connections = 512
  /// The longest a message's decisions (or a password's check) may take before the client is
  /// told `451` (a store that is gone must not hold the session); sending again is safe.
  public var decision: Duration = .seconds(60)
  /// Commands refused in a row before the session is closed.
  public var errors = 20

  public init() {}
}
