/// One problem found in a policy file, where a person can find and fix it.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String

  public init(file: String, line: Int, column: Int, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  /// `FILE:LINE:COLUMN: message`, the form editors and CI annotate.
  public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// A policy that cannot be used, with every problem found in it (not just the first).
public struct PolicyError: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(diagnostics: [Diagnostic]) {
    self.diagnostics = diagnostics
  }

  public var description: String {
    diagnostics.map(\.description).joined(separator: "\n")
  }
}
