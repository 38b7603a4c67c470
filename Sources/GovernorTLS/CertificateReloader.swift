import Logging
import ServiceLifecycle
import UnixSignals

/// Reads the listeners' certificates again on SIGHUP, as nginx and Postfix do, so a renewed
/// certificate is served without a restart and without dropping a connection.
public struct CertificateReloader: Service {
  let certificates: [ReloadableCertificate]
  let logger: Logger

  public init(_ certificates: [ReloadableCertificate], logger: Logger) {
    self.certificates = certificates
    self.logger = logger
  }

  public func run() async {
    let hangups = await UnixSignalsSequence(trapping: .sighup)
    for await _ in hangups.cancelOnGracefulShutdown() {
      for certificate in certificates {
        do {
          let summary = try certificate.reload()
          logger.notice(
            "certificate reloaded",
            metadata: ["file": "\(certificate.certificatePath)", "certificate": "\(summary)"])
        } catch {
          logger.error(
            "certificate not reloaded; the one in use stays",
            metadata: ["reason": "\(error)", "certificate": "\(certificate.summary)"])
        }
      }
    }
  }
}
