// The parser and the planner, timed inside one process (google/swift-benchmark) at 10 to 10,000 mounts, so that a
// change in their cost shows without process start-up in the way. Each size is one benchmark; the time per mount
// (time / mounts) should stay flat as the size grows: a rise means something went quadratic.
//
//   swift run -c release --package-path bench/planner PlannerBenchmark                  all of them
//   swift run -c release --package-path bench/planner PlannerBenchmark --filter plan    the planner only
import Benchmark
import Builder
import SpecParser

/// A spec with `count` tmpfs mounts, each under a bind (as bench/report.py generates for the process benchmark,
/// plus the binds, so that host changes are worked out for every mount).
func generatedSpec(mounts count: Int) -> [UInt8] {
  var text = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
  text += "[[mounts]]\ntype = \"bind\"\nsource = \"/tmp\"\ntarget = \"/work\"\n"
  for index in 1...count {
    text += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/work/m\(index)\"\nsize = \"1M\"\nmode = \"0755\"\n"
  }
  text += "[process]\nargs = [\"/bin/true\"]\n"
  return Array(text.utf8)
}

/// What the planner would read on a root caller's machine; fixed, so runs compare.
let state = ObservedState(uid: 0, gid: 0, euid: 0, hostname: "host", domainname: "(none)")

/// Thrown when a generated spec does not decode or plan: the benchmark would measure nothing.
struct BenchmarkSpecError: Error { var message: String }

for count in [10, 100, 1000, 10_000] {
  let source = generatedSpec(mounts: count)
  benchmark("decode \(count) mounts") {
    let check = SpecDecoder.decode(source: source, file: "bench.toml", directory: "/")
    guard check.spec != nil else { throw BenchmarkSpecError(message: "\(check.diagnostics.first?.message ?? "")") }
  }
  let check = SpecDecoder.decode(source: source, file: "bench.toml", directory: "/")
  if let spec = check.spec {
    benchmark("plan \(count) mounts") {
      let plan = try Planner(spec: spec, state: state).plan()
      guard plan.steps.count > count else { throw BenchmarkSpecError(message: "\(plan.steps.count) steps") }
    }
  }
}

Benchmark.main()
