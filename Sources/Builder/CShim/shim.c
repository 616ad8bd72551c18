#define _GNU_SOURCE
#include "nsbuild_shim.h"
#include "kernel_fallbacks.h"

#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif

// struct mount_attr from <linux/mount.h>, declared here so older headers still build.
struct nsb_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

int nsb_unshare(int flags) { return unshare(flags); }

int nsb_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr,
                      uint64_t propagation) {
  struct nsb_mount_attr attr = {attr_set, attr_clr, propagation, 0};
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

int nsb_sethostname(const char *name, size_t length) { return sethostname(name, length); }

int nsb_setdomainname(const char *name, size_t length) { return setdomainname(name, length); }

int nsb_prctl_set_pdeathsig(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }
int nsb_prctl_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); }

int nsb_prctl_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

int nsb_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>


int nsb_setrlimit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit limit = {soft == UINT64_MAX ? RLIM_INFINITY : soft, hard == UINT64_MAX ? RLIM_INFINITY : hard};
  return setrlimit(resource, &limit);
}

int nsb_keep_capabilities(void) { return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); }

int nsb_drop_bounding_set(uint64_t keep) {
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) {
      if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // past the kernel's last capability
      continue;
    }
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return -1;
    }
  }
  return 0;
}

static uint64_t nsb_permitted(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &header, data) < 0) return 0;
  return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

int nsb_capset(uint64_t caps) {
  caps &= nsb_permitted();  // "ALL" means all that this process holds (a host may lack some, e.g. CAP_SYS_RESOURCE)
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    uint32_t word = (uint32_t)(caps >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = word;
  }
  return (int)syscall(SYS_capset, &header, data);
}

int nsb_raise_ambient(uint64_t caps) {
  caps &= nsb_permitted();
  for (int cap = 0; cap < 64; cap++) {
    if (!(caps & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return -1;
  }
  return 0;
}

int nsb_cloexec_from(unsigned int first) { return (int)syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC); }


static volatile pid_t nsb_forward_target = 0;
// A pidfd of the target's process (|target|), opened while it is a child not yet reaped, so the one forked: a signal
// through it never reaches a later process that reuses the pid. -1 where pidfd_open(2) is missing (before 5.3).
static volatile int nsb_forward_pidfd = -1;
// Set once the target was reaped (nsb_forward_reaped): its pid may name another process from then on.
static volatile sig_atomic_t nsb_forward_ended = 0;
static volatile sig_atomic_t nsb_defer = 0;
static volatile sig_atomic_t nsb_deferred = 0;
// The first signal passed on to the child (not kept): `up` aborts a sandbox it passed one to before it was recorded.
static volatile sig_atomic_t nsb_forwarded = 0;
// The signals whose handler nsb_forward_signals installed (or left ignored, as found), once it did: nothing else in
// nsbuild changes their disposition, and only execve(2), which ends the Swift code, resets them.
static sigset_t nsb_forward_set;
// Those of them the caller left ignored, which stay so.
static sigset_t nsb_forward_ignored;
static int nsb_forward_installed = 0;

int nsb_take_forwarded_signal(void) {
  int signal = nsb_forwarded;
  nsb_forwarded = 0;
  return signal;
}

void nsb_defer_signals(int on) { nsb_defer = on; }

// SIGPIPE and SIGXFSZ as nsbuild found them, for the command: one its caller ignored stays ignored (nohup(1)).
static struct sigaction nsb_found_pipe, nsb_found_file_size;
static int nsb_found_saved = 0;

int nsb_ignore_write_signals(int on) {
  if (!nsb_found_saved) {
    if (sigaction(SIGPIPE, NULL, &nsb_found_pipe) < 0 || sigaction(SIGXFSZ, NULL, &nsb_found_file_size) < 0) return -1;
    nsb_found_saved = 1;
  }
  if (!on) return sigaction(SIGPIPE, &nsb_found_pipe, NULL) | sigaction(SIGXFSZ, &nsb_found_file_size, NULL);
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &ignore, NULL) | sigaction(SIGXFSZ, &ignore, NULL);
}

void nsb_handled_signals(sigset_t *handled, int *pipe_action, int *file_size_action) {
  sigemptyset(handled);
  for (int signal = 1; signal < NSIG; signal++) {
    if (nsb_forward_installed && sigismember(&nsb_forward_set, signal) && !sigismember(&nsb_forward_ignored, signal))
      sigaddset(handled, signal);
  }
  // The faults a process causes itself, which the Swift runtime may catch to print a backtrace.
  static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
    struct sigaction current;
    if (sigaction(faults[i], NULL, &current) == 0 && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN)
      sigaddset(handled, faults[i]);
  }
  *pipe_action = nsb_found_saved ? (nsb_found_pipe.sa_handler == SIG_IGN ? 1 : 0) : -1;
  *file_size_action = nsb_found_saved ? (nsb_found_file_size.sa_handler == SIG_IGN ? 1 : 0) : -1;
}

int nsb_take_deferred_signal(void) {
  int signal = nsb_deferred;
  nsb_deferred = 0;
  return signal;
}

