import ArgumentParser
import Foundation
import GovernorCore
import GovernorHTTP
import GovernorService

/// Where `governor serve` gets the secret that signs unsubscribe links. Links in mail already
/// sent must keep working after a restart, so a server never makes one up silently.
enum UnsubscribeSecret {
  struct Missing: Error, CustomStringConvertible {
    var description: String {
      "set \(UnsubscribeTokens.environmentVariable) (at least "
        + "\(UnsubscribeTokens.minimumSecretLength) characters): the policy puts signed "
        + "unsubscribe links in mail, and they must still work after a restart"
    }
  }

  static func tokens(environment: [String: String], devFile: String?, policy: Policy) throws
    -> UnsubscribeTokens
  {
    if let secret = environment[UnsubscribeTokens.environmentVariable] {
      let previous = (environment[UnsubscribeTokens.previousSecretsVariable] ?? "")
        .split(whereSeparator: \.isWhitespace).map(String.init)
      return try UnsubscribeTokens(secret: secret).opening(previous: previous)
    }
    if let devFile {
      return try UnsubscribeTokens(secret: try secret(in: devFile))
    }
    let links = policy.headers.listUnsubscribe
    guard links?.url == nil && links?.mailto == nil else { throw Missing() }
    // No links are made, so none need to outlive the process.
    return .ephemeral()
  }

  /// The tokens from the environment or the development file; a missing or short secret is
  /// said on stderr and ends the command (exit 2).
  static func tokensOrExit(devFile: String?, policy: Policy) throws -> UnsubscribeTokens {
    do {
      return try tokens(
        environment: ProcessInfo.processInfo.environment, devFile: devFile, policy: policy)
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
  }

  private static func secret(in file: String) throws -> String {
    if let existing = try? String(contentsOfFile: file, encoding: .utf8) {
      return existing.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var bytes = [UInt8](repeating: 0, count: 32)
    var generator = SystemRandomNumberGenerator()
    for index in bytes.indices { bytes[index] = generator.next() }
    let secret = Hex.encode(bytes)
    let folder = (file as NSString).deletingLastPathComponent
    if !folder.isEmpty {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    guard
      FileManager.default.createFile(
        atPath: file, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else { throw CocoaError(.fileWriteUnknown) }
    return secret
  }
}
