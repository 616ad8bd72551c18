#define _GNU_SOURCE
#include "nsbuild_spawn.h"
#include "kernel_fallbacks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


// shim.c: the signals this process handles (and SIGPIPE's and SIGXFSZ's disposition as nsbuild found them: 1
// ignored, 0 default, -1 not changed).
void nsb_handled_signals(sigset_t *handled, int *pipe_action, int *file_size_action);

// A system call made without the C library: the child shares the parent's memory, and with it the thread's errno
// (and the library's locks), which the parent, running meanwhile, uses. The kernel's result: -errno on failure.
static long nsb_raw(long number, long a, long b, long c, long d, long e) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return result;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
  return x0;
#else
#error "nsb_raw: no system call sequence for this architecture"
#endif
}

static __attribute__((noreturn)) void nsb_child_exit(int status) {
  for (;;) nsb_raw(SYS_exit, status, 0, 0, 0, 0);
}

// What the child needs that the parent works out before the clone: it lives as long as the child may run.
struct nsb_spawn_context {
  const struct nsb_spawn *spawn;
  sigset_t handled;
  int pipe_action, file_size_action;
  // Non-zero until the child no longer shares the memory: the kernel zeroes it (CLONE_CHILD_CLEARTID) and wakes its
  // futex when the child's execve(2) or exit lets go of it.
  volatile pid_t sharing;
  // PR_GET_DUMPABLE before the clone.
  int dumpable;
};

// The context of this process's last spawn, for nsb_spawn_await_release.
static struct nsb_spawn_context *nsb_last_spawn = NULL;

// struct sigaction as the kernel takes it; only the handler is ever set (SIG_DFL or SIG_IGN, no restorer needed).
struct nsb_kernel_sigaction {
  unsigned long handler;
  unsigned long flags;
  unsigned long restorer;
  unsigned long mask;
};

static void nsb_child_set_signal(int signal, unsigned long handler) {
  struct nsb_kernel_sigaction action = {handler, 0, 0, 0};
  nsb_raw(SYS_rt_sigaction, signal, (long)&action, 0, sizeof action.mask, 0);
}

// Each handler the parent installed goes back to the default (its code must not run here), then no signal is
// blocked: one sent meanwhile ends the child as it would by default, as with nothing of nsbuild's left.
static void nsb_child_signals(const struct nsb_spawn_context *context) {
  for (int signal = 1; signal < NSIG; signal++) {
    if (sigismember(&context->handled, signal)) nsb_child_set_signal(signal, (unsigned long)SIG_DFL);
  }
  unsigned long none = 0;
  nsb_raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, sizeof none, 0);
}

// SIGPIPE and SIGXFSZ as nsbuild's caller left them, for the program (ignored until now, like everything before).
static void nsb_child_write_signals(const struct nsb_spawn_context *context) {
  if (context->pipe_action >= 0) nsb_child_set_signal(SIGPIPE, (unsigned long)(context->pipe_action ? SIG_IGN : SIG_DFL));
  if (context->file_size_action >= 0)
    nsb_child_set_signal(SIGXFSZ, (unsigned long)(context->file_size_action ? SIG_IGN : SIG_DFL));
}

// Reports `error` with `record` on the report pipe, then exits with the record's status.
static __attribute__((noreturn)) void nsb_child_fail(const struct nsb_spawn *spawn, const struct nsb_spawn_record *record,
                                                     int error) {
  if (spawn->report >= 0 && record->bytes != NULL && record->errno_offset + 4 <= record->length) {
    uint32_t value = (uint32_t)error;
    for (int i = 0; i < 4; i++) record->bytes[record->errno_offset + i] = (unsigned char)(value >> (8 * i));
    size_t done = 0;
    while (done < record->length) {
      long written = nsb_raw(SYS_write, spawn->report, (long)(record->bytes + done), (long)(record->length - done), 0, 0);
      if (written == -EINTR) continue;
      if (written <= 0) break;
      done += (size_t)written;
    }
  }
  nsb_child_exit(error == ENOENT ? record->status_not_found : record->status);
}

