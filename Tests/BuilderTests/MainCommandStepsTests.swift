import SpecParser
import Testing

@testable import Builder

/// The steps of a main command's `-/+` that nsbuild takes itself (``MainCommandSteps/ending``), planned and then
/// taken on a RecordingKernel: the calls made are the ones each step lists, in its order, on the processes it names.
@Suite struct MainCommandStepsTests {
  static let initProcess = ProcessIdentity(pid: 4242, startTime: 777)
  static let command = ProcessIdentity(pid: 4243, startTime: 778)
  static let keeper = ProcessIdentity(pid: 5000, startTime: 900)
  static let keptCommand = ProcessIdentity(pid: 5001, startTime: 901)

  /// A kernel on which `running` run (their /proc/PID/stat show their start times).
  static func kernel(running: [ProcessIdentity]) -> RecordingKernel {
    let kernel = RecordingKernel()
    for process in running {
      kernel.files["/proc/\(process.pid)/stat"] = Array(
        ("\(process.pid) (p) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ")
          + " \(process.startTime) 0 0").utf8)
    }
    return kernel
  }

  static let keepers = [
    MainCommandSteps.Keeper(process: initProcess, isInit: true, command: command),
    MainCommandSteps.Keeper(process: keeper, isInit: false, command: keptCommand, unrecorded: true),
  ]

  @Test func eachKeeperIsToldThenItsCommandEndedThenAKeeperWaitedFor() throws {
    let steps = MainCommandSteps(ending: MainCommandSteps.ending(Self.keepers, origin: nil), chain: Plan(steps: []))
      .numbered(from: 3)
    #expect(steps.ending.map(\.id) == [3, 4, 5, 6, 7])
    #expect(
      steps.ending.map(\.calls) == [
        [.sendHandoffSignal(target: Self.initProcess)],
        [.endProcess(target: Self.command, graceMilliseconds: 10_000)],
        [.sendHandoffSignal(target: Self.keeper)],
        [.endProcess(target: Self.keptCommand, graceMilliseconds: 10_000)],
        [.endProcess(target: Self.keeper, graceMilliseconds: 10_000)],
      ])
    #expect(steps.ending.allSatisfy { $0.actor == .parent && $0.kind == .endCommand })
    #expect(steps.ending[0].title == "signal init: keep the sandbox when its main command ends (SIGRTMIN+6)")
    #expect(steps.ending[4].title.contains("not recorded"))

    var traced: [Int] = []
    let kernel = Self.kernel(running: [Self.initProcess, Self.command, Self.keeper, Self.keptCommand])
    #expect(steps.end(kernel: kernel) { traced.append($0.id) } == nil)
    #expect(traced == steps.ending.map(\.id))
    // pidfd_open of each process named, then the handoff signal (40 here) or SIGTERM, waited on.
    let signals = kernel.log.filter { $0.hasPrefix("pidfd_") || $0.hasPrefix("poll") }
    #expect(
      signals == [
        "pidfd_open(4242)", "pidfd_send_signal(90, 40)",
        "pidfd_open(4243)", "pidfd_send_signal(90, 15)", "poll(90, 10000)",
        "pidfd_open(5000)", "pidfd_send_signal(90, 40)",
        "pidfd_open(5001)", "pidfd_send_signal(90, 15)", "poll(90, 10000)",
        "pidfd_open(5000)", "pidfd_send_signal(90, 15)", "poll(90, 10000)",
      ], "\(kernel.log)")
  }

  /// A keeper whose pid now names another process (another start time) is not signalled: the step fails, ESRCH.
  @Test func aRecycledKeeperPidIsNotSignalled() throws {
    let steps = MainCommandSteps(ending: MainCommandSteps.ending(Self.keepers, origin: nil), chain: Plan(steps: []))
      .numbered(from: 1)
    let kernel = Self.kernel(running: [ProcessIdentity(pid: 4242, startTime: 1)])
    let failure = try #require(steps.end(kernel: kernel))
    #expect(failure.stepID == 1 && failure.error.errno == ErrnoNames.ESRCH)
    #expect(!kernel.log.contains { $0.hasPrefix("pidfd_send_signal") }, "\(kernel.log)")
  }
}
