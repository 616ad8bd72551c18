// The command's process started sharing its parent's memory (clone(2) CLONE_VM, as posix_spawn(3) starts a child):
// no page table is copied and no page is copied on write, and the command's execve(2) tears nothing down. The child
// runs only the C code of spawn.c, on a stack of its own, with raw system calls (no errno, no lock, no allocation:
// the parent goes on running beside it in the same memory), through a list of calls its parent made beforehand.
#ifndef NSBUILD_SPAWN_H
#define NSBUILD_SPAWN_H

#include <stddef.h>
#include <stdint.h>

/// One call the child makes, in list order.
enum nsb_spawn_kind {
  NSB_SPAWN_SETSID = 1,                // setsid(2)
  NSB_SPAWN_CONTROLLING_TERMINAL = 2,  // ioctl(fd, TIOCSCTTY, 0)
  NSB_SPAWN_RLIMIT = 3,                // prlimit64(0, number, {a, b}); UINT64_MAX is RLIM_INFINITY
  NSB_SPAWN_KEEP_CAPABILITIES = 4,     // prctl(PR_SET_KEEPCAPS, 1)
  NSB_SPAWN_BOUNDING_SET = 5,          // prctl(PR_CAPBSET_DROP) of every capability whose bit of `a` is clear
  NSB_SPAWN_SETGROUPS = 6,             // setgroups(count, groups)
  NSB_SPAWN_SETRESGID = 7,             // setresgid(number, number, number)
  NSB_SPAWN_SETRESUID = 8,             // setresuid(number, number, number)
  NSB_SPAWN_PARENT_DEATH_SIGNAL = 9,   // prctl(PR_SET_PDEATHSIG, number)
  NSB_SPAWN_CHECK_PARENT_PID = 10,     // exit 137 unless getppid(2) is `number`
  NSB_SPAWN_CHECK_LIFELINE = 11,       // exit 137 when the pipe end `fd` has hung up (ppoll(2))
  NSB_SPAWN_CAPSET = 12,               // capset(2) of `a` (less what is not permitted) as all three sets
  NSB_SPAWN_RAISE_AMBIENT = 13,        // prctl(PR_CAP_AMBIENT_RAISE) of each bit of `a` that is permitted
  NSB_SPAWN_NO_NEW_PRIVS = 14,         // prctl(PR_SET_NO_NEW_PRIVS, 1)
  NSB_SPAWN_UMASK = 15,                // umask(number)
  NSB_SPAWN_CHDIR = 16,                // chdir(path)
  NSB_SPAWN_PAUSE = 17,                // write(fd, "ready"), then read(fd2) until "go" or end of file
  NSB_SPAWN_CHECK_PROGRAM = 18,        // the PATH search without running anything (see nsb_spawn_program)
  NSB_SPAWN_CLOEXEC_FROM = 19,         // close_range(number, ~0U, CLOSE_RANGE_CLOEXEC)
  NSB_SPAWN_EXECVE = 20,               // execve(2) of each candidate in turn (see nsb_spawn_program)
  NSB_SPAWN_CLOSE = 21,                // close(fd)
};

/// A failure the child reports: the ChainMessage the parent encoded for it, whose errno field (four bytes, little
/// endian, at `errno_offset`) the child fills in, written to the report pipe before the child exits with `status`
/// (`status_not_found` for ENOENT).
struct nsb_spawn_record {
  unsigned char *bytes;
  size_t length;
  size_t errno_offset;
  int status;
  int status_not_found;
};

struct nsb_spawn_op {
  int kind;
  int fd, fd2;
  int number;
  uint64_t a, b;
  const char *path;
  const uint32_t *groups;
  int count;
  /// What is reported when this call fails (unused for the program's calls, whose records are the program's).
  struct nsb_spawn_record failure;
};

/// The program: execve(2) of each candidate path with `argv` and `envp`; with `search`, as execvp(3) searches PATH
/// (an error other than ENOENT, EACCES and ENOTDIR stops the search, EACCES is reported if nothing else runs);
/// without, the one candidate's error as it is. `records` has one record per candidate, then the "not found"
/// record (ENOENT) last.
struct nsb_spawn_program {
  char *const *argv;
  char *const *envp;
  const char *const *candidates;
  int count;
  int search;
  const struct nsb_spawn_record *records;
  /// The message that says "ready" (NSB_SPAWN_PAUSE).
  unsigned char ready;
};

struct nsb_spawn {
  const struct nsb_spawn_op *ops;
  int count;
  const struct nsb_spawn_program *program;
  /// The report pipe's write end (close-on-exec), in the child's copy of the fd table; -1 for none.
  int report;
};

/// clone(2) CLONE_VM|SIGCHLD of a child, on a stack of its own, that makes `spawn`'s calls and execve(2)s the
/// program, or reports the call that failed and exits. Every signal is blocked in the parent around the clone; the
/// child sets each one the parent handles back to its default (one the parent ignores stays ignored, SIGPIPE and
/// SIGXFSZ go back to what nsbuild found) and then unblocks them all. Everything `spawn` points to must stay as it is
/// until the child has exec'd or exited: the parent never frees it. The child's pid, or -1 with errno set.
int nsb_spawn_command(const struct nsb_spawn *spawn);

/// Waits until the child of this process's last nsb_spawn_command no longer shares its memory (its execve(2) or its
/// exit), then makes this process as dumpable as it was before the clone (the child's change of uid or gid made the
/// shared memory undumpable, as it must while the child runs as another user in it).
int nsb_spawn_await_release(void);

#endif
