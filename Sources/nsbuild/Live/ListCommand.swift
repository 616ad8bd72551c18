import ArgumentParser
import Builder
import SpecParser

/// `nsbuild ls`: the caller's live sandboxes, one a line.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ls",
    abstract: "List the sandboxes `up` made: NAME, STATUS (running, dead or incomplete), PID, CREATED, PASTA, SPEC.",
    discussion: """
      A sandbox is dead when its init no longer runs (killed from outside, or its main command ended): \
      `nsbuild down NAME` removes its state. It is incomplete while an `up` builds it, or when that `up` was killed \
      before it recorded the sandbox (whose processes died with it): `nsbuild down NAME` removes the folder. PID \
      is init's as the host sees it; CREATED is in UTC. PASTA is pasta's state for a sandbox with [net.pasta]: \
      running, or ended (its recorded pid and start time name no running process); - without pasta.
      """
  )

  @Flag(name: .shortAndLong, help: "Print only the names, one a line, without reading the records.")
  var quiet = false

  func run() throws {
    let terminal = Terminal()
    let store = terminal.sandboxStore
    var rows = [["NAME", "STATUS", "PID", "CREATED", "PASTA", "SPEC"]]
    let names: [SandboxName]
    do { names = try store.list() } catch { throw terminal.fail(error, failureCode: 1) }
    if quiet {
      terminal.out(names.map { TerminalText.printable($0.rawValue) + "\n" }.joined())
      return
    }
    for name in names {
      do {
        guard let record = try store.load(name) else {
          // An `up` still building it, or one killed before it saved the record.
          rows.append([name.rawValue, "incomplete", "-", "-", "-", "-"])
          continue
        }
        let status = SandboxStatus(record, reader: terminal.kernel)
        let pasta = record.pasta.map { $0.isAlive(reader: terminal.kernel) ? "running" : "ended" } ?? "-"
        rows.append([
          name.rawValue, status.rawValue, String(record.initProcess.pid), iso8601(record.createdAt), pasta,
          record.specPath,
        ])
      } catch {
        rows.append([name.rawValue, "unreadable", "-", "-", "-", "\(error)"])
      }
    }
    let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      let padded = row.enumerated().map { index, cell in
        index < 5 ? cell + String(repeating: " ", count: widths[index] - cell.count) : cell
      }
      terminal.out(TerminalText.printable(padded.joined(separator: "  ")) + "\n")
    }
  }
}
