/// What the processes of the chain tell each other over their close-on-exec pipes: encoded and decoded here only.
///
/// Each message is one write(2) of less than PIPE_BUF bytes, so it arrives whole or not at all; end of file (every
/// write end closed: the sender ended, or gave no "go") reads as nil.
enum ChainMessage: Sendable, Hashable {
  /// The sender's own steps are done; it waits for ``go``.
  case ready
  /// The sender took its steps on the waiting process, which goes on.
  case go
  /// The sender failed at this step and call, and exits; nsbuild reports it with the plan at hand.
  case failed(StepFailure)
  /// `up`: the sandbox process tells nsbuild init's pid (as the host sees it) once the sandbox is ready and no
  /// longer dies with nsbuild.
  case holder(pid: Int32)

  /// Where the errno lies in an encoded ``failed(_:)``: after the tag (``CommandSpawn``'s child fills it in).
  static let failedErrnoOffset = 1 + FailureRecord.errnoOffset

  private enum Tag: UInt8 {
    case ready = 1, go, failed, holder
  }

  var encoded: [UInt8] {
    switch self {
    case .ready: [Tag.ready.rawValue]
    case .go: [Tag.go.rawValue]
    case .failed(let failure): [Tag.failed.rawValue] + FailureRecord.encode(failure)
    case .holder(let pid): [Tag.holder.rawValue] + withUnsafeBytes(of: pid.littleEndian) { Array($0) }
    }
  }

  /// Every message in `bytes`, which one read(2) of the report pipe returned: a `holder` message (five bytes) may
  /// be followed there by a failure another process wrote just after it.
  static func all(in bytes: [UInt8]) -> [ChainMessage] {
    var rest = bytes[...]
    var messages: [ChainMessage] = []
    while let first = rest.first, first == Tag.holder.rawValue, rest.count >= 5 {
      let pid = rest.dropFirst().prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      messages.append(.holder(pid: Int32(bitPattern: pid)))
      rest = rest.dropFirst(5)
    }
    if !rest.isEmpty, let last = ChainMessage(decoding: Array(rest)) { messages.append(last) }
    return messages
  }

  init?(decoding bytes: [UInt8]) {
    guard let first = bytes.first, let tag = Tag(rawValue: first) else { return nil }
    switch tag {
    case .ready: self = .ready
    case .go: self = .go
    case .failed:
      guard let failure = FailureRecord.decode(Array(bytes.dropFirst())) else { return nil }
      self = .failed(failure)
    case .holder:
      guard bytes.count == 5, let message = Self.all(in: bytes).first else { return nil }
      self = message
    }
  }
}

extension LinuxKernel {
  /// Sends `message` on `fd`; a reader that is gone is no error here (its end of file tells the rest).
  func send(_ message: ChainMessage, on fd: Int32) { try? write(fd, message.encoded) }

  /// The next message on `fd`; nil at end of file, or for bytes that are no message.
  func receive(on fd: Int32) -> ChainMessage? {
    guard let bytes = try? read(fd, count: 4096), !bytes.isEmpty else { return nil }
    return ChainMessage(decoding: bytes)
  }
}
