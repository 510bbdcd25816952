/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The evdev family through the loopback transport: every ioctl and the
 * kernel's errnos, read/write/poll, per-open rings and SYN_DROPPED, grab,
 * revoke, clocks, masks, copies shorter than the caller's length, evemu
 * descriptions, presets, the `events` state and sysfs. */
#include "control.h"
#include "evdev/evdev-abi.h"
#include "evdev/evdev-model.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <time.h>

struct mem {
        char buf[512];
        int i;
        struct input_id id;
        struct input_absinfo abs;
        struct evdev_rep rep;
        struct evdev_keycode kc;
        struct input_keymap_entry ke;
        struct ff_effect effect;
        struct input_mask mask;
        unsigned long codes[12];
        __s32 slots[1 + 4];
};

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb, *other;
        struct mem *mem;
};

static struct ck_device *device_new(const char *key, const char *value)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL;

        if (key)
                g_hash_table_insert(params, (gpointer)key, (gpointer)value);
        g_assert_cmpint(ck_device_new("evdev", "event7", params, &d, &error), ==, 0);
        g_assert_no_error(error);
        return d;
}

static void setup(struct fixture *fx, gconstpointer data)
{
        fx->dev = device_new("preset", data ? data : "keyboard");
        fx->mem = g_malloc0(sizeof(*fx->mem));
        g_assert_cmpint(ck_loopback_new(fx->dev, O_RDWR | O_NONBLOCK, &fx->lb), ==, 0);
        g_assert_cmpint(ck_loopback_new(fx->dev, O_RDWR | O_NONBLOCK, &fx->other), ==, 0);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
        ck_loopback_expose(fx->other, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        if (fx->other)
                ck_loopback_free(fx->other);
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int ioc(struct ck_loopback *lb, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static const struct ck_state_var *state_var(struct ck_device *d, const char *name)
{
        for (guint i = 0; i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0)
                        return v;
        }
        g_assert_not_reached();
}

static int inject(struct ck_device *d, const char *lines, GError **error)
{
        const struct ck_state_var *v = state_var(d, "events");
        g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_new_string(lines));

        return v->set(d, v->userdata, value, error);
}

static void inject_ok(struct ck_device *d, const char *lines)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(inject(d, lines, &error), ==, 0);
        g_assert_no_error(error);
}

static GVariant *state_get(struct ck_device *d, const char *name)
{
        const struct ck_state_var *v = state_var(d, name);
        return g_variant_ref_sink(v->get(d, v->userdata));
}

/* reads what is queued: the count of events, -errno */
static int read_events(struct ck_loopback *lb, struct input_event *ev, unsigned max)
{
        ssize_t r = ck_loopback_read(lb, ev, max * sizeof(*ev));

        if (r < 0)
                return (int)r;
        g_assert_cmpint(r % sizeof(*ev), ==, 0);
        return (int)(r / (ssize_t)sizeof(*ev));
}

static void assert_event(const struct input_event *e, unsigned type, unsigned code, int value)
{
        g_assert_cmpuint(e->type, ==, type);
        g_assert_cmpuint(e->code, ==, code);
        g_assert_cmpint(e->value, ==, value);
}

static void test_identity(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;

        g_assert_cmpint(ioc(fx->lb, EVIOCGVERSION, &m->i), ==, 0);
        g_assert_cmphex(m->i, ==, EV_VERSION);
        g_assert_cmpint(ioc(fx->lb, EVIOCGID, &m->id), ==, 0);
        g_assert_cmphex(m->id.bustype, ==, BUS_I8042);
        g_assert_cmphex(m->id.version, ==, 0xab41);
        /* the name's length back; the caller's bytes past it untouched */
        memset(m->buf, 'x', sizeof(m->buf));
        g_assert_cmpint(ioc(fx->lb, EVIOCGNAME(sizeof(m->buf)), m->buf), ==, sizeof("AT Translated Set 2 keyboard"));
        g_assert_cmpstr(m->buf, ==, "AT Translated Set 2 keyboard");
        g_assert_cmpint(m->buf[sizeof("AT Translated Set 2 keyboard")], ==, 'x');
        /* a short buffer: what fits, no NUL */
        memset(m->buf, 'x', sizeof(m->buf));
        g_assert_cmpint(ioc(fx->lb, EVIOCGNAME(2), m->buf), ==, 2);
        g_assert_cmpmem(m->buf, 3, "ATx", 3);
        g_assert_cmpint(ioc(fx->lb, EVIOCGPHYS(sizeof(m->buf)), m->buf), ==, sizeof("isa0060/serio0/input0"));
        g_assert_cmpstr(m->buf, ==, "isa0060/serio0/input0");
        g_assert_cmpint(ioc(fx->lb, EVIOCGUNIQ(sizeof(m->buf)), m->buf), ==, -ENOENT);
        /* a buffer the client does not have */
        g_assert_cmpint(ioc(fx->lb, EVIOCGNAME(16), (char *)m + sizeof(*m) - 4), ==, -EFAULT);
        /* a request of no row: evdev answers EINVAL */
        g_assert_cmpint(ioc(fx->lb, _IOR('E', 0x05, int), &m->i), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, _IOR('F', 0x01, int), &m->i), ==, -EINVAL);
}

static void test_bits(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;
        unsigned long *words = (unsigned long *)m->buf;

        memset(m->buf, 0xee, sizeof(m->buf));
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(0, sizeof(m->buf)), m->buf), ==, sizeof(long));
        g_assert_cmphex(words[0], ==, (1ul << EV_SYN) | (1ul << EV_KEY) | (1ul << EV_MSC) | (1ul << EV_LED) |
                                          (1ul << EV_REP));
        g_assert_cmphex((uint8_t)m->buf[sizeof(long)], ==, 0xee);
        /* KEY_MAX bits are 96 bytes; 4 asked: 4 given */
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_KEY, sizeof(m->buf)), m->buf), ==, 96);
        g_assert_true((words[KEY_A / 64] >> (KEY_A % 64)) & 1);
        g_assert_false(words[0] & 1);     /* KEY_RESERVED never */
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_KEY, 4), m->buf), ==, 4);
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_REL, 8), m->buf), ==, 8);
        g_assert_cmphex(words[0], ==, 0);
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_LED, 8), m->buf), ==, 8);
        g_assert_cmphex(words[0], ==, 7);
        /* EV_REP has no bitmap: EINVAL as handle_eviocgbit() */
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_REP, 8), m->buf), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, EVIOCGPROP(8), m->buf), ==, 8);
        g_assert_cmphex(words[0], ==, 0);
        g_assert_cmpint(ioc(fx->lb, EVIOCGBIT(EV_KEY, 0), NULL), ==, 0);
        g_assert_true(evdev_model_test_bit(fx->dev, 0, EV_KEY));
        g_assert_true(evdev_model_test_bit(fx->dev, EV_KEY, KEY_A));
        g_assert_false(evdev_model_test_bit(fx->dev, EV_ABS, ABS_X));
        g_assert_false(evdev_model_test_bit(fx->dev, EV_KEY, KEY_CNT));
        g_assert_null(evdev_model_absinfo(fx->dev, ABS_X));
}

