// swift-tools-version: 6.0
import PackageDescription

// Concrete generic types (Dictionary<String, String>, Set<Step.Kind>…) reached through their metadata accessors, with
// the witness tables passed in, instead of a mangled name the runtime demangles on first use, which scans every
// protocol conformance record in the binary to check the type's requirements: those scans were half of the
// instructions `run` takes before its first fork (bench/PROFILE.md, 2026-12-03). It is the code the compiler emits
// when back-deploying to runtimes without mangled-name support; in every configuration, so that the tests run what
// the release build runs.
// Release builds also put each function in a section of its own, so that the linker can gather the functions `run`
// executes into a few pages (tools/run-order.txt; bench/PROFILE.md, "Peak RSS of run"). The compiler keeps an object
// whose IR has not changed, so a build folder from before this flag needs its objects removed to get it.
let directMetadataAccess: [SwiftSetting] = [
  .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
  .unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release)),
]

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
    .target(name: "SpecParser", swiftSettings: directMetadataAccess),
    // The syscalls `import Glibc` lacks (unshare, setns, pivot_root, mount_setattr, ...).
    .target(
      name: "CShim", path: "Sources/Builder/CShim",
      cSettings: [.unsafeFlags(["-ffunction-sections"], .when(configuration: .release))]),
    // rtnetlink messages (rtnetlink(7)) encoded and decoded: pure Swift, no I/O.
    .target(name: "Netlink", swiftSettings: directMetadataAccess),
    .target(
      name: "Builder",
      dependencies: ["SpecParser", "CShim", "Netlink"],
      exclude: ["CShim"],
      swiftSettings: directMetadataAccess
    ),
    // Other formats a spec converts to and from (OCI runtime bundles, Kubernetes Pods), with their reports.
    .target(
      name: "Interchange", dependencies: ["Builder", "SpecParser", "YAML"], swiftSettings: directMetadataAccess),
    // Debian's libyaml (libyaml-dev): yaml.h in /usr/include; only export and import reach it. No `pkgConfig:`:
    // SwiftPM puts pkg-config's `-lyaml` first on the link line, where the shared library wins over any archive named
    // after it, and the release binary must not need libyaml-0-2 where it is installed.
    .systemLibrary(name: "CYAML"),
    // YAML trees with positions, read and written through libyaml's event API. The release binary takes libyaml's
    // archive (ld(1) `-l:libyaml.a`); debug builds, the tests', link the shared library, whose lazy bindings show
    // what calls into it.
    .target(
      name: "YAML", dependencies: ["CYAML"], swiftSettings: directMetadataAccess,
      linkerSettings: [
        .linkedLibrary("yaml", .when(configuration: .debug)),
        .linkedLibrary(":libyaml.a", .when(configuration: .release)),
      ]),
    .executableTarget(
      name: "nsbuild",
      dependencies: [
        "Builder", "SpecParser", "Interchange",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: directMetadataAccess,
      // The release binary is a static PIE: no shared library to load and bind at start-up, and its relative
      // relocations packed (DT_RELR), so that `run` starts faster and touches fewer pages; ASLR is kept. The linker
      // is lld, through tools/static-pie-ld, which drops SwiftPM's -rpath (glibc refuses to start a static PIE that
      // has one). The functions `run` executes come first in .text, in the order of tools/run-order.txt: each
      // instruction fault maps the 64 KiB around it, in every process of run's chain, so gathering them halves run's
      // peak RSS (bench/PROFILE.md, "Peak RSS of run"). The segments' file offsets are congruent to their addresses
      // modulo 64 KiB (max-page-size), so that a 64 KiB folio of the page cache lies in one fault-around window, not
      // across two that a fault then maps whole. Debug builds, the tests', stay dynamic.
      linkerSettings: [
        .unsafeFlags(
          [
            "-static-executable", "-Xclang-linker", "-static-pie", "-use-ld=lld",
            "-Xclang-linker", "--ld-path=\(Context.packageDirectory)/tools/static-pie-ld",
            "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/tools/run-order.txt",
            "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "-z", "-Xlinker", "max-page-size=0x10000",
          ], .when(configuration: .release))
      ]
    ),
    .testTarget(name: "SpecParserTests", dependencies: ["SpecParser"]),
    .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
    .testTarget(name: "BuilderTests", dependencies: ["Builder", "SpecParser", "Netlink", "nsbuild"]),
    .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
    .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "Builder", "SpecParser", "nsbuild"]),
  ],
  swiftLanguageModes: [.v6]
)
