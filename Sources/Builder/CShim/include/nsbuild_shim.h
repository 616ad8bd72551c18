// Thin wrappers for the Linux syscalls that `import Glibc` does not expose, or exposes only through the variadic
// syscall(2). No logic: each returns what the kernel returned (-1 with errno set on failure).
#ifndef NSBUILD_SHIM_H
#define NSBUILD_SHIM_H

#include <stdint.h>
#include <sys/types.h>

// mount_setattr(2) flags.
#define NSB_AT_RECURSIVE 0x8000

int nsb_unshare(int flags);
int nsb_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr,
                      uint64_t propagation);
int nsb_sethostname(const char *name, size_t length);
int nsb_setdomainname(const char *name, size_t length);
int nsb_prctl_set_pdeathsig(int signal);
int nsb_prctl_set_dumpable(int dumpable);
/* statfs(2) of /proc/self/fd: 0 when it lies on proc; -1 with EXDEV when another file system covers it, or with
   statfs's errno (ENOENT: no /proc). */
int nsb_check_proc_fd(void);
/* setns(2) of the mount namespace open in fd. */
int nsb_setns_mount(int fd);
/* setns(2) of the namespace open in fd (a namespace file, or a pidfd with several CLONE_NEW* flags). */
int nsb_setns(int fd, int nstype);
/* pidfd_open(2) (Linux 5.3), with the flags 0: the fd of process pid, close-on-exec. */
int nsb_pidfd_open(int pid);
/* open(2) of a namespace file, O_RDONLY|O_CLOEXEC|O_NOCTTY: an fd setns(2) takes. */
int nsb_open_namespace(const char *path);
/* What the namespace file at path is (ioctl_ns(2)): NS_GET_NSTYPE's CLONE_NEW* type, its inode (the number
   readlink(2) shows in `net:[N]`), and, where the caller may see it, the inode of its owning user namespace
   (NS_GET_USERNS: for a user namespace, its parent) and, for a user namespace, its owner's uid (NS_GET_OWNER_UID).
   -1 with errno when it cannot be opened or is no namespace file (ENOTTY, EINVAL). */
int nsb_namespace_info(const char *path, int *nstype, uint64_t *inode, uint64_t *owner_inode, int *has_owner,
                       uint32_t *owner_uid, int *has_owner_uid);
int nsb_prctl_set_no_new_privs(void);
/// pipe2(2) with O_CLOEXEC.
int nsb_pipe_cloexec(int fds[2]);

#endif

#ifndef NSBUILD_SHIM_PROCESS_H
#define NSBUILD_SHIM_PROCESS_H
/// setrlimit(2); `soft`/`hard` of UINT64_MAX mean RLIM_INFINITY.
int nsb_setrlimit(int resource, uint64_t soft, uint64_t hard);
/// prctl(PR_SET_KEEPCAPS, 1).
int nsb_keep_capabilities(void);
/// prctl(PR_CAPBSET_DROP) for every capability up to the kernel's last whose bit is clear in `keep`.
int nsb_drop_bounding_set(uint64_t keep);
/// capset(2), version 3: the same set as effective, permitted and inheritable, limited to what is permitted now.
int nsb_capset(uint64_t caps);
/// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE) for each bit set in `caps`.
int nsb_raise_ambient(uint64_t caps);
/// close_range(first, ~0U, CLOSE_RANGE_CLOEXEC): every fd from `first` up closes at execve(2).
int nsb_cloexec_from(unsigned int first);
/// sigaction(2) for each of `signals`, with a handler that kill(2)s `target` with the same signal (a negative
/// target is a process group, falling back to the process while the group does not exist yet; 0 means no child
/// yet, and the handler exits with 128+signal, as the signal would, even as a PID 1 that ignores it, except for
/// SIGWINCH, which is ignored then); then unblocks every signal (sigprocmask(2)), so the mask the command inherits
/// is empty. A signal already ignored (nohup(1)'s SIGHUP) is left ignored, and so reaches nobody.
/// The child is reached through a pidfd (pidfd_send_signal(2)) opened here, while it cannot have been reaped, so a
/// signal never reaches a later process that reuses its pid; kill(2) where pidfd_open(2) is missing.
/// A process that finds the handlers installed for the same set (by itself, or by its parent before fork(2)) only
/// changes the target: no sigaction(2) call.
int nsb_forward_signals(pid_t target, const int *signals, int count);
/// Says that `pid` was reaped (waitpid(2)): when it is the target of nsb_forward_signals, nothing is passed on from
/// now, since its pid (and its group's) may be reused.
void nsb_forward_reaped(pid_t pid);
/// With `on`, a signal that would end a process with no child yet (see nsb_forward_signals) is kept instead, for
/// nsb_take_deferred_signal: init, while it builds the tree, ends between two steps once it has taken back what it
/// made.
void nsb_defer_signals(int on);
/// The first signal kept since the last call, or 0; clears it.
int nsb_take_deferred_signal(void);
/// nsb_take_forwarded_signal: the first signal the handler passed on to the child since the last call, or 0.
int nsb_take_forwarded_signal(void);
/// SIGPIPE and SIGXFSZ ignored (`on`), so a write to a closed pipe or past RLIMIT_FSIZE fails (EPIPE, EFBIG) instead
/// of killing the process; or back to what they were at the first call.
int nsb_ignore_write_signals(int on);
/// sigprocmask(2) SIG_BLOCK of `signals`.
int nsb_block_signals(const int *signals, int count);
/// sigprocmask(2) with an empty set: nothing blocked, whatever the parent left blocked.
int nsb_unblock_signals(void);
/// Overwrites the strings of the initial environment with zeros, so /proc/PID/environ reveals none of them, and
/// empties `environ`.
void nsb_scrub_environ(void);
/// Brings the loopback interface up (SIOCSIFFLAGS with IFF_UP) in the current network namespace.
int nsb_loopback_up(void);
int nsb_loopback_down(void);
#endif
/// setresuid(2) and setresgid(2) with all three IDs the same.
int nsb_setresuid(uid_t id);
int nsb_setresgid(gid_t id);

