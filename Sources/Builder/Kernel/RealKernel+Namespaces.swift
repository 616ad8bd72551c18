import CShim
import Glibc
import SpecParser

/// Entering existing namespaces: namespace files, pidfds and setns(2).
extension RealKernel {
  public func openNamespace(_ path: String) throws(SyscallError) -> Int32 {
    try retry("open", path: path) { nsb_open_namespace(path) }
  }

  public func pidfdOpen(_ pid: Int32) throws(SyscallError) -> Int32 {
    try retry("pidfd_open", path: "pid \(pid)") { nsb_pidfd_open(pid) }
  }

  public func setns(_ fd: Int32, _ namespaces: CloneFlags) throws(SyscallError) {
    _ = try retry("setns", path: "\(namespaces)") { nsb_setns(fd, namespaces.rawValue) }
  }

  public func namespaceFile(_ path: String) throws(SyscallError) -> NamespaceFileInfo {
    var type: Int32 = 0
    var inode: UInt64 = 0
    var ownerInode: UInt64 = 0
    var hasOwner: Int32 = 0
    var ownerUID: UInt32 = 0
    var hasOwnerUID: Int32 = 0
    _ = try retry("open", path: path) {
      nsb_namespace_info(path, &type, &inode, &ownerInode, &hasOwner, &ownerUID, &hasOwnerUID)
    }
    guard let namespace = Namespace.allCases.first(where: { CloneFlags($0).rawValue == type }) else {
      throw SyscallError(call: "ioctl", errno: ErrnoNames.EINVAL, path: "\(path) (NS_GET_NSTYPE \(type))")
    }
    return NamespaceFileInfo(
      type: namespace, id: "\(namespace.procName):[\(inode)]", owner: hasOwner != 0 ? "user:[\(ownerInode)]" : nil,
      ownerUID: hasOwnerUID != 0 ? ownerUID : nil)
  }
}
