/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client: the client side of the in-VM benchmark.  Times a loop of
 * one kind of request and prints the median over repetitions:
 *
 *   bench-client [opts] fionread                 ioctl(FIONREAD) on a pipe: the native anchor
 *   bench-client [opts] ioctl PATH REQUEST       ioctl(PATH, REQUEST, zeroed _IOC_SIZE buffer)
 *   bench-client [opts] rw PATH WSIZE RSIZE      write(WSIZE) then read(RSIZE), per op = half
 *                                                a pair; PATH "pipe" uses a pipe
 *   bench-client [opts] getppid                  getppid(): a system call no filter serves
 *   bench-client [opts] openclose PATH           open(PATH, O_RDONLY) + close()
 *   opts: --iter N (per repetition) --reps R --warmup W --parallel P --label L
 *         --arg-u32 V (ioctl: the argument's first 32 bits, e.g. ATOM_FLIP's count)
 *         --cpu-parent (also print "CPU LABEL MEDIAN": CPU time per operation of this
 *         process and all threads of its parent, the server, from schedstat)
 *
 * Prints "RESULT LABEL MEDIAN MIN MAX" in ns per operation.  With
 * --parallel P, P processes each run the loop on their own open and the time
 * per operation is wall time / all operations (aggregate throughput).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum mode { FIONREAD_PIPE, IOCTL, RW, GETPPID, OPENCLOSE };

static enum mode mode;
static const char *path;
static unsigned long request;
static size_t wsize, rsize;
static long iter = 100000, reps = 7, warmup = -1, parallel = 1;
static uint32_t arg_u32;
static bool cpu_parent;
static uint64_t last_cpu_ns;
static const char *label = "bench";

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process and of every thread of the parent (the server
 * that answers it): on a shared machine, what a request costs, without the
 * time others' processes held the CPU. */
static uint64_t cpu_ns(void)
{
        struct timespec ts;
        char dir[64];
        uint64_t total;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        total = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        snprintf(dir, sizeof(dir), "/proc/%d/task", (int)getppid());
        DIR *d = opendir(dir);
        if (!d)
                return total;
        for (struct dirent *e; (e = readdir(d));) {
                char stat_path[sizeof(dir) + sizeof(e->d_name) + 16];
                unsigned long long run;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(stat_path, sizeof(stat_path), "%s/%s/schedstat", dir, e->d_name);
                FILE *f = fopen(stat_path, "re");
                if (f && fscanf(f, "%llu", &run) == 1)
                        total += run;
                if (f)
                        fclose(f);
        }
        closedir(d);
        return total;
}

static void die(const char *what)
{
        fprintf(stderr, "bench-client %s: %s: %s\n", label, what, strerror(errno));
        exit(1);
}

struct target {
        int fd, wfd;               /* wfd: the pipe's write end in pipe modes */
        char *wbuf, *rbuf;
        unsigned char arg[1 << 14];
};

static void target_open(struct target *t)
{
        memset(t, 0, sizeof(*t));
        if (mode == FIONREAD_PIPE || (mode == RW && !strcmp(path, "pipe"))) {
                int p[2];
                if (pipe(p) < 0)
                        die("pipe");
                if (mode == RW && wsize > 4096)
                        fcntl(p[1], F_SETPIPE_SZ, (int)(wsize * 2));
                t->fd = p[0];
                t->wfd = p[1];
        } else if (mode == GETPPID || mode == OPENCLOSE) {
                t->fd = t->wfd = -1;
        } else {
                t->fd = open(path, O_RDWR | O_CLOEXEC);
                if (t->fd < 0)
                        die(path);
                t->wfd = t->fd;
        }
        memcpy(t->arg, &arg_u32, sizeof(arg_u32));
        if (mode == RW) {
                t->wbuf = calloc(1, wsize + 1);
                t->rbuf = calloc(1, rsize + 1);
                if (wsize == 2)
                        memcpy(t->wbuf, "1\n", 2);     /* what atom's write() takes */
        }
}

static void target_close(struct target *t)
{
        if (t->wfd != t->fd)
                close(t->wfd);
        if (t->fd >= 0)
                close(t->fd);
        free(t->wbuf);
        free(t->rbuf);
}

/* Operations done per loop iteration. */
static long ops_per_iter(void)
{
        return mode == RW ? 2 : 1;
}

static void run_loop(struct target *t, long n)
{
        int avail, fd;

        for (long i = 0; i < n; i++) {
                switch (mode) {
                case FIONREAD_PIPE:
                        if (ioctl(t->fd, FIONREAD, &avail) < 0)
                                die("FIONREAD");
                        break;
                case IOCTL:
                        if (ioctl(t->fd, request, t->arg) < 0)
                                die("ioctl");
                        break;
                case RW:
                        if (write(t->wfd, t->wbuf, wsize) != (ssize_t)wsize)
                                die("write");
                        if (read(t->fd, t->rbuf, rsize) <= 0)
                                die("read");
                        break;
                case GETPPID:
                        syscall(SYS_getppid);
                        break;
                case OPENCLOSE:
                        fd = open(path, O_RDONLY | O_CLOEXEC);
                        if (fd < 0)
                                die(path);
                        close(fd);
                        break;
                }
        }
}

