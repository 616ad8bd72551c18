import SpecParser

/// In a user namespace, the sandbox's root is an ordinary user on the host for files whose owner the map leaves out
/// (capabilities(7): CAP_DAC_OVERRIDE applies only to an inode whose uid and gid are both mapped). A root folder
/// or a host folder that it cannot write makes `run` fail with EACCES where it makes a mount point or a `[[files]]`
/// entry there, after the namespaces are made: said at `plan`, tied to that step, with the owner to give the folder.
extension Planner {
  func writeAccessWarnings() -> [PlanWarning] {
    guard spec.unshares(.user), !state.makingFolders.isEmpty, let root = defaultIdentity else { return [] }
    let maps = writtenMaps
    guard let uid = maps.uid.outsideID(of: root.uid, caller: state.uid),
      let gid = maps.gid.outsideID(of: root.gid, caller: state.gid)
    else { return [] }
    let acting = Acting(
      uid: uid, gid: gid, groups: Set(state.host.supplementaryGroups), privileged: root.uid == 0,
      isMapped: { owner in
        maps.uid.insideID(of: owner.uid, caller: self.state.uid) != nil
          && maps.gid.insideID(of: owner.gid, caller: self.state.gid) != nil
      })
    var result: [PlanWarning] = []
    let entries =
      spec.mounts.enumerated().map { (SpecKeyPath("mounts").index($0.offset), $0.element.target, Step.Kind.mount) }
      + spec.files.enumerated().map { (SpecKeyPath("files").index($0.offset), $0.element.path, Step.Kind.file) }
    for (key, path, kind) in entries {
      guard let making = state.makingFolders[path], !acting.mayWrite(making.ownership) else { continue }
      let owner = making.ownership
      let at = origin(key)
      result.append(
        PlanWarning(
          "\(making.folder) is \(owner.uid):\(owner.gid), mode \(FileMode.digits(owner.mode)), which the sandbox's root (\(uid):\(gid) on the host, as the map says) may not write: run would fail making \(making.name) there (EACCES); \(Self.fix(making.folder, uid: uid, gid: gid))",
          origin: at, explains: StepReference(kind, origin: at)))
    }
    return result
  }

  /// The overflow ID (nobody, nogroup; /proc/sys/kernel/overflowuid): shared by unrelated services, so never an
  /// owner to give a folder to.
  static let overflowID: UInt32 = 65534

  /// What to do about a folder the sandbox's root, `uid`:`gid` on the host, may not write.
  static func fix(_ folder: String, uid: UInt32, gid: UInt32) -> String {
    guard uid == overflowID || gid == overflowID else { return "chown \(uid):\(gid) \(folder), or map its owner in" }
    return "map the folder's owner in, or run nsbuild as the folder's owner (handing it to \(uid):\(gid), the "
      + "overflow ID nobody, would give it to every process running as nobody)"
  }
}

/// Who makes the entries, for path_resolution(7)'s permission check of a folder.
private struct Acting {
  var uid: UInt32
  var gid: UInt32
  /// Supplementary groups it may keep (with setgroups denied none can be dropped).
  var groups: Set<UInt32>
  /// It is root of its user namespace, with every capability there.
  var privileged: Bool
  var isMapped: (FileOwnership) -> Bool

  /// Write and search permission on a folder of this owner and mode.
  func mayWrite(_ owner: FileOwnership) -> Bool {
    if privileged, isMapped(owner) { return true }
    let bits =
      owner.uid == uid
      ? owner.mode >> 6 : (owner.gid == gid || groups.contains(owner.gid)) ? owner.mode >> 3 : owner.mode
    return bits & 0o3 == 0o3
  }
}