// The child itself: through its pidfd (ESRCH once it is reaped, whatever reuses its pid), else kill(2).
static void nsb_forward_to_child(pid_t pid, int signal) {
  int pidfd = nsb_forward_pidfd;
  if (pidfd >= 0) {
    syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
  } else {
    kill(pid, signal);
  }
}

static void nsb_forward(int signal) {
  int saved = errno;  // a handler must not disturb the interrupted code's errno
  pid_t target = nsb_forward_target;
  if (target == 0 && signal == SIGWINCH) return;  // a terminal resize, ignored by default: nobody to pass it to yet
  // init building the tree, or closing its fds while the command waits to exec: it ends between two steps, once it
  // has taken back what it made (a resize then is nobody's yet).
  if (nsb_defer) {
    if (nsb_deferred == 0 && signal != SIGWINCH) nsb_deferred = signal;
    errno = saved;
    return;
  }
  if (target == 0) _exit(128 + signal);  // no child yet (init while it sets up): end as the signal would
  if (nsb_forward_ended) {
    errno = saved;  // the child was reaped: its pid, or its group's, may be another process's now
    return;
  }
  if (nsb_forwarded == 0 && signal != SIGWINCH) nsb_forwarded = signal;
  if (target > 0) {
    nsb_forward_to_child(target, signal);
  } else if (kill(target, signal) < 0 && errno == ESRCH) {
    nsb_forward_to_child(-target, signal);  // the group does not exist until the child's setsid(2): the child alone
  }
  errno = saved;
}

void nsb_forward_reaped(pid_t pid) {
  pid_t target = nsb_forward_target;
  if (pid > 0 && (target == pid || target == -pid)) nsb_forward_ended = 1;
}

int nsb_forward_signals(pid_t target, const int *signals, int count) {
  // The old pidfd is out of the handler's reach before it is closed.
  int previous = nsb_forward_pidfd;
  nsb_forward_pidfd = -1;
  if (previous >= 0) close(previous);
  nsb_forward_ended = 0;
  nsb_forward_target = target;
  if (target != 0) nsb_forward_pidfd = (int)syscall(SYS_pidfd_open, target > 0 ? target : -target, 0);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = nsb_forward;
  action.sa_flags = SA_RESTART;
  // One forwarded signal at a time: the first to arrive is the first passed on (or kept).
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < count; i++) sigaddset(&action.sa_mask, signals[i]);
  // fork(2) copies the handlers and this record alike: a child of the chain, or a process changing only its target,
  // finds them installed for this very set and skips two sigaction(2) calls a signal (about 90 a process).
  if (nsb_forward_installed && memcmp(&nsb_forward_set, &action.sa_mask, sizeof action.sa_mask) == 0) goto unblock;
  nsb_forward_installed = 0;
  // Installed with one sigaction(2) a signal, the old action read back by the same call; blocked meanwhile, so that
  // a signal ignored until then and arriving in between waits, and is dropped when SIG_IGN goes back.
  if (sigprocmask(SIG_BLOCK, &action.sa_mask, NULL) < 0) return -1;
  sigemptyset(&nsb_forward_ignored);
  for (int i = 0; i < count; i++) {
    struct sigaction found;
    if (sigaction(signals[i], &action, &found) < 0) return -1;
    // A signal the caller left ignored stays ignored, down to the command (nohup(1) ignores SIGHUP so).
    if (found.sa_handler == SIG_IGN) {
      if (sigaction(signals[i], &found, NULL) < 0) return -1;
      sigaddset(&nsb_forward_ignored, signals[i]);
    }
  }
  nsb_forward_set = action.sa_mask;
  nsb_forward_installed = 1;
unblock:;
  // Whoever started nsbuild may have blocked signals (some process spawners do); a blocked signal would never be
  // passed on, and the mask is inherited down to the command. Start everything below with none blocked.
  sigset_t none;
  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, NULL);
}

extern char **environ;

void nsb_scrub_environ(void) {
  static char *empty[1] = {NULL};
  for (char **entry = environ; entry && *entry; entry++) memset(*entry, 0, strlen(*entry));
  environ = empty;
}

static int nsb_loopback_flags(int up) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct ifreq request;
  memset(&request, 0, sizeof request);
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  int result = ioctl(fd, SIOCGIFFLAGS, &request);
  if (result == 0) {
    if (up) request.ifr_flags |= IFF_UP | IFF_RUNNING;
    else request.ifr_flags &= ~IFF_UP;
    result = ioctl(fd, SIOCSIFFLAGS, &request);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return result;
}

int nsb_loopback_down(void) { return nsb_loopback_flags(0); }

int nsb_loopback_up(void) { return nsb_loopback_flags(1); }

int nsb_setresuid(uid_t id) { return setresuid(id, id, id); }

int nsb_setresgid(gid_t id) { return setresgid(id, id, id); }

#include <linux/openat2.h>
#include <sys/mount.h>
#include <stdio.h>
#include <sys/stat.h>

int nsb_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = flags;
  how.resolve = resolve;
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int nsb_open_path(const char *path) { return open(path, O_PATH | O_CLOEXEC); }

static int nsb_write_all(int fd, const unsigned char *bytes, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, bytes, length);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return -1;
    bytes += written;
    length -= (size_t)written;
  }
  return 0;
}

