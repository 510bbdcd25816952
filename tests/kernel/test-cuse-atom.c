/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run inside the test VM against a running cusekitd hosting
 *   atom:atom0 (unrestricted) and atom-flat:atomflat0 (restricted):
 * real /dev nodes, real kernel, the typed client.
 */
#include "atom/atom-abi.h"

#include "cuse-test.h"

#include <cusekit/client.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void reset(int fd)
{
        g_assert_cmpint(cusekit_call(fd, ATOM_RESET), ==, 0);
}

static void test_every_ioctl(void)
{
        int fd = open_node("atom0", O_RDWR);
        struct atom_state s = { .value = 1 };
        reset(fd);

        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, 0);
        memset(&s, 0xff, sizeof(s));
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        g_assert_cmpuint(s.value, ==, 1);
        g_assert_cmpuint(s.reserved[0] | s.reserved[1], ==, 0);

        struct atom_flip flip = { .count = 1 };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_FLIP, &flip), ==, 0);
        g_assert_cmpuint(flip.old, ==, 1);

        /* classic, by value: returns the old value */
        g_assert_cmpint(cusekit_write_value(fd, ATOM_POKE, 1), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, ATOM_POKE, 0), ==, 1);

        /* the lying ioctl: encoded _IOR, but the state flows in */
        s = (struct atom_state){ .value = 1 };
        g_assert_cmpint(cusekit_write(fd, ATOM_LOAD, &s), ==, 0);
        g_assert_cmpuint(s.value, ==, 1);
        struct atom_state got;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &got), ==, 0);
        g_assert_cmpuint(got.value, ==, 1);

        /* nested: the struct points at the bytes */
        char text[] = "bytes through a nested pointer";
        struct atom_blob blob = { .data = (uintptr_t)text, .len = sizeof(text) };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, 0);
        char room[64];
        memset(room, 'x', sizeof(room));
        blob = (struct atom_blob){ .data = (uintptr_t)room, .len = sizeof(room) };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_BLOB_GET, &blob), ==, 0);
        g_assert_cmpuint(blob.len, ==, sizeof(text));
        g_assert_cmpstr(room, ==, text);

        g_assert_cmpint(cusekit_call(fd, ATOM_RESET), ==, 0);
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &got), ==, 0);
        g_assert_cmpuint(got.value, ==, 0);
        close(fd);
}

static void test_bad_input(void)
{
        int fd = open_node("atom0", O_RDWR);
        struct atom_state s = { .value = 2 };
        reset(fd);

        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, -EINVAL);
        s = (struct atom_state){ .reserved = { 0, 7 } };
        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, -EINVAL);
        struct atom_flip flip = { .count = ATOM_FLIP_MAX + 1 };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_FLIP, &flip), ==, -EINVAL);
        g_assert_cmpint(cusekit_write_value(fd, ATOM_POKE, 5), ==, -EINVAL);
        struct atom_blob blob = { .data = 0, .len = 8 };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, -EFAULT);
        blob = (struct atom_blob){ .data = 0x1000, .len = 8 };   /* unmapped: the kernel's copy faults */
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, -EFAULT);
        blob = (struct atom_blob){ .data = (uintptr_t)&s, .len = ATOM_BLOB_MAX + 1 };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, -EINVAL);
        g_assert_cmpint(ioctl(fd, _IOR(ATOM_IOC_GROUP, 0x55, int), &s), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        g_assert_cmpint(ioctl(fd, CK_REQUEST(ATOM_GET), (void *)0x10), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        /* and the device still serves */
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        close(fd);
}

struct racer {
        volatile struct atom_blob *blob;   /* volatile: every store must reach memory */
        volatile gboolean stop;
};

static void *race_len(void *data)
{
        struct racer *r = data;

        while (!r->stop)
                r->blob->len = r->blob->len == 4 ? 8 : 4;
        return NULL;
}

/* Another thread rewrites the length between the kernel's fetch rounds:
 * every call either stores a consistent blob or fails with EINVAL. */
static void test_double_fetch_race(void)
{
        int fd = open_node("atom0", O_RDWR);
        static char bytes[8] = "abcdefgh";
        struct atom_blob blob = { .data = (uintptr_t)bytes, .len = 4 };
        struct racer r = { .blob = &blob };
        pthread_t t;
        int ok = 0, refused = 0;

        pthread_create(&t, NULL, race_len, &r);
        for (int i = 0; i < 2000; i++) {
                int rc = cusekit_write(fd, ATOM_BLOB_SET, &blob);
                g_assert_true(rc == 0 || rc == -EINVAL);
                if (rc == 0)
                        ok++;
                else
                        refused++;
        }
        r.stop = TRUE;
        pthread_join(t, NULL);

        char room[16] = { 0 };
        struct atom_blob get = { .data = (uintptr_t)room, .len = sizeof(room) };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_BLOB_GET, &get), ==, 0);
        g_assert_true(get.len == 4 || get.len == 8);
        g_assert_cmpmem(room, get.len, bytes, get.len);
        g_test_message("race: %d stored, %d refused with EINVAL", ok, refused);
        g_assert_cmpint(refused, >, 0);   /* the race really happened */
        close(fd);
}

static void test_restricted_device(void)
{
        int fd = open_node("atomflat0", O_RDWR);
        struct atom_state s = { .value = 1 };

        g_assert_cmpint(cusekit_call(fd, ATOM_RESET), ==, 0);
        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, 0);
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        g_assert_cmpuint(s.value, ==, 1);
        struct atom_flip flip = { .count = 3 };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_FLIP, &flip), ==, 0);
        g_assert_cmpuint(flip.old, ==, 1);
        s.value = 9;
        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, -EINVAL);
        /* not in a restricted table */
        g_assert_cmpint(cusekit_write(fd, ATOM_LOAD, &s), ==, -ENOTTY);
        close(fd);
}

