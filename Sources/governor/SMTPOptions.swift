import ArgumentParser
import Foundation
import GovernorCore
import GovernorSMTP
import GovernorService
import GovernorTLS
import Logging
import ServiceLifecycle

/// `governor serve`'s SMTP listeners: what a campaign tool that can only send over SMTP
/// points its host at.
struct SMTPOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Also accept mail over SMTP here (STARTTLS offered when --smtp-tls-cert is given).",
      valueName: "host:port"))
  var smtp: String?
  @Option(
    help: ArgumentHelp(
      "Also accept mail over SMTP with TLS from the first byte (port 465 style).",
      valueName: "host:port"))
  var smtps: String?
  @Option(help: ArgumentHelp("The SMTP certificate chain (PEM).", valueName: "path"))
  var smtpTlsCert: String?
  @Option(help: ArgumentHelp("The SMTP certificate's private key (PEM).", valueName: "path"))
  var smtpTlsKey: String?
  @Option(
    help: ArgumentHelp(
      "The category of SMTP mail that has no X-Governor-Category header.", valueName: "name"))
  var smtpCategory: String?
  @Option(
    help: ArgumentHelp(
      "The campaign of SMTP mail whose headers name none.", valueName: "id"))
  var smtpCampaign: String?
  @Flag(
    help: "Offer AUTH without TLS to every client, not only on loopback (on a network you trust).")
  var smtpAuthInClear = false
  @Flag(
    help: ArgumentHelp(
      "Refuse at RCPT a recipient the rules would hold back (550 5.7.1 for consent and "
        + "suppressions, 450 4.7.1 for caps and quiet hours) instead of accepting and "
        + "recording it. Needs --smtp-category."))
  var smtpRefuseHeld = false
  @Flag(
    help: ArgumentHelp(
      "Let clients on loopback send without AUTH (a tool on this host that cannot "
        + "authenticate, or Postfix's smtp-source), as Postfix's permit_mynetworks does."))
  var smtpTrustLoopback = false
  @Option(help: "Seconds an SMTP session may stay silent.")
  var smtpIdleTimeout: Double = 300
  @Option(
    help: "Seconds a message's decisions may take before the client is told 451 (try again).")
  var smtpDecisionTimeout: Double = 60
  @Option(help: "SMTP sessions at once.")
  var smtpMaxConnections: Int = 512
  @Option(help: "The largest message accepted over SMTP, in bytes (announced as SIZE).")
  var smtpMaxSize: Int = 32 * 1024 * 1024

  func validate() throws {
    for value in [smtp, smtps].compactMap({ $0 }) where Self.hostPort(value) == nil {
      throw ValidationError("'\(value)' is not host:port, such as 127.0.0.1:2525")
    }
    if (smtpTlsCert == nil) != (smtpTlsKey == nil) {
      throw ValidationError("--smtp-tls-cert and --smtp-tls-key go together")
    }
    if smtpRefuseHeld && smtpCategory == nil {
      throw ValidationError(
        "--smtp-refuse-held needs --smtp-category: at RCPT no header has named one yet")
    }
    if smtps != nil && smtpTlsCert == nil {
      throw ValidationError("--smtps needs --smtp-tls-cert and --smtp-tls-key")
    }
  }

  static func hostPort(_ text: String) -> (String, Int)? {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (0...65_535).contains(port)
    else { return nil }
    let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    return host.isEmpty ? nil : (host, port)
  }

  /// The SMTP listeners' certificate, read again on SIGHUP.
  func certificate() throws -> ReloadableCertificate? {
    guard smtp != nil || smtps != nil, let smtpTlsCert, let smtpTlsKey else { return nil }
    return try ReloadableCertificate(certificate: smtpTlsCert, key: smtpTlsKey)
  }

  func listeners(
    gateway: Gateway, certificate: ReloadableCertificate?, logger: Logger, devKey: String?
  ) throws -> [SMTPListener] {
    guard smtp != nil || smtps != nil else { return [] }
    let tls = try certificate?.serverContext()
    var listeners: [SMTPListener] = []
    for (address, implicitTLS) in [(smtp, false), (smtps, true)] {
      guard let address, let (host, port) = Self.hostPort(address) else { continue }
      var configuration = SMTPListenerConfiguration(host: host, port: port)
      configuration.implicitTLS = implicitTLS
      configuration.authInClear = smtpAuthInClear
      configuration.refuseHeldRecipients = smtpRefuseHeld
      configuration.trustLoopback = smtpTrustLoopback
      configuration.defaults = MailDefaults(category: smtpCategory, campaignId: smtpCampaign)
      configuration.limits.idle = .milliseconds(Int64(smtpIdleTimeout * 1000))
      configuration.limits.connections = smtpMaxConnections
      configuration.limits.decision = .milliseconds(Int64(smtpDecisionTimeout * 1000))
      configuration.limits.messageSize = smtpMaxSize
      let security = implicitTLS ? "TLS" : tls != nil ? "STARTTLS" : "no TLS"
      listeners.append(
        SMTPListener(configuration, gateway: gateway, tls: tls, logger: logger) { bound in
          // Written unbuffered: scripts and tests wait for this line to learn the port.
          var line = "governor SMTP listening on \(host):\(bound) (\(security))\n"
          if let devKey, !implicitTLS {
            line += """
              try it:
                swaks --server \(host):\(bound) --auth PLAIN --auth-user governor \\
                  --auth-password '\(devKey)' --from shop@shop.example --to ana@example.com \\
                  --header 'X-Governor-Category: transactional' --header 'Subject: Your order shipped' \\
                  --body 'It is on its way.'

              """
          }
          FileHandle.standardOutput.write(Data(line.utf8))
        })
    }
    return listeners
  }
}
