import Crypto
import Foundation
import GovernorCore

/// AWS Signature Version 4 (docs.aws.amazon.com, "Create a signed AWS API request"), checked
/// as AWS checks it: the canonical request rebuilt from what arrived, the string to sign with
/// the credential scope, the signing key derived from the secret, date, region and service,
/// a 15-minute bound on the request's clock, and a constant-time comparison. Written by hand:
/// no package in the mirror verifies SigV4 (Soto, which signs, is not in it).
public enum SigV4 {
  public static let algorithm = "AWS4-HMAC-SHA256"
  public static let allowedSkew: TimeInterval = 15 * 60

  /// What arrived, as the server saw it.
  public struct Request: Sendable {
    public var method: String
    /// The path as sent (already percent-encoded).
    public var path: String
    /// The query as sent, without `?`.
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
      method: String, path: String, query: String, headers: [(name: String, value: String)],
      body: [UInt8]
    ) {
      self.method = method
      self.path = path
      self.query = query
      self.headers = headers
      self.body = body
    }

    func header(_ name: String) -> String? {
      headers.first { MIMEHeader.sameName($0.name, name) }?.value
    }
  }

  /// The `Authorization` header's parts.
  public struct Authorization: Hashable, Sendable {
    public var accessKeyId: String
    public var date: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String

    var scope: String { "\(date)/\(region)/\(service)/aws4_request" }
  }

  public enum Failure: Error, Hashable, Sendable {
    /// No `Authorization` header, or not SigV4.
    case missing
    case malformed(String)
    /// An access key id the governor never issued, or of a revoked key.
    case unknownKey
    /// `X-Amz-Date` more than 15 minutes from the server's clock.
    case skewed
    case mismatch
  }

  public static func parse(_ header: String) throws(Failure) -> Authorization {
    guard header.hasPrefix(algorithm + " ") else { throw .missing }
    var fields: [String: String] = [:]
    for part in header.dropFirst(algorithm.count + 1).split(separator: ",") {
      let pair = part.trimmingWhitespace().split(separator: "=", maxSplits: 1)
      guard pair.count == 2 else { throw .malformed("Authorization") }
      fields[String(pair[0])] = String(pair[1])
    }
    guard let credential = fields["Credential"], let signed = fields["SignedHeaders"],
      let signature = fields["Signature"]
    else { throw .malformed("Authorization: Credential, SignedHeaders and Signature") }
    let scope = credential.split(separator: "/", omittingEmptySubsequences: false)
    guard scope.count == 5, scope[4] == "aws4_request" else {
      throw .malformed("Credential: KEY/DATE/REGION/SERVICE/aws4_request")
    }
    return Authorization(
      accessKeyId: String(scope[0]), date: String(scope[1]), region: String(scope[2]),
      service: String(scope[3]),
      signedHeaders: signed.split(separator: ";").map { $0.lowercased() }, signature: signature)
  }

  /// Checks `request` against `secret`: the time it claims, then its signature.
  public static func verify(
    _ request: Request, _ authorization: Authorization, secret: String, now: Date
  ) throws(Failure) {
    guard let stamp = request.header("X-Amz-Date"), let signedAt = amzDate.date(from: stamp)
    else { throw .malformed("X-Amz-Date") }
    guard abs(signedAt.timeIntervalSince(now)) <= allowedSkew else { throw .skewed }
    guard stamp.hasPrefix(authorization.date), authorization.signedHeaders.contains("host")
    else { throw .malformed("the credential's date, or host among SignedHeaders") }
    let expected = signature(request, authorization, amzDate: stamp, secret: secret)
    guard constantTimeEqual(Array(expected.utf8), Array(authorization.signature.utf8)) else {
      throw .mismatch
    }
  }

  static func signature(
    _ request: Request, _ authorization: Authorization, amzDate: String, secret: String
  ) -> String {
    let canonical = canonicalRequest(request, signedHeaders: authorization.signedHeaders)
    let lines: [String] = [
      algorithm, amzDate, authorization.scope,
      Hex.encode(Array(SHA256.hash(data: Array(canonical.utf8)))),
    ]
    let toSign = lines.joined(separator: "\n")
    var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
    for part in [
      authorization.date, authorization.region, authorization.service, "aws4_request",
    ] {
      key = SymmetricKey(
        data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
    }
    return Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key)))
  }

  static func canonicalRequest(_ request: Request, signedHeaders: [String]) -> String {
    let headers: String = signedHeaders.map { name -> String in
      let values = request.headers.filter { MIMEHeader.sameName($0.name, name) }.map {
        $0.value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
      }
      return "\(name):\(values.joined(separator: ","))\n"
    }.joined()
    let payload: String =
      request.header("X-Amz-Content-Sha256")
      ?? Hex.encode(Array(SHA256.hash(data: request.body)))
    let path: String = request.path.isEmpty ? "/" : request.path
    let lines: [String] = [
      request.method, path, canonicalQuery(request.query), headers,
      signedHeaders.joined(separator: ";"), payload,
    ]
    return lines.joined(separator: "\n")
  }

  /// Pairs sorted by name, then value, each part encoded as RFC 3986 unreserved-only.
  static func canonicalQuery(_ query: String) -> String {
    let pairs: [(String, String)] = query.split(separator: "&").map { pair -> (String, String) in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let decode = { (part: Substring) in part.removingPercentEncoding ?? String(part) }
      return (encode(decode(parts[0])), parts.count == 2 ? encode(decode(parts[1])) : "")
    }
    return pairs.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { (name, value) -> String in
      name + "=" + value
    }.joined(separator: "&")
  }

  static func encode(_ text: String) -> String {
    let unreserved = CharacterSet(
      charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
  }

  static let amzDate: DateFormatter = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return formatter
  }()

  static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
  }
}