static uint64_t nsb_child_permitted(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (nsb_raw(SYS_capget, (long)&header, (long)data, 0, 0, 0) < 0) return 0;
  return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

static long nsb_child_bounding_set(uint64_t keep) {
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) {
      if (nsb_raw(SYS_prctl, PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // past the kernel's last capability
      continue;
    }
    long result = nsb_raw(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (result == -EINVAL) break;  // past the kernel's last capability
    if (result < 0) return result;
  }
  return 0;
}

static long nsb_child_capset(uint64_t caps) {
  caps &= nsb_child_permitted();  // "ALL" means all that this process holds
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    uint32_t word = (uint32_t)(caps >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = word;
  }
  return nsb_raw(SYS_capset, (long)&header, (long)data, 0, 0, 0);
}

static long nsb_child_raise_ambient(uint64_t caps) {
  caps &= nsb_child_permitted();
  for (int cap = 0; cap < 64; cap++) {
    if (!(caps & (1ULL << cap))) continue;
    long result = nsb_raw(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    if (result < 0) return result;
  }
  return 0;
}

// Whether the pipe end `fd`, whose only write end the parent holds, has hung up: the parent is gone.
static int nsb_child_hung_up(int fd) {
  struct pollfd entry = {fd, 0, 0};
  struct timespec now = {0, 0};
  long result;
  do result = nsb_raw(SYS_ppoll, (long)&entry, 1, (long)&now, 0, 0); while (result == -EINTR);
  return result > 0 && (entry.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static long nsb_child_pause(const struct nsb_spawn_op *op, unsigned char ready) {
  long result;
  do result = nsb_raw(SYS_write, op->fd, (long)&ready, 1, 0, 0); while (result == -EINTR);
  // "go", or end of file once the parent closed its setup fds (or ended): either way on to the program.
  unsigned char go[16];
  do result = nsb_raw(SYS_read, op->fd2, (long)go, sizeof go, 0, 0); while (result == -EINTR);
  return 0;
}

// The error execve(2) of `path` would stop at for want of a program (as nsb_execution_error): 0 when it could run.
static int nsb_child_execution_error(const char *path) {
  struct statx info;
  long result = nsb_raw(SYS_statx, AT_FDCWD, (long)path, 0, STATX_TYPE, (long)&info);
  if (result < 0) return (int)-result;
  if (S_ISDIR(info.stx_mode)) return EACCES;
  result = nsb_raw(SYS_faccessat, AT_FDCWD, (long)path, X_OK, 0, 0);
  return result < 0 ? (int)-result : 0;
}

static int nsb_searched_on(int error) { return error == ENOENT || error == EACCES || error == ENOTDIR; }

// A program that is not there fails before the pause, while init can still take back what it made.
static void nsb_child_check_program(const struct nsb_spawn *spawn) {
  const struct nsb_spawn_program *program = spawn->program;
  int denied = -1;
  for (int i = 0; i < program->count; i++) {
    int error = nsb_child_execution_error(program->candidates[i]);
    if (error == 0 || !nsb_searched_on(error)) return;
    if (error == EACCES && denied < 0) denied = i;
  }
  if (denied >= 0) nsb_child_fail(spawn, &program->records[denied], EACCES);
  nsb_child_fail(spawn, &program->records[program->count], ENOENT);
}

static __attribute__((noreturn)) void nsb_child_exec(const struct nsb_spawn *spawn,
                                                     const struct nsb_spawn_context *context) {
  const struct nsb_spawn_program *program = spawn->program;
  nsb_child_write_signals(context);
  int denied = -1;
  for (int i = 0; i < program->count; i++) {
    int error = (int)-nsb_raw(SYS_execve, (long)program->candidates[i], (long)program->argv, (long)program->envp, 0, 0);
    if (!program->search || !nsb_searched_on(error)) nsb_child_fail(spawn, &program->records[i], error);
    if (error == EACCES) denied = i;
  }
  if (denied >= 0) nsb_child_fail(spawn, &program->records[denied], EACCES);
  nsb_child_fail(spawn, &program->records[program->count], ENOENT);
}

static long nsb_child_call(const struct nsb_spawn *spawn, const struct nsb_spawn_context *context,
                           const struct nsb_spawn_op *op) {
  switch (op->kind) {
    case NSB_SPAWN_SETSID: return nsb_raw(SYS_setsid, 0, 0, 0, 0, 0);
    case NSB_SPAWN_CONTROLLING_TERMINAL: return nsb_raw(SYS_ioctl, op->fd, TIOCSCTTY, 0, 0, 0);
    case NSB_SPAWN_RLIMIT: {
      uint64_t limit[2] = {op->a, op->b};  // UINT64_MAX is RLIM_INFINITY
      return nsb_raw(SYS_prlimit64, 0, op->number, (long)limit, 0, 0);
    }
    case NSB_SPAWN_KEEP_CAPABILITIES: return nsb_raw(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    case NSB_SPAWN_BOUNDING_SET: return nsb_child_bounding_set(op->a);
    case NSB_SPAWN_SETGROUPS: return nsb_raw(SYS_setgroups, op->count, (long)op->groups, 0, 0, 0);
    case NSB_SPAWN_SETRESGID: return nsb_raw(SYS_setresgid, op->number, op->number, op->number, 0, 0);
    case NSB_SPAWN_SETRESUID: return nsb_raw(SYS_setresuid, op->number, op->number, op->number, 0, 0);
    case NSB_SPAWN_PARENT_DEATH_SIGNAL: return nsb_raw(SYS_prctl, PR_SET_PDEATHSIG, op->number, 0, 0, 0);
    case NSB_SPAWN_CHECK_PARENT_PID:
      if (nsb_raw(SYS_getppid, 0, 0, 0, 0, 0) != op->number) nsb_child_exit(137);
      return 0;
    case NSB_SPAWN_CHECK_LIFELINE:
      if (nsb_child_hung_up(op->fd)) nsb_child_exit(137);
      return 0;
    case NSB_SPAWN_CAPSET: return nsb_child_capset(op->a);
    case NSB_SPAWN_RAISE_AMBIENT: return nsb_child_raise_ambient(op->a);
    case NSB_SPAWN_NO_NEW_PRIVS: return nsb_raw(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    case NSB_SPAWN_UMASK: nsb_raw(SYS_umask, op->number, 0, 0, 0, 0); return 0;
    case NSB_SPAWN_CHDIR: return nsb_raw(SYS_chdir, (long)op->path, 0, 0, 0, 0);
    case NSB_SPAWN_PAUSE: return nsb_child_pause(op, spawn->program->ready);
    case NSB_SPAWN_CHECK_PROGRAM: nsb_child_check_program(spawn); return 0;
    case NSB_SPAWN_CLOEXEC_FROM: return nsb_raw(SYS_close_range, op->number, ~0U, CLOSE_RANGE_CLOEXEC, 0, 0);
    case NSB_SPAWN_EXECVE: nsb_child_exec(spawn, context);
    case NSB_SPAWN_CLOSE: nsb_raw(SYS_close, op->fd, 0, 0, 0, 0); return 0;
  }
  return -EINVAL;
}

static int nsb_spawn_child(void *argument) {
  const struct nsb_spawn_context *context = argument;
  const struct nsb_spawn *spawn = context->spawn;
  nsb_child_signals(context);
  for (int i = 0; i < spawn->count; i++) {
    const struct nsb_spawn_op *op = &spawn->ops[i];
    long result;
    do result = nsb_child_call(spawn, context, op); while (result == -EINTR);
    if (result < 0) nsb_child_fail(spawn, &op->failure, (int)-result);
  }
  nsb_child_exit(125);  // never: the list ends with the program's execve(2)
}

// The child's stack, and a guard page below it.
#define NSB_SPAWN_STACK (64 * 1024)

int nsb_spawn_command(const struct nsb_spawn *spawn) {
  struct nsb_spawn_context *context = malloc(sizeof *context);
  if (context == NULL) return -1;
  context->spawn = spawn;
  context->sharing = 1;
  context->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  nsb_handled_signals(&context->handled, &context->pipe_action, &context->file_size_action);
  size_t guard = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char *stack = mmap(NULL, NSB_SPAWN_STACK + guard, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    free(context);
    return -1;
  }
  mprotect(stack, guard, PROT_NONE);
  // Blocked until the child has set the handlers back: no handler of the parent's runs in the child.
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  int pid = clone(nsb_spawn_child, stack + NSB_SPAWN_STACK + guard, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, context,
                  NULL, NULL, &context->sharing);
  int saved = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  // The stack and the context stay: the child may run on them until its execve(2) or exit, and the parent has no
  // cheap way to tell when that is (a few pages, once a sandbox).
  if (pid < 0) {
    munmap(stack, NSB_SPAWN_STACK + guard);
    free(context);
  } else {
    nsb_last_spawn = context;
  }
  errno = saved;
  return pid;
}

#include <linux/futex.h>

int nsb_spawn_await_release(void) {
  struct nsb_spawn_context *context = nsb_last_spawn;
  if (context == NULL) return 0;
  pid_t sharing;
  while ((sharing = context->sharing) != 0) syscall(SYS_futex, &context->sharing, FUTEX_WAIT, sharing, NULL, NULL, 0);
  // A child that changed its uid or gid made the shared memory undumpable (commit_creds); alone in it again, this
  // process is as dumpable as it was.
  if (context->dumpable >= 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != context->dumpable)
    return prctl(PR_SET_DUMPABLE, context->dumpable, 0, 0, 0);
  return 0;
}
