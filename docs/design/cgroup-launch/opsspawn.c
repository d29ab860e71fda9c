/*
 * opsspawn: what opsd's posix_spawnp call does (new session, default signals, empty mask, the pipe fds on 0/1/2,
 * every other fd closed, chdir, optional setgroups/setgid/setuid, envp, execve), plus cgroup placement before exec:
 *   - cgroup v2: clone3(CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP [| CLONE_PIDFD] | CLONE_CLEAR_SIGHAND), so the
 *     child is created inside the leaf (kernel >= 5.7) and never runs an instruction elsewhere;
 *   - cgroup v1 (hybrid hosts): the child writes "0" to pre-opened cgroup.procs fds of the v1 leaves before execve.
 * The child runs on a separate stack (a buffer in the suspended parent's frame); errors (errno and step) come back
 * through memory shared with the parent (CLONE_VM): with CLONE_VFORK the parent resumes only after the child has
 * exec'd or exited, so the store is visible and no pipe is needed (glibc's posix_spawn does the same).
 * x86_64 only (the clone3 trampoline is 12 lines of asm; aarch64 needs its own).
 * Build: gcc -O2 -fPIC -shared -o libopsspawn.so opsspawn.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>   /* struct clone_args, CLONE_INTO_CGROUP, CLONE_CLEAR_SIGHAND */

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum ops_step {
    OPS_STEP_NONE = 0, OPS_STEP_CLONE = 1, OPS_STEP_SIGACTION = 2, OPS_STEP_SETSID = 3, OPS_STEP_CGROUP_V1 = 4,
    OPS_STEP_STDIN = 5, OPS_STEP_STDOUT = 6, OPS_STEP_STDERR = 7, OPS_STEP_CHDIR = 8, OPS_STEP_SETGROUPS = 9,
    OPS_STEP_SETGID = 10, OPS_STEP_SETUID = 11, OPS_STEP_CLOSE = 12, OPS_STEP_SIGMASK = 13, OPS_STEP_EXEC = 14,
};

/* Layout shared with C# (LayoutKind.Sequential, x86_64). */
struct ops_spawn_request {
    const char *file;            /* absolute path */
    char *const *argv;
    char *const *envp;
    const char *cwd;             /* NULL: the caller's */
    int stdin_fd;                /* -1: /dev/null */
    int stdout_fd;
    int stderr_fd;
    int cgroup2_fd;              /* O_DIRECTORY fd of the v2 leaf, or -1 */
    const int *v1_procs_fds;     /* O_WRONLY fds of v1 leaves' cgroup.procs */
    int v1_count;
    int set_ids;                 /* 1: setgroups(ngroups, groups), setgid(gid), setuid(uid) */
    uint32_t uid;
    uint32_t gid;
    const uint32_t *groups;
    int ngroups;
    int want_pidfd;
};

struct ops_spawn_result {
    int pid;
    int pidfd;                   /* -1 unless want_pidfd */
    int error;                   /* errno, 0 on success */
    int step;                    /* enum ops_step */
    int detail;                  /* for OPS_STEP_CGROUP_V1: the index of the fd */
};

struct child_ctx {
    const struct ops_spawn_request *req;
    volatile struct ops_spawn_result *res;
};

/* Raw syscalls in the child: nothing that takes a lock, allocates or touches the parent's TLS beyond errno. */
static inline long raw(long n, long a, long b, long c, long d) { return syscall(n, a, b, c, d); }

static int child_fail(volatile struct ops_spawn_result *res, int step, int detail)
{
    res->error = errno;
    res->step = step;
    res->detail = detail;
    syscall(SYS_exit_group, 127);
    return 127;
}

