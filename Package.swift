// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "nsbuild",
  products: [
    .executable(name: "nsbuild", targets: ["nsbuild"]),
    // For bench/planner, a package of its own that times the parser and planner in process.
    .library(name: "SpecParser", targets: ["SpecParser"]),
    .library(name: "Builder", targets: ["Builder"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // TOML 1.0 with source positions, and the typed spec. Pure Swift: no Glibc, no Foundation.
    .target(name: "SpecParser"),
    // The syscalls `import Glibc` lacks (unshare, setns, pivot_root, mount_setattr, ...).
    .target(name: "CShim", path: "Sources/Builder/CShim"),
    .target(
      name: "Builder",
      dependencies: ["SpecParser", "CShim"],
      exclude: ["CShim"]
    ),
    // Other formats a spec converts to and from (OCI runtime bundles, Kubernetes Pods), with their reports.
    .target(name: "Interchange", dependencies: ["Builder", "SpecParser"]),
    .executableTarget(
      name: "nsbuild",
      dependencies: [
        "Builder", "SpecParser", "Interchange",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "SpecParserTests", dependencies: ["SpecParser"]),
    .testTarget(name: "BuilderTests", dependencies: ["Builder", "SpecParser", "nsbuild"]),
    .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "Builder", "SpecParser", "nsbuild"]),
  ],
  swiftLanguageModes: [.v6]
)
