/// nsbuild(1) in mdoc(7), made from the command definitions (``ToolInfo``), the spec's JSON Schema (``SpecSchema``)
/// and the exit statuses each command's discussion states: `nsbuild generate-manual > nsbuild.1`.
struct ManualPage {
  var tool: ToolInfo.Command
  /// The page's date, as `.Dd` wants it ("December 3, 2026").
  var date: String

  func render() -> String {
    let commands = (tool.subcommands ?? []).filter { $0.shouldDisplay ?? true && $0.commandName != "help" }
    var page = """
      .Dd \(date)
      .Dt NSBUILD 1
      .Os Linux
      .Sh NAME
      .Nm nsbuild
      .Nd \(Mdoc.text(tool.abstract ?? "").dropLast())
      .Sh SYNOPSIS
      .Nm
      .Ar subcommand
      .Op Ar options
      .Op Ar arguments

      """
    page += ".Sh DESCRIPTION\n" + Mdoc.discussion(tool.discussion ?? "")
    page += options(tool.arguments ?? [])
    page += ".Sh COMMANDS\n"
    for command in commands { page += section(command) }
    page += specKeys()
    page += exitStatus(commands)
    page += Self.trailer
    return page
  }

  /// One subcommand: its synopsis, discussion and options.
  private func section(_ command: ToolInfo.Command) -> String {
    let arguments = (command.arguments ?? []).filter(\.isShown)
    var out = ".Ss \(command.commandName)\n.Nm nsbuild \(command.commandName)\n"
    for argument in arguments { out += argument.synopsis + "\n" }
    out += ".Pp\n" + Mdoc.text(command.abstract ?? "")
    if let discussion = command.discussion, !discussion.isEmpty { out += ".Pp\n" + Mdoc.discussion(discussion) }
    return out + options(arguments)
  }

  /// A tagged list of arguments and options, with their defaults and values.
  private func options(_ arguments: [ToolInfo.Argument]) -> String {
    let shown = arguments.filter(\.isShown)
    guard !shown.isEmpty else { return "" }
    var out = ".Bl -tag -width Ds\n"
    for argument in shown {
      out += ".It " + argument.tag + "\n" + Mdoc.text(argument.abstract ?? "")
      var facts: [String] = []
      if let values = argument.allValues, !values.isEmpty { facts.append("one of: " + values.joined(separator: ", ")) }
      if let value = argument.defaultValue, argument.kind != "flag" { facts.append("default: " + value) }
      if !facts.isEmpty { out += Mdoc.text("(" + facts.joined(separator: "; ") + ")") }
    }
    return out + ".El\n"
  }

  /// SPEC KEYS: every key of spec version 1 with the schema's description of it, tables as `[name]`.
  private func specKeys() -> String {
    var out = ".Sh SPEC KEYS\nA spec is a TOML 1.0 file; these are its keys (see also\n.Nm nsbuild Cm schema ) .\n"
    out += ".Bl -tag -width Ds\n"
    for key in SpecKeyList.keys(of: SpecSchema.document) {
      out += ".It Li \"\(key.name)\"\n" + Mdoc.text(key.description)
    }
    return out + ".El\n"
  }

  /// EXIT STATUS: the usage error every command shares, then each command's own statuses from its discussion.
  private func exitStatus(_ commands: [ToolInfo.Command]) -> String {
    var out = """
      .Sh EXIT STATUS
      64 on a usage error (an unknown option, a missing argument, no subcommand), except for
      .Cm run ,
      which exits 125 for any failure of nsbuild itself. Each command:
      .Bl -tag -width Ds

      """
    for command in commands {
      guard let statuses = command.exitStatuses else { continue }
      out += ".It Cm \(command.commandName)\n" + Mdoc.text(statuses)
    }
    return out + ".El\n"
  }

  private static let trailer = """
    .Sh ENVIRONMENT
    .Bl -tag -width Ds
    .It Ev NO_COLOR
    When set and not empty, output is never coloured (it is coloured only on a terminal anyway).
    .It Ev NSBUILD_STATE_DIR
    An absolute path: where live sandboxes keep their state, instead of
    .Pa /run/nsbuild
    (root) or
    .Pa $XDG_RUNTIME_DIR/nsbuild .
    .El
    .Sh FILES
    .Bl -tag -width Ds
    .It Pa ./sandbox.toml
    The spec a command reads when none is named.
    .It Pa /run/nsbuild/NAME
    A live sandbox's state (its record, lock and output.log).
    .El
    .Sh SEE ALSO
    .Xr bwrap 1 ,
    .Xr unshare 1 ,
    .Xr mount 2 ,
    .Xr pivot_root 2 ,
    .Xr setns 2 ,
    .Xr unshare 2 ,
    .Xr namespaces 7 ,
    .Xr user_namespaces 7

    """
}

extension ToolInfo.Command {
  /// The paragraph of the discussion that starts "Exit status:", without those words; nil when there is none.
  var exitStatuses: String? {
    let paragraphs = (discussion ?? "").split(separator: "\n\n")
    guard let paragraph = paragraphs.first(where: { $0.hasPrefix("Exit status:") }) else { return nil }
    return String(paragraph.dropFirst("Exit status:".count).drop { $0 == " " }).replacing("\n", with: " ")
  }
}

extension ToolInfo.Argument {
  /// Shown in the page: not hidden, and not the help and version flags every command has.
  var isShown: Bool {
    (shouldDisplay ?? true) && !["help", "version"].contains(preferredName?.name ?? "")
  }

  /// How it is named in an option list: `Fl -format Ar format`, `Fl v , -verbose`, `Ar spec ...`.
  var tag: String {
    let value = valueName ?? preferredName?.name ?? "value"
    switch kind {
    case "positional": return parsingStrategy == "postTerminator" ? "Fl - Ar \(value) ..." : "Ar \(value)\(dots)"
    case "flag": return flagNames
    default: return flagNames + " Ar \(value)\(dots)"
    }
  }

  /// How it appears in the command's synopsis: in `.Op` when it may be left out.
  var synopsis: String {
    let inner: String
    switch kind {
    case "flag":
      let name = names?.first { $0.kind != "short" } ?? preferredName
      inner = "Fl " + (name.map { $0.kind == "short" ? $0.name : "-" + $0.name } ?? "")
    default: inner = tag
    }
    return isOptional || parsingStrategy == "postTerminator" ? ".Op " + inner : "." + inner
  }

  private var dots: String { isRepeating ? " ..." : "" }

  /// `Fl v , -verbose`: short names first, as mdoc's option lists write them.
  private var flagNames: String {
    let all = (names ?? []).sorted { $0.kind == "short" && $1.kind != "short" }
    return "Fl " + all.map { $0.kind == "short" ? $0.name : "-" + $0.name }.joined(separator: " , ")
  }
}