static int child_main(void *arg)
{
    struct child_ctx *ctx = arg;
    const struct ops_spawn_request *r = ctx->req;
    volatile struct ops_spawn_result *res = ctx->res;

    /* CLONE_CLEAR_SIGHAND reset every handled signal; ignored ones (the runtime ignores SIGPIPE) stay ignored
     * across exec, so every classic signal is set to SIG_DFL as opsd's POSIX_SPAWN_SETSIGDEF does. */
    struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = { SIG_DFL, 0, 0, 0 };
    for (int s = 1; s < 32; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        if (raw(SYS_rt_sigaction, s, (long)&dfl, 0, 8) < 0) return child_fail(res, OPS_STEP_SIGACTION, s);
    }
    if (setsid() < 0) return child_fail(res, OPS_STEP_SETSID, 0);
    /* v1 placement first: before dropping privileges, before anything of the program can run. */
    for (int i = 0; i < r->v1_count; i++) {
        if (write(r->v1_procs_fds[i], "0", 1) != 1) return child_fail(res, OPS_STEP_CGROUP_V1, i);
    }
    if (r->stdin_fd >= 0) {
        if (dup2(r->stdin_fd, 0) < 0) return child_fail(res, OPS_STEP_STDIN, 0);
    } else {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) return child_fail(res, OPS_STEP_STDIN, 0);
        if (fd != 0) { if (dup2(fd, 0) < 0) return child_fail(res, OPS_STEP_STDIN, 1); close(fd); }
    }
    if (dup2(r->stdout_fd, 1) < 0) return child_fail(res, OPS_STEP_STDOUT, 0);
    if (dup2(r->stderr_fd, 2) < 0) return child_fail(res, OPS_STEP_STDERR, 0);
    if (r->cwd && chdir(r->cwd) < 0) return child_fail(res, OPS_STEP_CHDIR, 0);
    if (r->set_ids) {
        if (raw(SYS_setgroups, r->ngroups, (long)r->groups, 0, 0) < 0) return child_fail(res, OPS_STEP_SETGROUPS, 0);
        if (raw(SYS_setgid, r->gid, 0, 0, 0) < 0) return child_fail(res, OPS_STEP_SETGID, 0);
        if (raw(SYS_setuid, r->uid, 0, 0, 0) < 0) return child_fail(res, OPS_STEP_SETUID, 0);
    }
    /* Everything above stderr goes: the cgroup fds, the parent's pipe ends, inherited fds (kernel >= 5.9). */
    if (raw(SYS_close_range, 3, ~0U, 0, 0) < 0) return child_fail(res, OPS_STEP_CLOSE, 0);
    uint64_t empty = 0;
    if (raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&empty, 0, 8) < 0) return child_fail(res, OPS_STEP_SIGMASK, 0);
    execve(r->file, r->argv, r->envp);
    return child_fail(res, OPS_STEP_EXEC, 0);
}

/* long ops_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
 * Parent: returns the pid or -errno. Child: starts on args->stack, calls fn(arg), exits with its result.
 * The kernel keeps every register but rax/rcx/r11 across syscall, so fn and arg ride in r8/r9 (x86_64). */
long ops_clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(
    ".text\n"
    ".globl ops_clone3_call\n"
    ".hidden ops_clone3_call\n"
    ".type ops_clone3_call,@function\n"
    "ops_clone3_call:\n"
    "    mov %rdx, %r8\n"
    "    mov %rcx, %r9\n"
    "    mov $435, %eax\n"      /* __NR_clone3 */
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jz 1f\n"
    "    ret\n"
    "1:  xor %ebp, %ebp\n"      /* child: new stack, 16-byte aligned top (kernel: sp = stack + stack_size) */
    "    mov %r9, %rdi\n"
    "    call *%r8\n"
    "    mov %eax, %edi\n"
    "    mov $231, %eax\n"      /* __NR_exit_group */
    "    syscall\n"
    "    hlt\n"
    ".size ops_clone3_call, .-ops_clone3_call\n");

#define CHILD_STACK 16384

/* Returns 0 and fills *out, or -1 with out->error/out->step set (the failed child already reaped). */
__attribute__((visibility("default")))
int ops_spawn(const struct ops_spawn_request *req, struct ops_spawn_result *out)
{
    /* The child's stack: a buffer in this frame. The parent thread is suspended (CLONE_VFORK) while the child
     * uses it and the child is gone from this memory (exec'd or exited) when clone3 returns here. */
    _Alignas(64) char stack[CHILD_STACK];
    volatile struct ops_spawn_result res = { .pid = -1, .pidfd = -1, .error = 0, .step = 0, .detail = 0 };
    struct child_ctx ctx = { req, (struct ops_spawn_result *)&res };
    int pidfd = -1;

    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND;
    if (req->cgroup2_fd >= 0) { args.flags |= CLONE_INTO_CGROUP; args.cgroup = (uint64_t)req->cgroup2_fd; }
    if (req->want_pidfd) { args.flags |= CLONE_PIDFD; args.pidfd = (uint64_t)(uintptr_t)&pidfd; }
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;

    /* Block everything (glibc's internal signals too) so no handler of the runtime runs in the child on the shared
     * memory before the child has reset the dispositions. */
    uint64_t all = ~0ULL, old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
    int saved_errno = errno;
    long pid = ops_clone3_call(&args, sizeof args, child_main, &ctx);
    errno = saved_errno;                       /* the child wrote the shared TLS errno */
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);

    out->pidfd = -1;
    out->detail = 0;
    if (pid < 0) {
        out->pid = -1; out->error = (int)-pid; out->step = OPS_STEP_CLONE;
        return -1;
    }
    if (res.error != 0) {
        int st;
        while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) { }
        if (pidfd >= 0) close(pidfd);
        out->pid = -1; out->error = res.error; out->step = res.step; out->detail = res.detail;
        return -1;
    }
    out->pid = (int)pid; out->pidfd = pidfd; out->error = 0; out->step = 0;
    return 0;
}
