import Foundation
import GovernorCore

/// Which SNS `SubscribeURL`s the gateway may fetch. The URL arrives in an unauthenticated-
/// looking body, so fetching any URL would let whoever reaches the endpoint make the gateway
/// call hosts of their choosing; only Amazon's SNS hosts (and emulators named by the
/// operator) are fetched.
public enum SNSSubscription {
  public static func isTrusted(_ text: String, alsoTrusting hosts: [String]) -> Bool {
    guard let url = URLComponents(string: text), let host = url.host?.lowercased() else {
      return false
    }
    let hostAndPort = url.port.map { "\(host):\($0)" } ?? host
    if hosts.contains(where: { $0.lowercased() == hostAndPort || $0.lowercased() == host }) {
      return true
    }
    guard url.scheme == "https", url.port == nil || url.port == 443 else { return false }
    let labels = host.split(separator: ".")
    let amazon =
      labels.suffix(2) == ["amazonaws", "com"] || labels.suffix(3) == ["amazonaws", "com", "cn"]
    return amazon && labels.first == "sns" && labels.count >= 4
  }
}

extension Gateway {
  /// Confirms an SNS subscription by fetching its `SubscribeURL`: true when SNS answered
  /// 2xx. A URL on no trusted host is the sender's error (or a probe) and is never fetched.
  public func confirmSNSSubscription(_ url: String) async throws(InvalidRecord) -> Bool {
    guard SNSSubscription.isTrusted(url, alsoTrusting: trustedSNSHosts) else {
      throw InvalidRecord(
        field: "SubscribeURL",
        problem: "'\(url)' is not an Amazon SNS host (https://sns.REGION.amazonaws.com) or "
          + "one this governor was told to trust (--trust-sns-host)")
    }
    return await confirmSubscription?(url) ?? false
  }
}
