/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every watchdog ioctl, pings, magic close, expiry and pretimeout through
 * the loopback transport; timers run on the default GLib context. */
#include "watchdog/watchdog-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct {
                struct watchdog_info info;
                int value;
        } *mem;
};

static void fixture_new(struct fixture *fx, const char *const *kv)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        for (; kv && kv[0]; kv += 2)
                g_hash_table_insert(params, (gpointer)kv[0], (gpointer)kv[1]);
        g_assert_cmpint(ck_device_new("watchdog", "watchdog0", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        fx->mem = g_malloc0(sizeof(*fx->mem));
}

static void fx_open(struct fixture *fx)
{
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void fx_close(struct fixture *fx)
{
        g_clear_pointer(&fx->lb, ck_loopback_free);
}

static void setup(struct fixture *fx, gconstpointer data)
{
        fixture_new(fx, data);
        fx_open(fx);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        fx_close(fx);
        ck_device_free(fx->dev);
        g_free(fx->mem);
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static int lb_ioctl(struct fixture *fx, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static int get_int(struct fixture *fx, unsigned long request)
{
        fx->mem->value = -12345;
        g_assert_cmpint(lb_ioctl(fx, request, &fx->mem->value), ==, 0);
        return fx->mem->value;
}

static int put_int(struct fixture *fx, unsigned long request, int value)
{
        fx->mem->value = value;
        return lb_ioctl(fx, request, &fx->mem->value);
}

static guint64 state_uint(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0) {
                        g_autoptr(GVariant) value = g_variant_ref_sink(v->get(d, v->userdata));
                        if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
                                return g_variant_get_boolean(value);
                        return g_variant_get_uint32(value);
                }
        }
        g_error("no state variable %s", name);
}

static gboolean on_deadline(gpointer data)
{
        *(gboolean *)data = TRUE;
        return G_SOURCE_REMOVE;
}

static void run_for(unsigned ms)
{
        gboolean done = FALSE;

        g_timeout_add(ms, on_deadline, &done);
        while (!done)
                g_main_context_iteration(NULL, TRUE);
}

static void test_support(struct fixture *fx, gconstpointer data)
{
        memset(&fx->mem->info, 0x55, sizeof(fx->mem->info));
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_GETSUPPORT), &fx->mem->info), ==, 0);
        g_assert_cmphex(fx->mem->info.options, ==,
                        WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        g_assert_cmpuint(fx->mem->info.firmware_version, ==, 0);
        g_assert_cmpstr((const char *)fx->mem->info.identity, ==, "Test Dog");
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETBOOTSTATUS)), ==, 0);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTEMP)), ==, 98);
}

static void test_open_starts(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMEOUT)), ==, 60);
        int left = get_int(fx, CK_REQUEST(WDIOC_GETTIMELEFT));
        g_assert_cmpint(left, >=, 59);
        g_assert_cmpint(left, <=, 60);
        /* the keepalive bit: set by a ping, cleared by reading it */
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)), ==, WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)), ==, WDIOF_PRETIMEOUT);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_KEEPALIVE), NULL), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);   /* no data moves */
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)), ==, WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        g_assert_cmpint(ck_loopback_write(fx->lb, "ping", 4), ==, 4);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)), ==, WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        /* a 'V' anywhere arms magic close; the next write without one disarms it */
        g_assert_cmpint(ck_loopback_write(fx->lb, "xVx", 3), ==, 3);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)) & WDIOF_MAGICCLOSE, ==, WDIOF_MAGICCLOSE);
        g_assert_cmpint(ck_loopback_write(fx->lb, "x", 1), ==, 1);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)) & WDIOF_MAGICCLOSE, ==, 0);
        g_assert_cmpint(ck_loopback_write(fx->lb, "", 0), ==, 0);
        char buf[4];
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, -EINVAL);   /* no read() */
        g_assert_cmpuint(ck_loopback_poll(fx->lb), ==, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static void test_timeouts(struct fixture *fx, gconstpointer data)
{
        static const int bad[] = { 0, -1, 65536, 4294968 };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETTIMEOUT), bad[i]), ==, -EINVAL);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMEOUT)), ==, 60);

        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETPRETIMEOUT), 20), ==, 0);
        g_assert_cmpint(fx->mem->value, ==, 20);   /* only flows in */
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETPRETIMEOUT)), ==, 20);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETPRETIMEOUT), 60), ==, -EINVAL);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETPRETIMEOUT), -1), ==, -EINVAL);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETPRETIMEOUT)), ==, 20);

        /* the answer is the timeout in force; a pretimeout that no longer fits goes */
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETTIMEOUT), 30), ==, 0);
        g_assert_cmpint(fx->mem->value, ==, 30);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETPRETIMEOUT)), ==, 20);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETTIMEOUT), 20), ==, 0);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETPRETIMEOUT)), ==, 0);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMEOUT)), ==, 20);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMELEFT)), <=, 20);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETTIMEOUT), 65535), ==, 0);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETPRETIMEOUT), 0), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_SETTIMEOUT), NULL), ==, -EFAULT);
}

