import NIOCore
import NIOSSL
import Synchronization

/// A server certificate and key read from PEM files that can be read again while the server
/// runs. Every TLS handshake asks for the current pair (NIOSSL's context callback), so a
/// renewed certificate reaches the next connection while those already open keep theirs.
public final class ReloadableCertificate: Sendable {
  public let certificatePath: String
  public let keyPath: String
  private let current: Mutex<Pair>

  struct Pair: Sendable {
    var chain: [NIOSSLCertificate]
    var key: NIOSSLPrivateKey
  }

  /// Reads both files; throws `CertificateError` naming the file that cannot be used.
  public init(certificate: String, key: String) throws {
    certificatePath = certificate
    keyPath = key
    current = Mutex(try Self.read(certificate: certificate, key: key))
  }

  /// Reads the files again. When they cannot be used (unreadable, not PEM, a key that does not
  /// match the certificate) this throws and the pair in use stays.
  @discardableResult
  public func reload() throws -> CertificateSummary {
    let pair = try Self.read(certificate: certificatePath, key: keyPath)
    current.withLock { $0 = pair }
    return CertificateSummary(pair.chain[0])
  }

  /// The certificate in use now.
  public var summary: CertificateSummary {
    current.withLock { CertificateSummary($0.chain[0]) }
  }

  /// A server configuration whose handshakes take the current pair.
  public func serverConfiguration() -> TLSConfiguration {
    let pair = current.withLock { $0 }
    var configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: pair.chain.map { .certificate($0) }, privateKey: .privateKey(pair.key))
    configuration.sslContextCallback = { [self] _, promise in
      let pair = self.current.withLock { $0 }
      var override = NIOSSLContextConfigurationOverride()
      override.certificateChain = pair.chain.map { .certificate($0) }
      override.privateKey = .privateKey(pair.key)
      promise.succeed(override)
    }
    return configuration
  }

  /// A server context whose handshakes take the current pair.
  public func serverContext() throws -> NIOSSLContext {
    try NIOSSLContext(configuration: serverConfiguration())
  }

  private static func read(certificate: String, key: String) throws -> Pair {
    let chain: [NIOSSLCertificate]
    do {
      chain = try NIOSSLCertificate.fromPEMFile(certificate)
    } catch {
      throw CertificateError(file: certificate, reason: "not a readable PEM certificate (\(error))")
    }
    guard !chain.isEmpty else {
      throw CertificateError(file: certificate, reason: "holds no certificate")
    }
    let privateKey: NIOSSLPrivateKey
    do {
      privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
    } catch {
      throw CertificateError(file: key, reason: "not a readable PEM private key (\(error))")
    }
    // A context built once here is where OpenSSL compares key and certificate: a pair that
    // does not match is refused now, not at the first client's handshake.
    do {
      _ = try NIOSSLContext(
        configuration: .makeServerConfiguration(
          certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey)))
    } catch {
      throw CertificateError(
        file: key, reason: "does not belong to the certificate in \(certificate) (\(error))")
    }
    return Pair(chain: chain, key: privateKey)
  }
}

/// What an operator checks after a reload: which certificate is served and until when.
public struct CertificateSummary: Sendable, CustomStringConvertible {
  public let serial: String
  public let notAfter: Int

  init(_ certificate: NIOSSLCertificate) {
    serial = certificate.serialNumber.map {
      ($0 < 16 ? "0" : "") + String($0, radix: 16)
    }.joined()
    notAfter = Int(certificate.notValidAfter)
  }

  public var description: String { "serial \(serial), valid until \(notAfter) (Unix time)" }
}

public struct CertificateError: Error, CustomStringConvertible {
  public let file: String
  public let reason: String
  public var description: String { "\(file): \(reason)" }
}
