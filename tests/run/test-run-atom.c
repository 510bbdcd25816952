/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run under `cusekit run` (see tests/run/meson.build) with
 *   atom:atom0, atom-flat:atomflat0, rtc:rtc9
 * The same typed-client cases as the CUSE suite (tests/kernel/test-cuse-atom.c),
 * here through the seccomp transport, plus what the transport itself must get
 * right: open flags, descriptors across dup/fork/exec, native poll, parked
 * reads and signals, paths, stat, compat syscalls, io_uring, stacked filters.
 * The `cusekit` CLI on PATH talks to the run's own socket ($CUSEKIT_CONTROL).
 */
#include "atom/atom-abi.h"

#include <cusekit/client.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/rtc.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_MAJOR 120
/* the order of the --device options in meson.build */
#define ATOM0_MINOR 0
#define ATOMFLAT0_MINOR 1

static const char *self_exe;
/* Unmapped: through a volatile, so the compiler does not object. */
static void *volatile bad_ptr = (void *)0x10;

static int open_node(const char *name, int flags)
{
        g_autofree char *path = g_strdup_printf("/dev/%s", name);
        int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0)
                g_error("open %s: %s", path, g_strerror(errno));
        return fd;
}

static void reset(int fd)
{
        g_assert_cmpint(cusekit_call(fd, ATOM_RESET), ==, 0);
}

/* Is @fd the atom device?  (ENOTTY on anything else.) */
static bool is_atom(int fd)
{
        struct atom_state s;

        return cusekit_read(fd, ATOM_GET, &s) == 0;
}

/* `cusekit ARGS...` against the run's socket; its stdout. */
static char *cli(const char *first, ...)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        va_list ap;

        g_ptr_array_add(argv, (char *)"cusekit");
        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *))
                g_ptr_array_add(argv, (char *)a);
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        int status;
        if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                          &error))
                g_error("cusekit: %s", error->message);
        if (!g_spawn_check_wait_status(status, &error))
                g_error("cusekit %s: %s: %s", first, error->message, err);
        return g_steal_pointer(&out);
}

