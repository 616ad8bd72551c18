import Foundation
import SpecParser
import Testing

@testable import Builder

/// The state store through the recording kernel (every write a kernel call, read back through its files), the
/// up-variant of a plan, the messages of `up`'s chain and SHA-256.
@Suite struct SandboxStoreTests {
  static func record(_ name: String, pid: Int32 = 42) throws -> SandboxRecord {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: GoldenPlanTests.state).plan()
    return SandboxRecord(
      name: try SandboxName(validating: name), specPath: "/w/\(name).toml", specDigest: "ab", createdAt: 1,
      appliedAt: 2, initProcess: ProcessIdentity(pid: pid, startTime: 9), namespaceIDs: ["uts": "uts:[7]"],
      ownerUID: 0, plan: plan)
  }

  static func store() -> (SandboxStore<RecordingKernel>, RecordingKernel) {
    let kernel = RecordingKernel()
    kernel.keepsFiles = true
    kernel.folders = ["/", "/run"]
    // The state is root's: the recording kernel's folders and files are root's, 0755 and 0644.
    kernel.state.euid = 0
    return (SandboxStore(directory: StateDirectory(path: "/run/nsbuild"), kernel: kernel), kernel)
  }

  @Test func lockMakesPrivateFoldersAndSaveWritesAtomically() throws {
    let (store, kernel) = Self.store()
    let name = try SandboxName(validating: "web")
    let lock = try store.lock(name, creating: true)
    #expect(kernel.log.contains("mkdirat(21, nsbuild, 700)"))
    #expect(kernel.folders.contains("/run/nsbuild/web"))
    #expect(kernel.log.contains("flock(/run/nsbuild/web/lock, LOCK_EX)"))
    let record = try Self.record("web")
    try store.save(record)
    // A complete new file, then renamed over the old one: a reader sees one record or the other, never half.
    let write = kernel.log.firstIndex {
      $0.contains("writefile(") && $0.contains(".state.json.new") && $0.hasSuffix(", 600)")
    }
    let rename = kernel.log.firstIndex { $0.hasPrefix("renameat(") && $0.hasSuffix(", .state.json.new, state.json)") }
    #expect(write != nil && rename != nil && write! < rename!)
    #expect(try store.load(name) == record)
    var changed = record
    changed.appliedAt = 99
    try store.save(changed)
    #expect(try store.load(name)?.appliedAt == 99)
    store.unlock(lock)
    #expect(kernel.log.contains("flock(\(lock.fd), LOCK_UN)"))
  }

  @Test func listRemoveAndUnknownNames() throws {
    let (store, kernel) = Self.store()
    #expect(try store.list() == [])  // no state folder yet
    for name in ["b", "a"] {
      let sandbox = try SandboxName(validating: name)
      _ = try store.lock(sandbox, creating: true)
      try store.save(try Self.record(name))
    }
    kernel.folders.insert("/run/nsbuild/Not-Ours")
    #expect(try store.list().map(\.rawValue) == ["a", "b"])
    try store.remove(try SandboxName(validating: "a"))
    #expect(try store.list().map(\.rawValue) == ["b"])
    #expect(!kernel.files.keys.contains { $0.hasPrefix("/run/nsbuild/a/") })
    #expect(try store.load(try SandboxName(validating: "a")) == nil)
    let gone = try SandboxName(validating: "a")
    #expect(throws: SandboxStoreError.noSuchSandbox(gone)) { try store.lock(gone, creating: false) }
  }

  @Test func anUnreadableRecordSaysWhere() throws {
    let (store, kernel) = Self.store()
    kernel.folders.formUnion(["/run/nsbuild", "/run/nsbuild/x"])
    kernel.files["/run/nsbuild/x/state.json"] = Array("{}".utf8)
    #expect(throws: SandboxStoreError.self) { try store.load(try SandboxName(validating: "x")) }
  }

  @Test func aZombieIsNotAlive() {
    let host = FakeHost()
    host.files["/proc/7/stat"] = "7 (init) Z 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 555 1000 200"
    #expect(ProcessIdentity.current(of: 7, reader: host) == ProcessIdentity(pid: 7, startTime: 555))
    #expect(!ProcessIdentity(pid: 7, startTime: 555).isAlive(reader: host))
  }

  @Test func upsPlanDetachesHoldsAndOutlivesNsbuild() throws {
    var spec = try exampleSpec("dev.toml")
    spec.process.args = nil
    let planner = Planner(spec: spec, state: GoldenPlanTests.state)
    #expect(throws: PlanError.noCommand) { try planner.plan() }
    let plan = try planner.plan(live: LiveLaunch(output: "/run/nsbuild/dev/output.log"))
    #expect(plan.steps[1].kind == .detach)
    #expect(plan.steps[1].actor == .sandbox)
    #expect(
      plan.steps[1].calls == [
        .setsid, .redirectStandardStreams(output: "/run/nsbuild/dev/output.log"), .closeInheritedDescriptors,
      ])
    #expect(plan.steps.suffix(2).map(\.kind) == [.outlive, .hold])
    #expect(plan.steps.suffix(2).map(\.actor) == [.sandbox, .initProcess])
    #expect(!plan.steps.contains { $0.kind == .foreground || $0.kind == .exec })
    #expect(plan.processes.map(\.role) == [.parent, .sandbox, .initProcess])
    #expect(plan.handoff(.sandboxReady) == Handoff(.sandboxReady, from: .initProcess, to: .sandbox))
    #expect(LaunchRequirements.problem(in: plan) == nil)
    // With a main command, the command runs and no terminal is taken back: nsbuild is gone by then.
    let withCommand = try planner.plan(command: ["sleep", "1"], live: LiveLaunch(output: "/o"))
    #expect(withCommand.steps.last?.kind == .outlive)
    #expect(withCommand.steps.contains { $0.kind == .exec })
    #expect(!withCommand.steps.contains { $0.kind == .foreground || $0.kind == .hold })
    #expect(withCommand.processes.map(\.role) == [.parent, .sandbox, .initProcess, .command])
    // `run`'s plan is unchanged by all this.
    let run = try planner.plan(command: ["sleep", "1"])
    #expect(!run.steps.contains { [.detach, .hold, .outlive].contains($0.kind) })
    #expect(run.handoff(.sandboxReady) == nil)
  }

  @Test func theHolderMessageMayShareAReadWithAFailure() {
    let failure = StepFailure(stepID: 3, callIndex: 1, error: SyscallError(call: "execve", errno: 13, path: "/x"))
    let bytes = ChainMessage.holder(pid: 70_000).encoded + ChainMessage.failed(failure).encoded
    #expect(ChainMessage.all(in: bytes) == [.holder(pid: 70_000), .failed(failure)])
    #expect(ChainMessage(decoding: ChainMessage.holder(pid: 5).encoded) == .holder(pid: 5))
  }

  @Test func downSignalsThroughAPidfdOnlyTheRecordedProcess() throws {
    let kernel = RecordingKernel()
    kernel.files["/proc/42/stat"] = Array("42 (init) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 9 1000 200".utf8)
    #expect(
      try SandboxProcesses.end(ProcessIdentity(pid: 42, startTime: 9), graceMilliseconds: 500, kernel: kernel)
        == .terminated)
    #expect(kernel.log == ["pidfd_open(42)", "pidfd_send_signal(90, 15)", "poll(90, 500)"])
    kernel.log = []
    // A recycled pid: same number, another start time. Nothing is signalled.
    #expect(
      try SandboxProcesses.end(ProcessIdentity(pid: 42, startTime: 8), graceMilliseconds: 500, kernel: kernel)
        == .alreadyGone)
    #expect(kernel.log.isEmpty)
  }

  @Test(arguments: [0, 1, 3, 55, 56, 63, 64, 65, 1000])
  func sha256MatchesSha256sum(_ length: Int) throws {
    let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-sha-\(UUID().uuidString)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try NSBuildProcess.runCommand("/usr/bin/sha256sum", [path])
    #expect(result.stdout.split(separator: " ").first.map(String.init) == SHA256.hex(bytes))
  }
}
