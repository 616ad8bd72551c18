/// The kernel's rules for looking a path up (path_resolution(7)) that nsbuild's own walks follow: a walk in a root
/// folder, on the host's tree or to a spec file stops where the kernel would.
enum PathResolution {
  /// The most symlinks followed in one lookup (MAXSYMLINKS): ELOOP past it.
  static let maximumSymlinks = 40
}
