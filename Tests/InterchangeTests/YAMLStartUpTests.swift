import Foundation
import Testing

/// libyaml is linked into nsbuild, but only `export` and `import` call into it: the dynamic loader's own account
/// (ld.so(8) LD_DEBUG=bindings) shows which libyaml symbols nsbuild binds, lazily, at their first call.
@Suite struct YAMLStartUpTests {
  /// The libyaml symbols nsbuild itself bound while running `arguments`.
  func libyamlBindings(_ arguments: [String]) throws -> [String] {
    let result = try KubeSupport.run(
      "/usr/bin/env", ["LD_DEBUG=bindings", KubeSupport.nsbuild] + arguments)
    return result.stderr.split(separator: "\n").map(String.init).filter {
      $0.contains("binding file \(KubeSupport.nsbuild) ") && $0.contains("libyaml")
    }
  }

  @Test func exportCallsLibyaml() throws {
    let bindings = try libyamlBindings(["export", KubeSupport.root + "/specs/minimal.toml", "--format", "kubernetes"])
    #expect(bindings.contains { $0.contains("yaml_emitter_emit") })
  }

  @Test func checkAndPlanNeverReachLibyaml() throws {
    let spec = KubeSupport.root + "/specs/minimal.toml"
    #expect(try libyamlBindings(["check", spec]).isEmpty)
    #expect(try libyamlBindings(["plan", spec]).isEmpty)
  }

  @Test(.enabled(if: geteuid() == 0, "run of specs/minimal.toml needs root (a uts namespace without a user one)"))
  func runNeverReachesLibyaml() throws {
    #expect(try libyamlBindings(["run", KubeSupport.root + "/specs/minimal.toml"]).isEmpty)
  }
}