#ifndef NSBUILD_SHIM_FS_H
#define NSBUILD_SHIM_FS_H
/// openat2(2) with `flags` and `resolve` (RESOLVE_* bits) and mode 0.
int nsb_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve);
#define NSB_RESOLVE_NO_MAGICLINKS 0x02
#define NSB_RESOLVE_IN_ROOT 0x10
/// open(2) with O_PATH|O_CLOEXEC (following symlinks).
int nsb_open_path(const char *path);
/// A new file `name` in `dirfd` holding `bytes`, with exactly `mode`, that appears under its name only once complete
/// (O_TMPFILE, then linkat(2) through /proc/self/fd; where the file system lacks O_TMPFILE, O_EXCL and an unlink if
/// it cannot be finished). Returns 0, or -1 with errno (EEXIST when the name is taken).
int nsb_create_file(int dirfd, const char *name, const unsigned char *bytes, size_t length, unsigned int mode);
/// mkdirat(2), symlinkat(2), fchmod(2), fchown(2).
int nsb_mkdirat(int dirfd, const char *name, unsigned int mode);
int nsb_symlinkat(const char *target, int dirfd, const char *name);
/// readlinkat(2) into `buffer`; returns the length or -1.
long nsb_readlinkat(int dirfd, const char *name, char *buffer, unsigned long size);
/// The file type of `name` in `dirfd` without following a final symlink (fstatat(2), AT_SYMLINK_NOFOLLOW):
/// 1 directory, 2 regular file, 3 symlink, 4 other; -1 with errno on failure.
int nsb_file_kind(int dirfd, const char *name);
/// The file type of an open fd (fstat(2)), coded as nsb_file_kind.
int nsb_fd_kind(int fd);
/// pivot_root(".", ".") then umount2(".", MNT_DETACH): the runc way to swap roots without a put_old folder.
int nsb_pivot_here(void);
int nsb_detach_here(void);
/// umount2("/proc/self/fd/FD", MNT_DETACH): detaches the mount whose root `fd` (O_PATH) is, a file or a folder;
/// without a /proc to go through, fchdir(2) into a folder mount and umount2(".", MNT_DETACH).
int nsb_detach_fd(int fd);
/// What tells one file from another that took its name (statx(2), AT_SYMLINK_NOFOLLOW): device, inode and birth
/// time. `*has_birth` is 0 when the file system keeps no birth time. Returns 0, or -1 with errno.
int nsb_identity(int dirfd, const char *name, uint64_t *device, uint64_t *inode, int64_t *birth_seconds,
                 uint32_t *birth_nanoseconds, int *has_birth);