static void test_events(struct fixture *fx, gconstpointer data)
{
        struct input_event ev[8];
        struct timespec now;

        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, -EAGAIN);
        g_assert_cmphex(ck_loopback_poll(fx->lb), ==, POLLOUT | POLLWRNORM);
        inject_ok(fx->dev, "EV_KEY KEY_A 1\nSYN\n");
        g_assert_cmphex(ck_loopback_poll(fx->lb), ==, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
        /* whole events only */
        g_assert_cmpint(ck_loopback_read(fx->lb, ev, sizeof(ev[0]) - 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, ev, 0), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, ev, sizeof(ev[0]) + 5), ==, sizeof(ev[0]));
        assert_event(&ev[0], EV_KEY, KEY_A, 1);
        clock_gettime(CLOCK_REALTIME, &now);    /* evdev's default clock */
        g_assert_cmpint(labs(now.tv_sec - ev[0].input_event_sec), <=, 2);
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 1);
        assert_event(&ev[0], EV_SYN, SYN_REPORT, 0);
        g_assert_cmpint(read_events(fx->other, ev, 8), ==, 2);   /* every open has its own */
        /* a key already down is not reported again; the empty report is dropped */
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, -EAGAIN);
        /* autorepeat values pass; evemu-record's lines too */
        inject_ok(fx->dev, "E: 0.000001 0001 001e 0002\nE: 0.000001 0000 0000 0000\n"
                           "# comment\nEV_MSC MSC_SCAN 30\nEV_KEY KEY_A 0\nEV_SYN SYN_REPORT 0");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 5);
        assert_event(&ev[0], EV_KEY, KEY_A, 2);
        assert_event(&ev[2], EV_MSC, MSC_SCAN, 30);
        assert_event(&ev[3], EV_KEY, KEY_A, 0);
        /* unsupported codes and types go nowhere */
        inject_ok(fx->dev, "EV_REL REL_X 5\nEV_KEY BTN_LEFT 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, -EAGAIN);
        /* events not yet reported wait for their SYN_REPORT */
        inject_ok(fx->dev, "KEY_B 1");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, -EAGAIN);
        inject_ok(fx->dev, "SYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 2);
        g_autoptr(GVariant) keys = state_get(fx->dev, "keys");
        g_autofree char *text = g_variant_print(keys, FALSE);
        g_assert_cmpstr(text, ==, "['KEY_B']");
}

static void test_events_refused(struct fixture *fx, gconstpointer data)
{
        static const char *const bad[] = {
                "EV_KEY KEY_A", "EV_BOGUS KEY_A 1", "EV_KEY KEY_NOPE 1", "KEY_A x", "E: 0.1 0001 001e",
                "E: 0.1 zz 001e 1", "one two three four", "KEY_A 99999999999",
        };
        struct input_event ev[4];

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *lines = g_strdup_printf("KEY_C 1\nSYN\n%s", bad[i]);
                g_assert_cmpint(inject(fx->dev, lines, &error), ==, -EINVAL);
                g_assert_error(error, CK_ERROR, EINVAL);
                g_assert_nonnull(strstr(error->message, "line 3"));
        }
        /* a bad line anywhere injects nothing */
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, -EAGAIN);
        /* numbers are fine */
        inject_ok(fx->dev, "1 30 1\n0 0 0");
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 2);
        assert_event(&ev[0], EV_KEY, KEY_A, 1);
}

/* evdev_pass_values()/__pass_event(): a full ring keeps SYN_DROPPED and the newest event */
static void test_overflow(struct fixture *fx, gconstpointer data)
{
        GString *lines = g_string_new(NULL);
        struct input_event ev[128];

        /* the keyboard's ring: max(8 packets of 8 events, 64) = 64 entries, 63 usable */
        for (unsigned i = 0; i < 20; i++)
                g_string_append(lines, "KEY_A 1\nSYN\nKEY_A 0\nSYN\n");   /* 80 events */
        inject_ok(fx->dev, lines->str);
        g_string_free(lines, TRUE);
        int n = read_events(fx->lb, ev, 128);
        g_assert_cmpint(n, >, 0);
        assert_event(&ev[0], EV_SYN, SYN_DROPPED, 0);
        /* what follows is whole packets up to the last report */
        assert_event(&ev[n - 1], EV_SYN, SYN_REPORT, 0);
        g_assert_cmpint(n, <, 64);
        /* the other open overflowed alike */
        g_assert_cmpint(read_events(fx->other, ev, 128), ==, n);
        assert_event(&ev[0], EV_SYN, SYN_DROPPED, 0);
}

static void test_grab(struct fixture *fx, gconstpointer data)
{
        struct input_event ev[4];

        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGRAB, 1), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(fx->other, EVIOCGRAB, 1), ==, -EBUSY);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGRAB, 1), ==, -EBUSY);   /* even its own */
        g_assert_cmpint(ck_loopback_ioctl(fx->other, EVIOCGRAB, 0), ==, -EINVAL);
        g_autoptr(GVariant) grabbed = state_get(fx->dev, "grabbed");
        g_assert_true(g_variant_get_boolean(grabbed));
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 2);
        g_assert_cmpint(read_events(fx->other, ev, 4), ==, -EAGAIN);
        /* a write by the other open still reaches the device (one evdev handle) */
        struct input_event w[2] = { { .type = EV_KEY, .code = KEY_B, .value = 1 }, { .type = EV_SYN } };
        g_assert_cmpint(ck_loopback_write(fx->other, w, sizeof(w)), ==, sizeof(w));
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 2);
        g_assert_cmpint(read_events(fx->other, ev, 4), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGRAB, 0), ==, 0);
        inject_ok(fx->dev, "KEY_A 0\nSYN");
        g_assert_cmpint(read_events(fx->other, ev, 4), ==, 2);
        /* the grabber's close lets go */
        g_assert_cmpint(ck_loopback_ioctl(fx->other, EVIOCGRAB, 1), ==, 0);
        ck_loopback_free(g_steal_pointer(&fx->other));
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGRAB, 1), ==, 0);
        g_autoptr(GVariant) clients = state_get(fx->dev, "clients");
        g_assert_cmpuint(g_variant_get_uint32(clients), ==, 1);
}

