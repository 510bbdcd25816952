/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fifo through the loopback transport: byte order across the ring's
 * wrap, partial writes, EAGAIN at both ends, poll, FIONREAD and its ioctls. */
#include "fifo/fifo-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct {
                int n;
                struct fifo_info info;
        } *mem;
        unsigned notified;
};

static void on_notify(struct ck_device *d, void *userdata)
{
        struct fixture *fx = userdata;

        fx->notified++;
}

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        g_hash_table_insert(params, (gpointer) "size", (gpointer)(data ? data : "16"));
        g_assert_cmpint(ck_device_new("fifo", "fifo0", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        ck_device_set_notify(fx->dev, on_notify, fx);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        g_clear_pointer(&fx->lb, ck_loopback_free);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int nread(struct fixture *fx)
{
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, FIONREAD, (uintptr_t)&fx->mem->n), ==, 0);
        return fx->mem->n;
}

static void test_basic(struct fixture *fx, gconstpointer data)
{
        char buf[32];

        g_assert_true(ck_device_unrestricted(fx->dev));   /* FIONREAD is a raw number */
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpuint(ck_loopback_poll(fx->lb), ==, POLLOUT | POLLWRNORM);
        g_assert_cmpint(nread(fx), ==, 0);

        unsigned before = fx->notified;
        g_assert_cmpint(ck_loopback_write(fx->lb, "hello", 5), ==, 5);
        g_assert_cmpuint(fx->notified, ==, before + 1);    /* parked reads and pollers */
        g_assert_cmpint(nread(fx), ==, 5);
        g_assert_cmpuint(ck_loopback_poll(fx->lb), ==, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);

        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 3), ==, 3);
        g_assert_cmpmem(buf, 3, "hel", 3);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "lo", 2);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_write(fx->lb, "", 0), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 0), ==, 0);
}

/* Bytes come out in order across the wrap, whatever the write and read sizes. */
static void test_wrap(struct fixture *fx, gconstpointer data)
{
        guint8 out[64], in[64];
        unsigned next_out = 0, next_in = 0;

        for (unsigned round = 0; round < 200; round++) {
                size_t w = 1 + round % 11, r = 1 + (round * 7) % 13;
                for (size_t i = 0; i < w; i++)
                        out[i] = (guint8)(next_out + i);
                ssize_t put = ck_loopback_write(fx->lb, out, w);
                if (put == -EAGAIN) {
                        g_assert_cmpint(nread(fx), ==, 16);
                } else {
                        g_assert_cmpint(put, >, 0);
                        g_assert_cmpint(put, <=, (ssize_t)w);
                        next_out += (unsigned)put;
                }
                ssize_t got = ck_loopback_read(fx->lb, in, r);
                if (got == -EAGAIN) {
                        g_assert_cmpuint(next_in, ==, next_out);
                        continue;
                }
                g_assert_cmpint(got, >, 0);
                for (ssize_t i = 0; i < got; i++)
                        g_assert_cmpuint(in[i], ==, (guint8)(next_in + i));
                next_in += (unsigned)got;
                g_assert_cmpint(nread(fx), ==, (int)(next_out - next_in));
        }
        g_assert_cmpuint(next_in, >, 500);
}

static void test_full(struct fixture *fx, gconstpointer data)
{
        char buf[32];

        memset(buf, 'x', sizeof(buf));
        g_assert_cmpint(ck_loopback_write(fx->lb, buf, 10), ==, 10);
        g_assert_cmpint(ck_loopback_write(fx->lb, buf, 10), ==, 6);    /* what fits */
        g_assert_cmpint(ck_loopback_write(fx->lb, buf, 1), ==, -EAGAIN);
        g_assert_cmpuint(ck_loopback_poll(fx->lb), ==, POLLIN | POLLRDNORM);

        /* room again: writers waiting for POLLOUT hear of it */
        unsigned before = fx->notified;
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 4), ==, 4);
        g_assert_cmpuint(fx->notified, ==, before + 1);
        g_assert_cmpuint(ck_loopback_poll(fx->lb) & POLLOUT, ==, POLLOUT);

        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(FIFO_GET_INFO), (uintptr_t)&fx->mem->info),
                        ==, 0);
        g_assert_cmpuint(fx->mem->info.size, ==, 16);
        g_assert_cmpuint(fx->mem->info.used, ==, 12);
        g_assert_cmpuint(fx->mem->info.written, ==, 16);
        g_assert_cmpuint(fx->mem->info.read, ==, 4);

        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(FIFO_RESET), 0), ==, 0);
        g_assert_cmpint(nread(fx), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, -EAGAIN);
}

/* 4 KiB at a time, as the benchmark moves it */
static void test_4k(struct fixture *fx, gconstpointer data)
{
        g_autofree guint8 *out = g_malloc(4096), *in = g_malloc(4096);

        for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 4096; i++)
                        out[i] = (guint8)(i * 31 + round);
                g_assert_cmpint(ck_loopback_write(fx->lb, out, 4096), ==, 4096);
                g_assert_cmpint(ck_loopback_read(fx->lb, in, 4096), ==, 4096);
                g_assert_cmpmem(in, 4096, out, 4096);
        }
}

static void test_params(void)
{
        static const char *const bad[] = { "0", "-1", "x", "99999999999" };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) error = NULL;
                struct ck_device *d = NULL;
                g_hash_table_insert(params, (gpointer) "size", (gpointer)bad[i]);
                g_assert_cmpint(ck_device_new("fifo", "fifo0", params, &d, &error), <, 0);
                g_assert_nonnull(error);
                g_assert_nonnull(strstr(error->message, "size="));
                g_assert_null(d);
        }
        g_autoptr(GError) error = NULL;
        g_autoptr(ck_device) d = NULL;
        g_assert_cmpint(ck_device_new("fifo", "fifo0", NULL, &d, &error), ==, 0);   /* default size */
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, params, fn) g_test_add("/fifo/" path, struct fixture, params, setup, fn, teardown)
        ADD("basic", NULL, test_basic);
        ADD("wrap", NULL, test_wrap);
        ADD("full", NULL, test_full);
        ADD("4k", "65536", test_4k);
#undef ADD
        g_test_add_func("/fifo/params", test_params);
        return g_test_run();
}
