/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A syscall fuzzer for the `cusekit run` transport, run under it:
 *   cusekit run --device ... -- fuzz-run SECONDS SEED NODE...
 * For SECONDS it makes random calls of every kind the filter hands to the
 * supervisor — opens (of nodes, their sysfs, /dev/./ and .. forms, other
 * files), reads, writes, vectors, offsets, ioctls of every family's
 * numbers and random ones, fcntl, stat, access, readlink — with random
 * sizes and flags, and pointers into a scratch arena (valid, straddling its
 * end, into a PROT_NONE page, garbage) as raw system calls (no libc or
 * sanitizer wrapper in between), while an interval timer interrupts
 * calls that block.  Then every node must still answer.  Exit 0: the
 * supervisor served all of it and is still serving.
 */
#include "atom/atom-abi.h"
#include "fifo/fifo-abi.h"
#include "i2c/i2c-abi.h"
#include "rtc/rtc-abi.h"
#include "spi/spi-abi.h"
#include "tty/tty-abi.h"
#include "watchdog/watchdog-abi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* NAME pasted here, never expanded: rows may be named like the kernel's macros */
#define REQ_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH) \
        CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME),
#define REQ_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH) \
        CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME),
static const unsigned long requests[] = {
        ATOM_IOCTLS(REQ_IOC, REQ_RAW) FIFO_IOCTLS(REQ_IOC, REQ_RAW) I2C_IOCTLS(REQ_IOC, REQ_RAW)
        RTC_IOCTLS(REQ_IOC, REQ_RAW) SPI_IOCTLS(REQ_IOC, REQ_RAW) TTY_IOCTLS(REQ_IOC, REQ_RAW)
        WATCHDOG_IOCTLS(REQ_IOC, REQ_RAW)
        FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, FIOQSIZE, FIONREAD,
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define ARENA (64 * 1024)
#define MAX_FDS 16

static uint64_t rng_state;

static uint64_t rnd(void)
{
        /* xorshift64*: reproducible from the seed */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 2685821657736338717ull;
}

static uint64_t below(uint64_t n)
{
        return n ? rnd() % n : 0;
}

static uint8_t *arena;
static uint8_t *guard;        /* a PROT_NONE page right after the arena */
static int fds[MAX_FDS];
static unsigned n_fds;
static char **nodes;
static int n_nodes;

/* Some pointer a buggy or hostile program might pass. */
static uint64_t some_pointer(size_t len)
{
        switch (below(8)) {
        case 0:
                return 0;
        case 1:
                return (uint64_t)(uintptr_t)guard;
        case 2:
                return (uint64_t)(uintptr_t)arena + ARENA - below(len + 1);    /* straddles the end */
        case 3:
                return rnd();
        default:
                return (uint64_t)(uintptr_t)arena + below(ARENA - (len < ARENA ? len : ARENA) + 1);
        }
}

static size_t some_size(void)
{
        switch (below(6)) {
        case 0: return 0;
        case 1: return below(8);
        case 2: return below(64);
        case 3: return below(ARENA);
        case 4: return rnd();
        default: return 1u << below(20);
        }
}

/* The arena, re-filled: random bytes with valid arena pointers sown in, so
 * that nested structures sometimes lead somewhere. */
static void stir_arena(void)
{
        for (size_t i = 0; i < ARENA; i += 8) {
                uint64_t v = below(4) == 0 ? (uint64_t)(uintptr_t)(arena + below(ARENA)) : below(3) ? below(256) : rnd();
                memcpy(arena + i, &v, 8);
        }
}

static const char *some_path(char *buf, size_t size)
{
        const char *node = nodes[below((uint64_t)n_nodes)];
        const char *base = strrchr(node, '/') ? strrchr(node, '/') + 1 : node;

        switch (below(10)) {
        case 0: snprintf(buf, size, "/dev/./%s", base); break;
        case 1: snprintf(buf, size, "/dev/../dev/%s", base); break;
        case 2: snprintf(buf, size, "%s/", node); break;
        case 3: snprintf(buf, size, "/sys/class/%s", below(2) ? "rtc" : "i2c-dev"); break;
        case 4: snprintf(buf, size, "/sys/dev/char/120:%u/%s", (unsigned)below(8), below(2) ? "dev" : "uevent"); break;
        case 5: snprintf(buf, size, "/etc/hostname"); break;
        case 6: snprintf(buf, size, "/dev/%s/x", base); break;
        default: snprintf(buf, size, "%s", node); break;
        }
        return buf;
}

static int some_fd(void)
{
        if (n_fds && below(8))
                return fds[below(n_fds)];
        return (int)below(3) ? 3 + (int)below(61) : -1;     /* never stdio: the log stays readable */
}

static void do_open(void)
{
        static const int flags[] = { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_CLOEXEC, O_NOCTTY, O_PATH,
                                     O_DIRECTORY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_APPEND };
        char path[256];
        int f = 0;

        for (int i = 0; i < 3; i++)
                f |= flags[below(N_ELEMENTS(flags))];
        if (!(f & O_NONBLOCK) && below(2))
                f |= O_NONBLOCK;
        f &= ~O_CREAT;           /* never make files on the host */
        int fd = below(4) ? (int)syscall(SYS_open, some_path(path, sizeof(path)), f)
                          : (int)syscall(SYS_openat, AT_FDCWD, some_path(path, sizeof(path)), f);
        if (fd < 0)
                return;
        if (n_fds == MAX_FDS) {
                unsigned i = (unsigned)below(MAX_FDS);
                close(fds[i]);
                fds[i] = fd;
        } else {
                fds[n_fds++] = fd;
        }
}

static void do_close(void)
{
        if (!n_fds)
                return;
        unsigned i = (unsigned)below(n_fds);
        close(fds[i]);
        fds[i] = fds[--n_fds];
}

static void do_io(void)
{
        int fd = some_fd();
        size_t len = some_size();
        struct iovec *iov = (struct iovec *)(void *)arena;
        int cnt = (int)below(6);

        for (int i = 0; i < cnt; i++)
                iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)some_pointer(64), .iov_len = below(128) };
        void *p = (void *)(uintptr_t)some_pointer(len);
        switch (below(10)) {
        case 0: syscall(SYS_read, fd, p, len); break;
        case 1: syscall(SYS_write, fd, p, len); break;
        case 2: syscall(SYS_readv, fd, below(4) ? iov : p, cnt); break;
        case 3: syscall(SYS_writev, fd, below(4) ? iov : p, cnt); break;
        case 4: syscall(SYS_pread64, fd, p, len, (long)below(3) - 1); break;
        case 5: syscall(SYS_pwrite64, fd, p, len, (long)below(3) - 1); break;
        case 6: syscall(SYS_preadv2, fd, iov, cnt, (long)-1, 0L, (int)below(2)); break;
        case 7: syscall(SYS_lseek, fd, (long)rnd(), (int)below(6)); break;
        case 8: syscall(SYS_fcntl, fd, below(2) ? F_GETFL : F_SETFL, (int)rnd()); break;
        default: syscall(SYS_read, fd, arena, below(64)); break;
        }
}