/// mount_setattr(2) on an fd (AT_EMPTY_PATH), optionally AT_RECURSIVE, setting and clearing attributes.
int nsb_mount_setattr_fd(int fd, int recursive, uint64_t attr_set, uint64_t attr_clr);
/// fchdir(2).
int nsb_fchdir(int fd);
/// close_range(2) of every fd from `first` up, except `keep` and `keep2` (-1 for none).
int nsb_close_from_except(unsigned int first, int keep, int keep2);
/// Whether the other end of the pipe `fd` reads from is closed everywhere (poll(2) POLLHUP, not waiting).
int nsb_has_hung_up(int fd);
/// getppid(2) as it was when the process started, before main.
int nsb_start_parent_pid(void);
/// The first of fds 0, 1 and 2 that is a terminal with this process's group in the foreground, or -1.
int nsb_foreground_terminal(void);
/// 1 when statx(2) of `path` (not following a final symlink) reports a birth time, 0 when not, -1 on error.
int nsb_keeps_birth_times(const char *path);
/// 0 when `path` is a non-folder this process may execute (access(2) X_OK), else the errno execve(2) would give.
int nsb_execution_error(const char *path);
/// tcsetpgrp(3) of `fd` to this process's group with SIGTTOU blocked, when the foreground group has no process left.
int nsb_take_back_foreground(int fd);
/// openat(2) of an existing `name` in `dirfd` for reading: O_NOFOLLOW|O_NONBLOCK, and only a regular file (else
/// -1 with EINVAL), so neither a symlink nor a FIFO or device is ever read through.
int nsb_open_existing_regular(int dirfd, const char *name);
/* Opens /proc/PID/fd/N's `name` in `dirfd` for reading, following that magic link: a pipe (or a regular file);
   EINVAL for anything else. */
int nsb_open_descriptor_link(int dirfd, const char *name);
/// fchmod(2) of the directory `name` in `dirfd`, opened O_DIRECTORY|O_NOFOLLOW: never the target of a symlink.
int nsb_chmod_directory(int dirfd, const char *name, unsigned int mode);
/// openat(2) of `name` in `dirfd` with O_PATH|O_NOFOLLOW: the entry itself, a symlink included, for fstat(2).
int nsb_open_entry(int dirfd, const char *name);
/// fstat(2) of `fd` (an O_PATH fd too): its owner, group and permission bits (with setuid, setgid and sticky);
/// returns the kind as nsb_file_kind does, or -1 with errno.
int nsb_fd_status(int fd, unsigned int *owner, unsigned int *group, unsigned int *mode);
#define NSB_RESOLVE_NO_SYMLINKS 0x04

// Locks on host mount points (flock(2)), so one run's undo never removes a folder another live run is mounted on.
// nsb_lock_shared opens the folder or regular file of an O_PATH fd again read-only (a folder as "." beneath it, a
// file as `name` in `dirfd`, only if it is the same file: EXDEV otherwise) and takes LOCK_SH|LOCK_NB on it: the
// new fd, -2 when the file is neither or cannot be read (nothing to lock), -1 with errno on failure (EWOULDBLOCK:
// locked exclusively).
int nsb_lock_shared(int path_fd, int dirfd, const char *name);
// openat(dirfd, name) read-only, not following a symlink, and LOCK_EX|LOCK_NB on it: the fd, -2 when `name` cannot
// be opened so (a symlink, on which nothing can be mounted, or unreadable), -1 with errno (EWOULDBLOCK: another run
// holds a lock).
int nsb_lock_exclusive(int dirfd, const char *name);
// recvmsg(2) of one message sent by nsb_send_fds, however many fds it holds: its fds into `fds` (at most
// `capacity`), their number, 0 at end of file, -1 on error. For the lock hand-over, whose count the receiver does not
// know; nsb_receive_fds takes an exact count.
int nsb_receive_some_fds(int socket, int *fds, int capacity);

// fstatat(2) AT_SYMLINK_NOFOLLOW: the owner and mode bits (st_mode) of `name` in `dirfd`.
int nsb_owner_mode(int dirfd, const char *name, uint32_t *uid, uint32_t *mode);

#endif

