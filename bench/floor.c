// The floor for bench/run.sh: the system calls `nsbuild run` makes for bench/specs/bench.toml (mode `root`) and
// bench/specs/bench-userns.toml (mode `user`), made directly from a small C program, in the same processes:
//
//   parent ── fork ──> sandbox: unshare(2) every namespace at once
//     (user mode: the parent writes setgroups, uid_map, gid_map and timens_offsets from outside)
//   sandbox ── fork ──> init, PID 1 in the new pid (and time) namespace: hostname, lo up, mounts private, the
//                       host's tree read-only (mount_setattr AT_RECURSIVE), tmpfs /tmp, proc /proc (each target
//                       opened with openat2 RESOLVE_IN_ROOT, as nsbuild does)
//   init ── fork ──> command, PID 2: setsid, capabilities dropped, no_new_privs, chdir /, close_range, execve
//
// Each process dies with its parent (PR_SET_PDEATHSIG) and passes on the signals nsbuild passes on; each waits for
// its child and exits with the command's status (125 when a call fails, 127/126 when execve does).
//
//   cc -O2 -o floor floor.c && ./floor root /bin/true && ./floor user /bin/true
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define FLOOR_AT_RECURSIVE 0x8000
#define FLOOR_MOUNT_ATTR_RDONLY 0x1
#define FLOOR_CLOSE_RANGE_CLOEXEC (1U << 2)
#define FLOOR_CAPABILITY_VERSION_3 0x20080522
#define FLOOR_RESOLVE_IN_ROOT_NO_MAGICLINKS (0x10 | 0x02)
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct floor_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
struct floor_open_how { uint64_t flags, mode, resolve; };
struct floor_cap_header { uint32_t version; int pid; };
struct floor_cap_data { uint32_t effective, permitted, inheritable; };

static void check(long result, const char *what) {
  if (result == -1) { perror(what); _exit(125); }
}

static pid_t child_pid;
static void pass_on(int sig) { if (child_pid > 0) kill(child_pid, sig); }

/// fork(2), then in the child PR_SET_PDEATHSIG; the parent passes signals on to the child, as nsbuild does.
static pid_t fork_tied(void) {
  pid_t pid = fork();
  check(pid, "fork");
  if (pid == 0) {
    child_pid = 0;
    check(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG)");
    return 0;
  }
  child_pid = pid;
  static const int signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH};
  struct sigaction action = {.sa_handler = pass_on, .sa_flags = SA_RESTART};
  for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) sigaction(signals[i], &action, NULL);
  return pid;
}

/// Waits for `pid` and exits with its status (128+N for signal N).
static void exit_with(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) == -1) if (errno != EINTR) _exit(125);
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void write_file(pid_t pid, const char *name, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  check(fd, path);
  check(write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1, path);
  close(fd);
}

static void command(char **argv) {
  check(setsid(), "setsid");
  for (int cap = 0; prctl(PR_CAPBSET_DROP, cap) == 0; cap++) {}  // until EINVAL past the last capability
  struct floor_open_how { uint64_t flags, mode, resolve; };
struct floor_cap_header header = {FLOOR_CAPABILITY_VERSION_3, 0};
  struct floor_cap_data data[2] = {{0}};
  check(syscall(SYS_capset, &header, data), "capset");
  check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
  check(chdir("/"), "chdir");
  check(syscall(SYS_close_range, 3U, ~0U, FLOOR_CLOSE_RANGE_CLOEXEC), "close_range");
  execv(argv[0], argv);
  int code = errno == ENOENT ? 127 : 126;
  perror(argv[0]);
  _exit(code);
}

/// mount(2) on a path opened beneath the root with openat2(2) RESOLVE_IN_ROOT, as nsbuild mounts.
static void mount_beneath(int root, const char *path, const char *fstype, unsigned long flags) {
  struct floor_open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = FLOOR_RESOLVE_IN_ROOT_NO_MAGICLINKS};
  int fd = syscall(SYS_openat2, root, path, &how, sizeof how);
  check(fd, path);
  char proc_path[32];
  snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
  check(mount(fstype, proc_path, fstype, flags, NULL), path);
}

static void init(char **argv) {
  check(sethostname("bench", 5), "sethostname");
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  check(sock, "socket");
  struct ifreq lo = {0};
  strcpy(lo.ifr_name, "lo");
  check(ioctl(sock, SIOCGIFFLAGS, &lo), "ioctl(SIOCGIFFLAGS)");
  lo.ifr_flags |= IFF_UP;
  check(ioctl(sock, SIOCSIFFLAGS, &lo), "ioctl(SIOCSIFFLAGS)");
  close(sock);
  check(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "mount --make-rprivate /");
  int root = open("/", O_PATH | O_CLOEXEC);
  check(root, "open /");
  struct floor_mount_attr attr = {.attr_set = FLOOR_MOUNT_ATTR_RDONLY};  // the host's tree, read-only recursively
  check(syscall(SYS_mount_setattr, root, "", AT_EMPTY_PATH | FLOOR_AT_RECURSIVE, &attr, sizeof attr),
        "mount_setattr /");
  mount_beneath(root, "/tmp", "tmpfs", 0);
  mount_beneath(root, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  pid_t pid = fork_tied();
  if (pid == 0) command(argv);
  exit_with(pid);  // init reaps only its one child: nothing else runs in this sandbox
}

int main(int argc, char **argv) {
  int user = argc > 2 && strcmp(argv[1], "user") == 0;
  if (argc < 3 || (!user && strcmp(argv[1], "root") != 0)) {
    fprintf(stderr, "usage: %s root|user /path/to/command [arg...]\n", argv[0]);
    return 2;
  }
  int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET;
  if (user) flags |= CLONE_NEWUSER | CLONE_NEWTIME;
  int ready[2], go[2];
  check(pipe2(ready, O_CLOEXEC), "pipe2");
  check(pipe2(go, O_CLOEXEC), "pipe2");
  uid_t uid = getuid();
  gid_t gid = getgid();

  pid_t sandbox = fork_tied();
  if (sandbox == 0) {
    check(unshare(flags), "unshare");
    if (user) {  // the parent writes the maps and offsets, then says go
      char byte = 1;
      check(write(ready[1], &byte, 1), "write");
      if (read(go[0], &byte, 1) != 1) _exit(125);
    }
    pid_t pid = fork_tied();  // enters the new pid (and time) namespace: PID 1 there
    if (pid == 0) init(argv + 2);
    exit_with(pid);
  }
  if (user) {
    char byte, text[64];
    if (read(ready[0], &byte, 1) != 1) exit_with(sandbox);
    if (uid != 0) write_file(sandbox, "setgroups", "deny");  // nsbuild's default: deny unless the caller is root
    snprintf(text, sizeof text, "0 %u 1\n", uid);
    write_file(sandbox, "uid_map", text);
    snprintf(text, sizeof text, "0 %u 1\n", gid);
    write_file(sandbox, "gid_map", text);
    write_file(sandbox, "timens_offsets", "monotonic 3600 0\n");
    check(write(go[1], &byte, 1), "write");
  }
  exit_with(sandbox);
}