int nsb_check_proc_fd(void) {
  struct statfs info;
  if (statfs("/proc/self/fd", &info) < 0) return -1;
  if (info.f_type != 0x9fa0) {  // PROC_SUPER_MAGIC
    errno = EXDEV;
    return -1;
  }
  return 0;
}

int nsb_create_file(int dirfd, const char *name, const unsigned char *bytes, size_t length, unsigned int mode) {
  // An unnamed file, written and given its mode, then linked under its name: no reader, and no crash or SIGKILL of
  // nsbuild, ever sees it half-written. linkat(2) fails with EEXIST when the name is taken, as O_EXCL would.
  int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  if (fd >= 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int result = nsb_write_all(fd, bytes, length) == 0 && fchmod(fd, mode) == 0 ? 0 : -1;
    // linkat(2) AT_EMPTY_PATH links the fd itself, no path looked up (Linux 6.10 allows it to the opener; before,
    // only with CAP_DAC_READ_SEARCH, ENOENT otherwise). Else through /proc/self/fd, and only through a real proc: a
    // folder of symlinks mounted on /proc would link the file anywhere.
    if (result == 0) {
      result = linkat(fd, "", dirfd, name, AT_EMPTY_PATH);
      if (result < 0 && errno == ENOENT)
        result = nsb_check_proc_fd() == 0 || errno == ENOENT ? linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW)
                                                              : -1;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    // ENOENT from linkat: no /proc/self/fd to link through (something else is mounted on /proc); use the fallback.
    if (result == 0 || errno != ENOENT || access("/proc/self/fd", F_OK) == 0) return result;
  } else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return -1;
  }
  // A file system without O_TMPFILE: create it exclusively, and remove it again if it cannot be finished.
  fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return -1;
  int result = nsb_write_all(fd, bytes, length) == 0 && fchmod(fd, mode) == 0 ? 0 : -1;
  int saved = errno;
  close(fd);
  if (result < 0) unlinkat(dirfd, name, 0);
  errno = saved;
  return result;
}

int nsb_mkdirat(int dirfd, const char *name, unsigned int mode) { return mkdirat(dirfd, name, mode); }

int nsb_symlinkat(const char *target, int dirfd, const char *name) { return symlinkat(target, dirfd, name); }

long nsb_readlinkat(int dirfd, const char *name, char *buffer, unsigned long size) {
  return (long)readlinkat(dirfd, name, buffer, size);
}

static int nsb_kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return 1;
  if (S_ISREG(mode)) return 2;
  if (S_ISLNK(mode)) return 3;
  return 4;
}

int nsb_file_kind(int dirfd, const char *name) {
  struct stat info;
  if (fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  return nsb_kind_of(info.st_mode);
}

int nsb_fd_kind(int fd) {
  struct stat info;
  if (fstat(fd, &info) < 0) return -1;
  return nsb_kind_of(info.st_mode);
}

int nsb_pivot_here(void) { return (int)syscall(SYS_pivot_root, ".", "."); }

int nsb_detach_here(void) { return umount2(".", MNT_DETACH); }

int nsb_detach_fd(int fd) {
  // No /proc/self/fd path: the sandbox's own mounts may cover /proc. A folder mount is detached from inside it.
  int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (back < 0) return -1;
  int result = fchdir(fd) == 0 ? umount2(".", MNT_DETACH) : -1;
  int saved = errno;
  if (fchdir(back) < 0 && result == 0) saved = errno, result = -1;
  close(back);
  errno = saved;
  return result;
}

int nsb_detach_at(int dirfd, const char *name) {
  int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (back < 0) return -1;
  // A bare name in the folder just entered: nothing on the way to look up, and UMOUNT_NOFOLLOW refuses a symlink.
  int result = strchr(name, '/') == NULL && fchdir(dirfd) == 0 ? umount2(name, MNT_DETACH | UMOUNT_NOFOLLOW) : -1;
  if (strchr(name, '/') != NULL) errno = EINVAL;
  int saved = errno;
  if (fchdir(back) < 0 && result == 0) saved = errno, result = -1;
  close(back);
  errno = saved;
  return result;
}

int nsb_identity(int dirfd, const char *name, uint64_t *device, uint64_t *inode, int64_t *birth_seconds,
                 uint32_t *birth_nanoseconds, int *has_birth) {
  struct statx info;
  if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME, &info) < 0) return -1;
  *device = ((uint64_t)info.stx_dev_major << 32) | info.stx_dev_minor;
  *inode = info.stx_ino;
  *has_birth = (info.stx_mask & STATX_BTIME) != 0;
  *birth_seconds = info.stx_btime.tv_sec;
  *birth_nanoseconds = info.stx_btime.tv_nsec;
  return 0;
}

int nsb_execution_error(const char *path) {
  struct stat info;
  if (stat(path, &info) < 0) return errno;
  if (S_ISDIR(info.st_mode)) return EACCES;
  return access(path, X_OK) == 0 ? 0 : errno;
}

int nsb_keeps_birth_times(const char *path) {
  struct statx info;
  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &info) < 0) return -1;
  return (info.stx_mask & STATX_BTIME) != 0;
}