static void do_ioctl(void)
{
        unsigned long req = below(8) ? requests[below(N_ELEMENTS(requests))] : (unsigned long)(uint32_t)rnd();
        uint64_t arg = below(4) == 0 ? below(1 << 16) : some_pointer(_IOC_SIZE(req));

        syscall(SYS_ioctl, some_fd(), req, arg);
}

static void do_path(void)
{
        char path[256];
        struct stat st;
        char link[128];

        some_path(path, sizeof(path));
        switch (below(6)) {
        case 0: syscall(SYS_stat, path, below(4) ? (uint64_t)(uintptr_t)&st : some_pointer(sizeof(st))); break;
        case 1: syscall(SYS_lstat, path, &st); break;
        case 2: syscall(SYS_access, path, (int)below(8)); break;
        case 3: syscall(SYS_readlink, path, below(4) ? (uint64_t)(uintptr_t)link : some_pointer(64), below(130)); break;
        case 4: syscall(SYS_fstat, some_fd(), below(4) ? (uint64_t)(uintptr_t)&st : some_pointer(sizeof(st))); break;
        default: syscall(SYS_newfstatat, AT_FDCWD, some_pointer(16), &st, 0); break;
        }
}

static void on_alarm(int sig)
{
}

/* After all of it, a node must still be served: open and fstat it. */
static int check_nodes(void)
{
        int failures = 0;

        for (int i = 0; i < n_nodes; i++) {
                int fd = open(nodes[i], O_RDWR | O_NONBLOCK);
                struct stat st;
                if (fd < 0 && errno != EBUSY) {
                        fprintf(stderr, "fuzz-run: %s no longer opens: %s\n", nodes[i], strerror(errno));
                        failures++;
                } else if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))) {
                        fprintf(stderr, "fuzz-run: %s is no character device any more\n", nodes[i]);
                        failures++;
                }
                if (fd >= 0)
                        close(fd);
        }
        return failures;
}

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: fuzz-run SECONDS SEED NODE...\n");
                return 2;
        }
        double seconds = atof(argv[1]);
        rng_state = strtoull(argv[2], NULL, 0) | 1;
        nodes = argv + 3;
        n_nodes = argc - 3;

        arena = mmap(NULL, ARENA + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (arena == MAP_FAILED)
                return 2;
        guard = arena + ARENA;
        mprotect(guard, 4096, PROT_NONE);

        /* every 20 ms a signal without SA_RESTART: blocked calls end with EINTR */
        struct sigaction sa = { .sa_handler = on_alarm };
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
        setitimer(ITIMER_REAL, &it, NULL);

        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        unsigned long calls = 0;
        do {
                if (calls % 64 == 0)
                        stir_arena();
                switch (below(8)) {
                case 0: do_open(); break;
                case 1: do_close(); break;
                case 2: case 3: do_io(); break;
                case 4: case 5: do_ioctl(); break;
                default: do_path(); break;
                }
                calls++;
                clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);

        struct itimerval off = { 0 };
        setitimer(ITIMER_REAL, &off, NULL);
        while (n_fds)
                do_close();
        int failures = check_nodes();
        printf("fuzz-run: %lu calls, seed %s, %d node%s %s\n", calls, argv[2], n_nodes, n_nodes == 1 ? "" : "s",
               failures ? "BROKEN" : "still served");
        return failures ? 1 : 0;
}