static void test_revoke(struct fixture *fx, gconstpointer data)
{
        struct input_event ev[4];

        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGRAB, 1), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCREVOKE, 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCREVOKE, 0), ==, 0);
        g_assert_cmpint(ioc(fx->lb, EVIOCGVERSION, &fx->mem->i), ==, -ENODEV);
        g_assert_cmpint(ioc(fx->lb, _IOR('E', 0x05, int), &fx->mem->i), ==, -ENODEV);   /* a number of no row too */
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCREVOKE, 0), ==, -ENODEV);
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, -ENODEV);
        g_assert_cmpint(ck_loopback_write(fx->lb, ev, sizeof(ev[0])), ==, -ENODEV);
        g_assert_cmphex(ck_loopback_poll(fx->lb), ==, POLLHUP | POLLERR);
        /* its grab went with it */
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(read_events(fx->other, ev, 4), ==, 2);
}

static void test_clock(struct fixture *fx, gconstpointer data)
{
        struct input_event ev[4];
        struct timespec now;

        fx->mem->i = CLOCK_PROCESS_CPUTIME_ID;
        g_assert_cmpint(ioc(fx->lb, EVIOCSCLOCKID, &fx->mem->i), ==, -EINVAL);
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        /* queued events carry the old clock: replaced by SYN_DROPPED, which
         * (as evdev_set_clk_type() leaves packet_head) the next packet delivers */
        fx->mem->i = CLOCK_MONOTONIC;
        g_assert_cmpint(ioc(fx->lb, EVIOCSCLOCKID, &fx->mem->i), ==, 0);
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, -EAGAIN);
        inject_ok(fx->dev, "KEY_A 0\nSYN");
        clock_gettime(CLOCK_MONOTONIC, &now);
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 3);
        assert_event(&ev[0], EV_SYN, SYN_DROPPED, 0);
        assert_event(&ev[1], EV_KEY, KEY_A, 0);
        g_assert_cmpint(labs(now.tv_sec - ev[1].input_event_sec), <=, 1);
        /* the same clock again: nothing dropped */
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(ioc(fx->lb, EVIOCSCLOCKID, &fx->mem->i), ==, 0);
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 2);
        fx->mem->i = CLOCK_BOOTTIME;
        g_assert_cmpint(ioc(fx->lb, EVIOCSCLOCKID, &fx->mem->i), ==, 0);
}

static void test_masks(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;
        struct input_event ev[8];

        /* no mask: all ones, codes_size bytes, the rest cleared */
        memset(m->codes, 0x55, sizeof(m->codes));
        m->mask = (struct input_mask){ .type = EV_KEY, .codes_size = sizeof(m->codes),
                                       .codes_ptr = (uintptr_t)m->codes };
        g_assert_cmpint(ioc(fx->lb, EVIOCGMASK, &m->mask), ==, 0);
        g_assert_cmphex(m->codes[0], ==, ~0ul);
        g_assert_cmphex(m->codes[11], ==, ~0ul);
        /* EV_KEY: KEY_B only */
        memset(m->codes, 0, sizeof(m->codes));
        m->codes[KEY_B / 64] = 1ul << (KEY_B % 64);
        g_assert_cmpint(ioc(fx->lb, EVIOCSMASK, &m->mask), ==, 0);
        memset(m->codes, 0x55, sizeof(m->codes));
        g_assert_cmpint(ioc(fx->lb, EVIOCGMASK, &m->mask), ==, 0);
        g_assert_cmphex(m->codes[0], ==, 1ul << KEY_B);
        g_assert_cmphex(m->codes[1], ==, 0);
        inject_ok(fx->dev, "KEY_A 1\nSYN\nKEY_B 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 2);     /* KEY_B, SYN: the empty report goes */
        assert_event(&ev[0], EV_KEY, KEY_B, 1);
        g_assert_cmpint(read_events(fx->other, ev, 8), ==, 4);
        /* codes_size not whole longs: EINVAL; an unknown type: accepted */
        m->mask.codes_size = 5;
        g_assert_cmpint(ioc(fx->lb, EVIOCSMASK, &m->mask), ==, -EINVAL);
        m->mask = (struct input_mask){ .type = EV_CNT + 3, .codes_size = 5, .codes_ptr = 1 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSMASK, &m->mask), ==, 0);
        /* codes the client does not have */
        m->mask = (struct input_mask){ .type = EV_KEY, .codes_size = 8, .codes_ptr = 8 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSMASK, &m->mask), ==, -EFAULT);
        g_assert_cmpint(ioc(fx->lb, EVIOCGMASK, &m->mask), ==, -EFAULT);
        /* the type mask (type 0): EV_KEY off */
        m->codes[0] = ~(1ul << EV_KEY);
        m->mask = (struct input_mask){ .type = 0, .codes_size = 8, .codes_ptr = (uintptr_t)m->codes };
        g_assert_cmpint(ioc(fx->lb, EVIOCSMASK, &m->mask), ==, 0);
        inject_ok(fx->dev, "KEY_B 0\nMSC_SCAN 48\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 2);
        assert_event(&ev[0], EV_MSC, MSC_SCAN, 48);
}

static void test_repeat_and_keymap(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;
        struct input_event ev[8];

        g_assert_cmpint(ioc(fx->lb, EVIOCGREP, &m->rep), ==, 0);
        g_assert_cmpuint(m->rep.delay, ==, 250);
        g_assert_cmpuint(m->rep.period, ==, 33);
        m->rep = (struct evdev_rep){ 500, 50 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSREP, &m->rep), ==, 0);
        m->rep = (struct evdev_rep){ 0 };
        g_assert_cmpint(ioc(fx->lb, EVIOCGREP, &m->rep), ==, 0);
        g_assert_cmpuint(m->rep.delay, ==, 500);
        /* the EV_REP events wait for a report, then reach everyone */
        inject_ok(fx->dev, "SYN");
        g_assert_cmpint(read_events(fx->other, ev, 8), ==, 3);
        assert_event(&ev[0], EV_REP, REP_DELAY, 500);
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 3);

        m->kc = (struct evdev_keycode){ .scancode = 30 };
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE, &m->kc), ==, 0);
        g_assert_cmpuint(m->kc.keycode, ==, KEY_A);
        m->kc = (struct evdev_keycode){ .scancode = 30, .keycode = KEY_F24 + 1 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSKEYCODE, &m->kc), ==, 0);
        m->kc.keycode = 0;
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE, &m->kc), ==, 0);
        g_assert_cmpuint(m->kc.keycode, ==, KEY_F24 + 1);
        m->kc = (struct evdev_keycode){ .scancode = 30, .keycode = KEY_MAX + 1 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSKEYCODE, &m->kc), ==, -EINVAL);
        m->kc = (struct evdev_keycode){ .scancode = 512 };
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE, &m->kc), ==, -EINVAL);
        /* KEY_A is in no entry any more: no longer supported */
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, -EAGAIN);
        /* v2: by index, and by a 2-byte scancode */
        m->ke = (struct input_keymap_entry){ .flags = INPUT_KEYMAP_BY_INDEX, .index = 48 };
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE_V2, &m->ke), ==, 0);
        g_assert_cmpuint(m->ke.keycode, ==, KEY_B);
        g_assert_cmpuint(m->ke.len, ==, 4);
        m->ke = (struct input_keymap_entry){ .len = 2, .scancode = { 48 }, .keycode = KEY_A };
        g_assert_cmpint(ioc(fx->lb, EVIOCSKEYCODE_V2, &m->ke), ==, 0);
        m->ke.len = 3;
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE_V2, &m->ke), ==, -EINVAL);
        m->ke.len = 33;
        g_assert_cmpint(ioc(fx->lb, EVIOCSKEYCODE_V2, &m->ke), ==, -EINVAL);
}

