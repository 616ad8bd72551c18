import CShim
import Glibc
import SpecParser

/// The new mount API's calls (fsopen(2), fsconfig(2), fsmount(2), open_tree(2), move_mount(2), mount_setattr(2)).
extension RealKernel {
  public func fsopen(_ fstype: String) throws(SyscallError) -> Int32 {
    try retry("fsopen", path: fstype) { nsb_fsopen(fstype) }
  }

  public func fsconfig(_ context: Int32, key: String, value: String?) throws(SyscallError) {
    _ = try retry("fsconfig", path: value.map { "\(key)=\($0)" } ?? key) { nsb_fsconfig_string(context, key, value) }
  }

  public func fsconfig(_ context: Int32, key: String, fd: Int32) throws(SyscallError) {
    _ = try retry("fsconfig", path: key) { nsb_fsconfig_fd(context, key, fd) }
  }

  public func fsconfigCreate(_ context: Int32) throws(SyscallError) {
    _ = try retry("fsconfig") { nsb_fsconfig_create(context) }
  }

  public func fsmount(_ context: Int32, attributes: MountAttributes) throws(SyscallError) -> Int32 {
    try retry("fsmount") { nsb_fsmount(context, attributes.rawValue) }
  }

  public func openTree(_ fd: Int32, recursive: Bool) throws(SyscallError) -> Int32 {
    try retry("open_tree") { nsb_open_tree_clone(fd, recursive ? 1 : 0) }
  }

  public func moveMount(_ from: Int32, onto to: Int32) throws(SyscallError) {
    _ = try retry("move_mount") { nsb_move_mount(from, to) }
  }

  public func mountSetattr(fd: Int32, recursive: Bool, propagation: MountFlags) throws(SyscallError) {
    let type = UInt64(propagation.subtracting(.rec).rawValue)
    _ = try retry("mount_setattr") { nsb_mount_setattr_propagation(fd, recursive ? 1 : 0, type) }
  }

  public func detach(_ dirfd: Int32, _ name: String) throws(SyscallError) {
    _ = try retry("umount2", path: name) { nsb_detach_at(dirfd, name) }
  }

  public func missingMountCall() -> String? { nsb_missing_mount_call().map { String(cString: $0) } }
}
