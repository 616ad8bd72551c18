/// Mounts that would cover /proc's own entries. `run` reaches the fds its steps hand each other through
/// `/proc/self/fd/N` (mount(2) takes paths), so a spec's own bind of a folder of fake `self/fd/N` symlinks onto /proc
/// would send every later mount, and every file made, to a path plan never named. A fresh `proc` (or a bind of the
/// host's /proc) is proc; beneath /proc/sys and the like nothing of /proc/self changes.
struct ProcCoverRules {
  let spec: Spec
  let sink: DiagnosticSink

  func check() {
    for (index, mount) in spec.mounts.enumerated() where Self.coversProcSelf(mount.target) && !Self.isProc(mount) {
      let later = spec.mounts.count > index + 1 || !spec.files.isEmpty
      let at = SpecKeyPath("mounts").index(index)
      guard later, let range = spec.origins[at.appending("target")] ?? spec.origins[at] else { continue }
      sink.error(
        "covers-proc-self",
        "a \(mount.kind.rawValue) mount on \(mount.target) covers /proc/self/fd, through which nsbuild's later steps reach their files: they would go where this mount says",
        at: range,
        hint:
          "mount a fresh `proc` on /proc, or mount beneath a /proc folder such as /proc/sys, or make this the last mount with no [[files]]"
      )
    }
  }

  /// /proc itself, or a path at or beneath /proc/self, /proc/thread-self or /proc/PID.
  static func coversProcSelf(_ target: String) -> Bool {
    // Most targets are elsewhere: say so without splitting the path.
    guard Self.startsWithProc(target) else { return false }
    let parts = target.split(separator: "/")
    guard parts.first == "proc" else { return false }
    guard parts.count > 1 else { return true }
    let entry = parts[1]
    return entry == "self" || entry == "thread-self" || entry.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// Whether the first component of `target` (after any '/') is `proc`.
  private static func startsWithProc(_ target: String) -> Bool {
    let rest = target.utf8.drop { $0 == UInt8(ascii: "/") }
    guard rest.starts(with: "proc".utf8) else { return false }
    let after = rest.dropFirst(4).first
    return after == nil || after == UInt8(ascii: "/")
  }

  private static func isProc(_ mount: Mount) -> Bool {
    mount.kind == .proc || (mount.kind == .bind && mount.source == "/proc" && mount.target == "/proc")
  }
}
