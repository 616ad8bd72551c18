import ArgumentParser
import FoundationEssentials

/// `nsbuild schema`: prints a JSON Schema (draft-07) of spec version 1, for TOML editors and linters such as taplo
/// and Even Better TOML. It flags misspelt keys and wrong types as you type; `nsbuild check` stays the authority and
/// explains each problem better.
struct SchemaCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schema",
    abstract: "Print a JSON Schema of spec version 1 for editors.",
    discussion: """
      Save it next to the spec and name it on the spec's first line, which taplo and Even Better TOML read:
        #:schema ./sandbox.schema.json

      Examples:
        nsbuild schema > sandbox.schema.json
        nsbuild schema --plan > plan.schema.json
        taplo check --schema file://$PWD/sandbox.schema.json sandbox.toml
      """
  )

  @Flag(help: "Print the schema of `plan --format json` instead.")
  var plan = false

  func run() throws {
    Terminal().out(try (plan ? PlanSchema.json() : SpecSchema.json()) + "\n")
  }
}
