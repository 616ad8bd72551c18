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

  private enum Tag: UInt8 {
    case ready = 1, go, failed
  }

  var encoded: [UInt8] {
    switch self {
    case .ready: [Tag.ready.rawValue]
    case .go: [Tag.go.rawValue]
    case .failed(let failure): [Tag.failed.rawValue] + FailureRecord.encode(failure)
    }
  }

  init?(decoding bytes: [UInt8]) {
    guard let first = bytes.first, let tag = Tag(rawValue: first) else { return nil }
    switch tag {
    case .ready: self = .ready
    case .go: self = .go
    case .failed:
      guard let failure = FailureRecord.decode(Array(bytes.dropFirst())) else { return nil }
      self = .failed(failure)
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
