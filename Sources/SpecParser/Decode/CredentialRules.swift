/// `[process]` IDs: what a key left out means. A left-out `uid` or `gid` is 0, the root of the sandbox's user
/// namespace (or root, without one), as in runc and crun, never the caller's own; `uid` alone thus runs the command
/// with group 0, which the spec's author may not expect.
struct CredentialRules {
  let spec: Spec
  let sink: DiagnosticSink

  func check() {
    let process = spec.process
    if let uid = process.uid, uid != 0, process.gid == nil, let range = spec.origins["process.uid"] {
      sink.warning(
        "gid-defaults-to-root", "`uid` is set without `gid`: the command runs with gid 0 (root's group), as in runc",
        at: range, hint: "set `gid` too, e.g. gid = \(uid)")
    }
  }
}
