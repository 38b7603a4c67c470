import Crypto
import Foundation
import GovernorCore

/// AWS Signature Version 4 for one request (docs.aws.amazon.com, "Create a signed AWS API
/// request"). Written by hand: the listed libraries have no AWS SDK, and SES needs only this.
/// Signs every header the request carries plus `host` and `x-amz-date`.
public struct SigV4Signer: Sendable {
  public var accessKey: String
  public var secretKey: String
  public var sessionToken: String?
  public var region: String
  public var service: String

  public init(
    accessKey: String, secretKey: String, sessionToken: String? = nil, region: String,
    service: String
  ) {
    self.accessKey = accessKey
    self.secretKey = secretKey
    self.sessionToken = sessionToken
    self.region = region
    self.service = service
  }

  public func sign(_ request: SenderRequest, at date: Date) -> SenderRequest {
    guard let url = URLComponents(string: request.url), let host = url.host else { return request }
    let amzDate = Self.format(date, "yyyyMMdd'T'HHmmss'Z'")
    let day = String(amzDate.prefix(8))
    var signed = request
    let hostHeader = url.port.map { "\(host):\($0)" } ?? host
    signed.headers += [("host", hostHeader), ("x-amz-date", amzDate)]
    if let sessionToken { signed.headers.append(("x-amz-security-token", sessionToken)) }

    let headers = Dictionary(
      signed.headers.map {
        ($0.name.lowercased(), $0.value.trimmingCharacters(in: .whitespaces))
      }, uniquingKeysWith: { first, second in first + "," + second })
    let names = headers.keys.sorted()
    let signedHeaders = names.joined(separator: ";")
    let canonicalRequest = [
      request.method,
      Self.encodePath(url.percentEncodedPath.isEmpty ? "/" : url.path),
      Self.canonicalQuery(url.queryItems ?? []),
      names.map { "\($0):\(headers[$0] ?? "")\n" }.joined(),
      signedHeaders,
      Self.hex(SHA256.hash(data: request.body)),
    ].joined(separator: "\n")
    let scope = "\(day)/\(region)/\(service)/aws4_request"
    let stringToSign = [
      "AWS4-HMAC-SHA256", amzDate, scope,
      Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
    ].joined(separator: "\n")

    var key = SymmetricKey(data: Data(("AWS4" + secretKey).utf8))
    for part in [day, region, service, "aws4_request"] {
      key = SymmetricKey(
        data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
    }
    let signature = Self.hex(
      HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    // `host` is sent by libcurl itself; keep it out of the explicit headers.
    signed.headers.removeAll { $0.name == "host" }
    signed.headers.append(
      (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), "
          + "Signature=\(signature)"
      ))
    return signed
  }

  static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    Hex.encode(bytes)
  }

  static func format(_ date: Date, _ pattern: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = pattern
    return formatter.string(from: date)
  }

  /// RFC 3986 unreserved characters stay; everything else is %XX (upper-case hex).
  static func encode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics.intersection(
      .init(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }

  static func encodePath(_ path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }
      .joined(separator: "/")
  }

  static func canonicalQuery(_ items: [URLQueryItem]) -> String {
    items.map { (encode($0.name), encode($0.value ?? "")) }.sorted { $0 < $1 }
      .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
  }
}
