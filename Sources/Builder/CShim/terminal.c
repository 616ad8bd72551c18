#define _GNU_SOURCE
#include "nsbuild_terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

// The argument strings as the kernel laid them out (one block, argv[0] first), kept before main: glibc passes
// argc and argv to constructors.
static char *nsb_arguments = NULL;
static size_t nsb_arguments_length = 0;

__attribute__((constructor)) static void nsb_record_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  if (argc <= 0 || argv == NULL || argv[0] == NULL) return;
  char *end = argv[0] + strlen(argv[0]) + 1;
  for (int i = 1; i < argc; i++) {
    // Not one block: not what the kernel made, so not ours to overwrite.
    if (argv[i] != end) return;
    end = argv[i] + strlen(argv[i]) + 1;
  }
  nsb_arguments = argv[0];
  nsb_arguments_length = (size_t)(end - argv[0]);
}

int nsb_name_process(const char *name) {
  if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0) return -1;
  if (nsb_arguments == NULL || nsb_arguments_length < 2) return 0;
  size_t room = nsb_arguments_length - 2;
  size_t length = strlen(name);
  if (length > room) length = room;
  memset(nsb_arguments, 0, nsb_arguments_length);
  memcpy(nsb_arguments, name, length);
  nsb_arguments[nsb_arguments_length - 1] = ' ';
  return 0;
}

int nsb_open_pseudo_terminal(int *master, int *replica) {
  int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  int peer = -1;
  if (grantpt(fd) == 0 && unlockpt(fd) == 0) peer = ioctl(fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  *master = fd;
  *replica = peer;
  return 0;
}

int nsb_copy_window_size(int from, int to) {
  struct winsize size;
  if (ioctl(from, TIOCGWINSZ, &size) < 0) return -1;
  return ioctl(to, TIOCSWINSZ, &size);
}

int nsb_use_terminal_replica(int replica, int master) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fd != replica && dup2(replica, fd) < 0) return -1;
  }
  if (replica > 2) close(replica);
  if (master > 2) close(master);
  return 0;
}

int nsb_open_replica_path(int replica) {
  struct stat wanted, found;
  if (fstat(replica, &wanted) < 0) return -1;
  if (!S_ISCHR(wanted.st_mode) || major(wanted.st_rdev) < 136 || major(wanted.st_rdev) > 143) {
    errno = ENOTTY;
    return -1;
  }
  char path[64];
  snprintf(path, sizeof path, "/dev/pts/%u", (major(wanted.st_rdev) - 136) * 256 + minor(wanted.st_rdev));
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS;
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0) return -1;
  if (fstat(fd, &found) < 0 || found.st_rdev != wanted.st_rdev || found.st_dev != wanted.st_dev) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  return fd;
}

int nsb_set_controlling_terminal(int fd) { return ioctl(fd, TIOCSCTTY, 0); }

static struct termios nsb_saved_termios;
static int nsb_termios_saved = 0;

int nsb_make_raw(int fd) {
  struct termios raw;
  if (tcgetattr(fd, &nsb_saved_termios) < 0) return -1;
  nsb_termios_saved = 1;
  raw = nsb_saved_termios;
  cfmakeraw(&raw);
  return tcsetattr(fd, TCSADRAIN, &raw);
}

int nsb_restore_terminal(int fd) {
  if (!nsb_termios_saved) return 0;
  if (tcsetattr(fd, TCSADRAIN, &nsb_saved_termios) < 0) return -1;
  nsb_termios_saved = 0;
  return 0;
}

int nsb_window_change_fd(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int nsb_unblock_window_change(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  return sigprocmask(SIG_UNBLOCK, &set, NULL);
}