int nsb_mount_setattr_fd(int fd, int recursive, uint64_t attr_set, uint64_t attr_clr) {
  struct nsb_mount_attr attr = {attr_set, attr_clr, 0, 0};
  unsigned int flags = AT_EMPTY_PATH | (recursive ? NSB_AT_RECURSIVE : 0);
  return (int)syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr);
}

int nsb_fchdir(int fd) { return fchdir(fd); }

int nsb_unblock_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, NULL);
}

int nsb_block_signals(const int *signals, int count) {
  sigset_t set;
  sigemptyset(&set);
  for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
  return sigprocmask(SIG_BLOCK, &set, NULL);
}

int nsb_open_existing_regular(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info;
  if (fstat(fd, &info) < 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  return fd;
}

int nsb_open_descriptor_link(int dirfd, const char *name) {
  // No O_NOFOLLOW: the magic link is the way to the pipe. Blocking, so the read waits for the writer's data.
  int fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat info;
  if (fstat(fd, &info) < 0 || !(S_ISFIFO(info.st_mode) || S_ISREG(info.st_mode))) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  return fd;
}

int nsb_chmod_directory(int dirfd, const char *name, unsigned int mode) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  int result = fchmod(fd, mode);
  int saved = errno;
  close(fd);
  errno = saved;
  return result;
}

int nsb_close_from_except(unsigned int first, int keep, int keep2) {
  // The kept fds in ascending order; -1 (none) sorts first and is skipped.
  int low = keep < keep2 ? keep : keep2, high = keep < keep2 ? keep2 : keep;
  int kept[2] = {low, high};
  unsigned int from = first;
  for (int i = 0; i < 2; i++) {
    if (kept[i] < (int)from) continue;
    if ((unsigned int)kept[i] > from && syscall(SYS_close_range, from, (unsigned int)kept[i] - 1, 0) < 0) return -1;
    from = (unsigned int)kept[i] + 1;
  }
  return (int)syscall(SYS_close_range, from, ~0U, 0);
}

#include <poll.h>

int nsb_has_hung_up(int fd) {
  struct pollfd entry = {fd, 0, 0};  // POLLHUP is reported whatever the events asked for
  int result;
  do result = poll(&entry, 1, 0); while (result < 0 && errno == EINTR);
  return result > 0 && (entry.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

// The parent nsbuild was started by, read before main: PR_SET_PDEATHSIG set later only acts if that parent still
// lives then, and a changed getppid(2) tells that it did not.
static pid_t nsb_start_parent = 0;

__attribute__((constructor)) static void nsb_record_start_parent(void) { nsb_start_parent = getppid(); }

int nsb_start_parent_pid(void) { return nsb_start_parent; }

#include <termios.h>

int nsb_foreground_terminal(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (isatty(fd) && tcgetpgrp(fd) == getpgrp()) return fd;
  }
  return -1;
}

int nsb_take_back_foreground(int fd) {
  pid_t group = tcgetpgrp(fd);
  // Our own still, or a group that lives (a job the caller's shell has since brought to the foreground): leave it.
  if (group < 0 || group == getpgrp() || kill(-group, 0) == 0 || errno != ESRCH) return 0;
  sigset_t ttou, old;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  sigprocmask(SIG_BLOCK, &ttou, &old);
  int result = tcsetpgrp(fd, getpgrp());
  int saved = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  errno = saved;
  return result;
}

#include <sys/file.h>

int nsb_lock_shared(int path_fd, int dirfd, const char *name) {
  struct stat info;
  if (fstat(path_fd, &info) < 0) return -1;
  if (!S_ISDIR(info.st_mode) && !S_ISREG(info.st_mode)) return -2;
  // flock(2) needs a real open file, and no call reopens an O_PATH fd but its /proc/self/fd magic link, which the
  // sandbox's own mounts may cover. A folder is opened as "." beneath its fd; a file by its name in its folder
  // (opened by fd too), used only when it is the very file of the O_PATH fd (same device and inode).
  int fd;
  if (S_ISDIR(info.st_mode)) {
    fd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  } else if (dirfd < 0 || strchr(name, '/') != NULL) {
    errno = EBADF;
    return -1;
  } else {
    fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat opened;
    if (fd >= 0 && (fstat(fd, &opened) < 0 || opened.st_dev != info.st_dev || opened.st_ino != info.st_ino)) {
      close(fd);
      errno = EXDEV;
      return -1;
    }
  }
  // A folder the caller cannot read is one it did not make, so no run of its own can take it back: nothing to lock.
  if (fd < 0) return errno == EACCES ? -2 : -1;
  if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int nsb_lock_exclusive(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  // A symlink cannot be a mount point; a file this caller cannot read (a [[files]] entry of mode 0) no run of its own
  // could have locked either.
  if (fd < 0) return errno == ELOOP || errno == EACCES ? -2 : -1;
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int nsb_receive_some_fds(int socket, int *fds, int capacity) {
  char byte;
  struct iovec data = {&byte, 1};
  size_t size = CMSG_SPACE(sizeof(int) * (size_t)capacity);
  char *control = calloc(1, size);
  if (!control) return -1;
  struct msghdr message = {0};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = size;
  ssize_t got;
  do got = recvmsg(socket, &message, MSG_CMSG_CLOEXEC); while (got < 0 && errno == EINTR);
  int count = 0;
  if (got > 0) {
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
      int n = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < n && count < capacity; i++) memcpy(&fds[count++], CMSG_DATA(header) + i * sizeof(int), sizeof(int));
    }
  }
  int saved = errno;
  free(control);
  errno = saved;
  return got < 0 ? -1 : (got == 0 ? 0 : count);
}

int nsb_owner_mode(int dirfd, const char *name, uint32_t *uid, uint32_t *mode) {
  struct stat info;
  if (fstatat(dirfd, name, &info, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  *uid = info.st_uid;
  *mode = info.st_mode;
  return 0;
}

#include <sys/uio.h>

int nsb_socketpair_cloexec(int fds[2]) { return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds); }

int nsb_enter_mount_namespace(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int result = setns(fd, CLONE_NEWNS);
  int saved = errno;
  close(fd);
  errno = saved;
  return result;
}

int nsb_setns_mount(int fd) { return setns(fd, CLONE_NEWNS); }

int nsb_send_fds(int socket, const int *fds, int count) {
  if (count <= 0 || count > NSB_MAX_FDS_PER_MESSAGE) {
    errno = EINVAL;
    return -1;
  }
  char byte = 0;
  struct iovec data = {&byte, 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * NSB_MAX_FDS_PER_MESSAGE)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {0};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.buffer;
  message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  ssize_t sent;
  do sent = sendmsg(socket, &message, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent < 0 ? -1 : 0;
}

int nsb_receive_fds(int socket, int *fds, int count) {
  if (count <= 0 || count > NSB_MAX_FDS_PER_MESSAGE) {
    errno = EINVAL;
    return -1;
  }
  char byte;
  struct iovec data = {&byte, 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * NSB_MAX_FDS_PER_MESSAGE)];
    struct cmsghdr align;
  } control;
  struct msghdr message = {0};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.buffer;
  message.msg_controllen = sizeof control.buffer;
  ssize_t got;
  do got = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got < 0) return -1;
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  int received = header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS
    ? (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
  int copied = received < count ? received : count;
  if (copied > 0) memcpy(fds, CMSG_DATA(header), sizeof(int) * copied);
  // Any fds beyond what was asked for would leak into init: close them. Fewer than asked is an error (EPROTO).
  for (int i = copied; i < received; i++) {
    int extra;
    memcpy(&extra, CMSG_DATA(header) + sizeof(int) * i, sizeof extra);
    close(extra);
  }
  if (received != count || (message.msg_flags & MSG_CTRUNC)) {
    for (int i = 0; i < copied; i++) close(fds[i]);
    errno = EPROTO;
    return -1;
  }
  return 0;
}

int nsb_open_entry(int dirfd, const char *name) { return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC); }