static void spin_main_loop(unsigned ms)
{
        gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

        while (g_get_monotonic_time() < end) {
                while (g_main_context_iteration(NULL, FALSE))
                        ;
                g_usleep(1000);
        }
}

/* input_repeat_key(): a held key comes again as value 2 with SYN_REPORT 1 until released */
static void test_autorepeat(struct fixture *fx, gconstpointer data)
{
        struct input_event ev[64];

        fx->mem->rep = (struct evdev_rep){ .delay = 40, .period = 20 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSREP, &fx->mem->rep), ==, 0);
        inject_ok(fx->dev, "KEY_A 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 64), ==, 4);    /* REP_DELAY, REP_PERIOD, KEY_A, SYN */
        assert_event(&ev[2], EV_KEY, KEY_A, 1);
        spin_main_loop(200);
        int n = read_events(fx->lb, ev, 64);
        g_assert_cmpint(n, >=, 2);
        g_assert_cmpint(n % 2, ==, 0);
        for (int i = 0; i < n; i += 2) {
                assert_event(&ev[i], EV_KEY, KEY_A, 2);
                assert_event(&ev[i + 1], EV_SYN, SYN_REPORT, 1);
        }
        inject_ok(fx->dev, "KEY_A 0\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 64), ==, 2);
        spin_main_loop(100);
        g_assert_cmpint(read_events(fx->lb, ev, 64), ==, -EAGAIN);
}

static void test_key_state(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;
        unsigned long *words = (unsigned long *)m->buf;
        struct input_event ev[8];

        inject_ok(fx->dev, "KEY_A 1\nSYN\nMSC_SCAN 1\nSYN");
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEY(sizeof(m->buf)), m->buf), ==, 96);
        g_assert_cmphex(words[0], ==, 1ul << KEY_A);
        /* the queued key events went: the state was just read */
        g_assert_cmpint(read_events(fx->lb, ev, 8), ==, 3);     /* a leading report stays */
        assert_event(&ev[0], EV_SYN, SYN_REPORT, 0);
        assert_event(&ev[1], EV_MSC, MSC_SCAN, 1);
        g_assert_cmpint(read_events(fx->other, ev, 8), ==, 4);
        /* LEDs from a client's write: every open sees them */
        struct input_event w[2] = { { .type = EV_LED, .code = LED_CAPSL, .value = 1 }, { .type = EV_SYN } };
        g_assert_cmpint(ck_loopback_write(fx->lb, w, sizeof(w)), ==, sizeof(w));
        g_assert_cmpint(ck_loopback_write(fx->lb, w, sizeof(w[0]) - 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_write(fx->lb, w, sizeof(w[0]) + 3), ==, sizeof(w[0]));   /* whole events */
        g_assert_cmpint(ioc(fx->lb, EVIOCGLED(1), m->buf), ==, 1);
        g_assert_cmphex((uint8_t)m->buf[0], ==, 1u << LED_CAPSL);
        g_assert_cmpint(read_events(fx->other, ev, 8), ==, 2);
        assert_event(&ev[0], EV_LED, LED_CAPSL, 1);
        g_autoptr(GVariant) leds = state_get(fx->dev, "leds");
        g_autofree char *text = g_variant_print(leds, FALSE);
        g_assert_cmpstr(text, ==, "['LED_CAPSL']");
        g_assert_cmpint(ioc(fx->lb, EVIOCGSW(8), m->buf), ==, 8);
        g_assert_cmpint(ioc(fx->lb, EVIOCGSND(8), m->buf), ==, 8);
}

