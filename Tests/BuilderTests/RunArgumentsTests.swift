import Testing

@testable import nsbuild

/// `run`'s own argument reader (``RunArguments``) against ArgumentParser's reading of the same words (`RunCommand`):
/// whatever the fast reader accepts, it must read as ArgumentParser does; what it leaves alone, ArgumentParser reads.
@Suite struct RunArgumentsTests {
  /// What ArgumentParser makes of `arguments` (those after `run`), or nil when it refuses them.
  func parsedByArgumentParser(_ arguments: [String]) -> RunArguments? {
    (try? RunCommand.parse(arguments))?.arguments
  }

  /// The usual forms: the fast reader takes them all, and reads them as ArgumentParser does.
  @Test(arguments: [
    ["s.toml"],
    ["s.toml", "--"],
    ["s.toml", "--", "/bin/true"],
    ["-v", "s.toml", "--", "ls", "-l", "--", "-v"],
    ["--verbose", "--tty", "s.toml", "--", "sh"],
    ["s.toml", "-t", "-v", "--no-strict-modes", "--", "id"],
    ["--strict-modes", "s.toml"],
    ["--set", "uts.hostname=ci", "--env", "A=b", "--bind", "/src:/src:ro", "s.toml", "--", "make"],
    ["--bind=/a:/b", "--set=uts.hostname=x", "--set", "process.cwd=/", "--env=X=${HOME}", "s.toml"],
    ["--env", "B=2", "--set", "a=1", "--env", "C=3", "s.toml", "-v"],
    ["s.toml", "--", "--set", "x", "-t"],
  ])
  func usualFormsReadAsArgumentParserReadsThem(arguments: [String]) throws {
    let fast = try #require(RunArguments.parse(arguments[...]))
    #expect(fast == parsedByArgumentParser(arguments))
  }

  /// Anything else is left to ArgumentParser (help, errors and their hints are its).
  @Test(arguments: [
    [],
    ["-h"],
    ["a.toml", "b.toml"],
    ["-v", "-v", "s.toml"],
    ["--tty", "-t", "s.toml"],
    ["--strict-modes", "--no-strict-modes", "s.toml"],
    ["-vt", "s.toml"],
    ["--verbose=yes", "s.toml"],
    ["--set", "s.toml"],
    ["s.toml", "--set"],
    ["--set", "-x", "s.toml"],
    ["--set=", "s.toml"],
    ["--sets=a=1", "s.toml"],
    ["--no-such-flag", "s.toml"],
    ["-", "--", "true"],
    ["--", "true"],
  ])
  func otherFormsAreLeftToArgumentParser(arguments: [String]) {
    #expect(RunArguments.parse(arguments[...]) == nil)
  }

  /// The overrides apply in ArgumentParser's order too: every --set, then every --env, then every --bind.
  @Test func overridesKeepTheirOrder() throws {
    let arguments = ["--bind", "/a:/a", "--env", "E=1", "--set", "x=1", "--set=y=2", "s.toml"]
    let fast = try #require(RunArguments.parse(arguments[...]))
    let slow = try RunCommand.parse(arguments)
    #expect(fast.overrides == slow.overrideOptions.overrides)
    #expect(fast.overrides.map(\.argument) == ["x=1", "y=2", "E=1", "/a:/a"])
  }
}
