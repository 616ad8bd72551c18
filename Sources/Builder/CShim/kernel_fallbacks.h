// Numbers and flags of calls newer than some C libraries' headers, for the shim's C files alone (not a public
// header: Swift never sees it). Values from the kernel's uapi headers (include/uapi/linux/close_range.h,
// prctl.h; arch/x86/entry/syscalls/syscall_64.tbl, the same on every architecture for these).
#ifndef NSBUILD_KERNEL_FALLBACKS_H
#define NSBUILD_KERNEL_FALLBACKS_H

#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#endif
#ifndef PR_CAP_AMBIENT_RAISE
#define PR_CAP_AMBIENT_RAISE 2
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#endif
