// Single-steps a command and every process it forks (ptrace(2) PTRACE_SINGLESTEP), and writes the address of each
// user-space instruction a process executes from its program's image, in the order first executed, to the file
// named by argv[1]: one line "PID ADDRESS" (hex) for each new address. A process is let go at its execve(2),
// except the first one, whose lines start there (the addresses before are this program's). Used by
// tools/run-order/generate, which turns the addresses into the function order the release link uses.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

// Addresses already written: an open-addressing set. Addresses from different processes of the same image are the
// same addresses (fork(2) keeps the layout), so one set serves the whole chain.
static uint64_t *seen;
static size_t seen_cap = 1 << 22;

static int remember(uint64_t address) {
  size_t slot = (size_t)((address * 0x9E3779B97F4A7C15ull) >> 42) & (seen_cap - 1);
  while (seen[slot] != 0) {
    if (seen[slot] == address) return 0;
    slot = (slot + 1) & (seen_cap - 1);
  }
  seen[slot] = address;
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: step OUTPUT PROGRAM [ARGUMENT...]\n");
    return 2;
  }
  FILE *out = fopen(argv[1], "w");
  seen = calloc(seen_cap, sizeof *seen);
  if (out == NULL || seen == NULL) {
    perror("step");
    return 1;
  }
  pid_t first = fork();
  if (first < 0) {
    perror("step: fork");
    return 1;
  }
  if (first == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    execv(argv[2], argv + 2);
    _exit(127);
  }
  int status;
  waitpid(first, &status, 0);
  ptrace(PTRACE_SETOPTIONS, first, 0,
         PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
  ptrace(PTRACE_SINGLESTEP, first, 0, 0);
  int first_started = 0, exit_status = 0;
  for (;;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == ECHILD) break;
      continue;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == first) exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    int signal = 0, stop = WSTOPSIG(status), event = status >> 16;
    if (stop == SIGTRAP && event == PTRACE_EVENT_EXEC) {
      if (pid == first && !first_started) {
        first_started = 1;
      } else {
        // Another program now (the command, newuidmap): let it run at full speed, untraced.
        ptrace(PTRACE_DETACH, pid, 0, 0);
        continue;
      }
    } else if (stop == SIGTRAP && event == 0) {
      struct user_regs_struct registers;
      if (ptrace(PTRACE_GETREGS, pid, 0, &registers) == 0 && (pid != first || first_started) &&
          remember(registers.rip))
        fprintf(out, "%d %llx\n", pid, (unsigned long long)registers.rip);
    } else if (stop != SIGTRAP && stop != SIGSTOP) {
      signal = stop;  // the process's own signal, delivered as it would be untraced
    }
    ptrace(PTRACE_SINGLESTEP, pid, 0, signal);
  }
  fclose(out);
  return exit_status;
}
