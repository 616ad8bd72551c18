/// `down` of a live sandbox with `[[net.veth]]`: the host ends its plan made, deleted once its processes ended, so
/// they are gone when `down` returns rather than when the kernel's workqueue frees the sandbox's network namespace
/// (network_namespaces(7)).
public enum VethHostEnds {
  /// RTM_DELLINK (rtnetlink(7)) of each veth host end nsbuild made for `plan` (its parent's veth steps), newest
  /// first, through the step `run` takes (``Step/Kind/deleteLink``): ENODEV, gone already, counts as done.
  /// Call only once the sandbox's processes ended: the names are the record's, and a link of that name is the
  /// sandbox's only while it holds it.
  ///
  /// - Throws: ``StepFailure`` with the kernel's errno of a request that failed otherwise (EPERM without
  ///   CAP_NET_ADMIN in the host's network namespace).
  public static func delete<Kernel: LinuxKernel>(madeBy plan: Plan, kernel: Kernel) throws(StepFailure) {
    let names: [String] = plan.steps.compactMap { step in
      guard step.actor == .parent, step.kind == .veth, case .networkInterface(let name) = step.subject else {
        return nil
      }
      return name
    }
    var runner = StepRunner(kernel: kernel)
    for name in names.reversed() { try runner.run(Planner.hostEndDeleteStep(name, origin: nil)) }
  }
}
