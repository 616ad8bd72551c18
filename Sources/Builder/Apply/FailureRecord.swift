/// The wire form of a ``StepFailure``, sent from a sandbox process to nsbuild over a close-on-exec pipe so the
/// parent can report it with the plan at hand.
enum FailureRecord {
  /// Kept under PIPE_BUF (4096) so one write(2) is atomic.
  static let maximumPath = 3000
  /// Where the errno lies in a record: after the step's id and the call's index (``CommandSpawn`` fills it in).
  static let errnoOffset = 8

  static func encode(_ failure: StepFailure) -> [UInt8] {
    var bytes: [UInt8] = []
    for value in [Int32(failure.stepID), Int32(failure.callIndex), failure.error.errno] {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    append(failure.error.call, to: &bytes)
    append(failure.error.path ?? "", to: &bytes)
    return bytes
  }

  static func decode(_ bytes: [UInt8]) -> StepFailure? {
    var cursor = bytes[...]
    guard let step = int32(&cursor), let call = int32(&cursor), let errno = int32(&cursor),
      let name = string(&cursor), let path = string(&cursor)
    else { return nil }
    let error = SyscallError(call: name, errno: errno, path: path.isEmpty ? nil : path)
    return StepFailure(stepID: Int(step), callIndex: Int(call), error: error)
  }

  private static func append(_ text: String, to bytes: inout [UInt8]) {
    let utf8 = Array(text.utf8.prefix(maximumPath))
    withUnsafeBytes(of: Int32(utf8.count).littleEndian) { bytes += $0 }
    bytes += utf8
  }

  private static func int32(_ cursor: inout ArraySlice<UInt8>) -> Int32? {
    guard cursor.count >= 4 else { return nil }
    let value = cursor.prefix(4).reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) }
    cursor = cursor.dropFirst(4)
    return value
  }

  private static func string(_ cursor: inout ArraySlice<UInt8>) -> String? {
    guard let length = int32(&cursor), length >= 0, cursor.count >= Int(length) else { return nil }
    defer { cursor = cursor.dropFirst(Int(length)) }
    return String(decoding: cursor.prefix(Int(length)), as: UTF8.self)
  }
}
