import Crypto
import Foundation

/// A message as its sender wrote it (SMTP DATA, a raw SES message), parsed once and shared by
/// every recipient's copy: a 10 MB mailing to 1,000 recipients holds the bytes once, and its
/// digest stands for them in every fingerprint.
public final class MIMESource: Hashable, Sendable, Codable {
  public let document: MIMEDocument
  /// SHA-256 of the bytes.
  public let digest: [UInt8]

  public init(_ bytes: [UInt8]) throws(MIMEError) {
    document = try MIMEDocument(bytes)
    digest = Array(SHA256.hash(data: bytes))
  }

  public var bytes: [UInt8] { document.bytes }

  public static func == (lhs: MIMESource, rhs: MIMESource) -> Bool { lhs.digest == rhs.digest }
  public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

  /// As base64, where a held message is stored.
  public convenience init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let data = Data(base64Encoded: text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "not base64"))
    }
    do {
      try self.init(Array(data))
    } catch {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: error.description))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(Data(bytes).base64EncodedString())
  }
}