int nsb_fd_status(int fd, unsigned int *owner, unsigned int *group, unsigned int *mode) {
  struct stat info;
  if (fstat(fd, &info) < 0) return -1;
  *owner = info.st_uid;
  *group = info.st_gid;
  *mode = info.st_mode & 07777;
  return nsb_kind_of(info.st_mode);
}


#define NSB_FSOPEN_CLOEXEC 0x00000001
#define NSB_FSMOUNT_CLOEXEC 0x00000001
#define NSB_OPEN_TREE_CLONE 1
#define NSB_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define NSB_MOVE_MOUNT_T_EMPTY_PATH 0x00000040

int nsb_fsopen(const char *fstype) { return (int)syscall(SYS_fsopen, fstype, NSB_FSOPEN_CLOEXEC); }

int nsb_fsconfig_string(int context, const char *key, const char *value) {
  if (value == NULL) return (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_SET_FLAG, key, NULL, 0);
  return (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_SET_STRING, key, value, 0);
}

int nsb_fsconfig_fd(int context, const char *key, int fd) {
  // fsconfig(2) takes no O_PATH fd (EBADF): the folder is opened as "." beneath it, no path looked up on the way.
  int folder = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder < 0) return -1;
  int result = (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_SET_FD, key, NULL, folder);
  int saved = errno;
  close(folder);
  errno = saved;
  return result;
}