static void test_abs(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;
        struct input_event ev[16];

        g_assert_cmpint(ioc(fx->lb, EVIOCGABS(ABS_X), &m->abs), ==, 0);
        g_assert_cmpint(m->abs.minimum, ==, 1266);
        g_assert_cmpint(m->abs.maximum, ==, 5676);
        g_assert_cmpint(m->abs.resolution, ==, 45);
        g_assert_cmpint(ioc(fx->lb, EVIOCGPROP(4), m->buf), ==, 4);
        g_assert_cmphex((uint8_t)m->buf[0], ==, (1u << INPUT_PROP_POINTER) | (1u << INPUT_PROP_BUTTONPAD));
        g_assert_true(evdev_model_test_prop(fx->dev, INPUT_PROP_BUTTONPAD));
        m->abs.fuzz = 8;
        g_assert_cmpint(ioc(fx->lb, EVIOCSABS(ABS_X), &m->abs), ==, 0);
        g_assert_cmpint(evdev_model_absinfo(fx->dev, ABS_X)->fuzz, ==, 8);
        g_assert_cmpint(ioc(fx->lb, EVIOCSABS(ABS_MT_SLOT), &m->abs), ==, -EINVAL);
        /* any length: min(len, 24) bytes; a shorter set clears the resolution */
        memset(m->buf, 0x77, sizeof(m->buf));
        g_assert_cmpint(ioc(fx->lb, _IOC(_IOC_READ, 'E', 0x40 + ABS_Y, 20), m->buf), ==, 0);
        g_assert_cmpint(((struct input_absinfo *)m->buf)->maximum, ==, 4758);
        g_assert_cmphex((uint8_t)m->buf[20], ==, 0x77);
        g_assert_cmpint(ioc(fx->lb, _IOC(_IOC_READ, 'E', 0x40 + ABS_Y, 100), m->buf), ==, 0);
        g_assert_cmpint(((struct input_absinfo *)m->buf)->resolution, ==, 69);
        g_assert_cmphex((uint8_t)m->buf[24], ==, 0x77);
        g_assert_cmpint(ioc(fx->lb, _IOC(_IOC_WRITE, 'E', 0xc0 + ABS_Y, 20), m->buf), ==, 0);
        g_assert_cmpint(evdev_model_absinfo(fx->dev, ABS_Y)->resolution, ==, 0);
        g_assert_cmpint(evdev_model_absinfo(fx->dev, ABS_Y)->maximum, ==, 4758);
        /* fuzz: within half of it nothing moves */
        inject_ok(fx->dev, "ABS_X 2000\nSYN\nABS_X 2003\nSYN\nABS_X 2100\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 16), ==, 4);
        assert_event(&ev[2], EV_ABS, ABS_X, 2100);
        /* slots: a change of slot is reported only with the slot's data */
        inject_ok(fx->dev, "ABS_MT_SLOT 0\nABS_MT_TRACKING_ID 7\nABS_MT_SLOT 1\nABS_MT_TRACKING_ID 8\n"
                           "ABS_MT_POSITION_X 3000\nSYN");
        int n = read_events(fx->lb, ev, 16);
        g_assert_cmpint(n, ==, 5);
        assert_event(&ev[0], EV_ABS, ABS_MT_TRACKING_ID, 7);
        assert_event(&ev[1], EV_ABS, ABS_MT_SLOT, 1);
        assert_event(&ev[2], EV_ABS, ABS_MT_TRACKING_ID, 8);
        m->slots[0] = ABS_MT_TRACKING_ID;
        m->slots[3] = 0x5555;
        g_assert_cmpint(ioc(fx->lb, EVIOCGMTSLOTS(sizeof(m->slots)), m->slots), ==, 0);
        g_assert_cmpint(m->slots[1], ==, 7);
        g_assert_cmpint(m->slots[2], ==, 8);
        g_assert_cmpint(m->slots[3], ==, 0x5555);     /* two slots: past them untouched */
        m->slots[0] = ABS_X;
        g_assert_cmpint(ioc(fx->lb, EVIOCGMTSLOTS(sizeof(m->slots)), m->slots), ==, -EINVAL);
        m->slots[0] = ABS_MT_POSITION_X;
        g_assert_cmpint(ioc(fx->lb, EVIOCGMTSLOTS(8), m->slots), ==, 0);
        g_assert_cmpint(m->slots[1], ==, 0);
        g_autoptr(GVariant) absinfo = state_get(fx->dev, "absinfo");
        g_autoptr(GVariant) x = g_variant_lookup_value(absinfo, "ABS_X", G_VARIANT_TYPE("(iiiiii)"));
        g_assert_nonnull(x);
        int value, min;
        g_variant_get(x, "(iiiiii)", &value, &min, NULL, NULL, NULL, NULL);
        g_assert_cmpint(value, ==, 2100);
        g_assert_cmpint(min, ==, 1266);
}

static void test_no_abs(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;

        g_assert_cmpint(ioc(fx->lb, EVIOCGABS(ABS_X), &m->abs), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, EVIOCSABS(ABS_X), &m->abs), ==, -EINVAL);
        m->slots[0] = ABS_MT_POSITION_X;
        g_assert_cmpint(ioc(fx->lb, EVIOCGMTSLOTS(sizeof(m->slots)), m->slots), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, EVIOCGREP, &m->rep), ==, -ENOSYS);      /* the mouse has no EV_REP */
        g_assert_cmpint(ioc(fx->lb, EVIOCSREP, &m->rep), ==, -ENOSYS);
        g_assert_cmpint(ioc(fx->lb, EVIOCGKEYCODE, &m->kc), ==, -EINVAL);  /* no keymap */
        g_assert_cmpint(ioc(fx->lb, EVIOCGEFFECTS, &m->i), ==, 0);
        g_assert_cmpint(m->i, ==, 0);
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -ENOSYS);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCRMFF, 0), ==, -ENOSYS);
        /* what evdev_do_ioctl() checks before it copies the argument: a NULL one loses */
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCSABS(ABS_X), 0), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCSREP, 0), ==, -ENOSYS);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCGREP, 0), ==, -ENOSYS);
        /* relative motion: 0 is no motion */
        struct input_event ev[4];
        inject_ok(fx->dev, "REL_X 0\nSYN\nREL_X -3\nREL_WHEEL 1\nSYN");
        g_assert_cmpint(read_events(fx->lb, ev, 4), ==, 3);
        assert_event(&ev[0], EV_REL, REL_X, -3);
}

static void test_ff(struct fixture *fx, gconstpointer data)
{
        struct mem *m = fx->mem;

        g_assert_cmpint(ioc(fx->lb, EVIOCGEFFECTS, &m->i), ==, 0);
        g_assert_cmpint(m->i, ==, 16);
        /* another size: input_ff_effect_from_user()'s EINVAL, which its caller makes EFAULT */
        g_assert_cmpint(ioc(fx->lb, _IOC(_IOC_WRITE, 'E', 0x80, sizeof(struct ff_effect) - 4), &m->effect), ==, -EFAULT);
        g_assert_cmpint(ioc(fx->lb, _IOC(_IOC_WRITE, 'E', 0x80, sizeof(struct ff_effect) + 4), &m->effect), ==, -EFAULT);
        m->effect = (struct ff_effect){ .type = FF_RUMBLE, .id = -1, .replay.length = 500,
                                        .u.rumble = { .strong_magnitude = 0x8000 } };
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, 0);
        g_assert_cmpint(m->effect.id, ==, 0);
        m->effect.id = -1;
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, 0);
        g_assert_cmpint(m->effect.id, ==, 1);
        /* updating: same type, one's own */
        m->effect.id = 0;
        g_assert_cmpint(ioc(fx->other, EVIOCSFF, &m->effect), ==, -EACCES);
        m->effect.type = FF_PERIODIC;
        m->effect.u.periodic.waveform = FF_SINE;
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -EINVAL);
        m->effect.id = 9;
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -EINVAL);
        m->effect = (struct ff_effect){ .type = FF_SPRING, .id = -1 };
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -EINVAL);
        m->effect = (struct ff_effect){ .type = FF_PERIODIC, .id = -1, .u.periodic.waveform = FF_CUSTOM };
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -EINVAL);
        /* playback through write() */
        struct input_event w[2] = { { .type = EV_FF, .code = 1, .value = 3 },
                                    { .type = EV_FF, .code = FF_GAIN, .value = 0x4000 } };
        g_assert_cmpint(ck_loopback_write(fx->other, w, sizeof(w)), ==, sizeof(w));
        g_autoptr(GVariant) effects = state_get(fx->dev, "ff/effects");
        g_autofree char *text = g_variant_print(effects, FALSE);
        g_assert_cmpstr(text, ==, "[(0, 'FF_RUMBLE', 500, 0), (1, 'FF_RUMBLE', 500, 3)]");
        g_autoptr(GVariant) gain = state_get(fx->dev, "ff/gain");
        g_assert_cmpuint(g_variant_get_uint32(gain), ==, 0x4000);
        g_assert_cmpint(ck_loopback_ioctl(fx->other, EVIOCRMFF, 1), ==, -EACCES);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCRMFF, 5), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCRMFF, (unsigned long)-1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, EVIOCRMFF, 1), ==, 0);
        /* all 16 taken: ENOSPC */
        for (int i = 0; i < 15; i++) {
                m->effect = (struct ff_effect){ .type = FF_RUMBLE, .id = -1 };
                g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, 0);
        }
        m->effect.id = -1;
        g_assert_cmpint(ioc(fx->lb, EVIOCSFF, &m->effect), ==, -ENOSPC);
        /* closing the open erases its effects */
        ck_loopback_free(g_steal_pointer(&fx->lb));
        g_assert_cmpint(ck_loopback_new(fx->dev, O_RDWR, &fx->lb), ==, 0);
        g_autoptr(GVariant) after = state_get(fx->dev, "ff/effects");
        g_assert_cmpuint(g_variant_n_children(after), ==, 0);
}

