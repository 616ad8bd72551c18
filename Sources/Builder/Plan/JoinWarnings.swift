import SpecParser

/// What `plan` foresees of `[namespaces] join`: a target that is not there (stops `run`), and a combination the
/// kernel refuses (setns(2), user_namespaces(7)).
extension Planner {
  func joinWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    let joinedUser = state.joinTargets[.user]?.info
    for join in spec.joins {
      let at = origin(Self.joinKey(join.namespace))
      let explains = StepReference(.join, origin: origin("namespaces.join"))
      guard let observed = state.joinTargets[join.namespace] else { continue }
      if let problem = observed.problem {
        result.append(
          PlanWarning(
            "cannot join the \(join.namespace.rawValue) namespace of \(join.target): \(problem)", origin: at,
            explains: explains, stopsRun: true))
        continue
      }
      guard let info = observed.info,
        let reason = kernelRefusal(joining: join.namespace, info, joinedUser: joinedUser)
      else { continue }
      result.append(
        PlanWarning(
          "joining the \(join.namespace.rawValue) namespace \(info.id) of \(join.target) fails: \(reason)", origin: at,
          explains: explains, stopsRun: true))
    }
    return result
  }

  /// Why setns(2) would refuse to enter `info` from the sandbox process, or nil when it is allowed as far as `plan`
  /// can tell.
  ///
  /// setns(2): entering a user namespace needs CAP_SYS_ADMIN in it (its creator's effective uid in its parent has it,
  /// user_namespaces(7)) and never re-enters the caller's own (EINVAL); entering any other needs CAP_SYS_ADMIN both in
  /// the caller's user namespace and in the one owning the target, so a caller without root must enter the user
  /// namespace that owns it first.
  func kernelRefusal(joining namespace: Namespace, _ info: NamespaceFileInfo, joinedUser: NamespaceFileInfo?)
    -> String?
  {
    let own = state.namespaceIDs[.user]
    if namespace == .user {
      if let own, info.id == own {
        return
          "it is nsbuild's own user namespace, which setns(2) does not enter again (EINVAL); leave `user` out of [namespaces] join"
      }
      guard !state.isPrivileged else { return nil }
      if let parent = info.owner, let own, parent != own {
        return
          "it was not made in nsbuild's user namespace (\(own)), so nsbuild holds no capability in it (EPERM, setns(2), user_namespaces(7))"
      }
      if let creator = info.ownerUID, creator != state.euid {
        return
          "it was made by uid \(creator), not by nsbuild's uid \(state.euid), so nsbuild holds no capability in it (EPERM, setns(2), user_namespaces(7))"
      }
      return nil
    }
    if let joinedUser {
      guard let owner = info.owner, owner != joinedUser.id else { return nil }
      // Owned by another user namespace: only one beneath the joined one would grant the capability.
      return state.isPrivileged
        ? nil
        : "it is owned by the user namespace \(owner), not by the joined \(joinedUser.id): once in that one, nsbuild holds CAP_SYS_ADMIN only there and beneath (EPERM, setns(2), user_namespaces(7))"
    }
    guard !state.isPrivileged else { return nil }
    let owner = info.owner.map { " (owned by \($0))" } ?? ""
    return
      "without root, setns(2) needs CAP_SYS_ADMIN in nsbuild's own user namespace and in the one owning the target\(owner), and nsbuild holds neither (EPERM); join that sandbox's user namespace too (`user = ...` in [namespaces] join, user_namespaces(7))"
  }
}
