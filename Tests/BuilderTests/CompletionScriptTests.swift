import Foundation
import Testing

/// The shell completion scripts, driven in a real bash: the generated script is sourced and its completion function
/// called as bash's programmable completion calls it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT set).
@Suite struct CompletionScriptTests {
  static var hasBash: Bool { FileManager.default.isExecutableFile(atPath: "/bin/bash") }

  /// Defines `complete_line LINE`: the candidates bash would offer with the cursor at the end of LINE, one a line.
  static let driver = #"""
    source ./nsbuild.bash
    complete_line() {
      COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
      read -ra COMP_WORDS <<<"$COMP_LINE"
      if [[ "$COMP_LINE" == *" " ]]; then COMP_WORDS+=(""); fi
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
      COMPREPLY=()
      _nsbuild nsbuild "${COMP_WORDS[$COMP_CWORD]}" "${COMP_WORDS[$COMP_CWORD-1]}"
      printf '%s\n' "${COMPREPLY[@]}" | sort
    }
    """#

  /// Completes `line` in `folder` (nsbuild and its script there, first on PATH), with `state` as the live sandboxes'
  /// state folder.
  func complete(_ line: String, in folder: String, state: String) throws -> [String] {
    let script =
      "cd '\(folder)' && export PATH='\(folder)':\"$PATH\" NSBUILD_STATE_DIR='\(state)' && "
      + Self.driver + "\ncomplete_line '\(line)'"
    let result = try NSBuildProcess.runCommand("/bin/bash", ["-c", script])
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout.split(separator: "\n").map(String.init)
  }

  @Test(.enabled(if: hasBash, "drives the completion script in bash"))
  func bashCompletesSubcommandsSpecsFormatsAndLiveSandboxes() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["a.toml": "version = 1\n", "notes.txt": ""])
    let state = folder + "/state"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // Two sandboxes as `ls` sees them (folders in the state folder; incomplete, as an `up` leaves them at first).
    for name in ["db", "web"] {
      try FileManager.default.createDirectory(atPath: state + "/" + name, withIntermediateDirectories: true)
    }
    try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
    let script = try NSBuildProcess.run(["--generate-completion-script", "bash"])
    #expect(script.status == 0)
    try Data(script.stdout.utf8).write(to: URL(fileURLWithPath: folder + "/nsbuild.bash"))

    #expect(try complete("nsbuild ch", in: folder, state: state) == ["check"])
    // Spec files and folders to walk into, not other files.
    for line in ["nsbuild check ", "nsbuild plan ", "nsbuild run ", "nsbuild diff a.toml "] {
      #expect(try complete(line, in: folder, state: state) == ["a.toml", "state", "sub"], "\(line)")
    }
    #expect(try complete("nsbuild plan --format ", in: folder, state: state) == ["json", "text"])
    for line in ["nsbuild down ", "nsbuild exec ", "nsbuild status ", "nsbuild apply --target "] {
      #expect(try complete(line, in: folder, state: state) == ["db", "web"], "\(line)")
    }
    #expect(try complete("nsbuild down w", in: folder, state: state) == ["web"])
    // The names come from `ls --quiet`'s listing.
    let quiet = try NSBuildProcess.run(["ls", "--quiet"], environment: ["NSBUILD_STATE_DIR": state])
    #expect(quiet.stdout == "db\nweb\n")
  }

  @Test func zshAndFishScriptsCompleteTheSameThings() throws {
    for shell in ["zsh", "fish"] {
      let script = try NSBuildProcess.run(["--generate-completion-script", shell])
      #expect(script.status == 0)
      #expect(script.stdout.contains("toml"), "\(shell): spec files")
      #expect(script.stdout.contains("---completion"), "\(shell): live sandbox names")
      #expect(script.stdout.contains("json"), "\(shell): formats")
    }
  }
}
