/* migrate-cost: the cost of one cgroup.procs write (a migration of this process), isolated vs back to back.
 * usage: migrate-cost <leaf dir> <home dir> <gap ms> <n>   (moves itself leaf <-> home; times each write)
 * Build: gcc -O2 -o migrate-cost migrate-cost.c */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv)
{
    if (argc < 5) return 2;
    char p1[512], p2[512]; snprintf(p1, sizeof p1, "%s/cgroup.procs", argv[1]); snprintf(p2, sizeof p2, "%s/cgroup.procs", argv[2]);
    int f1 = open(p1, O_WRONLY), f2 = open(p2, O_WRONLY), gap = atoi(argv[3]), n = atoi(argv[4]);
    if (f1 < 0 || f2 < 0) { perror("open"); return 1; }
    double *t = calloc(n, sizeof *t);
    for (int i = 0; i < n; i++) {
        if (gap) usleep(gap * 1000);
        double t0 = now_us();
        if (write(f1, "0", 1) != 1) { perror("write"); return 1; }
        t[i] = now_us() - t0;
        if (write(f2, "0", 1) != 1) { perror("write home"); return 1; }
    }
    qsort(t, n, sizeof *t, cmp);
    printf("gap %d ms, %d writes: p50 %.1f us, p90 %.1f us, p99 %.1f us\n", gap, n, t[n / 2], t[n * 9 / 10], t[n * 99 / 100]);
    return 0;
}