#ifndef NSBUILD_SHIM_PASS_H
#define NSBUILD_SHIM_PASS_H
/// The most fds one SCM_RIGHTS message carries here (the kernel's SCM_MAX_FD is 253).
#define NSB_MAX_FDS_PER_MESSAGE 250
/// socketpair(2) AF_UNIX SOCK_SEQPACKET with SOCK_CLOEXEC: one message per batch of passed fds.
int nsb_socketpair_cloexec(int fds[2]);
/// setns(2) into the mount namespace of process `pid` (through /proc/PID/ns/mnt). Needs CAP_SYS_ADMIN over that
/// namespace's user namespace and CAP_SYS_CHROOT, and a process that shares no fs_struct (no threads).
int nsb_enter_mount_namespace(int pid);
/// sendmsg(2) of one byte with `count` fds (1 to NSB_MAX_FDS_PER_MESSAGE) as SCM_RIGHTS.
int nsb_send_fds(int socket, const int *fds, int count);
/// recvmsg(2) of one message of exactly `count` fds, close-on-exec, into `fds`; -1 with EPROTO when the message
/// holds another number (any fds it did hold are closed).
int nsb_receive_fds(int socket, int *fds, int count);
#endif

#ifndef NSBUILD_SHIM_MOUNT_API_H
#define NSBUILD_SHIM_MOUNT_API_H
// The new mount API (Linux 5.2; mount_setattr(2) 5.12): a mount is made detached (fsopen/fsconfig/fsmount for a new
// filesystem, open_tree for a copy of an existing tree), configured on its fd, and attached onto another fd with
// move_mount, so no path (and no /proc/self/fd magic link) is looked up on the way. Constants as in <linux/mount.h>.
#define NSB_FSCONFIG_SET_FLAG 0
#define NSB_FSCONFIG_SET_STRING 1
#define NSB_FSCONFIG_SET_FD 5
#define NSB_FSCONFIG_CMD_CREATE 6
/// fsopen(2) of `fstype` with FSOPEN_CLOEXEC: a filesystem context fd.
int nsb_fsopen(const char *fstype);
/// fsconfig(2) FSCONFIG_SET_STRING of `key` to `value`, or FSCONFIG_SET_FLAG of `key` when `value` is NULL.
int nsb_fsconfig_string(int context, const char *key, const char *value);
/// fsconfig(2) FSCONFIG_SET_FD of `key` to the folder open at `fd` (overlayfs layers: "lowerdir+", "upperdir",
/// "workdir"; Linux 6.13), reopened as "." beneath it first, since fsconfig takes no O_PATH fd.
int nsb_fsconfig_fd(int context, const char *key, int fd);
/// fsconfig(2) FSCONFIG_CMD_CREATE: the superblock is made (or found).
int nsb_fsconfig_create(int context);
/// fsmount(2) with FSMOUNT_CLOEXEC and MOUNT_ATTR_* `attributes`: a detached mount of the context.
int nsb_fsmount(int context, uint64_t attributes);
/// open_tree(2) of the file open at `fd` (AT_EMPTY_PATH) with OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC, and AT_RECURSIVE
/// when `recursive`: a detached copy of the mount tree there (a bind not yet attached).
int nsb_open_tree_clone(int fd, int recursive);
/// move_mount(2) of the mount open at `from` onto the file open at `to`, MOVE_MOUNT_F_EMPTY_PATH|
/// MOVE_MOUNT_T_EMPTY_PATH: neither side is a path.
int nsb_move_mount(int from, int to);
/// mount_setattr(2) on an fd (AT_EMPTY_PATH), optionally AT_RECURSIVE, setting a propagation type (MS_PRIVATE,
/// MS_SLAVE, MS_SHARED or MS_UNBINDABLE).
int nsb_mount_setattr_propagation(int fd, int recursive, uint64_t propagation);
/// The first of fsopen, fsconfig, fsmount, open_tree and move_mount that this kernel lacks (ENOSYS), as its name,
/// or NULL when it has them all. Each is called with arguments it refuses before doing anything.
const char *nsb_missing_mount_call(void);
/// umount2(2) MNT_DETACH|UMOUNT_NOFOLLOW of `name` in the folder `dirfd` (fchdir(2) there and back, since umount2
/// takes no dirfd): a mount on a file, reached through an fd nsbuild opened, never through /proc.
int nsb_detach_at(int dirfd, const char *name);
/// The hostname and NIS domain name of the UTS namespace at `uts_path` (a /proc/PID/ns/uts), read by a forked child
/// that joins it with setns(2) (joining `user_path`, the owning user namespace, first when the UTS one alone is
/// refused with EPERM) and calls uname(2); written to `out` as "node\0domain\0". Returns the bytes written, or -1
/// with errno (the child's errno of setns or uname). Async-signal-safe in the child: a caller may have threads.
long nsb_uts_names(const char *uts_path, const char *user_path, char *out, unsigned long size);
/// The answers to rtnetlink(7) dump requests in the network namespace at `net_path` (a /proc/PID/ns/net), read by a
/// forked child that joins it with setns(2) (joining `user_path` first when the net one alone is refused with EPERM),
/// opens a NETLINK_ROUTE socket there and sends each message of `requests` (`requests_size` bytes of whole nlmsghdr
/// messages), reading every answer up to its NLMSG_DONE or NLMSG_ERROR. The answers are written to `out`, in order.
/// Returns the bytes written, or -1 with errno (the child's errno; ENOBUFS when `size` is too small).
/// Async-signal-safe in the child: a caller may have threads.
long nsb_route_dumps(const char *net_path, const char *user_path, const unsigned char *requests,
                     unsigned long requests_size, unsigned char *out, unsigned long size);
