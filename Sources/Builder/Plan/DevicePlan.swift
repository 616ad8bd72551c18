import SpecParser

/// A minimal /dev, as `bwrap --dev` makes it: a tmpfs holding binds of the host's harmless device nodes, a private
/// devpts with its ptmx, a shm folder, and the usual links into /proc/self/fd.
struct DevicePlan {
  /// The character devices bound from the host (null 1:3, zero 1:5, full 1:7, random 1:8, urandom 1:9, tty 5:0).
  static let nodes = ["null", "zero", "full", "random", "urandom", "tty"]
  static let links = [
    ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx"),
  ]

  let mount: Mount
  let sources: [String: Int]

  /// Where the command's pseudo-terminal (`run -t`) is bound, as bwrap binds its caller's terminal: ttyname(3),
  /// which finds no name for a replica of the host's devpts in the private one, finds it there.
  static let console = "/dev/console"

  /// What a node is bound from, as plans and errors name it.
  static func source(_ node: String) -> String { node == "console" ? "the command's pseudo-terminal" : "/dev/" + node }

  /// The nodes bound in, `console` last when there is a pseudo-terminal to bind.
  private var bound: [String] { Self.nodes + (sources[Self.console] == nil ? [] : ["console"]) }

  /// The calls after the mount point is open in slot `target`, through the new mount API (see ``DetachedMount``):
  /// the tmpfs into fd slot `root`, each node a non-recursive copy of the host's, made nosuid and noexec before it
  /// is attached, and a devpts. `at` is how the mount point was looked up (root fd slot and path), and the nodes on
  /// the new tmpfs are looked up the same way, then inside it.
  func calls(target: Int, at: (root: Int, path: String), root tmpfsSlot: Int, slot: () -> Int) -> [Syscall] {
    let base = mount.target == "/" ? "" : mount.target
    let lookupBase = at.path == "/" ? "" : at.path
    var tmpfs = DetachedMount.filesystem(
      "tmpfs", options: [.string("mode", "755")],
      attributes: DetachedMount.attributes(FilesystemPlan.flags(mount.options).union([.nosuid])), context: slot(),
      slot: tmpfsSlot, path: mount.target)
    tmpfs.attach(to: target, path: mount.target)
    var calls = tmpfs.calls
    for node in bound {
      let (nodeSlot, path) = (slot(), base + "/" + node)
      calls.append(.resolve(root: at.root, path: lookupBase + "/" + node, create: .file, slot: nodeSlot))
      // A device node is never a program: nosuid and noexec on each (bwrap sets nosuid; crun both).
      var bind = DetachedMount.tree(
        of: sources["/dev/" + node] ?? 0, path: Self.source(node), recursive: false, slot: slot(), target: path)
      bind.configure(path: path, recursive: false, set: [.nosuid, .noexec], clear: [])
      bind.attach(to: nodeSlot, path: path)
      calls += bind.calls
    }
    let pts = slot()
    calls.append(.resolve(root: at.root, path: lookupBase + "/pts", create: .directory, slot: pts))
    var devpts = DetachedMount.filesystem(
      "devpts", options: DetachedMount.options(fromData: Self.devptsData), attributes: [.nosuid, .noexec],
      context: slot(), slot: slot(), path: base + "/pts")
    devpts.attach(to: pts, path: base + "/pts")
    calls += devpts.calls
    return calls + finishing(at: at)
  }

  /// A private devpts instance whose ptmx anyone may open, and whose terminals only their owner (and tty) may.
  static let devptsData = "newinstance,ptmxmode=0666,mode=620"

  /// The shm folder and the links, on the new tmpfs.
  private func finishing(at: (root: Int, path: String)) -> [Syscall] {
    let lookupBase = at.path == "/" ? "" : at.path
    var calls: [Syscall] = [.makeDirectory(root: at.root, path: lookupBase + "/shm", mode: 0o1777)]
    for (name, link) in Self.links {
      calls.append(.symlink(root: at.root, path: lookupBase + "/" + name, link: link))
    }
    return calls
  }

  /// The calls where the kernel lacks the new mount API: mount(2) onto /proc/self/fd paths.
  func callsThroughProc(target: Int, at: (root: Int, path: String), slot: () -> Int) -> [Syscall] {
    let root = at.root
    let base = mount.target == "/" ? "" : mount.target
    let lookupBase = at.path == "/" ? "" : at.path
    var calls: [Syscall] = [
      .mountAt(
        source: .name(filesystem: "tmpfs"), target: target, path: mount.target, fstype: "tmpfs",
        flags: FilesystemPlan.flags(mount.options).union([.nosuid]), data: "mode=755")
    ]
    for node in bound {
      let nodeSlot = slot()
      let path = base + "/" + node
      calls.append(.resolve(root: root, path: lookupBase + "/" + node, create: .file, slot: nodeSlot))
      calls.append(
        .mountAt(
          source: .slot(slot: sources["/dev/" + node] ?? 0, path: Self.source(node)), target: nodeSlot, path: path,
          fstype: nil,
          flags: [.bind], data: nil))
      // A device node is never a program: nosuid and noexec on each (bwrap sets nosuid; crun both).
      let mounted = slot()
      calls.append(.resolve(root: root, path: lookupBase + "/" + node, create: nil, slot: mounted))
      calls.append(.setattrAt(slot: mounted, path: path, recursive: false, set: [.nosuid, .noexec], clear: []))
    }
    let pts = slot()
    calls.append(.resolve(root: root, path: lookupBase + "/pts", create: .directory, slot: pts))
    calls.append(
      .mountAt(
        source: .name(filesystem: "devpts"), target: pts, path: base + "/pts", fstype: "devpts",
        flags: [.nosuid, .noexec],
        data: "newinstance,ptmxmode=0666,mode=620"))
    calls.append(.makeDirectory(root: root, path: lookupBase + "/shm", mode: 0o1777))
    for (name, link) in Self.links {
      calls.append(.symlink(root: root, path: lookupBase + "/" + name, link: link))
    }
    return calls
  }
}