/* The device's open count, as `cusekit --json list` shows it. */
static gint64 opens_of(const char *name)
{
        g_autofree char *out = cli("--json", "list", NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;

        g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
        JsonArray *list = json_node_get_array(json_parser_get_root(parser));
        for (guint i = 0; i < json_array_get_length(list); i++) {
                JsonObject *o = json_array_get_object_element(list, i);
                if (g_strcmp0(json_object_get_string_member(o, "name"), name) == 0)
                        return json_object_get_int_member(o, "opens");
        }
        g_error("no device %s in: %s", name, out);
}

/* Releases are reported by the kernel asynchronously (inotify): wait a bit. */
static gint64 opens_settled(const char *name, gint64 want)
{
        gint64 n = opens_of(name);

        for (int i = 0; i < 100 && n != want; i++) {
                g_usleep(20 * 1000);
                n = opens_of(name);
        }
        return n;
}

/* --- the typed client, every pipeline path (as tests/kernel/test-cuse-atom.c) --- */

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

        g_assert_cmpint(cusekit_write_value(fd, ATOM_POKE, 1), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, ATOM_POKE, 0), ==, 1);

        s = (struct atom_state){ .value = 1 };
        g_assert_cmpint(cusekit_write(fd, ATOM_LOAD, &s), ==, 0);
        struct atom_state got;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &got), ==, 0);
        g_assert_cmpuint(got.value, ==, 1);

        char text[] = "bytes through a nested pointer";
        struct atom_blob blob = { .data = (uintptr_t)text, .len = sizeof(text) };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, 0);
        char room[64];
        memset(room, 'x', sizeof(room));
        blob = (struct atom_blob){ .data = (uintptr_t)room, .len = sizeof(room) };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_BLOB_GET, &blob), ==, 0);
        g_assert_cmpuint(blob.len, ==, sizeof(text));
        g_assert_cmpstr(room, ==, text);
        /* atom zero-pads the rest of the room */
        g_assert_cmpint(room[sizeof(text)], ==, 0);
        g_assert_cmpint(room[sizeof(room) - 1], ==, 0);

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
        blob = (struct atom_blob){ .data = 0x1000, .len = 8 };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, -EFAULT);
        blob = (struct atom_blob){ .data = (uintptr_t)&s, .len = ATOM_BLOB_MAX + 1 };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, -EINVAL);
        /* a nested output that is not writable: the copy-out faults */
        char text[] = "abc";
        blob = (struct atom_blob){ .data = (uintptr_t)text, .len = sizeof(text) };
        g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, 0);
        blob = (struct atom_blob){ .data = (uintptr_t)"read-only string", .len = 16 };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_BLOB_GET, &blob), ==, -EFAULT);
        /* unknown number, and a known number with the wrong size encoded */
        g_assert_cmpint(ioctl(fd, _IOR(ATOM_IOC_GROUP, 0x55, int), &s), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        g_assert_cmpint(ioctl(fd, _IOR(ATOM_IOC_GROUP, 0x01, __u64), &s), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        g_assert_cmpint(ioctl(fd, _IOW(ATOM_IOC_GROUP, 0x01, struct atom_state), &s), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        /* bad first-stage pointers, in and out */
        g_assert_cmpint(ioctl(fd, CK_REQUEST(ATOM_GET), (void *)0x10), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(ioctl(fd, CK_REQUEST(ATOM_SET), (void *)0x10), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(ioctl(fd, CK_REQUEST(ATOM_GET), (void *)"read-only"), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        /* read()/write() with bad buffers */
        int other = open_node("atom0", O_RDWR);
        g_assert_cmpint(read(other, bad_ptr, 8), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(write(other, bad_ptr, 1), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        struct iovec iov[2] = { { .iov_base = text, .iov_len = 1 }, { .iov_base = bad_ptr, .iov_len = 1 } };
        g_assert_cmpint(writev(other, iov, 2), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(readv(other, (struct iovec *)bad_ptr, 1), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        volatile int too_many = IOV_MAX + 1;   /* a variable: the compiler would see the overread */
        g_assert_cmpint(readv(other, iov, too_many), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        close(other);
        /* and the device still serves */
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        close(fd);
}

struct racer {
        volatile struct atom_blob *blob;
        volatile gboolean stop;
};

static void *race_len(void *data)
{
        struct racer *r = data;

        while (!r->stop)
                r->blob->len = r->blob->len == 4 ? 8 : 4;
        return NULL;
}

/* Another thread rewrites the nested length between the transport's fetch
 * rounds: each call stores a consistent blob or is refused with EINVAL, and
 * refusals must really happen (else the race was not run). */
static void test_double_fetch_race(void)
{
        int fd = open_node("atom0", O_RDWR);
        static char bytes[8] = "abcdefgh";
        struct atom_blob blob = { .data = (uintptr_t)bytes, .len = 4 };
        struct racer r = { .blob = &blob };
        pthread_t t;
        int ok = 0, refused = 0, calls = 0;

        pthread_create(&t, NULL, race_len, &r);
        /* on a loaded machine refusals get rare (1 in thousands): keep on a while */
        gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
        while ((calls < 2000 || refused == 0 || ok == 0) && g_get_monotonic_time() < until) {
                int rc = cusekit_write(fd, ATOM_BLOB_SET, &blob);
                g_assert_true(rc == 0 || rc == -EINVAL);
                if (rc == 0)
                        ok++;
                else
                        refused++;
                calls++;
        }
        r.stop = TRUE;
        pthread_join(t, NULL);

        char room[16] = { 0 };
        struct atom_blob get = { .data = (uintptr_t)room, .len = sizeof(room) };
        g_assert_cmpint(cusekit_write_read(fd, ATOM_BLOB_GET, &get), ==, 0);
        g_assert_true(get.len == 4 || get.len == 8);
        g_assert_cmpmem(room, get.len, bytes, get.len);
        g_test_message("race: %d calls, %d stored, %d refused with EINVAL", calls, ok, refused);
        g_assert_cmpint(refused, >, 0);
        g_assert_cmpint(ok, >, 0);
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
        g_assert_cmpint(cusekit_write(fd, ATOM_LOAD, &s), ==, -ENOTTY);
        close(fd);
}

static void *hammer(void *data)
{
        int fd = *(int *)data >= 0 ? *(int *)data : open_node("atom0", O_RDWR);

        for (int i = 0; i < 500; i++) {
                struct atom_flip flip = { .count = 2 };
                g_assert_cmpint(cusekit_write_read(fd, ATOM_FLIP, &flip), ==, 0);
                struct atom_state s;
                g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
                char text[32];
                g_snprintf(text, sizeof(text), "thread %p call %d", (void *)pthread_self(), i);
                struct atom_blob blob = { .data = (uintptr_t)text, .len = sizeof(text) };
                g_assert_cmpint(cusekit_write(fd, ATOM_BLOB_SET, &blob), ==, 0);
        }
        if (*(int *)data < 0)
                close(fd);
        return NULL;
}

/* Threads issuing ioctls at once: each on its own open, and two on one. */
static void test_concurrent_threads(void)
{
        int own = -1, shared = open_node("atom0", O_RDWR);
        pthread_t t[4];

        pthread_create(&t[0], NULL, hammer, &own);
        pthread_create(&t[1], NULL, hammer, &own);
        pthread_create(&t[2], NULL, hammer, &shared);
        pthread_create(&t[3], NULL, hammer, &shared);
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        close(shared);
}

/* A fault injected from inside the program through the run's socket
 * reaches the client exactly once. */
static void test_fault_once(void)
{
        int fd = open_node("atom0", O_RDWR);
        struct atom_state s;

        g_free(cli("fault", "add", "atom0", "ioctl:ATOM_GET", "--errno", "EIO", "--count", "1", NULL));
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, -EIO);
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, 0);
        /* and the trace saw the refused one */
        g_autofree char *trace = cli("trace", "-n", "3", NULL);
        g_assert_nonnull(strstr(trace, "ATOM_GET"));
        g_assert_nonnull(strstr(trace, "EIO"));
        close(fd);
}

/* --- descriptors --- */

static void test_open_flags(void)
{
        char buf[8];
        int ro = open_node("atom0", O_RDONLY);
        int wo = open_node("atom0", O_WRONLY);

        g_assert_cmpint(write(ro, "1", 1), ==, -1);
        g_assert_cmpint(errno, ==, EBADF);
        struct iovec iov = { .iov_base = (void *)"1", .iov_len = 1 };
        g_assert_cmpint(writev(ro, &iov, 1), ==, -1);
        g_assert_cmpint(errno, ==, EBADF);
        g_assert_cmpint(read(wo, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EBADF);
        g_assert_cmpint(read(ro, buf, sizeof(buf)), ==, 2);
        g_assert_cmpint(write(wo, "0", 1), ==, 1);
        g_assert_cmpint(fcntl(ro, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
        g_assert_cmpint(fcntl(wo, F_GETFL) & O_ACCMODE, ==, O_WRONLY);
        g_assert_cmpint(fcntl(ro, F_GETFD), ==, FD_CLOEXEC);

        /* O_NONBLOCK through fcntl and FIONBIO, seen by the device's read */
        g_assert_cmpint(read(ro, buf, sizeof(buf)), ==, 2);       /* the write above changed it */
        g_assert_cmpint(fcntl(ro, F_SETFL, O_NONBLOCK), ==, 0);
        g_assert_cmpint(fcntl(ro, F_GETFL) & O_NONBLOCK, ==, O_NONBLOCK);
        g_assert_cmpint(read(ro, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EAGAIN);
        int off = 0;
        g_assert_cmpint(ioctl(ro, FIONBIO, &off), ==, 0);
        g_assert_cmpint(fcntl(ro, F_GETFL) & O_NONBLOCK, ==, 0);
        int on = 1;
        g_assert_cmpint(ioctl(ro, FIONBIO, &on), ==, 0);
        g_assert_cmpint(read(ro, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EAGAIN);
        g_assert_cmpint(ioctl(ro, FIONCLEX), ==, 0);
        g_assert_cmpint(fcntl(ro, F_GETFD), ==, 0);
        close(ro);
        close(wo);

        /* O_CREAT|O_EXCL on an existing node, O_DIRECTORY on a non-directory */
        g_assert_cmpint(open("/dev/atom0", O_RDWR | O_CREAT | O_EXCL, 0600), ==, -1);
        g_assert_cmpint(errno, ==, EEXIST);
        g_assert_cmpint(open("/dev/atom0", O_RDONLY | O_DIRECTORY), ==, -1);
        g_assert_cmpint(errno, ==, ENOTDIR);
        g_assert_cmpint(open("/dev/atom0/x", O_RDONLY), ==, -1);
        g_assert_cmpint(errno, ==, ENOTDIR);
}

/* The exec'd helper: is descriptor argv[2] open, and still the device? */
static int fd_helper(const char *arg)
{
        int fd = atoi(arg);

        if (fcntl(fd, F_GETFD) < 0)
                return errno == EBADF ? 3 : 4;
        return is_atom(fd) ? 0 : 5;
}

static int exec_helper(int fd)
{
        g_autofree char *arg = g_strdup_printf("%d", fd);
        pid_t child = fork();

        if (child == 0) {
                execl(self_exe, self_exe, "--fd-helper", arg, (char *)NULL);
                _exit(127);
        }
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_cloexec_across_exec(void)
{
        int keep = open("/dev/atom0", O_RDWR);
        int drop = open("/dev/atom0", O_RDWR | O_CLOEXEC);

        g_assert_cmpint(keep, >=, 0);
        g_assert_cmpint(drop, >=, 0);
        g_assert_cmpint(exec_helper(keep), ==, 0);    /* inherited, and still the device */
        g_assert_cmpint(exec_helper(drop), ==, 3);    /* closed by exec */
        g_assert_cmpint(fcntl(keep, F_SETFD, FD_CLOEXEC), ==, 0);
        g_assert_cmpint(exec_helper(keep), ==, 3);
        close(keep);
        close(drop);
}

/* Release runs when the last reference goes: dup, dup2, F_DUPFD, fork. */
static void test_last_close_releases(void)
{
        g_assert_cmpint(opens_settled("atom0", 0), ==, 0);
        int fd = open_node("atom0", O_RDWR);
        g_assert_cmpint(opens_of("atom0"), ==, 1);

        int a = dup(fd);
        int b = dup2(fd, 100);
        int c = fcntl(fd, F_DUPFD_CLOEXEC, 200);
        int d = dup3(fd, 101, O_CLOEXEC);
        g_assert_cmpint(a, >=, 0);
        g_assert_cmpint(b, ==, 100);
        g_assert_cmpint(c, >=, 200);
        g_assert_cmpint(d, ==, 101);
        g_assert_cmpint(opens_of("atom0"), ==, 1);    /* one description */
        g_assert_true(is_atom(d));
        close(fd);
        close(a);
        close(b);
        close(d);
        g_assert_true(is_atom(c));
        g_assert_cmpint(opens_settled("atom0", 1), ==, 1);

        int sync[2];
        g_assert_cmpint(pipe(sync), ==, 0);
        pid_t child = fork();
        if (child == 0) {
                char x;
                close(sync[1]);
                /* the parent has closed its copy when this returns */
                if (read(sync[0], &x, 1) != 0)
                        _exit(2);
                _exit(is_atom(c) ? 0 : 1);
        }
        close(sync[0]);
        close(c);
        g_assert_cmpint(opens_settled("atom0", 1), ==, 1);    /* the child still has it */
        close(sync[1]);
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        g_assert_cmpint(opens_settled("atom0", 0), ==, 0);
}

/* A descriptor passed over a unix socket to a process that never opened
 * the device is the device there too. */
static void test_fd_passing(void)
{
        int sv[2];
        g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
        pid_t child = fork();
        if (child == 0) {
                char byte, control[CMSG_SPACE(sizeof(int))];
                struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
                struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                                      .msg_controllen = sizeof(control) };
                close(sv[0]);
                if (recvmsg(sv[1], &msg, 0) != 1 || !CMSG_FIRSTHDR(&msg))
                        _exit(2);
                int fd;
                memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(fd));
                struct atom_flip flip = { .count = 1 };
                _exit(cusekit_write_read(fd, ATOM_FLIP, &flip) == 0 && is_atom(fd) ? 0 : 1);
        }
        close(sv[1]);
        int fd = open_node("atom0", O_RDWR);
        char byte = 'x', control[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                              .msg_controllen = sizeof(control) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        *cm = (struct cmsghdr){ .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS, .cmsg_len = CMSG_LEN(sizeof(int)) };
        memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
        g_assert_cmpint(sendmsg(sv[0], &msg, 0), ==, 1);
        close(fd);
        close(sv[0]);
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        g_assert_cmpint(opens_settled("atom0", 0), ==, 0);
}

/* Close and reopen at once of an exclusive device (the RTC): the release
 * must have run by the time the next open is served. */
static void test_exclusive_reopen(void)
{
        for (int i = 0; i < 50; i++) {
                int fd = open("/dev/rtc9", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        g_error("open /dev/rtc9, round %d: %s", i, g_strerror(errno));
                struct rtc_time tm;
                g_assert_cmpint(ioctl(fd, RTC_RD_TIME, &tm), ==, 0);
                if (i == 0) {
                        int second = open("/dev/rtc9", O_RDONLY | O_CLOEXEC);
                        g_assert_cmpint(second, ==, -1);
                        g_assert_cmpint(errno, ==, EBUSY);    /* it is exclusive, really */
                }
                close(fd);
        }
}

/* --- readiness, blocking, signals --- */

static void test_poll_select_epoll(void)
{
        int a = open_node("atom0", O_RDWR | O_NONBLOCK);
        int b = open_node("atom0", O_RDWR);
        char buf[8];
        struct pollfd pfd = { .fd = a, .events = POLLIN };

        g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 2);
        g_assert_cmpint(read(a, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EAGAIN);
        g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);

        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = a };
        g_assert_cmpint(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev), ==, 0);
        g_assert_cmpint(epoll_wait(ep, &ev, 1, 0), ==, 0);

        for (int round = 0; round < 3; round++) {
                g_assert_cmpint(write(b, round % 2 ? "0\n" : "1\n", 2), ==, 2);
                pfd.revents = 0;
                g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
                g_assert_cmpint(pfd.revents & POLLIN, !=, 0);
                fd_set rd;
                FD_ZERO(&rd);
                FD_SET(a, &rd);
                struct timeval tv = { .tv_sec = 5 };
                g_assert_cmpint(select(a + 1, &rd, NULL, NULL, &tv), ==, 1);
                g_assert_true(FD_ISSET(a, &rd));
                g_assert_cmpint(epoll_wait(ep, &ev, 1, 5000), ==, 1);
                g_assert_cmpint(ev.events & EPOLLIN, !=, 0);
                g_assert_cmpint(read(a, buf, sizeof(buf)), ==, 2);
                g_assert_cmpmem(buf, 2, round % 2 ? "0\n" : "1\n", 2);
                /* once per change: not readable again until the next */
                g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);
                g_assert_cmpint(epoll_wait(ep, &ev, 1, 0), ==, 0);
        }
        /* writable all along: a device with POLLOUT */
        pfd.events = POLLOUT;
        g_assert_cmpint(poll(&pfd, 1, 0), ==, 1);
        g_assert_cmpint(write(b, "7", 1), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        close(ep);
        close(a);
        close(b);
}

struct parked_reader {
        int fd;
        volatile gboolean done;
        ssize_t got;
        char buf[8];
};

static void *blocking_reader(void *data)
{
        struct parked_reader *r = data;

        r->got = read(r->fd, r->buf, sizeof(r->buf));
        r->done = TRUE;
        return NULL;
}

/* A read parked in the device does not hold up other threads' ioctls,
 * on other opens or on the same one, and wakes on the change. */
static void test_blocking_read_parked(void)
{
        struct parked_reader r = { .fd = open_node("atom0", O_RDWR) };
        int other = open_node("atom0", O_RDWR);
        char buf[8];
        pthread_t t;

        g_assert_cmpint(write(other, "0", 1), ==, 1);
        g_assert_cmpint(read(r.fd, buf, sizeof(buf)), ==, 2);
        pthread_create(&t, NULL, blocking_reader, &r);
        g_usleep(100 * 1000);
        for (int i = 0; i < 300; i++) {
                struct atom_state s;
                g_assert_cmpint(cusekit_read(other, ATOM_GET, &s), ==, 0);
                g_assert_cmpint(cusekit_read(r.fd, ATOM_GET, &s), ==, 0);
                g_assert_cmpuint(s.value, ==, 0);
        }
        g_assert_false(r.done);
        g_assert_cmpint(write(other, "1", 1), ==, 1);
        pthread_join(t, NULL);
        g_assert_cmpint(r.got, ==, 2);
        g_assert_cmpmem(r.buf, 2, "1\n", 2);
        close(r.fd);
        close(other);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
        usr1_seen++;
}

static pid_t signal_later(pid_t target, int ms)
{
        pid_t child = fork();

        if (child == 0) {
                usleep((useconds_t)ms * 1000);
                kill(target, SIGUSR1);
                _exit(0);
        }
        return child;
}

static void test_signal_interrupts_read(void)
{
        struct sigaction sa = { .sa_handler = on_usr1 };   /* no SA_RESTART */
        int fd = open_node("atom0", O_RDWR);
        char buf[8];

        sigaction(SIGUSR1, &sa, NULL);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        usr1_seen = 0;
        pid_t child = signal_later(getpid(), 200);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, -1);
        g_assert_cmpint(errno, ==, EINTR);
        g_assert_cmpint(usr1_seen, ==, 1);
        waitpid(child, NULL, 0);
        /* the descriptor is fine after it */
        g_assert_true(is_atom(fd));
        close(fd);
}

/* Writes once the signal has been handled (and the read restarted). */
static void *write_after_signal(void *data)
{
        for (int i = 0; i < 500 && !usr1_seen; i++)
                g_usleep(10 * 1000);
        g_usleep(200 * 1000);
        int fd = open_node("atom0", O_WRONLY);
        g_assert_cmpint(write(fd, (const char *)data, 1), ==, 1);
        close(fd);
        return NULL;
}

static void test_signal_restarts_read(void)
{
        struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
        int fd = open_node("atom0", O_RDWR);
        char buf[8];
        pthread_t t;

        sigaction(SIGUSR1, &sa, NULL);
        g_assert_cmpint(write(fd, "0", 1), ==, 1);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        usr1_seen = 0;
        /* the signal comes at 200 ms, the change after it */
        pthread_create(&t, NULL, write_after_signal, (void *)"1");
        pid_t child = signal_later(getpid(), 200);
        ssize_t n = read(fd, buf, sizeof(buf));
        int e = errno;
        pthread_join(t, NULL);
        waitpid(child, NULL, 0);
        g_assert_cmpint(usr1_seen, ==, 1);
        if (n < 0)
                g_error("read under SA_RESTART: %s", g_strerror(e));
        g_assert_cmpint(n, ==, 2);
        g_assert_cmpmem(buf, 2, "1\n", 2);
        close(fd);
}

/* A process killed while parked in a read leaves the run serving others:
 * another parked reader still wakes, the open is released. */
static void test_killed_reader(void)
{
        struct parked_reader r = { .fd = open_node("atom0", O_RDWR) };
        char buf[8];
        pthread_t t;

        g_assert_cmpint(read(r.fd, buf, sizeof(buf)), ==, 2);
        gint64 before = opens_of("atom0");
        pid_t child = fork();
        if (child == 0) {
                int fd = open_node("atom0", O_RDWR);
                (void)!read(fd, buf, sizeof(buf));
                (void)!read(fd, buf, sizeof(buf));   /* blocks */
                _exit(1);
        }
        pthread_create(&t, NULL, blocking_reader, &r);
        g_assert_cmpint(opens_settled("atom0", before + 1), ==, before + 1);   /* the child's open */
        g_usleep(200 * 1000);                                                  /* and its read parked */
        g_assert_cmpint(kill(child, SIGKILL), ==, 0);
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFSIGNALED(status));
        g_assert_cmpint(opens_settled("atom0", before), ==, before);

        int fd = open_node("atom0", O_RDWR);
        g_assert_true(is_atom(fd));
        struct atom_state cur;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &cur), ==, 0);
        g_assert_false(r.done);
        g_assert_cmpint(write(fd, cur.value ? "0" : "1", 1), ==, 1);
        pthread_join(t, NULL);
        g_assert_cmpint(r.got, ==, 2);
        close(fd);
        close(r.fd);
}

/* --- what the kernel answers for a non-seekable character device --- */

static void test_seek_and_sizes(void)
{
        int fd = open_node("atom0", O_RDWR);
        char buf[8];

        g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, -1);
        g_assert_cmpint(errno, ==, ESPIPE);
        g_assert_cmpint(lseek(fd, 0, 42), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        g_assert_cmpint(pread(fd, buf, sizeof(buf), 0), ==, -1);
        g_assert_cmpint(errno, ==, ESPIPE);
        g_assert_cmpint(pwrite(fd, "1", 1, 0), ==, -1);
        g_assert_cmpint(errno, ==, ESPIPE);
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        g_assert_cmpint(preadv(fd, &iov, 1, 0), ==, -1);
        g_assert_cmpint(errno, ==, ESPIPE);

        /* a zero-size read reaches the device: atom answers EINVAL for a
         * buffer too small for its "N\n", and nothing is consumed */
        g_assert_cmpint(read(fd, buf, 0), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        g_assert_cmpint(read(fd, buf, 1), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 2);
        /* a write of the wrong size: the device's EINVAL */
        g_assert_cmpint(write(fd, "1\n\n", 3), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        /* readv spread over two buffers */
        g_assert_cmpint(write(fd, "1", 1), ==, 1);
        char x[1], y[4];
        struct iovec two[2] = { { .iov_base = x, .iov_len = 1 }, { .iov_base = y, .iov_len = sizeof(y) } };
        g_assert_cmpint(readv(fd, two, 2), ==, 2);
        g_assert_cmpint(x[0], ==, '1');
        g_assert_cmpint(y[0], ==, '\n');
        close(fd);
}

/* --- paths and stat --- */

static void assert_node(const struct stat *st, unsigned minor)
{
        g_assert_true(S_ISCHR(st->st_mode));
        g_assert_cmpuint(major(st->st_rdev), ==, RUN_MAJOR);
        g_assert_cmpuint(minor(st->st_rdev), ==, minor);
        g_assert_cmpuint(st->st_uid, ==, getuid());
}

static void test_stat_access(void)
{
        struct stat st;

        g_assert_cmpint(stat("/dev/atom0", &st), ==, 0);
        assert_node(&st, ATOM0_MINOR);
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
        g_assert_cmpint(lstat("/dev/atomflat0", &st), ==, 0);
        assert_node(&st, ATOMFLAT0_MINOR);
        g_assert_cmpint(fstatat(AT_FDCWD, "/dev/atom0", &st, AT_SYMLINK_NOFOLLOW), ==, 0);
        assert_node(&st, ATOM0_MINOR);

        int fd = open_node("atom0", O_RDWR);
        memset(&st, 0, sizeof(st));
        g_assert_cmpint(fstat(fd, &st), ==, 0);
        assert_node(&st, ATOM0_MINOR);
        memset(&st, 0, sizeof(st));
        g_assert_cmpint(fstatat(fd, "", &st, AT_EMPTY_PATH), ==, 0);
        assert_node(&st, ATOM0_MINOR);
        struct statx stx;
        g_assert_cmpint(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx), ==, 0);
        g_assert_true(S_ISCHR(stx.stx_mode));
        g_assert_cmpuint(stx.stx_rdev_major, ==, RUN_MAJOR);
        g_assert_cmpuint(stx.stx_rdev_minor, ==, ATOM0_MINOR);
        /* Linux 6.11 on, a NULL path with AT_EMPTY_PATH is the descriptor
         * (before, EFAULT): as a pipe here answers, the device must */
        int p[2];
        g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
        bool null_path = syscall(__NR_newfstatat, p[0], NULL, &st, AT_EMPTY_PATH) == 0;
        close(p[0]);
        close(p[1]);
        memset(&st, 0, sizeof(st));
        memset(&stx, 0, sizeof(stx));
        long r1 = syscall(__NR_newfstatat, fd, NULL, &st, AT_EMPTY_PATH);
        int e1 = errno;
        long r2 = syscall(__NR_statx, fd, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
        int e2 = errno;
        if (null_path) {
                g_assert_cmpint(r1, ==, 0);
                assert_node(&st, ATOM0_MINOR);
                g_assert_cmpint(r2, ==, 0);
                g_assert_true(S_ISCHR(stx.stx_mode));
                g_assert_cmpuint(stx.stx_rdev_major, ==, RUN_MAJOR);
        } else {
                g_assert_cmpint(r1, ==, -1);
                g_assert_cmpint(e1, ==, EFAULT);
                g_assert_cmpint(r2, ==, -1);
                g_assert_cmpint(e2, ==, EFAULT);
        }
        g_assert_cmpint(statx(AT_FDCWD, "/dev/atomflat0", 0, STATX_BASIC_STATS, &stx), ==, 0);
        g_assert_true(S_ISCHR(stx.stx_mode));
        g_assert_cmpuint(stx.stx_rdev_major, ==, RUN_MAJOR);
        g_assert_cmpuint(stx.stx_rdev_minor, ==, ATOMFLAT0_MINOR);
        close(fd);

        g_assert_cmpint(access("/dev/atom0", F_OK), ==, 0);
        g_assert_cmpint(access("/dev/atom0", R_OK | W_OK), ==, 0);
        g_assert_cmpint(access("/dev/atom0", X_OK), ==, -1);
        g_assert_cmpint(errno, ==, EACCES);
        g_assert_cmpint(faccessat(AT_FDCWD, "/dev/atom0", R_OK, AT_EACCESS), ==, 0);
        g_assert_cmpint(access("/dev/atom0", 0x10), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        /* a device name the run does not have is the host's business */
        g_assert_cmpint(stat("/dev/atom-not-there", &st), ==, -1);
        g_assert_cmpint(errno, ==, ENOENT);
}

static void test_paths(void)
{
        static const char *const paths[] = {
                "/dev/./atom0", "/dev/../dev/atom0", "//dev//atom0", "/./dev/atom0",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
                int fd = open(paths[i], O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        g_error("open %s: %s", paths[i], g_strerror(errno));
                g_assert_true(is_atom(fd));
                close(fd);
        }

        /* symlinks that resolve there, chained, relative and absolute */
        g_autofree char *dir = g_dir_make_tmp("run-atom-XXXXXX", NULL);
        g_assert_nonnull(dir);
        g_autofree char *abs = g_build_filename(dir, "abs", NULL);
        g_autofree char *chain = g_build_filename(dir, "chain", NULL);
        g_autofree char *rel = g_build_filename(dir, "rel", NULL);
        g_autofree char *rel_target = g_strdup("../../../../../../../../../../dev/atom0");
        g_assert_cmpint(symlink("/dev/atom0", abs), ==, 0);
        g_assert_cmpint(symlink(abs, chain), ==, 0);
        g_assert_cmpint(symlink(rel_target, rel), ==, 0);
        const char *const links[] = { abs, chain, rel };
        for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
                int fd = open(links[i], O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        g_error("open %s: %s", links[i], g_strerror(errno));
                g_assert_true(is_atom(fd));
                close(fd);
                struct stat st;
                g_assert_cmpint(stat(links[i], &st), ==, 0);
                assert_node(&st, ATOM0_MINOR);
                g_assert_cmpint(lstat(links[i], &st), ==, 0);
                g_assert_true(S_ISLNK(st.st_mode));
        }
        /* O_NOFOLLOW on the link itself: ELOOP, as the kernel */
        g_assert_cmpint(open(abs, O_RDONLY | O_NOFOLLOW), ==, -1);
        g_assert_cmpint(errno, ==, ELOOP);

        /* dirfd-relative from an open /dev, and from the cwd */
        int devdir = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        g_assert_cmpint(devdir, >=, 0);
        int fd = openat(devdir, "atom0", O_RDWR | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_true(is_atom(fd));
        close(fd);
        struct stat st;
        g_assert_cmpint(fstatat(devdir, "atomflat0", &st, 0), ==, 0);
        assert_node(&st, ATOMFLAT0_MINOR);
        g_assert_cmpint(faccessat(devdir, "atom0", R_OK, 0), ==, 0);
        close(devdir);
        g_autofree char *cwd = g_get_current_dir();
        g_assert_cmpint(chdir("/dev"), ==, 0);
        fd = open("atom0", O_RDWR | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_true(is_atom(fd));
        close(fd);
        g_assert_cmpint(chdir(cwd), ==, 0);

        /* openat2 with a plain walk */
        struct open_how how = { .flags = O_RDWR | O_CLOEXEC };
        fd = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/atom0", &how, sizeof(how));
        g_assert_cmpint(fd, >=, 0);
        g_assert_true(is_atom(fd));
        close(fd);

        /* /proc/self/fd/N of a device descriptor names the node */
        fd = open_node("atom0", O_RDWR);
        g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", fd);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_assert_cmpstr(target, ==, "/dev/atom0");
        close(fd);

        g_unlink(abs);
        g_unlink(chain);
        g_unlink(rel);
        g_rmdir(dir);
}

/* A node has no extended attributes (devtmpfs without an LSM): ls -l asks. */
static void test_xattr(void)
{
        char value[64];

        g_assert_cmpint(lgetxattr("/dev/atom0", "security.selinux", value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, ==, ENODATA);
        g_assert_cmpint(getxattr("/dev/./atom0", "user.x", value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, ==, ENODATA);
        g_assert_cmpint(getxattr("/dev/atom0", "nonamespace", value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, ==, EOPNOTSUPP);
        g_assert_cmpint(getxattr("/dev/atom0", bad_ptr, value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(listxattr("/dev/atom0", value, sizeof(value)), ==, 0);
        g_assert_cmpint(llistxattr("/dev/atomflat0", NULL, 0), ==, 0);
        /* the host's files keep theirs */
        g_assert_cmpint(lgetxattr("/dev/null", "security.selinux", value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, !=, ENOENT);
        g_assert_cmpint(lgetxattr("/dev/atom-not-there", "user.x", value, sizeof(value)), ==, -1);
        g_assert_cmpint(errno, ==, ENOENT);
}

/* /proc/self/fd/N of a device descriptor is the node (proc_fd_link()):
 * stat shows it, and opening it is a new open of the device, whose close
 * does not release the first. */
static void test_proc_fd_reopen(void)
{
        g_assert_cmpint(opens_settled("atom0", 0), ==, 0);
        int fd = open_node("atom0", O_RDONLY);
        g_autofree char *self = g_strdup_printf("/proc/self/fd/%d", fd);
        g_autofree char *by_pid = g_strdup_printf("/proc/%d/fd/%d", getpid(), fd);
        struct stat st;

        g_assert_cmpint(stat(self, &st), ==, 0);
        assert_node(&st, ATOM0_MINOR);
        g_assert_cmpint(stat(by_pid, &st), ==, 0);
        assert_node(&st, ATOM0_MINOR);
        g_assert_cmpint(lstat(self, &st), ==, 0);
        g_assert_true(S_ISLNK(st.st_mode));

        int again = open(self, O_RDWR | O_CLOEXEC);
        g_assert_cmpint(again, >=, 0);
        g_assert_cmpint(opens_of("atom0"), ==, 2);
        g_assert_cmpint(write(again, "0", 1), ==, 1);     /* its own access mode */
        g_assert_cmpint(write(fd, "0", 1), ==, -1);
        g_assert_cmpint(errno, ==, EBADF);
        close(again);
        g_assert_cmpint(opens_settled("atom0", 1), ==, 1);
        g_assert_true(is_atom(fd));
        close(fd);
        g_assert_cmpint(opens_settled("atom0", 0), ==, 0);
}

/* Everything that is not a device path goes to the kernel untouched. */
static void test_other_paths_pass_through(void)
{
        g_autofree char *dir = g_dir_make_tmp("run-atom-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "atom0", NULL);   /* a device's name, elsewhere */
        g_assert_true(g_file_set_contents(file, "plain file", -1, NULL));
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
        g_assert_cmpstr(text, ==, "plain file");
        int fd = open(file, O_RDWR | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(lseek(fd, 6, SEEK_SET), ==, 6);
        char buf[8] = { 0 };
        g_assert_cmpint(pread(fd, buf, 4, 0), ==, 4);
        g_assert_cmpmem(buf, 4, "plai", 4);
        struct atom_state s;
        g_assert_cmpint(cusekit_read(fd, ATOM_GET, &s), ==, -ENOTTY);
        struct stat st;
        g_assert_cmpint(fstat(fd, &st), ==, 0);
        g_assert_true(S_ISREG(st.st_mode));
        g_assert_cmpint(st.st_size, ==, 10);
        close(fd);

        /* the host's own /dev nodes */
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(write(fd, "x", 1), ==, 1);
        g_assert_cmpint(read(fd, buf, 1), ==, 0);
        g_assert_cmpint(fstat(fd, &st), ==, 0);
        g_assert_cmpuint(major(st.st_rdev), ==, 1);
        g_assert_cmpuint(minor(st.st_rdev), ==, 3);
        close(fd);
        /* a pipe's ioctl */
        int p[2];
        g_assert_cmpint(pipe(p), ==, 0);
        g_assert_cmpint(write(p[1], "abc", 3), ==, 3);
        int avail = 0;
        g_assert_cmpint(ioctl(p[0], FIONREAD, &avail), ==, 0);
        g_assert_cmpint(avail, ==, 3);
        close(p[0]);
        close(p[1]);
        /* a bad path pointer is the kernel's EFAULT */
        g_assert_cmpint(open(bad_ptr, O_RDONLY), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(stat(bad_ptr, &st), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_unlink(file);
        g_rmdir(dir);
}

/* --- pitfalls --- */

static void test_io_uring_refused(void)
{
        char params[120] = { 0 };   /* struct io_uring_params */

        g_assert_cmpint(syscall(__NR_io_uring_setup, 8, params), ==, -1);
        g_assert_cmpint(errno, ==, ENOSYS);
}

/* A 32-bit program (built with -m32 -static: tests/run/compat32.c)
 * must not reach the device through the i386 calls. */
static void test_compat32(void)
{
        const char *prog = g_getenv("TEST_RUN_COMPAT32");

        if (!prog || !*prog) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("no 32-bit test program: the compiler cannot build -m32 (gcc-multilib)");
                g_test_skip("no 32-bit test program: the compiler cannot build -m32 (install gcc-multilib)");
                return;
        }
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr(GError) error = NULL;
        int status;
        int fd = open("/dev/atom0", O_RDWR);      /* inherited */
        g_assert_cmpint(fd, >=, 0);
        g_autofree char *fd_arg = g_strdup_printf("%d", fd);
        g_autofree char *request = g_strdup_printf("%#lx", (unsigned long)CK_REQUEST(ATOM_GET));
        const char *argv[] = { prog, "/dev/atom0", fd_arg, request, NULL };
        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_LEAVE_DESCRIPTORS_OPEN, NULL, NULL, &out, &err,
                                   &status, &error));
        close(fd);
        g_test_message("compat32: %s%s", out, err);
        g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* A program that stacks its own filter keeps both working. */
static void test_own_seccomp_filter(void)
{
        pid_t child = fork();

        if (child == 0) {
                /* uname() fails with EPERM; everything else as before */
                struct sock_filter insns[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_uname, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                };
                struct sock_fprog prog = { .len = G_N_ELEMENTS(insns), .filter = insns };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                        _exit(10);
                struct utsname u;
                if (uname(&u) == 0 || errno != EPERM)
                        _exit(11);
                int fd = open("/dev/atom0", O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        _exit(12);
                struct atom_flip flip = { .count = 2 };
                if (cusekit_write_read(fd, ATOM_FLIP, &flip) != 0 || !is_atom(fd))
                        _exit(13);
                char text[] = "under two filters";
                struct atom_blob blob = { .data = (uintptr_t)text, .len = sizeof(text) };
                if (cusekit_write(fd, ATOM_BLOB_SET, &blob) != 0)
                        _exit(14);
                /* a second listener of its own: the kernel refuses it (EBUSY) */
                long l = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
                if (l >= 0 || errno != EBUSY)
                        _exit(15);
                if (!is_atom(fd))
                        _exit(16);
                _exit(0);
        }
        int status;
        g_assert_cmpint(waitpid(child, &status, 0), ==, child);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "--fd-helper") == 0)
                return fd_helper(argv[2]);
        self_exe = g_file_read_link("/proc/self/exe", NULL);
        g_test_init(&argc, &argv, NULL);
        if (!g_getenv("CUSEKIT_CONTROL"))
                g_error("not under `cusekit run` (no CUSEKIT_CONTROL)");
        g_test_add_func("/run/atom/every-ioctl", test_every_ioctl);
        g_test_add_func("/run/atom/bad-input", test_bad_input);
        g_test_add_func("/run/atom/double-fetch-race", test_double_fetch_race);
        g_test_add_func("/run/atom-flat/restricted", test_restricted_device);
        g_test_add_func("/run/atom/concurrent-threads", test_concurrent_threads);
        g_test_add_func("/run/atom/fault-once", test_fault_once);
        g_test_add_func("/run/fd/open-flags", test_open_flags);
        g_test_add_func("/run/fd/cloexec-across-exec", test_cloexec_across_exec);
        g_test_add_func("/run/fd/last-close-releases", test_last_close_releases);
        g_test_add_func("/run/fd/passing", test_fd_passing);
        g_test_add_func("/run/fd/exclusive-reopen", test_exclusive_reopen);
        g_test_add_func("/run/io/poll-select-epoll", test_poll_select_epoll);
        g_test_add_func("/run/io/blocking-read-parked", test_blocking_read_parked);
        g_test_add_func("/run/io/signal-interrupts-read", test_signal_interrupts_read);
        g_test_add_func("/run/io/signal-restarts-read", test_signal_restarts_read);
        g_test_add_func("/run/io/killed-reader", test_killed_reader);
        g_test_add_func("/run/io/seek-and-sizes", test_seek_and_sizes);
        g_test_add_func("/run/path/stat-access", test_stat_access);
        g_test_add_func("/run/path/resolution", test_paths);
        g_test_add_func("/run/path/xattr", test_xattr);
        g_test_add_func("/run/path/proc-fd-reopen", test_proc_fd_reopen);
        g_test_add_func("/run/path/others-pass-through", test_other_paths_pass_through);
        g_test_add_func("/run/pitfall/io-uring", test_io_uring_refused);
        g_test_add_func("/run/pitfall/compat32", test_compat32);
        g_test_add_func("/run/pitfall/own-seccomp-filter", test_own_seccomp_filter);
        return g_test_run();
}