/// fspick(2) FSPICK_EMPTY_PATH|FSPICK_CLOEXEC of the mount open at `fd`, fsconfig(2) SET_STRING `key` = `value`,
/// then FSCONFIG_CMD_RECONFIGURE: a superblock option changed in place.
int nsb_reconfigure(int fd, const char *key, const char *value);
/// fchmod(2) of the folder open at `fd` (an O_PATH fd too: reopened as "." beneath it).
int nsb_change_mode(int fd, unsigned int mode);
/// fchown(2) of the folder open at `fd` (an O_PATH fd too); (uid_t)-1 and (gid_t)-1 keep that ID.
int nsb_change_owner(int fd, uint32_t uid, uint32_t gid);
/// prlimit(2) of `resource` on `pid`: `soft` and `hard`, UINT64_MAX for RLIM_INFINITY.
int nsb_prlimit(int pid, int resource, uint64_t soft, uint64_t hard);
#endif

// Live sandboxes (`up`, `down`).
/// stdin from /dev/null, stdout and stderr appended to `output` (created 0600; openat2(2) RESOLVE_NO_SYMLINKS, so no
/// symlink on the way is followed), by dup2(2): a process that outlives nsbuild keeps none of its caller's streams.
int nsb_redirect_standard_streams(const char *output);
/// SIGCHLD set to SIG_IGN (children are reaped by the kernel as they end, sigaction(2) "SA_NOCLDWAIT"), then pause(2)
/// for ever: only a signal whose handler exits (or SIGKILL) ends the process.
void nsb_hold_until_signalled(void) __attribute__((noreturn));
/// The real-time signal `apply` sends a live sandbox's init before it ends the main command it replaces
/// (SIGRTMIN+6): "that command's end does not end the sandbox".
int nsb_handoff_signal(void);
/// 1 when a handoff signal sent by kill(2) or pidfd_send_signal(2) (si_code SI_USER) is pending, taken with
/// sigtimedwait(2) without waiting (every one pending is taken); with `outside_only`, only one from an ancestor pid
/// namespace counts: it arrives with si_pid 0, which no process inside can forge (rt_sigqueueinfo(2) refuses
/// si_code >= 0 for another process; kill(2) from inside gives the sender's pid). The signal must be blocked.
int nsb_take_handoff(int outside_only);
/// nsb_cancel_handoff: the handoff signal queued (SI_QUEUE) through `pidfd`: it takes back an earlier one.
int nsb_cancel_handoff(int pidfd);
/// flock(2) LOCK_EX (waiting) on `name` in `dirfd`, created 0600 if missing (O_NOFOLLOW); retried while the file
/// locked is no longer the one under that name (removed with its folder by the holder before us). The fd, or -1
/// (ENOENT when the folder itself was removed).
int nsb_lock_exclusive_waiting(int dirfd, const char *name);
/// The names in the folder open at `dirfd` (not "." and ".."), each followed by a NUL, into `buffer`; the bytes used,
/// or -1 (ERANGE when `size` is too small).
long nsb_list_directory(int dirfd, char *buffer, unsigned long size);
/// pidfd_open(2) of `pid` (PIDFD_CLOEXEC is implied).
int nsb_pidfd_open(int pid);
/// pidfd_send_signal(2).
int nsb_pidfd_send_signal(int pidfd, int signal);
/// poll(2) of a pidfd for up to `milliseconds` (-1: no limit): 1 once the process ended, 0 on timeout, -1 on error,
/// 2 when a signal kept by nsb_defer_signals came before or during the wait.
int nsb_pidfd_wait(int pidfd, int milliseconds);
/// close_range(2) of `first` to `last` (both included).
int nsb_close_range(unsigned int first, unsigned int last);
// A process's name and the pseudo-terminal of `run -t`, in a header of their own.
#include "nsbuild_terminal.h"