static const char evemu_mouse[] =
        "# EVEMU 1.3\n"
        "# Kernel: 6.1.0\n"
        "# Input device name: \"Test Mouse\"\n"
        "N: Test Mouse   \n"
        "I: 0003 1234 5678 0111\n"
        "P: 00 00 00 00 00 00 00 00\n"
        "B: 00 0b 00 00 00 00 00 00 00\n"   /* EV_SYN's codes */
        "B: 01 00 00 00 00 00 00 00 00\n"
        "B: 01 00 00 00 00 00 00 00 00\n"
        "B: 01 00 00 00 00 00 00 00 00\n"
        "B: 01 00 00 00 00 00 00 00 00\n"
        "B: 01 00 00 07 00 00 00 00 00   # BTN_LEFT, BTN_RIGHT, BTN_MIDDLE\n"
        "B: 02 03 09 00 00 00 00 00 00\n"
        "B: 03 03 00 00 00 00 00 00 00\n"
        "B: 04 10 00 00 00 00 00 00 00\n"
        "B: 05 00 00 00 00 00 00 00 00\n"
        "B: 11 00 00 00 00 00 00 00 00\n"
        "B: 12 00 00 00 00 00 00 00 00\n"
        "B: 14 00 00 00 00 00 00 00 00\n"
        "B: 15 00 00 00 00 00 00 00 00\n"
        "A: 00 0 1023 4 8 12\n"
        "A: 01 -5 5 0 0\n"
        "A: 05 0 1 0 0 0\n";

static void test_evemu(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("ck-evemu-XXXXXX", &path, &error);

        g_assert_no_error(error);
        g_assert_true(g_file_set_contents(path, evemu_mouse, -1, &error));
        close(fd);
        struct ck_device *d = device_new("evemu", path);
        g_assert_cmpstr(evdev_model_name(d), ==, "Test Mouse");
        g_assert_cmpstr(evdev_model_phys(d), ==, "");
        g_assert_cmphex(evdev_model_id(d)->vendor, ==, 0x1234);
        g_assert_cmphex(evdev_model_id(d)->version, ==, 0x0111);
        g_assert_true(evdev_model_test_bit(d, 0, EV_REL));    /* the types of the codes given */
        g_assert_true(evdev_model_test_bit(d, 0, EV_ABS));
        g_assert_false(evdev_model_test_bit(d, 0, EV_LED));   /* no code: not there */
        g_assert_false(evdev_model_test_bit(d, 0, EV_REP));
        g_assert_true(evdev_model_test_bit(d, EV_KEY, BTN_LEFT));
        g_assert_true(evdev_model_test_bit(d, EV_KEY, BTN_MIDDLE));
        g_assert_false(evdev_model_test_bit(d, EV_KEY, BTN_SIDE));
        g_assert_true(evdev_model_test_bit(d, EV_REL, REL_WHEEL));
        g_assert_true(evdev_model_test_bit(d, EV_REL, REL_WHEEL_HI_RES));
        g_assert_false(evdev_model_test_bit(d, EV_REL, REL_HWHEEL));
        g_assert_true(evdev_model_test_bit(d, EV_MSC, MSC_SCAN));
        g_assert_cmpint(evdev_model_absinfo(d, ABS_X)->maximum, ==, 1023);
        g_assert_cmpint(evdev_model_absinfo(d, ABS_X)->resolution, ==, 12);
        g_assert_cmpint(evdev_model_absinfo(d, ABS_Y)->minimum, ==, -5);
        g_assert_null(evdev_model_absinfo(d, 5));   /* described, but not in B: 03 */
        /* through the node, EVIOCGPHYS of a device without one */
        g_autoptr(ck_loopback) lb = NULL;
        char buf[64];
        g_assert_cmpint(ck_loopback_new(d, O_RDWR, &lb), ==, 0);
        ck_loopback_expose(lb, buf, sizeof(buf));
        g_assert_cmpint(ioc(lb, EVIOCGPHYS(sizeof(buf)), buf), ==, -ENOENT);
        g_assert_cmpint(ioc(lb, EVIOCGNAME(sizeof(buf)), buf), ==, sizeof("Test Mouse"));
        g_clear_pointer(&lb, ck_loopback_free);
        ck_device_free(d);

        static const struct { const char *text, *want; } bad[] = {
                { "I: 0003 1234 5678 0111\n", "no N: line" },
                { "N: x\nI: 0003 1234 5678\n", "line 2" },
                { "N: x\nI: 0003 1234 5678 10000\n", "16-bit" },
                { "N: x\nB: 02 00 00 ff\n", "known codes" },       /* REL_MAX is 0x0f: byte 2 is past it */
                { "N: x\nB: 20 00\n", "B: takes" },
                { "N: x\nB: 00 00 00 01\n", "known codes" },         /* EV_SYN's codes end at SYN_MAX */
                { "N: x\nB: 16 01\n", "known codes" },          /* EV_PWR has none */
                { "N: x\nA: 00 0 1\n", "A: takes" },
                { "N: x\nA: 40 0 1 0 0\n", "A: takes" },
                { "N: x\nZ: 1\n", "not an N:" },
                { "N: x\nL: 10 1\n", "code (hex)" },
                { "N: x\nP: 00 00 00 00 01\n", "known properties" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) e = NULL;
                g_assert_true(g_file_set_contents(path, bad[i].text, -1, NULL));
                g_hash_table_insert(params, (gpointer) "evemu", path);
                g_assert_cmpint(ck_device_new("evdev", "event8", params, &d, &e), ==, -EINVAL);
                g_assert_error(e, CK_ERROR, EINVAL);
                if (!strstr(e->message, bad[i].want))
                        g_error("%s: %s (wanted %s)", bad[i].text, e->message, bad[i].want);
        }
        g_unlink(path);
}

/* What evemu-describe 1.3 printed for a uinput device in the test VM's
 * kernel (6.1), made by evemu-device from this preset's description. */
