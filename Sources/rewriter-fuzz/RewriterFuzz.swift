import Foundation
import FuzzSupport
import GovernorCore

// libFuzzer target for the tracking rewriter (`make fuzz`). Built with -sanitize=fuzzer and
// -DFUZZING, libFuzzer supplies main and calls `LLVMFuzzerTestOneInput`; built plainly (as
// `swift build` does), it replays the files named on the command line, to reproduce a crash.
//
// Beyond "does not crash", each input is checked for what the rewriter promises:
// - the output is no longer than the input plus the bytes it wrote itself;
// - fed in two pieces, at any split, it gives the same output and changes as in one;
// both with and without a recipient whose identifiers are looked for.

enum RewriterFuzz {
  static let limiter: TrackingLimiter = {
    let path = ProcessInfo.processInfo.environment["GOVERNOR_POLICY"] ?? "policies/default.yaml"
    switch PolicyLoader.load(file: path) {
    case .success(let policy):
      return TrackingLimiter(policy: policy)
    case .failure(let error): fatalError("\(error) (run from the repository's root)")
    }
  }()

  static let recipient = RecipientIdentity(address: "ana@example.com", customerId: "cu-1001")

  static func check(_ input: UnsafeBufferPointer<UInt8>) {
    for (consent, recipient) in [(false, nil), (true, nil), (false, recipient), (true, recipient)] {
      let whole = limiter.rewriteHTML(input, consent: consent, recipient: recipient)
      guard whole.output.count <= input.count + whole.replacementBytes else {
        fatalError(
          "output \(whole.output.count) > input \(input.count) + \(whole.replacementBytes)")
      }
      let split = input.isEmpty ? 0 : Int(input[0]) * input.count / 256
      var stream = limiter.htmlStream(consent: consent, recipient: recipient)
      var output = stream.feed(UnsafeBufferPointer(rebasing: input[..<split]))
      output += stream.feed(UnsafeBufferPointer(rebasing: input[split...]))
      output += stream.finish()
      guard output == whole.output, stream.modifications == whole.modifications else {
        fatalError("fed in two pieces at \(split), the output differs")
      }
    }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func rewriterFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  RewriterFuzz.check(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}

#if FUZZING
  @_cdecl("rewriter_fuzz_main")
  public func fuzzerMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    runLibFuzzer(argc, argv, rewriterFuzzOne)
  }
#else
  @main
  enum Replay {
    static func main() throws { try replayInputs { RewriterFuzz.check($0) } }
  }
#endif