int nsb_fsconfig_create(int context) {
  return (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

int nsb_fsmount(int context, uint64_t attributes) {
  return (int)syscall(SYS_fsmount, context, NSB_FSMOUNT_CLOEXEC, (unsigned int)attributes);
}

int nsb_open_tree_clone(int fd, int recursive) {
  unsigned int flags = NSB_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH | (recursive ? NSB_AT_RECURSIVE : 0);
  return (int)syscall(SYS_open_tree, fd, "", flags);
}

int nsb_move_mount(int from, int to) {
  return (int)syscall(
    SYS_move_mount, from, "", to, "", NSB_MOVE_MOUNT_F_EMPTY_PATH | NSB_MOVE_MOUNT_T_EMPTY_PATH);
}

int nsb_mount_setattr_propagation(int fd, int recursive, uint64_t propagation) {
  struct nsb_mount_attr attr = {0, 0, propagation, 0};
  unsigned int flags = AT_EMPTY_PATH | (recursive ? NSB_AT_RECURSIVE : 0);
  return (int)syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr);
}

const char *nsb_missing_mount_call(void) {
  // Bad fds and flags: each call that exists fails with EBADF, EINVAL, EFAULT or EPERM before doing anything.
  int saved = errno;
  const char *missing = NULL;
  if (syscall(SYS_fsopen, NULL, ~0U) < 0 && errno == ENOSYS) missing = "fsopen";
  else if (syscall(SYS_fsconfig, -1, ~0U, NULL, NULL, 0) < 0 && errno == ENOSYS) missing = "fsconfig";
  else if (syscall(SYS_fsmount, -1, ~0U, ~0U) < 0 && errno == ENOSYS) missing = "fsmount";
  else if (syscall(SYS_open_tree, -1, NULL, ~0U) < 0 && errno == ENOSYS) missing = "open_tree";
  else if (syscall(SYS_move_mount, -1, NULL, -1, NULL, ~0U) < 0 && errno == ENOSYS) missing = "move_mount";
  errno = saved;
  return missing;
}

#include <dirent.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <linux/openat2.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int nsb_redirect_standard_streams(const char *output) {
  int input = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (input < 0) return -1;
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  how.mode = 0600;
  how.resolve = RESOLVE_NO_SYMLINKS;
  int out = (int)syscall(SYS_openat2, AT_FDCWD, output, &how, sizeof how);
  if (out < 0) {
    int saved = errno;
    close(input);
    errno = saved;
    return -1;
  }
  int result = dup2(input, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ? -1 : 0;
  int saved = errno;
  close(input);
  close(out);
  errno = saved;
  return result;
}

void nsb_hold_until_signalled(void) {
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ignore, NULL);
  // Orphans that ended before SIGCHLD was ignored are still zombies: reap them once.
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  for (;;) pause();
}

void nsb_default_signal_handling(void) {
  struct sigaction current, fallback;
  memset(&fallback, 0, sizeof fallback);
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  for (int signal = 1; signal < NSIG; signal++) {
    // Ignored stays ignored (as across execve(2)); a handler of nsbuild's would act for a process that is not nsbuild.
    if (sigaction(signal, NULL, &current) == 0 && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN)
      sigaction(signal, &fallback, NULL);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

void nsb_keep_helper(pid_t helper, int watched) {
  int own = (int)syscall(SYS_pidfd_open, helper, 0);
  struct pollfd entries[2] = {{.fd = watched, .events = POLLIN}, {.fd = own, .events = POLLIN}};
  // Either end: the watched process (the sandbox process) or the helper itself.
  while (poll(entries, own >= 0 ? 2 : 1, -1) < 0 && errno == EINTR) {
  }
  // The helper is this process's unreaped child: its pid names no other process until the waitpid(2) below.
  kill(helper, SIGTERM);
  struct pollfd ended = {.fd = own, .events = POLLIN};
  if (own < 0 || poll(&ended, 1, 1000) <= 0) kill(helper, SIGKILL);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
  }
  _exit(0);
}

int nsb_handoff_signal(void) { return SIGRTMIN + 6; }

int nsb_take_handoff(int outside_only) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 6);
  struct timespec now = {0, 0};
  siginfo_t info;
  int outside = 0;
  // In the order sent (real-time signals queue): a handoff (SI_USER) sets it, a later cancel (SI_QUEUE, sent by an
  // apply that was interrupted before the command ended) clears it. A forged cancel only keeps the default.
  while (sigtimedwait(&set, &info, &now) > 0) {
    if (outside_only && info.si_pid != 0) continue;
    if (info.si_code == SI_USER) outside = 1;
    if (info.si_code == SI_QUEUE) outside = 0;
  }
  return outside;
}

int nsb_lock_exclusive_waiting(int dirfd, const char *name) {
  for (;;) {
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int locked;
    do locked = flock(fd, LOCK_EX);
    while (locked < 0 && errno == EINTR);
    struct stat held, named;
    if (locked == 0 && fstat(fd, &held) == 0 && fstatat(dirfd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino)
      return fd;
    int saved = errno;
    close(fd);
    if (locked < 0) {
      errno = saved;
      return -1;
    }
  }
}


long nsb_list_directory(int dirfd, char *buffer, unsigned long size) {
  int copy = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return -1;
  DIR *dir = fdopendir(copy);
  if (!dir) {
    close(copy);
    return -1;
  }
  unsigned long used = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    size_t length = strlen(entry->d_name) + 1;
    if (used + length > size) {
      closedir(dir);
      errno = ERANGE;
      return -1;
    }
    memcpy(buffer + used, entry->d_name, length);
    used += length;
  }
  closedir(dir);
  return (long)used;
}

int nsb_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int nsb_pidfd_send_signal(int pidfd, int signal) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