static void test_evemu_real(void)
{
        g_autofree char *path = g_test_build_filename(G_TEST_DIST, "evdev-xbox360.evemu", NULL);
        struct ck_device *d = device_new("evemu", path);

        g_assert_cmpstr(evdev_model_name(d), ==, "Microsoft X-Box 360 pad");
        g_assert_cmphex(evdev_model_id(d)->product, ==, 0x028e);
        g_assert_true(evdev_model_test_bit(d, 0, EV_FF));
        g_assert_true(evdev_model_test_bit(d, EV_FF, FF_RUMBLE));
        g_assert_true(evdev_model_test_bit(d, EV_FF, FF_GAIN));
        g_assert_true(evdev_model_test_bit(d, EV_KEY, BTN_MODE));
        g_assert_false(evdev_model_test_bit(d, 0, EV_REP));
        g_assert_cmpint(evdev_model_absinfo(d, ABS_RX)->minimum, ==, -32768);
        g_assert_cmpint(evdev_model_absinfo(d, ABS_RX)->fuzz, ==, 16);
        g_assert_cmpint(evdev_model_absinfo(d, ABS_RX)->flat, ==, 128);
        g_assert_cmpint(evdev_model_absinfo(d, ABS_HAT0Y)->maximum, ==, 1);
        /* the preset it came from answers the same */
        struct ck_device *preset = device_new("preset", "gamepad");
        for (unsigned type = 0; type < EV_CNT; type++)
                for (unsigned code = 0; code < KEY_CNT; code++)
                        g_assert_true(evdev_model_test_bit(d, type, code) == evdev_model_test_bit(preset, type, code));
        for (unsigned a = 0; a <= ABS_MAX; a++) {
                const struct input_absinfo *x = evdev_model_absinfo(d, a), *y = evdev_model_absinfo(preset, a);
                g_assert_true(!x == !y);
                if (x)
                        g_assert_cmpmem(x, sizeof(*x), y, sizeof(*y));
        }
        ck_device_free(preset);
        ck_device_free(d);
}

static void test_params(void)
{
        static const char *const presets[] = { "keyboard", "mouse", "touchpad", "gamepad" };

        for (size_t i = 0; i < G_N_ELEMENTS(presets); i++) {
                struct ck_device *d = device_new("preset", presets[i]);
                g_assert_cmpuint(strlen(evdev_model_name(d)), >, 0);
                ck_device_free(d);
        }
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d;
        g_hash_table_insert(params, (gpointer) "preset", (gpointer) "joystick");
        g_assert_cmpint(ck_device_new("evdev", "event7", params, &d, &error), ==, -EINVAL);
        g_assert_nonnull(strstr(error->message, "keyboard, mouse, touchpad, gamepad"));
        g_clear_error(&error);
        g_hash_table_insert(params, (gpointer) "evemu", (gpointer) "/nonexistent/x.evemu");
        g_assert_cmpint(ck_device_new("evdev", "event7", params, &d, &error), ==, -EINVAL);
        g_clear_error(&error);
        g_hash_table_remove(params, "preset");
        g_assert_cmpint(ck_device_new("evdev", "event7", params, &d, &error), ==, -ENOENT);
        g_clear_error(&error);
        g_hash_table_remove(params, "evemu");
        g_hash_table_insert(params, (gpointer) "name", (gpointer) "My Keyboard");
        g_assert_cmpint(ck_device_new("evdev", "event7", params, &d, &error), ==, 0);
        g_assert_cmpstr(evdev_model_name(d), ==, "My Keyboard");
        ck_device_free(d);
}

static char *show(struct ck_device *d, const char *path)
{
        const struct ck_sysfs_class *cls = d->index->type->sysfs;
        char buf[4096] = { 0 };

        for (size_t i = 0; i < cls->n_entries; i++)
                if (cls->entries[i].path && strcmp(cls->entries[i].path, path) == 0) {
                        ssize_t n = cls->entries[i].show(d, buf, sizeof(buf));
                        g_assert_cmpint(n, >, 0);
                        return g_strndup(buf, (gsize)n);
                }
        g_assert_not_reached();
}

/* input.c's attributes: input_print_bitmap() and input_print_modalias() */
static void test_sysfs(void)
{
        struct ck_device *d = device_new("preset", "mouse");
        g_autofree char *ev = show(d, "device/capabilities/ev");
        g_autofree char *key = show(d, "device/capabilities/key");
        g_autofree char *rel = show(d, "device/capabilities/rel");
        g_autofree char *abs = show(d, "device/capabilities/abs");
        g_autofree char *props = show(d, "device/properties");
        g_autofree char *alias = show(d, "device/modalias");
        g_autofree char *vendor = show(d, "device/id/vendor");
        g_autofree char *name = show(d, "device/name");

        g_assert_cmpstr(ev, ==, "17\n");
        g_assert_cmpstr(key, ==, "70000 0 0 0 0\n");     /* BTN_LEFT.. at 0x110: the fifth word */
        g_assert_cmpstr(rel, ==, "903\n");
        g_assert_cmpstr(abs, ==, "0\n");
        g_assert_cmpstr(props, ==, "0\n");
        g_assert_cmpstr(vendor, ==, "046d\n");
        g_assert_cmpstr(name, ==, "Logitech USB Optical Mouse\n");
        g_assert_cmpstr(alias, ==, "input:b0003v046DpC077e0111-e0,1,2,4,k110,111,112,r0,1,8,B,am4,lsfw\n");
        char uevent[4096];
        g_assert_cmpuint(evdev_model_uevent(d, uevent, sizeof(uevent)), ==, strlen(uevent));
        g_assert_cmpstr(uevent, ==,
                        "PRODUCT=3/46d/c077/111\n"
                        "NAME=\"Logitech USB Optical Mouse\"\n"
                        "PHYS=\"usb-0000:00:14.0-1/input0\"\n"
                        "PROP=0\n"
                        "EV=17\n"
                        "KEY=70000 0 0 0 0\n"
                        "REL=903\n"
                        "MSC=10\n"
                        "MODALIAS=input:b0003v046DpC077e0111-e0,1,2,4,k110,111,112,r0,1,8,B,am4,lsfw\n");
        ck_device_free(d);

        d = device_new("preset", "touchpad");
        g_autofree char *tprops = show(d, "device/properties");
        g_autofree char *tabs = show(d, "device/capabilities/abs");
        g_assert_cmpstr(tprops, ==, "5\n");
        g_assert_cmpstr(tabs, ==, "660800011000003\n");
        ck_device_free(d);
}

struct cli_run {
        char *err;
        int status;
        gboolean done;
};

