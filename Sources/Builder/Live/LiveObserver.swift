import Netlink
import SpecParser

/// Reads a live sandbox (``LiveSandbox``) through a ``SystemReader`` only, from the host's /proc: it cannot change
/// what it looks at. Each read names the recorded init by pid, checked against its start time first.
public struct LiveObserver<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// What stands in the sandbox of `record`; `files` are the `[[files]]` paths to read inside it, `paths` the
  /// sandbox paths to resolve there (``LiveSandbox/paths``); its links are read when `links` or the applied plan has
  /// a veth. Namespaces the applied plan did not unshare are the host's: their values are not read as the sandbox's.
  public func observe(
    _ record: SandboxRecord, files: [String] = [], paths: [String] = [], links: Bool = false
  ) -> LiveSandbox {
    let target = record.initProcess
    var live = LiveSandbox(isAlive: target.isAlive(reader: reader))
    guard live.isAlive else { return live }
    let proc = "/proc/\(target.pid)/"
    let unshared = record.plan.unsharedNamespaces
    live.namespaceIDs = namespaceIDs(proc)
    if unshared.contains(.uts) {
      do {
        (live.hostname, live.domainname) = try reader.utsNames(ofProcess: target.pid)
      } catch { live.unread.append("hostname and domainname: \(error)") }
    }
    if unshared.contains(.mount) {
      live.mounts = text(proc + "mountinfo").map(HostMount.parse)
      if live.mounts == nil { live.unread.append("mounts: \(proc)mountinfo") }
    }
    for file in ["uid_map", "gid_map", "setgroups", "timens_offsets"] {
      if let contents = text(proc + file) { live.procFiles[file] = contents }
    }
    live.limits = ProcLimits.parse(text(proc + "limits") ?? "")
    if let command = record.mainCommand, command.isAlive(reader: reader) {
      let limits = text("/proc/\(command.pid)/limits").map(ProcLimits.parse)
      // Read from the process checked, not one that took its pid meanwhile.
      if command.isAlive(reader: reader) { live.commandLimits = limits }
    }
    if unshared.contains(.net) { live.loopbackUp = loopbackUp(proc) }
    live.pastaRunning = record.pasta.map { $0.isAlive(reader: reader) }
    if unshared.contains(.net), links || record.plan.steps.contains(where: { $0.kind == .veth }) {
      do {
        let requests = [NetlinkNumbers.RTM_GETLINK, NetlinkNumbers.RTM_GETADDR, NetlinkNumbers.RTM_GETROUTE]
          .enumerated().map { RouteRequest.dump($1, sequence: UInt32($0 + 1)) }
        live.links = LinkState.parse(try reader.routeDumps(ofProcess: target.pid, requests: requests))
      } catch { live.unread.append("links: \(error)") }
    }
    // The root is held open before the check below, so the files are read beneath the root of the process checked.
    let root = files.isEmpty && paths.isEmpty ? nil : try? reader.openPath(proc + "root")
    defer { if let root { reader.close(root) } }
    // Every /proc read above names the same pid: a recycled one since the check would be another process.
    guard target.isAlive(reader: reader) else { return LiveSandbox(isAlive: false) }
    if let root {
      // Judged as `run` judges the host's tree: root and the caller are trusted, the sandbox's own ids are not.
      let resolver = HostPathResolver(
        reader: reader, caller: [reader.realUserID(), reader.effectiveUserID()], root: root)
      var folders: [String: FileKind?] = [:]
      for path in Set(paths + files.map(Self.folder)) where live.paths[path] == nil {
        let place = resolver.resolve(path, stoppingAt: [], refusingDangling: true, folders: &folders)
        live.paths[path] = place
        if place.untrusted == nil, place.dangling == nil, let missing = firstMissing(place.path, root: root) {
          live.missingFrom[path] = missing
        }
      }
      live.files = readFiles(files, root: root, paths: live.paths)
    }
    return live
  }

  /// The shallowest of `path` and its folders (no symlink on the way) that does not exist beneath `root`; nil when
  /// it stands whole, or one cannot be read.
  private func firstMissing(_ path: String, root: Int32) -> String? {
    var at = ""
    for name in path.split(separator: "/") {
      at += "/" + name
      do {
        reader.close(try reader.openInRootWithoutSymlinks(root, at))
      } catch {
        return error.errno == ErrnoNames.ENOENT ? at : nil
      }
    }
    return nil
  }

  /// The folder holding `path` (absolute): `/` for a name in `/`.
  static func folder(_ path: String) -> String { AbsolutePath.parent(of: path) ?? "/" }

  private func text(_ path: String) -> String? {
    (try? reader.readFile(path)).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Whether `lo` is up in the process's network namespace: only an interface that is up has joined the all-hosts
  /// multicast group (`/proc/PID/net/igmp`) or holds IPv6 addresses (`if_inet6`, whose addresses go when it goes
  /// down); 127.0.0.1 in `fib_trie` stays after a `down`, so it cannot tell.
  private func loopbackUp(_ proc: String) -> Bool? {
    let igmp = text(proc + "net/igmp")
    let inet6 = text(proc + "net/if_inet6")
    guard igmp != nil || inet6 != nil else { return nil }
    let lines = ((igmp ?? "") + "\n" + (inet6 ?? "")).split(separator: "\n")
    return lines.contains { line in
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      // igmp: `1	lo        :     1      V3`; if_inet6: `…0001 01 80 10 80       lo`.
      return (fields.count > 1 && fields[1] == "lo") || fields.last == "lo"
    }
  }

  private func namespaceIDs(_ proc: String) -> [String: String] {
    guard let folder = try? reader.openPath(proc + "ns") else { return [:] }
    defer { reader.close(folder) }
    var ids: [String: String] = [:]
    for namespace in Namespace.allCases {
      if let link = try? reader.readLink(folder, namespace.procName) { ids[namespace.procName] = link }
    }
    return ids
  }

  /// Each path beneath the sandbox's root, `rootFD`: opened through the host's /proc (the magic link
  /// `/proc/PID/root` resolves to the process's root); its folder is the one `resolved` gives (the symlinks `run`
  /// would follow replaced), opened beneath the root following no symlink (RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS),
  /// and the last name is opened without following one. A folder behind a link another user could change is not
  /// read: `.other`, which apply refuses to touch.
  private func readFiles(
    _ paths: [String], root rootFD: Int32, paths resolved: [String: ResolvedHostPath]
  ) -> [String: LiveFile] {
    var files: [String: LiveFile] = [:]
    for path in paths {
      let parts = path.split(separator: "/")
      guard let name = parts.last.map(String.init) else { continue }
      let place = resolved[Self.folder(path)]
      if let place, place.untrusted != nil || place.dangling != nil {
        files[path] = .other
        continue
      }
      let parent = place?.path ?? Self.folder(path)
      guard let folder = try? reader.openInRootWithoutSymlinks(rootFD, parent) else {
        files[path] = .missing
        continue
      }
      defer { reader.close(folder) }
      do {
        files[path] = .file(contents: try reader.readRegularFile(folder, name).1)
      } catch {
        files[path] = error.errno == ErrnoNames.ENOENT ? .missing : .other
      }
    }
    return files
  }
}

extension Plan {
  /// The namespaces the plan's unshare step makes.
  public var unsharedNamespaces: [Namespace] {
    for step in steps {
      for case .unshare(let flags) in step.calls {
        return Namespace.allCases.filter { flags.contains(CloneFlags($0)) }
      }
    }
    return []
  }
}
