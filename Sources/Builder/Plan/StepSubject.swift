extension Step {
  /// What a step acts on, in the kernel's terms: what `diff` matches steps by, and what a failure is about. Set by
  /// the planner from the spec entry the step comes from, never read back from the calls' text.
  public enum Subject: Sendable, Hashable, Codable {
    /// A process of the sandbox's chain, made by fork(2) (the sandbox process, init, the command).
    case process(role: Actor)
    /// The namespaces unshare(2) gives the sandbox process, by their `CLONE_NEW*` flags (namespaces(7)).
    case namespaces(flags: CloneFlags)
    /// Existing namespaces setns(2) enters, by their `CLONE_NEW*` flags (`[namespaces] join`, or `exec`'s).
    case joinedNamespaces(flags: CloneFlags)
    /// One of the files of the sandbox process that set up its user namespace (user_namespaces(7)).
    case idMap(file: IDMapFile)
    /// A clock whose offset the new time namespace gets (time_namespaces(7)).
    case clock(name: Clock)
    /// The UTS namespace's hostname (sethostname(2)).
    case hostname
    /// The UTS namespace's NIS domain name (setdomainname(2)).
    case domainname
    /// A network interface of the new network namespace (netdevice(7)), by name.
    case networkInterface(name: String)
    /// The host paths the step opens for later steps (bind sources, overlay layers, device nodes, a root folder),
    /// as the spec names them, in order.
    case hostPaths(paths: [String])
    /// The mount on `path` inside the sandbox: a mount's target; `/` for the root, its propagation and pivot_root(2).
    case mountTarget(path: String)
    /// A file, folder or symlink at `path` inside the sandbox.
    case file(path: String)
    /// An attribute of the process that takes the step (credentials(7), capabilities(7), setrlimit(2)…).
    case processAttribute(attribute: ProcessAttribute)
    /// The terminal's foreground process group (tcsetpgrp(3)).
    case foregroundProcessGroup
  }

  /// The `/proc/PID/` files that set up a user namespace, by their names there.
  public enum IDMapFile: String, Sendable, Hashable, Codable {
    case setgroups
    case uidMap = "uid_map"
    case gidMap = "gid_map"
  }

  /// The clocks a time namespace offsets (time_namespaces(7)), by their `timens_offsets` names.
  public enum Clock: String, Sendable, Hashable, Codable {
    case monotonic, boottime
  }

  /// The process attributes a step sets, by their man page terms.
  public enum ProcessAttribute: String, Sendable, Hashable, Codable {
    /// setsid(2).
    case session
    /// setrlimit(2).
    case resourceLimits = "rlimits"
    /// PR_CAPBSET_DROP (capabilities(7)).
    case boundingSet = "bounding_set"
    /// The user and group IDs and supplementary groups (credentials(7)).
    case credentials
    /// The effective, permitted, inheritable and ambient sets (capabilities(7)).
    case capabilities
    /// PR_SET_NO_NEW_PRIVS (prctl(2)).
    case noNewPrivs = "no_new_privs"
    /// umask(2).
    case umask
    /// The current working directory (chdir(2)).
    case workingDirectory = "cwd"
    /// The environment strings of `/proc/PID/environ` (environ(7)).
    case environment = "environ"
    /// The open file descriptors (close_range(2)).
    case fileDescriptors = "fds"
    /// The program the process runs (execve(2)).
    case program
    /// The process's controlling terminal and its standard streams on it (credentials(7) "Sessions", pty(7)).
    case terminal
  }
}