static void on_cli_done(GObject *source, GAsyncResult *res, gpointer userdata)
{
        struct cli_run *run = userdata;
        g_autoptr(GError) error = NULL;

        g_assert_true(g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, NULL, &run->err, &error));
        run->status = g_subprocess_get_exit_status(G_SUBPROCESS(source));
        run->done = TRUE;
}

/* `cusekit --socket SOCKET events ARGS...` with @input on its stdin, served by this loop. */
static int cli_events(const char *socket, const char *input, char **ret_err, const char *const *args)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        struct cli_run run = { 0 };

        g_ptr_array_add(argv, (char *)g_getenv("CUSEKIT_CLI"));
        g_ptr_array_add(argv, "--socket");
        g_ptr_array_add(argv, (char *)socket);
        g_ptr_array_add(argv, "events");
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, (char *)*a);
        g_ptr_array_add(argv, NULL);
        g_autoptr(GSubprocess) p = g_subprocess_newv((const char *const *)argv->pdata,
                                                     G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                     &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8_async(p, input ? input : "", NULL, on_cli_done, &run);
        while (!run.done)
                g_main_context_iteration(NULL, TRUE);
        if (ret_err)
                *ret_err = run.err;
        else
                g_free(run.err);
        return run.status;
}

/* A recording as evemu-record writes it: the description, then events. */
static const char recording[] =
        "# EVEMU 1.3\n"
        "N: AT Translated Set 2 keyboard\n"
        "I: 0011 0001 0001 ab41\n"
        "B: 00 13 00 12 00 00 00 00 00\n"
        "################################\n"
        "#      Waiting for events      #\n"
        "################################\n"
        "E: 100.000000 0004 0004 0030	# EV_MSC / MSC_SCAN             30\n"
        "E: 100.000000 0001 001e 0001	# EV_KEY / KEY_A                1\n"
        "E: 100.000000 0000 0000 0000	# ------------ SYN_REPORT (0) ---------- +0ms\n"
        "E: 100.300000 0001 001e 0000	# EV_KEY / KEY_A                0\n"
        "E: 100.300000 0000 0000 0000	# ------------ SYN_REPORT (0) ---------- +300ms\n";

/* `cusekit events`: evemu-record output and simple lines, timed or not */
static void test_cli(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("cusekit-evdev-XXXXXX", NULL);
        g_autofree char *socket = g_build_filename(dir, "control.sock", NULL);
        g_autofree char *path = g_build_filename(dir, "rec.evemu", NULL);
        g_autoptr(GPtrArray) devices = g_ptr_array_new();
        struct ck_device *d = device_new("preset", "keyboard");
        struct ck_control *control;
        struct ck_loopback *lb;
        struct input_event ev[16];

        /* no autorepeat during the 300 ms KEY_A is held */
        inject_ok(d, "EV_REP REP_DELAY 10000\nSYN");
        g_ptr_array_add(devices, d);
        g_assert_cmpint(ck_control_new(socket, 0600, (uid_t)-1, devices, NULL, &control, &error), ==, 0);
        g_assert_cmpint(ck_loopback_new(d, O_RDWR | O_NONBLOCK, &lb), ==, 0);
        g_assert_true(g_file_set_contents(path, recording, -1, NULL));

        /* timed: the second report 300 ms after the first */
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(cli_events(socket, NULL, NULL, (const char *[]){ "event7", path, NULL }), ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 290000);
        g_assert_cmpint(read_events(lb, ev, 16), ==, 5);
        assert_event(&ev[0], EV_MSC, MSC_SCAN, 30);   /* evemu writes values in decimal */
        assert_event(&ev[1], EV_KEY, KEY_A, 1);
        assert_event(&ev[3], EV_KEY, KEY_A, 0);
        /* the later report carries a later time */
        g_assert_cmpint(ev[3].input_event_sec * 1000000 + ev[3].input_event_usec - ev[0].input_event_sec * 1000000 -
                                ev[0].input_event_usec, >=, 250000);

        /* untimed, from stdin, simple lines */
        g_assert_cmpint(cli_events(socket, "EV_KEY KEY_B 1\nSYN\nKEY_B 0\nSYN\n", NULL,
                                   (const char *[]){ "event7", "-", "--no-timing", NULL }), ==, 0);
        g_assert_cmpint(read_events(lb, ev, 16), ==, 4);
        assert_event(&ev[0], EV_KEY, KEY_B, 1);
        assert_event(&ev[2], EV_KEY, KEY_B, 0);

        /* a bad line: refused with the file's line number, nothing sent */
        g_autofree char *err = NULL;
        g_assert_true(g_file_set_contents(path, "N: x\nKEY_C 1\nSYN\nKEY_C maybe\n", -1, NULL));
        g_assert_cmpint(cli_events(socket, NULL, &err, (const char *[]){ "event7", path, "--no-timing", NULL }), ==, 1);
        g_assert_nonnull(strstr(err, "line 4"));
        g_assert_cmpint(read_events(lb, ev, 16), ==, -EAGAIN);
        g_autofree char *err2 = NULL;
        g_assert_cmpint(cli_events(socket, NULL, &err2, (const char *[]){ "event7", "/nonexistent/rec", NULL }), ==, 1);
        g_assert_nonnull(strstr(err2, "/nonexistent/rec"));

        ck_loopback_free(lb);
        ck_control_free(control);
        ck_device_free(d);
        g_unlink(path);
        g_rmdir(dir);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, preset, fn) g_test_add(path, struct fixture, preset, setup, fn, teardown)
        ADD("/evdev/identity", "keyboard", test_identity);
        ADD("/evdev/bits", "keyboard", test_bits);
        ADD("/evdev/events", "keyboard", test_events);
        ADD("/evdev/events-refused", "keyboard", test_events_refused);
        ADD("/evdev/overflow", "keyboard", test_overflow);
        ADD("/evdev/grab", "keyboard", test_grab);
        ADD("/evdev/revoke", "keyboard", test_revoke);
        ADD("/evdev/clock", "keyboard", test_clock);
        ADD("/evdev/masks", "keyboard", test_masks);
        ADD("/evdev/repeat-and-keymap", "keyboard", test_repeat_and_keymap);
        ADD("/evdev/key-state", "keyboard", test_key_state);
        ADD("/evdev/autorepeat", "keyboard", test_autorepeat);
        ADD("/evdev/abs-and-slots", "touchpad", test_abs);
        ADD("/evdev/mouse", "mouse", test_no_abs);
        ADD("/evdev/ff", "gamepad", test_ff);
        g_test_add_func("/evdev/evemu", test_evemu);
        g_test_add_func("/evdev/evemu-real", test_evemu_real);
        g_test_add_func("/evdev/params", test_params);
        g_test_add_func("/evdev/sysfs", test_sysfs);
        g_test_add_func("/evdev/cli-events", test_cli);
        return g_test_run();
}