static void test_read_write_poll(void)
{
        int a = open_node("atom0", O_RDWR | O_NONBLOCK);
        int b = open_node("atom0", O_RDWR);
        char buf[8];
        struct pollfd pfd = { .fd = a, .events = POLLIN };

        g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 2);     /* first read: the current value */
        g_assert_cmpint(read(a, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EAGAIN);
        g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);

        g_assert_cmpint(write(b, "1\n", 2), ==, 2);
        g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
        g_assert_cmpint(pfd.revents & POLLIN, !=, 0);
        g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "1\n", 2);
        g_assert_cmpint(write(b, "7", 1), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        close(a);
        close(b);
}

static void *write_later(void *data)
{
        int fd = open_node("atom0", O_RDWR);

        g_usleep(200 * 1000);
        g_assert_cmpint(write(fd, "1", 1), ==, 1);
        close(fd);
        return NULL;
}

/* A blocked read waits without holding up other opens, and wakes on change. */
static void test_blocking_read(void)
{
        int fd = open_node("atom0", O_RDWR);
        char buf[8];
        pthread_t t;

        g_assert_cmpint(write(fd, "0", 1), ==, 1);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        pthread_create(&t, NULL, write_later, NULL);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "1\n", 2);
        pthread_join(t, NULL);
        close(fd);
}

static void on_usr1(int sig)
{
}

static void test_signal_interrupts_read(void)
{
        struct sigaction sa = { .sa_handler = on_usr1 };   /* no SA_RESTART */
        int fd = open_node("atom0", O_RDWR);
        char buf[8];

        sigaction(SIGUSR1, &sa, NULL);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        pid_t self = getpid();
        pid_t child = fork();
        if (child == 0) {
                usleep(200 * 1000);
                kill(self, SIGUSR1);
                _exit(0);
        }
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EINTR);
        waitpid(child, NULL, 0);
        close(fd);
}

static void test_killed_reader(void)
{
        pid_t child = fork();

        if (child == 0) {
                int fd = open_node("atom0", O_RDWR);
                char buf[8];
                (void)!read(fd, buf, sizeof(buf));
                (void)!read(fd, buf, sizeof(buf));   /* blocks */
                _exit(1);
        }
        g_usleep(300 * 1000);
        g_assert_cmpint(kill(child, SIGKILL), ==, 0);
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFSIGNALED(status));

        /* the daemon and the device carry on */
        int fd = open_node("atom0", O_RDWR);
        struct atom_state s;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        close(fd);
}

/* Each client flips once per call and remembers the old values it saw. */
struct hammer {
        const char *node;
        unsigned saw_zero, saw_one;
        unsigned bad_get;   /* a GET right after our flip that is not a value at all */
};

#define HAMMER_FLIPS 500

static void *hammer(void *data)
{
        struct hammer *h = data;
        int fd = open_node(h->node, O_RDWR);

        for (int i = 0; i < HAMMER_FLIPS; i++) {
                struct atom_flip flip = { .count = 1 };
                g_assert_cmpint(cusekit_write_read(fd, ATOM_FLIP, &flip), ==, 0);
                g_assert_cmpuint(flip.old, <=, 1);
                if (flip.old)
                        h->saw_one++;
                else
                        h->saw_zero++;
                struct atom_state s = { .value = 0xAA, .flags = 0xAA };
                g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
                if (s.value > 1 || s.flags != 0)
                        h->bad_get++;
        }
        close(fd);
        return NULL;
}

/* Two clients flipping the one bit: every flip is atomic, so the old
 * values all of them saw alternate 0, 1, 0, 1...: half are 0, half 1, and
 * after an even number of flips the bit is back where it started. */
static void test_two_clients(void)
{
        struct hammer h[2] = { { .node = "atom0" }, { .node = "atom0" } };
        pthread_t t[2];
        int fd = open_node("atom0", O_RDWR);
        struct atom_state s = { .value = 0 };

        g_assert_cmpint(cusekit_write(fd, ATOM_SET, &s), ==, 0);
        pthread_create(&t[0], NULL, hammer, &h[0]);
        pthread_create(&t[1], NULL, hammer, &h[1]);
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        g_assert_cmpuint(h[0].saw_zero + h[0].saw_one, ==, HAMMER_FLIPS);
        g_assert_cmpuint(h[1].saw_zero + h[1].saw_one, ==, HAMMER_FLIPS);
        g_assert_cmpuint(h[0].saw_zero + h[1].saw_zero, ==, HAMMER_FLIPS);
        g_assert_cmpuint(h[0].saw_one + h[1].saw_one, ==, HAMMER_FLIPS);
        g_assert_cmpuint(h[0].bad_get + h[1].bad_get, ==, 0);
        s.value = 7;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        g_assert_cmpuint(s.value, ==, 0);
        close(fd);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/cuse/atom/every-ioctl", test_every_ioctl);
        g_test_add_func("/cuse/atom/bad-input", test_bad_input);
        g_test_add_func("/cuse/atom/double-fetch-race", test_double_fetch_race);
        g_test_add_func("/cuse/atom-flat/restricted", test_restricted_device);
        g_test_add_func("/cuse/atom/read-write-poll", test_read_write_poll);
        g_test_add_func("/cuse/atom/blocking-read", test_blocking_read);
        g_test_add_func("/cuse/atom/signal-interrupts-read", test_signal_interrupts_read);
        g_test_add_func("/cuse/atom/killed-reader", test_killed_reader);
        g_test_add_func("/cuse/atom/two-clients", test_two_clients);
        return g_test_run();
}
