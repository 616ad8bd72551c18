// swift-tools-version: 6.0
import PackageDescription

// The parser and planner timed inside one process, without start-up (google/swift-benchmark). A package of its own,
// depending on nsbuild's by path, so that building nsbuild (or depending on it) never resolves the benchmark
// library: `swift run -c release --package-path bench/planner PlannerBenchmark`, or bench/run.sh.
let package = Package(
  name: "PlannerBenchmark",
  dependencies: [
    .package(name: "nsbuild", path: "../.."),
    .package(url: "https://github.com/google/swift-benchmark", from: "0.1.2"),
  ],
  targets: [
    .executableTarget(
      name: "PlannerBenchmark",
      dependencies: [
        .product(name: "Builder", package: "nsbuild"),
        .product(name: "SpecParser", package: "nsbuild"),
        .product(name: "Benchmark", package: "swift-benchmark"),
      ]
    )
  ],
  swiftLanguageModes: [.v6]
)