int nsb_pidfd_wait(int pidfd, int milliseconds) {
  struct pollfd entry = {.fd = pidfd, .events = POLLIN};
  // Signals blocked from the check of a kept signal until ppoll(2) unblocks them atomically: one that comes in
  // between still interrupts the wait (EINTR) rather than waiting for it to end.
  sigset_t all, found;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, &found) < 0) return -1;
  if (nsb_defer && nsb_deferred) {
    sigprocmask(SIG_SETMASK, &found, NULL);
    return 2;
  }
  struct timespec timeout = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000L};
  int ready = ppoll(&entry, 1, milliseconds < 0 ? NULL : &timeout, &found);
  int saved = errno;
  int kept = nsb_defer && nsb_deferred;
  sigprocmask(SIG_SETMASK, &found, NULL);
  if (ready < 0 && saved == EINTR && kept) return 2;
  errno = saved;
  return ready < 0 ? -1 : ready > 0 ? 1 : 0;
}

int nsb_cancel_handoff(int pidfd) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_signo = SIGRTMIN + 6;
  info.si_code = SI_QUEUE;
  info.si_value.sival_int = 0;
  return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGRTMIN + 6, &info, 0);
}

int nsb_close_range(unsigned int first, unsigned int last) {
  return (int)syscall(SYS_close_range, first, last, 0);
}

#include <linux/nsfs.h>

int nsb_setns(int fd, int nstype) { return setns(fd, nstype); }

int nsb_open_namespace(const char *path) { return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY); }

int nsb_namespace_info(const char *path, int *nstype, uint64_t *inode, uint64_t *owner_inode, int *has_owner,
                       uint32_t *owner_uid, int *has_owner_uid) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -1;
  struct stat st;
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0 || fstat(fd, &st) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  *nstype = type;
  *inode = (uint64_t)st.st_ino;
  *has_owner = 0;
  int owner = ioctl(fd, NS_GET_USERNS);
  if (owner >= 0) {
    struct stat owner_st;
    if (fstat(owner, &owner_st) == 0) {
      *owner_inode = (uint64_t)owner_st.st_ino;
      *has_owner = 1;
    }
    close(owner);
  }
  *has_owner_uid = 0;
  if (type == CLONE_NEWUSER) {
    uid_t uid;
    if (ioctl(fd, NS_GET_OWNER_UID, &uid) == 0) {
      *owner_uid = (uint32_t)uid;
      *has_owner_uid = 1;
    }
  }
  close(fd);
  return 0;
}

// Live sandboxes (`plan --target`): joining a namespace, reading one's UTS names, changing a sandbox in place.
#include <sys/utsname.h>
#include <sys/wait.h>

#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#define NSB_FSPICK_CLOEXEC 0x00000001
#define NSB_FSPICK_EMPTY_PATH 0x00000008
#define NSB_FSCONFIG_CMD_RECONFIGURE 7

/// Copies `text` with its NUL into `out` at `*used`; 0 when it does not fit.
static int nsb_put(char *out, unsigned long size, unsigned long *used, const char *text) {
  unsigned long length = strlen(text) + 1;
  if (*used + length > size) return 0;
  memcpy(out + *used, text, length);
  *used += length;
  return 1;
}

/// Joins the namespace at `path` (of type `nstype`). A namespace owned by a user namespace nsbuild does not hold
/// capabilities in refuses with EPERM: the owner at `user_path` (NULL: none) is joined first and the join tried again.
/// 0, or -1 with errno.
static int nsb_join_as_owner(const char *path, int nstype, const char *user_path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int result = fd < 0 ? -1 : nsb_setns(fd, nstype);
  if (result < 0 && errno == EPERM && user_path != NULL) {
    int user = open(user_path, O_RDONLY | O_CLOEXEC);
    if (user >= 0 && nsb_setns(user, CLONE_NEWUSER) == 0) result = nsb_setns(fd, nstype);
  }
  return result;
}

/// An errno as a child's exit status: 1 to 125, EIO for anything else (126 and up mean exec and signal failures).
static int nsb_exit_status(int error) { return error > 0 && error < 126 ? error : EIO; }

/// Forks a child that runs `child` (which writes to `pipe_out` and _exits with 0 or an errno) and reads what it
/// writes into `out`, at most `size` bytes: the count, or -1 with errno (the child's exit status, or ENOBUFS when it
/// wrote more than `size`). A child, not nsbuild, joins the namespaces: setns(2) into a user namespace needs a
/// single-threaded process, and nsbuild must stay where it is.
static long nsb_child_output(void (*child)(int pipe_out, const void *context), const void *context, unsigned char *out,
                             unsigned long size) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    errno = saved;
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    child(fds[1], context);
    _exit(EIO);
  }
  close(fds[1]);
  unsigned long used = 0;
  int overflow = 0;
  for (;;) {
    unsigned char spill[4096];
    ssize_t got = used < size ? read(fds[0], out + used, size - used) : read(fds[0], spill, sizeof spill);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (used < size) used += (unsigned long)got; else overflow = 1;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    errno = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
    return -1;
  }
  if (overflow) {
    errno = ENOBUFS;
    return -1;
  }
  return (long)used;
}

/// The namespaces nsb_uts_names reads.
struct nsb_uts_request {
  const char *uts_path;
  const char *user_path;
};

