import ArgumentParser
import Foundation
import GovernorCore
import GovernorDelivery
import GovernorHTTP
import GovernorService
import GovernorStore
import GovernorTLS
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the gateway: decide on every message and forward what is allowed.",
    discussion: """
      Listens on --host:--port (127.0.0.1:8080), over TLS when --tls-cert and --tls-key are \
      given (HTTP/2 to clients that offer it). Stops on SIGTERM or SIGINT after in-flight \
      requests finish; SIGHUP reads the certificates again without dropping a connection. Reservations left open by an earlier run are marked unknown at start \
      (see `governor ledger review`).
      """
  )

  @OptionGroup var options: StoreOptions
  @Option(help: "The policy in force.") var policy: String = "policies/default.yaml"
  @Option(help: "Where allowed messages go: outbox:PATH, webhook:URL, sendgrid:URL or ses:URL.")
  var sender: String = SenderSpecification.defaultValue
  @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
  @Option(help: "The port to listen on (0: any free port).") var port: Int = 8080
  @Option(
    help: ArgumentHelp(
      "Serve HTTPS with this certificate chain (PEM; read again on SIGHUP).", valueName: "path"))
  var tlsCert: String?
  @Option(help: ArgumentHelp("The --tls-cert certificate's private key (PEM).", valueName: "path"))
  var tlsKey: String?
  @Option(
    help: ArgumentHelp(
      "Development only: keep an all-scopes key in this file (created when missing) and "
        + "print a curl example with it.", valueName: "path"))
  var devKeyFile: String?
  @Option(
    help: ArgumentHelp(
      "Development only: keep the secret that signs unsubscribe links in this file (created "
        + "when missing). In production set \(UnsubscribeTokens.environmentVariable).",
      valueName: "path"))
  var devUnsubscribeSecretFile: String?
  @Option(
    help: ArgumentHelp(
      "Also fetch SNS subscription confirmations from this host[:port] (an emulator); "
        + "Amazon's sns.REGION.amazonaws.com hosts are always trusted.", valueName: "host"))
  var trustSnsHost: [String] = []
  @Option(
    help: ArgumentHelp(
      "Seconds one request to the mail sender may take, connecting included; a request that "
        + "left and got no answer in time is not retried and its send is marked unknown."))
  var senderTimeout: Double = 30
  @Option(
    help: ArgumentHelp(
      "Seconds a request waits for the store (PostgreSQL restarting, a disk that stalls) "
        + "before it is answered 503 with Retry-After; SMTP answers 451."))
  var storeTimeout: Double = 5
  @Option(help: "Seconds between looks at the deferred queue.")
  var releaseEvery: Double = 1
  @Option(
    help: ArgumentHelp(
      "SendGrid's event webhook verification key (base64 DER or PEM, from Mail Settings → "
        + "Signed Event Webhook); batches must then carry its signature. Also read from "
        + "\(Self.sendGridKeyVariable).", valueName: "key"))
  var sendgridWebhookKey: String?
  @Flag(
    help: ArgumentHelp(
      "Check Amazon SNS's signature on every message to /v1/events/ses (SignatureVersion 1 "
        + "and 2; the certificate fetched from sns.REGION.amazonaws.com over https, its chain "
        + "checked against --sns-trust-roots)."))
  var verifySnsSignatures = false
  @Option(
    help: ArgumentHelp(
      "The roots SNS signing certificates must chain to (PEM bundle).", valueName: "path"))
  var snsTrustRoots = "/etc/ssl/certs/ca-certificates.crt"
  @Option(help: "Seconds a signed provider event batch stays acceptable (replays are refused).")
  var eventMaxAge: Double = SendGridEventSignature.defaultMaxAge

  @Option(
    help: ArgumentHelp(
      "Failed authentications one client address may make in a minute before it gets 429 "
        + "with Retry-After (0: no limit).", valueName: "count"))
  var authFailureLimit: Int = FailedAuthentications.defaultLimit

  @Option(
    help: ArgumentHelp(
      "Export a span per request and per forward over OTLP/HTTP to this collector (e.g. "
        + "http://127.0.0.1:4318); the OTEL_EXPORTER_OTLP_* variables refine it.",
      valueName: "url"))
  var otlpEndpoint: String?

  static let sendGridKeyVariable = "GOVERNOR_SENDGRID_WEBHOOK_KEY"
  @OptionGroup(title: "SMTP") var smtp: SMTPOptions

  func validate() throws {
    if (tlsCert == nil) != (tlsKey == nil) {
      throw ValidationError("--tls-cert and --tls-key go together")
    }
  }

  func run() async throws {
    let policy = try PolicyFiles.loadOrExit(self.policy)
    let httpCertificate: ReloadableCertificate?
    let smtpCertificate: ReloadableCertificate?
    let server: HTTPServerBuilder
    do {
      httpCertificate = try tlsCert.flatMap { certificate in
        try tlsKey.map { try ReloadableCertificate(certificate: certificate, key: $0) }
      }
      smtpCertificate = try smtp.certificate()
      server = try gatewayServer(tls: httpCertificate)
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
    let tracing: (any Service)?
    do {
      tracing = try otlpEndpoint.map { try Tracing.bootstrap(endpoint: $0) }
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
    // Checked before any libcurl worker starts: a refusal exits at once.
    let tokens = try UnsubscribeSecret.tokensOrExit(
      devFile: devUnsubscribeSecretFile, policy: policy)
    let aws = try AWSSecret.credentialsOrExit()
    let sendGridEvents: SendGridEventSignature?
    if let key = sendgridWebhookKey
      ?? ProcessInfo.processInfo.environment[Self.sendGridKeyVariable]
    {
      do {
        sendGridEvents = try SendGridEventSignature(publicKey: key, maxAge: eventMaxAge)
      } catch {
        printError("--sendgrid-webhook-key: \(error)")
        throw ExitCode(2)
      }
    } else {
      sendGridEvents = nil
    }
    let transport = CurlTransport(
      configuration: .init(connectTimeout: min(5, senderTimeout), totalTimeout: senderTimeout))
    defer { transport.shutdown() }
    let snsEvents: SNSMessageSignature?
    if verifySnsSignatures {
      do {
        let roots = try SNSMessageSignature.certificates(
          pem: try String(contentsOfFile: snsTrustRoots, encoding: .utf8))
        snsEvents = SNSMessageSignature(roots: roots, maxAge: eventMaxAge) { url in
          let answer = try await transport.send(SenderRequest(method: "GET", url: url))
          guard (200..<300).contains(answer.status) else {
            throw SNSMessageSignature.Refusal.certificateUnavailable(url)
          }
          return answer.body
        }
      } catch {
        printError("--sns-trust-roots \(snsTrustRoots): \(error)")
        throw ExitCode(2)
      }
    } else {
      snsEvents = nil
    }
    let mailSender: any MailSender
    do {
      mailSender = try SenderSpecification.make(
        sender, environment: ProcessInfo.processInfo.environment
      ) { HTTPDelivery(transport: transport) }
    } catch {
      printError(error.description)
      throw ExitCode(2)
    }
    let logger = Logger(label: "governor")
    try await options.withStore { store in
      let now = Date()
      // Longer than any forwarding attempt can take: rows this old belong to a dead process.
      let stranded = try await store.recoverUnfinishedReservations(
        reservedBefore: now - 15 * 60, at: now)
      if !stranded.isEmpty {
        logger.warning(
          "sends with an unknown outcome need review: governor ledger review",
          metadata: ["count": "\(stranded.count)"])
      }
      try await store.savePolicyText(
        policy.text, name: policy.name, version: policy.version, at: now)
      let gateway = Gateway(
        store: store, policy: policy, sender: mailSender, unsubscribeTokens: tokens,
        confirmSubscription: { url in
          // Only URLs on trusted hosts get here (Gateway.confirmSNSSubscription).
          let answer = try? await transport.send(SenderRequest(method: "GET", url: url))
          return answer.map { (200..<300).contains($0.status) } ?? false
        }, trustedSNSHosts: trustSnsHost, policyFile: self.policy, aws: aws,
        sendGridEvents: sendGridEvents,
        snsEvents: snsEvents,
        failedAuthentications: FailedAuthentications(
          limit: authFailureLimit > 0 ? authFailureLimit : Int.max),
        storeDeadline: StoreDeadline(.milliseconds(Int64(storeTimeout * 1000))))
      // The brakes in force before the first message is decided, not a moment later.
      try await gateway.refreshReputation()
      let devKey: String?
      if let devKeyFile {
        devKey = try await DevelopmentKey.ensure(file: devKeyFile, store: store)
      } else {
        devKey = nil
      }
      let smtpListeners = try smtp.listeners(
        gateway: gateway, certificate: smtpCertificate, logger: logger, devKey: devKey)
      let scheme = httpCertificate == nil ? "http" : "https"
      let app = buildApplication(
        gateway, host: host, port: port, server: server, releaseEvery: .seconds(releaseEvery),
        traced: tracing != nil, logger: logger,
        onServerRunning: { [options, sender] channel in
          let bound = channel.localAddress?.port ?? port
          // Written unbuffered: scripts and tests wait for this line to learn the port.
          let line =
            "governor listening on \(scheme)://\(host):\(bound) "
            + "(policy \(policy.name) \(policy.version), store \(options.location), "
            + "sender \(sender))\n"
          FileHandle.standardOutput.write(Data(line.utf8))
          if let devKey {
            let example = """

              development key (in \(devKeyFile ?? "")): \(devKey)
              try it:
                curl -s \(scheme)://\(host):\(bound)/v1/messages \\
                  -H 'Authorization: Bearer \(devKey)' -H 'Content-Type: application/json' \\
                  -d '{"id":"hello-1","customer_id":"1001","to":"ana@example.com",
                       "from":"shop@shop.example","subject":"Your order shipped",
                       "text":"It is on its way.","category":"transactional"}'
              or with SendGrid's SDK, unchanged but for its host and key:
                python3 -c 'from sendgrid import SendGridAPIClient as C; print(C("\(devKey)",
                  host="\(scheme)://\(host):\(bound)").send({"personalizations":[{"to":[{"email":
                  "ana@example.com"}]}],"from":{"email":"shop@shop.example"},"subject":"Shipped",
                  "content":[{"type":"text/plain","value":"It is on its way."}],
                  "custom_args":{"category":"transactional"}}).headers)'

              """
            FileHandle.standardOutput.write(Data(example.utf8))
          }
        })
      let certificates = [httpCertificate, smtpCertificate].compactMap { $0 }
      var services: [any Service] = [app] + smtpListeners
      if let tracing { services.append(tracing) }
      if !certificates.isEmpty {
        services.append(CertificateReloader(certificates, logger: logger))
      }
      try await ServiceGroup(
        configuration: .init(
          services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
      ).run()
    }
  }
}
