import ArgumentParser

/// The help of `--[no-]strict-modes`, written once for the commands that share it.
extension ArgumentHelp {
  /// `run` and `plan`: a spec another user could change is refused unless overridden.
  static let strictModesRefusing = ArgumentHelp(
    """
    Refuse a spec that another user could change: the file, or a folder above it (symlinks on the way included), \
    not owned by root or you, or writable by its group or others without the sticky bit (as sshd's StrictModes). \
    --no-strict-modes reads it anyway, with a warning.
    """)

  /// `check` and `diff`: the same finding is a warning unless asked for either way.
  static let strictModesWarning = ArgumentHelp(
    """
    A spec another user could change is a warning by default; --strict-modes makes it an error, as `run` and `plan` \
    refuse it; --no-strict-modes says nothing of it.
    """)
}
