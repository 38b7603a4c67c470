import ArgumentParser
import Foundation
import GovernorService

/// Where the server secret behind the SES-compatible routes' credentials comes from: the
/// environment only, so it never sits in a file beside the store it protects.
enum AWSSecret {
  /// Nil when the variable is not set (the SES routes then refuse, saying why), unless
  /// `required`; a short secret is said on stderr and ends the command (exit 2).
  static func credentialsOrExit(required: Bool = false) throws -> AWSCredentials? {
    guard let secret = ProcessInfo.processInfo.environment[AWSCredentials.environmentVariable]
    else {
      guard !required else {
        printError(
          "set \(AWSCredentials.environmentVariable) (at least "
            + "\(AWSCredentials.minimumSecretLength) characters, the same as `governor serve` "
            + "has): the AWS credentials are derived from it")
        throw ExitCode(2)
      }
      return nil
    }
    do {
      return try AWSCredentials(secret: secret)
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
  }
}
