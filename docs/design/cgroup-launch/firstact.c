/* firstact: a program whose first act is fork + setsid; the grandchild reports whether it is in the expected
 * cgroups (every /proc/self/cgroup line must contain "proto-spawn"). Parent exits at once.
 * Build: gcc -O2 -static -o firstact firstact.c */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
    if (fork() != 0) return 0;                  /* the first act: fork, then the child escapes the session */
    setsid();
    char buf[4096]; int fd = open("/proc/self/cgroup", O_RDONLY); ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0) { write(1, "E\n", 2); return 1; }
    buf[n] = 0;
    int lines = 0, inside = 0;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        /* only the hierarchies the harness places into: 0:: (v2) and the five v1 controllers */
        if (strncmp(l, "0::", 3) && !strstr(l, ":cpu:") && !strstr(l, ":cpuacct:") && !strstr(l, ":pids:")
            && !strstr(l, ":blkio:") && !strstr(l, ":memory:")) continue;
        lines++; if (strstr(l, "proto-spawn")) inside++;
    }
    char out[32]; int k = 0; out[k++] = '0' + inside; out[k++] = '/'; out[k++] = '0' + lines; out[k++] = '\n';
    write(1, out, k);
    return 0;
}
