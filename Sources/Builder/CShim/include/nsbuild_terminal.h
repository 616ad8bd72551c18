// Thin wrappers for the calls of a process's name and of a pseudo-terminal (pty(7)) that `import Glibc` cannot make:
// ioctl(2) is variadic, and argv is the C runtime's. Each returns what the kernel returned (-1 with errno set).
#ifndef NSBUILD_TERMINAL_H
#define NSBUILD_TERMINAL_H

/// prctl(PR_SET_NAME, name), then the argument strings the process was started with (what /proc/PID/cmdline shows,
/// proc(5)) overwritten in place: `name` (cut to fit), then zeros. The area's last byte is left non-zero, so the
/// kernel shows the strings up to the first NUL (its convention for setproctitle(3)), exactly `name`, not `name`
/// followed by the zeros.
int nsb_name_process(const char *name);
/// posix_openpt(O_RDWR|O_NOCTTY|O_CLOEXEC), grantpt, unlockpt, then ioctl(TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC):
/// the replica opened from the master's fd (Linux 4.13), not looked up by a path. On failure nothing stays open.
int nsb_open_pseudo_terminal(int *master, int *replica);
/// ioctl(from, TIOCGWINSZ), then ioctl(to, TIOCSWINSZ) with that size.
int nsb_copy_window_size(int from, int to);
/// dup2(2) of `replica` onto 0, 1 and 2, then close(2) of `replica` and `master`.
int nsb_use_terminal_replica(int replica, int master);
/// The replica open in `replica` opened again by its path: /dev/pts/N, N from its device number (fstat(2)), with
/// openat2(2) O_PATH|O_CLOEXEC and RESOLVE_NO_SYMLINKS; -1 with EXDEV (and nothing open) when that is not the same
/// device on the same file system.
int nsb_open_replica_path(int replica);
/// ioctl(fd, TIOCSCTTY, 0).
int nsb_set_controlling_terminal(int fd);
/// tcgetattr(3) of `fd` kept for nsb_restore_terminal, then tcsetattr(3) TCSADRAIN of it made raw (cfmakeraw(3)).
int nsb_make_raw(int fd);
/// tcsetattr(3) TCSADRAIN of `fd` back to what nsb_make_raw kept; nothing when it kept nothing.
int nsb_restore_terminal(int fd);
/// sigprocmask(2) SIG_BLOCK of SIGWINCH, then signalfd(2) of it (SFD_CLOEXEC|SFD_NONBLOCK).
int nsb_window_change_fd(void);
/// sigprocmask(2) SIG_UNBLOCK of SIGWINCH.
int nsb_unblock_window_change(void);
#endif
