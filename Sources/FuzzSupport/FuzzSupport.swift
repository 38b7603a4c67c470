import Foundation

// What the fuzz targets (rewriter-fuzz, policy-fuzz) share: handing over to libFuzzer's
// driver when built for fuzzing, and replaying saved inputs when built plainly.

#if FUZZING
  /// libFuzzer's own driver. Declared by name: its arguments are pointers and integers, passed
  /// alike by the Swift and C conventions on this platform.
  @_silgen_name("LLVMFuzzerRunDriver")
  func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  /// SwiftPM links an executable's entry point as `<module>_main`, which hides libFuzzer's main;
  /// each target's `<module>_main` calls this to hand over. Only linkable with -sanitize=fuzzer.
  public func runLibFuzzer(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, callback)
  }
#endif

/// Runs `check` on each file named on the command line: how a saved crash-* is reproduced.
public func replayInputs(_ check: (UnsafeBufferPointer<UInt8>) -> Void) throws {
  let files = CommandLine.arguments.dropFirst()
  for file in files {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
    bytes.withUnsafeBufferPointer { check($0) }
  }
  print("replayed \(files.count) inputs: no failure")
}