static void test_options(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_DISABLECARD), ==, 0);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 0);
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMELEFT)), ==, 0);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_ENABLECARD), ==, 0);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
        /* neither DISABLECARD nor ENABLECARD: left unhandled, ENOTTY as in watchdog_dev.c */
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), 0x7ff8), ==, -ENOTTY);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), 0), ==, -ENOTTY);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_TEMPPANIC), ==, -ENOTTY);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
        /* other bits beside them are ignored */
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), 0x7ff8 | WDIOS_ENABLECARD), ==, 0);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_TEMPPANIC | WDIOS_DISABLECARD), ==, 0);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 0);
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_ENABLECARD), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_SETOPTIONS), NULL), ==, -EFAULT);
        /* no sensor: the core has no GETTEMP of its own */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_GETTEMP), &fx->mem->value), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, _IOR('W', 11, int), &fx->mem->value), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, _IOR('W', 0, int), &fx->mem->value), ==, -ENOTTY);

        struct ck_loopback *second;
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &second), ==, -EBUSY);
}

static void test_nowayout(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(put_int(fx, CK_REQUEST(WDIOC_SETOPTIONS), WDIOS_DISABLECARD), ==, -EBUSY);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
        /* and magic close does not stop it either */
        g_assert_cmpint(ck_loopback_write(fx->lb, "V", 1), ==, 1);
        fx_close(fx);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
}

static void test_expiry(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETTIMEOUT)), ==, 1);
        /* pinged in time: still running */
        run_for(600);
        g_assert_cmpint(ck_loopback_write(fx->lb, "\n", 1), ==, 1);
        run_for(600);
        g_assert_cmpuint(state_uint(fx->dev, "resets"), ==, 0);
        /* closed without the magic 'V': keeps running, then expires */
        fx_close(fx);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 1);
        run_for(1200);
        g_assert_cmpuint(state_uint(fx->dev, "resets"), ==, 1);
        g_assert_cmpuint(state_uint(fx->dev, "expired"), ==, 1);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 0);
        g_assert_cmphex(state_uint(fx->dev, "bootstatus"), ==, WDIOF_CARDRESET);

        fx_open(fx);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETBOOTSTATUS)), ==, WDIOF_CARDRESET);
        g_assert_cmphex(get_int(fx, CK_REQUEST(WDIOC_GETSTATUS)) & WDIOF_CARDRESET, ==, WDIOF_CARDRESET);
        /* magic close stops it: no second reset */
        g_assert_cmpint(ck_loopback_write(fx->lb, "V", 1), ==, 1);
        fx_close(fx);
        g_assert_cmpuint(state_uint(fx->dev, "active"), ==, 0);
        run_for(1300);
        g_assert_cmpuint(state_uint(fx->dev, "resets"), ==, 1);
        fx_open(fx);
}

static void test_pretimeout(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(get_int(fx, CK_REQUEST(WDIOC_GETPRETIMEOUT)), ==, 1);
        run_for(1300);
        g_assert_cmpuint(state_uint(fx->dev, "pretimeouts"), ==, 1);
        g_assert_cmpuint(state_uint(fx->dev, "resets"), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(WDIOC_KEEPALIVE), NULL), ==, 0);
        run_for(900);
        g_assert_cmpuint(state_uint(fx->dev, "pretimeouts"), ==, 1);
        run_for(1400);
        g_assert_cmpuint(state_uint(fx->dev, "pretimeouts"), ==, 2);
        g_assert_cmpuint(state_uint(fx->dev, "resets"), ==, 1);
}

static void test_device_params(void)
{
        static const char *const bad[][2] = {
                { "timeout", "0" }, { "timeout", "65536" }, { "timeout", "x" },
                { "pretimeout", "60" }, { "nowayout", "2" }, { "temp", "hot" },
                { "identity", "0123456789012345678901234567890123" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) error = NULL;
                struct ck_device *d = NULL;
                g_hash_table_insert(params, (gpointer)bad[i][0], (gpointer)bad[i][1]);
                g_assert_cmpint(ck_device_new("watchdog", "w", params, &d, &error), ==, -EINVAL);
                g_assert_null(d);
                g_assert_nonnull(strstr(error->message, bad[i][0]));
        }
}

static const char *const with_identity[] = { "identity", "Test Dog", "temp", "98", NULL };
static const char *const with_nowayout[] = { "nowayout", "1", NULL };
static const char *const short_timeout[] = { "timeout", "1", NULL };
static const char *const with_pretimeout[] = { "timeout", "2", "pretimeout", "1", NULL };

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        /* expiry warns, as it should: not a test failure */
        g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
#define ADD(path, params, fn) g_test_add("/watchdog/" path, struct fixture, params, setup, fn, teardown)
        ADD("support", with_identity, test_support);
        ADD("open-starts", NULL, test_open_starts);
        ADD("timeouts", NULL, test_timeouts);
        ADD("options", NULL, test_options);
        ADD("nowayout", with_nowayout, test_nowayout);
        ADD("expiry", short_timeout, test_expiry);
        ADD("pretimeout", with_pretimeout, test_pretimeout);
#undef ADD
        g_test_add_func("/watchdog/device-params", test_device_params);
        return g_test_run();
}
