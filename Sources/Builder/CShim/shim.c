#define _GNU_SOURCE
#include "nsbuild_shim.h"

#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

// struct mount_attr from <linux/mount.h>, declared here so older headers still build.
struct nsb_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

int nsb_unshare(int flags) { return unshare(flags); }

int nsb_setns(int fd, int nstype) { return setns(fd, nstype); }

int nsb_pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int nsb_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr,
                      uint64_t propagation) {
  struct nsb_mount_attr attr = {attr_set, attr_clr, propagation, 0};
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

int nsb_sethostname(const char *name, size_t length) { return sethostname(name, length); }

int nsb_setdomainname(const char *name, size_t length) { return setdomainname(name, length); }

int nsb_prctl_set_pdeathsig(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }

int nsb_prctl_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

int nsb_errno(void) { return errno; }
int nsb_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