static uint64_t one_rep(void)
{
        struct target t;

        if (parallel == 1) {
                target_open(&t);
                run_loop(&t, warmup);
                uint64_t c0 = cpu_parent ? cpu_ns() : 0;
                uint64_t t0 = now_ns();
                run_loop(&t, iter);
                uint64_t t1 = now_ns();
                last_cpu_ns = cpu_parent ? cpu_ns() - c0 : 0;
                target_close(&t);
                return t1 - t0;
        }

        int go[2], ready[2];
        if (pipe(go) < 0 || pipe(ready) < 0)
                die("pipe");
        for (long c = 0; c < parallel; c++) {
                pid_t pid = fork();
                if (pid < 0)
                        die("fork");
                if (pid == 0) {
                        char b;
                        close(go[1]);
                        close(ready[0]);
                        target_open(&t);
                        run_loop(&t, warmup);
                        if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 0)   /* EOF: go */
                                _exit(1);
                        run_loop(&t, iter);
                        target_close(&t);
                        _exit(0);
                }
        }
        close(go[0]);
        close(ready[1]);
        for (long c = 0; c < parallel; c++) {
                char b;
                if (read(ready[0], &b, 1) != 1)
                        die("a client failed to start");
        }
        uint64_t t0 = now_ns();
        close(go[1]);       /* EOF releases them all at once */
        int failed = 0;
        for (long c = 0; c < parallel; c++) {
                int st;
                if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        failed = 1;
        }
        uint64_t t1 = now_ns();
        close(ready[0]);
        if (failed) {
                fprintf(stderr, "bench-client %s: a parallel client failed\n", label);
                exit(1);
        }
        return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        int i = 1;

        for (; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
                if (!strcmp(argv[i], "--cpu-parent")) {
                        cpu_parent = true;
                        i--;      /* takes no value */
                        continue;
                }
                if (i + 1 >= argc)
                        goto usage;
                if (!strcmp(argv[i], "--iter"))
                        iter = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--reps"))
                        reps = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--warmup"))
                        warmup = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--parallel"))
                        parallel = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--label"))
                        label = argv[i + 1];
                else if (!strcmp(argv[i], "--arg-u32"))
                        arg_u32 = (uint32_t)strtoul(argv[i + 1], NULL, 0);
                else
                        goto usage;
        }
        if (i >= argc)
                goto usage;
        if (!strcmp(argv[i], "fionread") && argc - i == 1) {
                mode = FIONREAD_PIPE;
        } else if (!strcmp(argv[i], "ioctl") && argc - i == 3) {
                mode = IOCTL;
                path = argv[i + 1];
                request = strtoul(argv[i + 2], NULL, 0);
        } else if (!strcmp(argv[i], "rw") && argc - i == 4) {
                mode = RW;
                path = argv[i + 1];
                wsize = strtoul(argv[i + 2], NULL, 0);
                rsize = strtoul(argv[i + 3], NULL, 0);
        } else if (!strcmp(argv[i], "getppid") && argc - i == 1) {
                mode = GETPPID;
        } else if (!strcmp(argv[i], "openclose") && argc - i == 2) {
                mode = OPENCLOSE;
                path = argv[i + 1];
        } else {
                goto usage;
        }
        if (warmup < 0)
                warmup = iter / 10;
        if (reps < 1 || parallel < 1 || iter < 0)
                goto usage;

        if (cpu_parent && parallel != 1)
                goto usage;
        double *per_op = calloc((size_t)reps, sizeof(double));
        double *cpu_per_op = calloc((size_t)reps, sizeof(double));
        for (long r = 0; r < reps; r++) {
                uint64_t ns = one_rep();
                long ops = iter * ops_per_iter() * parallel;
                per_op[r] = ops ? (double)ns / (double)ops : 0;
                cpu_per_op[r] = ops ? (double)last_cpu_ns / (double)ops : 0;
        }
        qsort(per_op, (size_t)reps, sizeof(double), cmp_double);
        qsort(cpu_per_op, (size_t)reps, sizeof(double), cmp_double);
        printf("RESULT %s %.1f %.1f %.1f\n", label, per_op[reps / 2], per_op[0], per_op[reps - 1]);
        if (cpu_parent)
                printf("CPU %s %.1f\n", label, cpu_per_op[reps / 2]);
        free(per_op);
        free(cpu_per_op);
        return 0;
usage:
        fprintf(stderr, "usage: bench-client [--iter N] [--reps R] [--warmup W] [--parallel P] [--label L] [--arg-u32 V] [--cpu-parent]\n"
                        "       fionread | ioctl PATH REQUEST | rw PATH WSIZE RSIZE | getppid | openclose PATH\n");
        return 2;
}
