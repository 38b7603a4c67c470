import Foundation
import GovernorCore
import GovernorStore

/// Why a signed request was not let through, for an answer in SES's shape.
public enum SignedRequestRefusal: Error, Sendable {
  case signature(SigV4.Failure)
  /// `GOVERNOR_AWS_SECRET` is not set: no SES credentials exist.
  case notConfigured
  /// The store could not be read.
  case unavailable
}

extension Gateway {
  /// The key whose derived AWS credentials signed `request` (SigV4), if it is live.
  public func authenticateSigned(_ request: SigV4.Request) async throws(SignedRequestRefusal)
    -> APIKeyRecord
  {
    guard let aws else { throw .notConfigured }
    let authorization: SigV4.Authorization
    do {
      authorization = try SigV4.parse(request.header("Authorization") ?? "")
    } catch {
      throw .signature(error)
    }
    guard let keyId = AWSCredentials.keyId(fromAccessKeyId: authorization.accessKeyId) else {
      throw .signature(.unknownKey)
    }
    let found: APIKeyRecord?
    do {
      found = try await store.apiKey(id: keyId)
    } catch {
      throw .unavailable
    }
    guard let key = found else { throw .signature(.unknownKey) }
    do {
      try SigV4.verify(
        request, authorization, secret: aws.secretAccessKey(for: key), now: clock())
    } catch {
      throw .signature(error)
    }
    return key
  }
}
