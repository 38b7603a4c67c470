import Foundation
import GovernorStore
import Testing

@testable import GovernorService

/// SigV4 as AWS checks it, on AWS's own published example and on what a forger would try.
@Suite("SigV4 and the derived AWS credentials")
struct SigV4Tests {
  /// `get-vanilla` from AWS's Signature Version 4 test suite.
  let vanilla = SigV4.Request(
    method: "GET", path: "/", query: "",
    headers: [
      (name: "Host", value: "example.amazonaws.com"),
      (name: "X-Amz-Date", value: "20150830T123600Z"),
    ],
    body: [])
  let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
  let signedAt = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
  let header =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    + "SignedHeaders=host;x-amz-date, "
    + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

  @Test("AWS's get-vanilla example verifies; a changed byte, secret or clock does not")
  func vanillaExample() throws {
    let authorization = try SigV4.parse(header)
    #expect(authorization.accessKeyId == "AKIDEXAMPLE" && authorization.service == "service")
    try SigV4.verify(vanilla, authorization, secret: secret, now: signedAt + 60)
    var altered = vanilla
    altered.path = "/other"
    #expect(throws: SigV4.Failure.mismatch) {
      try SigV4.verify(altered, authorization, secret: secret, now: signedAt)
    }
    var body = vanilla
    body.body = Array("x".utf8)
    #expect(throws: SigV4.Failure.mismatch) {
      try SigV4.verify(body, authorization, secret: secret, now: signedAt)
    }
    #expect(throws: SigV4.Failure.mismatch) {
      try SigV4.verify(vanilla, authorization, secret: secret + "x", now: signedAt)
    }
    #expect(throws: SigV4.Failure.skewed) {
      try SigV4.verify(vanilla, authorization, secret: secret, now: signedAt + 16 * 60)
    }
    #expect(throws: SigV4.Failure.missing) { try SigV4.parse("Bearer mg_x") }
    #expect(throws: SigV4.Failure.self) {
      try SigV4.parse("AWS4-HMAC-SHA256 Credential=AKID/20150830, Signature=00")
    }
  }

  @Test("the canonical query sorts and encodes as AWS does")
  func canonicalQuery() {
    #expect(SigV4.canonicalQuery("b=2&a=1&a=0&c=x%20y&d=~.") == "a=0&a=1&b=2&c=x%20y&d=~.")
  }

  @Test("credentials are derived, never stored: a key and a server secret give one secret")
  func derived() throws {
    let key = APIKeyRecord(
      id: "0123456789ab", name: "t", scopes: ["send"], secretHash: "ab", createdAt: Date())
    let one = try AWSCredentials(secret: String(repeating: "s", count: 32))
    let other = try AWSCredentials(secret: String(repeating: "t", count: 32))
    #expect(AWSCredentials.accessKeyId(for: key) == "MGAK0123456789AB")
    #expect(AWSCredentials.keyId(fromAccessKeyId: "MGAK0123456789AB") == "0123456789ab")
    #expect(AWSCredentials.keyId(fromAccessKeyId: "AKIAIOSFODNN7EXAMPLE") == nil)
    let secret = one.secretAccessKey(for: key)
    #expect(secret.count == 40 && !secret.contains("/") && !secret.contains("+"))
    #expect(secret == one.secretAccessKey(for: key))
    #expect(secret != other.secretAccessKey(for: key))
    var rotated = key
    rotated.secretHash = "cd"
    #expect(secret != one.secretAccessKey(for: rotated), "a new key secret, new AWS secret")
    #expect(throws: AWSCredentials.ShortSecret.self) { try AWSCredentials(secret: "short") }
  }
}
