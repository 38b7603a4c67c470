import Foundation
import FuzzSupport
import GovernorCore

// libFuzzer target for the policy loader (`make fuzz`), built like rewriter-fuzz: with
// -sanitize=fuzzer and -DFUZZING libFuzzer drives it; built plainly, it replays the files
// named on the command line.
//
// Beyond "does not crash" (YAML from a person's editor is untrusted input too), each input is
// checked for what the loader promises:
// - a refused policy says why, and every diagnostic points into the file (line and column
//   from 1, the line no further than the file's last line);
// - the same bytes give the same answer twice (no hidden state between loads).

enum PolicyFuzz {
  static let file = "policies/fuzzed.yaml"

  /// Tracker lists named by a policy are read from the shipped ones, so mutated policies still
  /// load the real lists.
  static func list(_ name: String) -> Data? {
    FileManager.default.contents(atPath: "policies/" + name)
  }

  static func check(_ input: UnsafeBufferPointer<UInt8>) {
    let source = Data(input)
    let first = PolicyLoader.load(source, file: file, lists: list)
    let second = PolicyLoader.load(source, file: file, lists: list)
    switch (first, second) {
    case (.success(let policy), .success(let again)):
      guard policy.version == again.version, policy.name == again.name else {
        fatalError("the same policy loaded twice differs")
      }
    case (.failure(let error), .failure(let again)):
      guard error.diagnostics == again.diagnostics else {
        fatalError("the same policy refused twice for different reasons")
      }
      guard !error.diagnostics.isEmpty else { fatalError("refused without a diagnostic") }
      let lines = yamlLineCount(input)
      for diagnostic in error.diagnostics where diagnostic.file == file {
        guard diagnostic.line >= 1, diagnostic.column >= 1, diagnostic.line <= lines else {
          fatalError("diagnostic outside the file: \(diagnostic)")
        }
      }
    default:
      fatalError("the same bytes were accepted once and refused once")
    }
  }
}

/// Lines as YAML (libyaml) counts them: CR LF, CR, LF, NEL, LS and PS each end one, as an
/// editor shows them.
func yamlLineCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
  var lines = 1
  var index = 0
  while index < bytes.count {
    switch bytes[index] {
    case 0x0A: lines += 1
    case 0x0D:
      lines += 1
      if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
    case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85: lines += 1
    case 0xE2
    where index + 2 < bytes.count && bytes[index + 1] == 0x80
      && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
      lines += 1
    default: break
    }
    index += 1
  }
  return lines
}

@_cdecl("LLVMFuzzerTestOneInput")
public func policyFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  PolicyFuzz.check(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}

#if FUZZING
  @_cdecl("policy_fuzz_main")
  public func fuzzerMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    runLibFuzzer(argc, argv, policyFuzzOne)
  }
#else
  @main
  enum Replay {
    static func main() throws { try replayInputs { PolicyFuzz.check($0) } }
  }
#endif
