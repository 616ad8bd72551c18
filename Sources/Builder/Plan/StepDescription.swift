import SpecParser

extension Step {
  /// A one-line summary a person reads in `plan` and in error messages, e.g. `mount tmpfs on /tmp`.
  public var title: String {
    switch kind {
    case .spawn: return "fork the sandbox process"
    case .unshare:
      guard case .unshare(let flags) = calls.first else { return "unshare" }
      let names = Namespace.allCases.filter { flags.contains(CloneFlags($0)) }.map(\.rawValue)
      return "unshare " + names.joined(separator: ", ")
    case .setgroups, .uidMap, .gidMap, .timeOffsets:
      guard case .writeProcFile(let file, let contents) = calls.first else { return kind.rawValue }
      let lines = contents.split(separator: "\n").joined(separator: "; ")
      return "write \(file): \(lines)"
    case .fork: return "fork into the new namespaces"
    case .propagation: return "make every mount private"
    case .hostname, .domainname:
      guard let call = calls.first else { return kind.rawValue }
      switch call {
      case .sethostname(let name), .setdomainname(let name): return "set \(kind.rawValue) \(name)"
      default: return kind.rawValue
      }
    case .mount:
      guard case .mount(let source, let target, let fstype, _, _) = calls.first else { return "mount" }
      if let fstype { return "mount \(fstype) on \(target)" }
      return "bind \(source ?? "?") on \(target)"
    case .exec:
      guard case .exec(let command) = calls.first else { return "exec" }
      return "exec " + command.args.map(Quoting.shell).joined(separator: " ")
    }
  }
}

extension Syscall: CustomStringConvertible {
  /// The call as C would write it, with flags by name: `mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID, "size=1M")`.
  public var description: String {
    switch self {
    case .fork: return "fork()"
    case .setParentDeathSignal(let signal): return "prctl(PR_SET_PDEATHSIG, \(signal == 9 ? "SIGKILL" : String(signal)))"
    case .unshare(let flags): return "unshare(\(flags))"
    case .writeProcFile(let file, let contents):
      return "write(\"/proc/<sandbox>/\(file)\", \(Quoting.c(contents)))"
    case .mount(let source, let target, let fstype, let flags, let data):
      return "mount(\(Quoting.c(source)), \(Quoting.c(target)), \(Quoting.c(fstype)), \(flags), \(Quoting.c(data)))"
    case .mountSetattr(let path, let recursive, let set):
      return "mount_setattr(AT_FDCWD, \(Quoting.c(path)), \(recursive ? "AT_RECURSIVE" : "0"), {attr_set: \(set)})"
    case .sethostname(let name): return "sethostname(\(Quoting.c(name)), \(name.utf8.count))"
    case .setdomainname(let name): return "setdomainname(\(Quoting.c(name)), \(name.utf8.count))"
    case .exec(let command):
      var parts: [String] = []
      if command.cwd != "/" { parts.append("chdir(\(Quoting.c(command.cwd)))") }
      let env =
        (command.clearEnv ? "{" : "{inherited, ") + command.env.map { "\($0.name)=\(Quoting.c($0.value))" }.joined(separator: ", ")
        + "}"
      let program = command.args.first ?? ""
      let search = program.contains("/") ? "" : " (searched in PATH)"
      parts.append(
        "execve(\(Quoting.c(program))\(search), [\(command.args.map(Quoting.c).joined(separator: ", "))], \(env))")
      return parts.joined(separator: "; ")
    }
  }
}

/// Quoting for display.
enum Quoting {
  /// A C string literal, or NULL.
  static func c(_ text: String?) -> String {
    guard let text else { return "NULL" }
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\x" + String(scalar.value, radix: 16)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }

  /// A word as a POSIX shell would need it quoted.
  static func shell(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy { scalar in
      switch scalar {
      case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "=", ":", ",", "+", "@", "%": true
      default: false
      }
    }
    return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