/// The child of nsb_uts_names: joins, writes the two names, each with its NUL, and exits with 0 or an errno.
static void nsb_uts_child(int pipe_out, const void *context) {
  const struct nsb_uts_request *request = context;
  if (nsb_join_as_owner(request->uts_path, CLONE_NEWUTS, request->user_path) < 0) _exit(nsb_exit_status(errno));
  struct utsname names;
  if (uname(&names) < 0) _exit(nsb_exit_status(errno));
  char buffer[2 * sizeof names.nodename + 2];
  unsigned long used = 0;
  if (nsb_put(buffer, sizeof buffer, &used, names.nodename) &&
      nsb_put(buffer, sizeof buffer, &used, names.domainname)) {
    if (write(pipe_out, buffer, used) == (ssize_t)used) _exit(0);
  }
  _exit(EIO);
}

long nsb_uts_names(const char *uts_path, const char *user_path, char *out, unsigned long size) {
  struct nsb_uts_request request = {uts_path, user_path};
  return nsb_child_output(nsb_uts_child, &request, (unsigned char *)out, size);
}

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/// Sends the message at `request` on `sock` and writes every answer to `pipe_out` until NLMSG_DONE or
/// NLMSG_ERROR: 0, or an errno.
static int nsb_dump_one(int sock, const unsigned char *request, unsigned int length, int pipe_out) {
  if (send(sock, request, length, 0) != (ssize_t)length) return errno ? errno : EIO;
  static unsigned char buffer[65536];
  for (;;) {
    ssize_t got = recv(sock, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return got < 0 ? errno : EIO;
    ssize_t written = 0;
    while (written < got) {
      ssize_t put = write(pipe_out, buffer + written, (size_t)(got - written));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) return EIO;
      written += put;
    }
    /* The last message of the datagram says whether the answer is complete. */
    ssize_t offset = 0;
    while (offset + (ssize_t)sizeof(struct nlmsghdr) <= got) {
      struct nlmsghdr *header = (struct nlmsghdr *)(buffer + offset);
      if (header->nlmsg_len < sizeof(struct nlmsghdr)) return EPROTO;
      if (header->nlmsg_type == NLMSG_DONE || header->nlmsg_type == NLMSG_ERROR) return 0;
      offset += (ssize_t)NLMSG_ALIGN(header->nlmsg_len);
    }
  }
}

/// The namespaces and requests nsb_route_dumps takes.
struct nsb_dump_request {
  const char *net_path;
  const char *user_path;
  const unsigned char *requests;
  unsigned long requests_size;
};

/// The child of nsb_route_dumps: joins, dumps, exits with 0 or an errno.
static void nsb_dump_child(int pipe_out, const void *context) {
  const struct nsb_dump_request *request = context;
  if (nsb_join_as_owner(request->net_path, CLONE_NEWNET, request->user_path) < 0) _exit(nsb_exit_status(errno));
  int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) _exit(nsb_exit_status(errno));
  unsigned long offset = 0;
  while (offset + sizeof(struct nlmsghdr) <= request->requests_size) {
    const struct nlmsghdr *header = (const struct nlmsghdr *)(request->requests + offset);
    if (header->nlmsg_len < sizeof(struct nlmsghdr) || offset + header->nlmsg_len > request->requests_size) {
      _exit(EINVAL);
    }
    int error = nsb_dump_one(sock, request->requests + offset, header->nlmsg_len, pipe_out);
    if (error != 0) _exit(nsb_exit_status(error));
    offset += NLMSG_ALIGN(header->nlmsg_len);
  }
  _exit(0);
}

long nsb_route_dumps(const char *net_path, const char *user_path, const unsigned char *requests,
                     unsigned long requests_size, unsigned char *out, unsigned long size) {
  struct nsb_dump_request request = {net_path, user_path, requests, requests_size};
  return nsb_child_output(nsb_dump_child, &request, out, size);
}

int nsb_reconfigure(int fd, const char *key, const char *value) {
  int context = (int)syscall(SYS_fspick, fd, "", NSB_FSPICK_EMPTY_PATH | NSB_FSPICK_CLOEXEC);
  if (context < 0) return -1;
  /* An empty value names a flag (rw, ro): FSCONFIG_SET_FLAG takes no value. */
  int result = value[0] == '\0'
    ? (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_SET_FLAG, key, NULL, 0)
    : (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_SET_STRING, key, value, 0);
  if (result == 0) result = (int)syscall(SYS_fsconfig, context, NSB_FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
  int saved = errno;
  close(context);
  errno = saved;
  return result;
}

int nsb_change_mode(int fd, unsigned int mode) {
  int folder = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder < 0) return -1;
  int result = fchmod(folder, mode);
  int saved = errno;
  close(folder);
  errno = saved;
  return result;
}

int nsb_change_owner(int fd, uint32_t uid, uint32_t gid) {
  int folder = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder < 0) return -1;
  int result = fchown(folder, (uid_t)uid, (gid_t)gid);
  int saved = errno;
  close(folder);
  errno = saved;
  return result;
}

int nsb_prlimit(int pid, int resource, uint64_t soft, uint64_t hard) {
  struct rlimit limit = {soft == UINT64_MAX ? RLIM_INFINITY : soft, hard == UINT64_MAX ? RLIM_INFINITY : hard};
  return prlimit(pid, resource, &limit, NULL);
}
