/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every rtc ioctl, its interrupts and its errors through the loopback
 * transport; timers run on the default GLib context, iterated here. */
#include "rtc/rtc-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        unsigned state_changes;
        struct {
                struct rtc_time tm;
                struct rtc_wkalrm alarm;
                struct rtc_param param;
                unsigned long value;
        } *mem;
};

static void count_changes(struct ck_device *d, void *userdata)
{
        (*(unsigned *)userdata)++;
}

static void fixture_open(struct fixture *fx, GHashTable *params)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_device_new("rtc", "rtc0", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        fx->dev->state_changed = count_changes;
        fx->dev->state_changed_data = &fx->state_changes;
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
        /* no process behind the calls: every capability, whatever this
         * test runs with (test_capabilities names real callers) */
        ck_loopback_set_tid(fx->lb, 0);
}

static void setup(struct fixture *fx, gconstpointer data)
{
        fixture_open(fx, NULL);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static int lb_ioctl(struct fixture *fx, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static gint64 tm_secs(const struct rtc_time *tm)
{
        struct tm t = { .tm_sec = tm->tm_sec, .tm_min = tm->tm_min, .tm_hour = tm->tm_hour,
                        .tm_mday = tm->tm_mday, .tm_mon = tm->tm_mon, .tm_year = tm->tm_year };
        return (gint64)timegm(&t);
}

static struct rtc_time read_time(struct fixture *fx)
{
        memset(&fx->mem->tm, 0x55, sizeof(fx->mem->tm));
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_RD_TIME), &fx->mem->tm), ==, 0);
        return fx->mem->tm;
}

static int set_time(struct fixture *fx, struct rtc_time tm)
{
        fx->mem->tm = tm;
        return lb_ioctl(fx, CK_REQUEST(RTC_SET_TIME), &fx->mem->tm);
}

static int set_wkalarm(struct fixture *fx, gint64 when, unsigned enabled)
{
        time_t t = (time_t)when;
        struct tm g;

        gmtime_r(&t, &g);
        fx->mem->alarm = (struct rtc_wkalrm){
                .enabled = enabled,
                .time = { .tm_sec = g.tm_sec, .tm_min = g.tm_min, .tm_hour = g.tm_hour,
                          .tm_mday = g.tm_mday, .tm_mon = g.tm_mon, .tm_year = g.tm_year },
        };
        return lb_ioctl(fx, CK_REQUEST(RTC_WKALM_SET), &fx->mem->alarm);
}

static GVariant *state_get(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0)
                        return g_variant_ref_sink(v->get(d, v->userdata));
        }
        g_error("no state variable %s", name);
}

static gboolean on_deadline(gpointer data)
{
        *(gboolean *)data = TRUE;
        return G_SOURCE_REMOVE;
}

/* Runs the loop until an interrupt word can be read, or @ms pass: 0. */
static unsigned long wait_irq(struct fixture *fx, unsigned ms)
{
        gboolean late = FALSE;
        guint deadline = g_timeout_add(ms, on_deadline, &late);
        unsigned long word = 0;

        while (!late) {
                if (ck_loopback_poll(fx->lb) & POLLIN) {
                        g_assert_cmpint(ck_loopback_read(fx->lb, &word, sizeof(word)), ==, sizeof(word));
                        g_source_remove(deadline);
                        return word;
                }
                g_main_context_iteration(NULL, TRUE);
        }
        return 0;
}

static void run_for(unsigned ms)
{
        gboolean done = FALSE;

        g_timeout_add(ms, on_deadline, &done);
        while (!done)
                g_main_context_iteration(NULL, TRUE);
}

static void test_read_time(struct fixture *fx, gconstpointer data)
{
        gint64 before = g_get_real_time() / G_USEC_PER_SEC;
        struct rtc_time tm = read_time(fx);
        gint64 after = g_get_real_time() / G_USEC_PER_SEC;

        g_assert_cmpint(tm_secs(&tm), >=, before);
        g_assert_cmpint(tm_secs(&tm), <=, after);
        time_t t = (time_t)tm_secs(&tm);
        struct tm g;
        gmtime_r(&t, &g);
        g_assert_cmpint(tm.tm_wday, ==, g.tm_wday);
        g_assert_cmpint(tm.tm_yday, ==, g.tm_yday + 1);   /* 1-based, as rtc_time64_to_tm() */
        g_assert_cmpint(tm.tm_isdst, ==, 0);
        /* an honest flat _IOR: one retry round to learn the size, then data */
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);
}

static void test_set_time(struct fixture *fx, gconstpointer data)
{
        struct rtc_time tm = { .tm_year = 130, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4, .tm_sec = 5 };
        g_autoptr(GVariant) before = state_get(fx->dev, "offset");

        g_assert_cmpint(g_variant_get_int64(before), ==, 0);
        g_assert_cmpint(set_time(fx, tm), ==, 0);
        g_assert_cmpuint(fx->state_changes, ==, 1);
        struct rtc_time now = read_time(fx);
        g_assert_cmpint(tm_secs(&now) - tm_secs(&tm), >=, 0);
        g_assert_cmpint(tm_secs(&now) - tm_secs(&tm), <=, 1);

        g_autoptr(GVariant) offset = state_get(fx->dev, "offset");
        gint64 expect = tm_secs(&tm) - g_get_real_time() / G_USEC_PER_SEC;
        g_assert_cmpint(ABS(g_variant_get_int64(offset) - expect), <=, 1);
        g_assert_cmpstr(g_variant_get_type_string(offset), ==, "x");

        /* the calendar: leap days, centuries, the far future, against libc */
        static const struct rtc_time dates[] = {
                { .tm_year = 70, .tm_mon = 0, .tm_mday = 1 },
                { .tm_year = 100, .tm_mon = 1, .tm_mday = 29, .tm_hour = 23, .tm_min = 59, .tm_sec = 59 },
                { .tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12 },
                { .tm_year = 200, .tm_mon = 2, .tm_mday = 1 },
                { .tm_year = 362, .tm_mon = 3, .tm_mday = 11, .tm_hour = 23, .tm_min = 47, .tm_sec = 10 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(dates); i++) {
                g_assert_cmpint(set_time(fx, dates[i]), ==, 0);
                now = read_time(fx);
                g_assert_cmpint(tm_secs(&now) - tm_secs(&dates[i]), >=, 0);
                g_assert_cmpint(tm_secs(&now) - tm_secs(&dates[i]), <=, 1);
                time_t t = (time_t)tm_secs(&now);
                struct tm g;
                gmtime_r(&t, &g);
                g_assert_cmpint(now.tm_year, ==, g.tm_year);
                g_assert_cmpint(now.tm_mon, ==, g.tm_mon);
                g_assert_cmpint(now.tm_mday, ==, g.tm_mday);
                g_assert_cmpint(now.tm_wday, ==, g.tm_wday);
                g_assert_cmpint(now.tm_yday, ==, g.tm_yday + 1);
        }
        /* the clock's range ends where ktime_t does: 2262-04-11 23:47:16; beyond, ERANGE
         * (rtc_valid_range()), up to the largest year rtc_valid_tm() allows */
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 362, .tm_mon = 3, .tm_mday = 11,
                                                        .tm_hour = 23, .tm_min = 47, .tm_sec = 16 }), ==, 0);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 362, .tm_mon = 3, .tm_mday = 11,
                                                        .tm_hour = 23, .tm_min = 47, .tm_sec = 17 }), ==, -ERANGE);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 8099, .tm_mon = 11, .tm_mday = 31 }), ==, -ERANGE);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = INT_MAX - 1900, .tm_mday = 1 }), ==, -ERANGE);
}

static void test_set_time_rejects_invalid(struct fixture *fx, gconstpointer data)
{
        static const struct rtc_time bad[] = {
                { .tm_year = 69, .tm_mon = 11, .tm_mday = 31 },              /* before 1970 */
                { .tm_year = 123, .tm_mon = 12, .tm_mday = 1 },              /* month 12 */
                { .tm_year = 123, .tm_mon = -1, .tm_mday = 1 },
                { .tm_year = 123, .tm_mon = 0, .tm_mday = 0 },
                { .tm_year = 123, .tm_mon = 1, .tm_mday = 29 },              /* 2023 is not leap */
                { .tm_year = 200, .tm_mon = 1, .tm_mday = 29 },              /* nor is 2100 */
                { .tm_year = 123, .tm_mon = 3, .tm_mday = 31 },
                { .tm_year = 123, .tm_mon = 0, .tm_mday = 1, .tm_hour = 24 },
                { .tm_year = 123, .tm_mon = 0, .tm_mday = 1, .tm_min = 60 },
                { .tm_year = 123, .tm_mon = 0, .tm_mday = 1, .tm_sec = 60 },  /* no leap seconds */
                { .tm_year = 123, .tm_mon = 0, .tm_mday = 1, .tm_sec = -1 },
                { .tm_year = INT_MAX - 1899, .tm_mon = 0, .tm_mday = 1 },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_cmpint(set_time(fx, bad[i]), ==, -EINVAL);
        g_assert_cmpuint(fx->state_changes, ==, 0);
        g_autoptr(GVariant) offset = state_get(fx->dev, "offset");
        g_assert_cmpint(g_variant_get_int64(offset), ==, 0);
        /* 2000 and 2024 are */
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 100, .tm_mon = 1, .tm_mday = 29 }), ==, 0);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 124, .tm_mon = 1, .tm_mday = 29 }), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_SET_TIME), NULL), ==, -EFAULT);
}

static void test_wakeup_alarm(struct fixture *fx, gconstpointer data)
{
        gint64 now = g_get_real_time() / G_USEC_PER_SEC;

        g_assert_cmpint(set_wkalarm(fx, now + 2, 1), ==, 0);
        memset(&fx->mem->alarm, 0x55, sizeof(fx->mem->alarm));
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_RD), &fx->mem->alarm), ==, 0);
        g_assert_cmpuint(fx->mem->alarm.enabled, ==, 1);
        g_assert_cmpuint(fx->mem->alarm.pending, ==, 0);
        g_assert_cmpint(tm_secs(&fx->mem->alarm.time), ==, now + 2);
        g_autoptr(GVariant) state = state_get(fx->dev, "alarm");
        g_assert_cmpint(g_variant_get_int64(state), ==, now + 2);

        unsigned long word = wait_irq(fx, 4000);
        g_assert_cmphex(word, ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        g_assert_cmpint(g_get_real_time() / G_USEC_PER_SEC, >=, now + 2);
        /* one-shot */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_RD), &fx->mem->alarm), ==, 0);
        g_assert_cmpuint(fx->mem->alarm.enabled, ==, 0);
        g_assert_cmpint(tm_secs(&fx->mem->alarm.time), ==, now + 2);

        /* due already: enabling fires it at once (the kernel's -ETIME path) */
        g_assert_cmpint(set_wkalarm(fx, now - 10, 1), ==, 0);
        g_assert_cmphex(wait_irq(fx, 500), ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        /* stored disabled: nothing */
        g_assert_cmpint(set_wkalarm(fx, now + 1, 0), ==, 0);
        g_assert_cmphex(wait_irq(fx, 1500), ==, 0);

        fx->mem->alarm.time.tm_mon = 12;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_SET), &fx->mem->alarm), ==, -EINVAL);
}

static void test_alarm_time_of_day(struct fixture *fx, gconstpointer data)
{
        /* before RTC_ALM_SET: the epoch, disabled */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_READ), &fx->mem->tm), ==, 0);
        g_assert_cmpint(fx->mem->tm.tm_year, ==, 70);
        g_assert_cmpint(fx->mem->tm.tm_mday, ==, 1);

        struct rtc_time now = read_time(fx);
        gint64 t = tm_secs(&now) + 2;
        time_t tt = (time_t)t;
        struct tm g;
        gmtime_r(&tt, &g);
        /* only the time of day counts: the date is today's */
        fx->mem->tm = (struct rtc_time){ .tm_hour = g.tm_hour, .tm_min = g.tm_min, .tm_sec = g.tm_sec,
                                         .tm_year = 5, .tm_mon = 99, .tm_mday = -4 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_SET), &fx->mem->tm), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_READ), &fx->mem->tm), ==, 0);
        g_assert_cmpint(tm_secs(&fx->mem->tm), ==, t);
        /* set, not enabled */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_RD), &fx->mem->alarm), ==, 0);
        g_assert_cmpuint(fx->mem->alarm.enabled, ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_AIE_ON), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_AIE_ON), NULL), ==, 0);
        g_assert_cmphex(wait_irq(fx, 4000), ==, (1ul << 8) | RTC_IRQF | RTC_AF);

        /* a time of day already past today is tomorrow's */
        tt = (time_t)(tm_secs(&now) - 3600);
        gmtime_r(&tt, &g);
        fx->mem->tm = (struct rtc_time){ .tm_hour = g.tm_hour, .tm_min = g.tm_min, .tm_sec = g.tm_sec };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_SET), &fx->mem->tm), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_READ), &fx->mem->tm), ==, 0);
        g_assert_cmpint(tm_secs(&fx->mem->tm), ==, tm_secs(&now) - 3600 + 24 * 3600);

        /* RTC_ALM_SET leaves the alarm disabled; AIE_OFF disarms */
        g_assert_cmpint(set_wkalarm(fx, tm_secs(&now) + 1, 1), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_AIE_OFF), NULL), ==, 0);
        g_assert_cmphex(wait_irq(fx, 2500), ==, 0);

        static const struct rtc_time bad[] = {
                { .tm_hour = 24 }, { .tm_min = 60 }, { .tm_sec = 60 }, { .tm_hour = -1 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                fx->mem->tm = bad[i];
                g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_SET), &fx->mem->tm), ==, -EINVAL);
        }
}

static void test_update_interrupts(struct fixture *fx, gconstpointer data)
{
        unsigned long word;

        g_assert_cmpuint(ck_loopback_poll(fx->lb), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, &word, sizeof(word)), ==, -EAGAIN);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, 0);
        for (int i = 0; i < 2; i++) {
                word = wait_irq(fx, 1500);
                g_assert_cmphex(word, ==, (1ul << 8) | RTC_IRQF | RTC_UF);
                /* at the turn of a second */
                g_assert_cmpint(g_get_real_time() % G_USEC_PER_SEC, <, 200000);
        }
        /* interrupts add up until read */
        run_for(2100);
        word = wait_irq(fx, 100);
        g_assert_cmphex(word & 0xff, ==, RTC_IRQF | RTC_UF);
        g_assert_cmpuint(word >> 8, >=, 2);
        g_assert_cmpuint(word >> 8, <=, 3);

        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_OFF), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_OFF), NULL), ==, 0);
        g_assert_cmphex(wait_irq(fx, 1200), ==, 0);
}

static void test_periodic_interrupts(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_READ), &fx->mem->value), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 1);

        /* by value, not by pointer: one round */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)64), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_READ), &fx->mem->value), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 64);

        /* rtc_irq_set_freq(): 1..RTC_MAX_FREQ, of the argument truncated to int */
        static const unsigned long bad[] = { 0, RTC_MAX_FREQ + 1, ~0ul, 0x80000000ul, 0x100000000ul };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)bad[i]), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_READ), &fx->mem->value), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 64);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)(0x100000000ul | RTC_MAX_FREQ)), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_READ), &fx->mem->value), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, RTC_MAX_FREQ);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)64), ==, 0);

        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, 0);
        run_for(500);
        unsigned long word = wait_irq(fx, 100);
        g_assert_cmphex(word & 0xff, ==, RTC_IRQF | RTC_PF);
        g_assert_cmpuint(word >> 8, >=, 24);     /* 32 expected */
        g_assert_cmpuint(word >> 8, <=, 34);

        /* a 32-bit reader gets an unsigned int */
        unsigned int narrow = 0;
        run_for(100);
        g_assert_cmpint(ck_loopback_read(fx->lb, &narrow, sizeof(narrow)), ==, sizeof(narrow));
        g_assert_cmphex(narrow & 0xff, ==, RTC_IRQF | RTC_PF);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_OFF), NULL), ==, 0);
        g_assert_cmphex(wait_irq(fx, 300), ==, 0);
}

/* Periodic interrupts on absolute deadlines, as the kernel's hrtimer: at
 * 32 Hz the periods counted in the words read never run ahead of the clock
 * and, however late the loop gets to them (a loaded machine), none is lost:
 * a late timer delivers the periods it owes at once. */
static void test_periodic_deadlines(struct fixture *fx, gconstpointer data)
{
        guint64 periods = 0;

        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)32), ==, 0);
        gint64 start_lo = g_get_monotonic_time();
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, 0);
        gint64 start_hi = g_get_monotonic_time();
        while (g_get_monotonic_time() - start_lo < G_USEC_PER_SEC) {
                unsigned long word = wait_irq(fx, 500);
                g_assert_cmphex(word & 0xff, ==, RTC_IRQF | RTC_PF);
                periods += word >> 8;
                g_assert_cmpuint(periods, <=, (guint64)(g_get_monotonic_time() - start_lo) * 32 / G_USEC_PER_SEC);
        }
        /* drain, then a fresh word: it was made after @asked */
        if (ck_loopback_poll(fx->lb) & POLLIN) {
                unsigned long word;
                g_assert_cmpint(ck_loopback_read(fx->lb, &word, sizeof(word)), ==, sizeof(word));
                periods += word >> 8;
        }
        gint64 asked = g_get_monotonic_time();
        periods += wait_irq(fx, 500) >> 8;
        gint64 now = g_get_monotonic_time();
        g_assert_cmpuint(periods, >=, (guint64)(asked - start_hi) * 32 / G_USEC_PER_SEC);
        g_assert_cmpuint(periods, <=, (guint64)(now - start_lo) * 32 / G_USEC_PER_SEC);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_OFF), NULL), ==, 0);
}

static void test_read_sizes(struct fixture *fx, gconstpointer data)
{
        guint8 buf[16];

        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 0), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 3), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 7), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 4), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 16), ==, -EAGAIN);
        g_assert_cmpint(set_wkalarm(fx, 0, 1), ==, 0);     /* long past: fires at once */
        run_for(50);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 16), ==, sizeof(unsigned long));
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 16), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_write(fx->lb, "x", 1), ==, -EINVAL);    /* no write() */
}

/* No driver of Linux 6.1 handles the epoch: ENOTTY, as rtc_dev_ioctl() answers. */
static void test_epoch(struct fixture *fx, gconstpointer data)
{
        fx->mem->value = 77;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_EPOCH_READ), &fx->mem->value), ==, -ENOTTY);
        g_assert_cmpuint(fx->mem->value, ==, 77);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_EPOCH_SET), (void *)1900), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_EPOCH_SET), (void *)0), ==, -ENOTTY);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
}

/* A process without capabilities, as the caller of the next requests. */
static pid_t spawn_capless(void)
{
        int ready[2];

        g_assert_cmpint(pipe(ready), ==, 0);
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
                struct __user_cap_data_struct d[2] = { 0 };
                if (syscall(SYS_capset, &h, d) != 0)
                        _exit(1);
                (void)!write(ready[1], "x", 1);
                pause();
                _exit(0);
        }
        char c;
        close(ready[1]);
        g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
        close(ready[0]);
        return pid;
}

/* rtc_dev_ioctl()'s capability checks, for the request's process
 * (drivers/rtc/dev.c:222-243), before any other check. */
static void test_capabilities(struct fixture *fx, gconstpointer data)
{
        pid_t child = spawn_capless();
        const unsigned long set = CK_REQUEST(RTC_PARAM_SET);

        ck_loopback_set_tid(fx->lb, child);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 130, .tm_mday = 1 }), ==, -EACCES);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 130, .tm_mday = 0 }), ==, -EACCES);
        g_assert_cmpuint(fx->state_changes, ==, 0);
        fx->mem->param = (struct rtc_param){ .param = RTC_PARAM_BACKUP_SWITCH_MODE, .uvalue = RTC_BSM_DIRECT };
        g_assert_cmpint(lb_ioctl(fx, set, &fx->mem->param), ==, -EACCES);
        fx->mem->param = (struct rtc_param){ .param = RTC_PARAM_FEATURES };
        g_assert_cmpint(lb_ioctl(fx, set, &fx->mem->param), ==, -EACCES);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_EPOCH_SET), (void *)1900), ==, -EACCES);
        /* up to max_user_freq (64 Hz) anyone; above, CAP_SYS_RESOURCE, judged before truncation */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)64), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)65), ==, -EACCES);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)0x100000004ul), ==, -EACCES);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)0), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_OFF), NULL), ==, 0);
        /* what needs no capability still works */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_RD_TIME), &fx->mem->tm), ==, 0);

        /* a privileged caller sets a fast rate; the capless one may not start it */
        ck_loopback_set_tid(fx->lb, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_IRQP_SET), (void *)128), ==, 0);
        ck_loopback_set_tid(fx->lb, child);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, -EACCES);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_OFF), NULL), ==, 0);
        ck_loopback_set_tid(fx->lb, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_OFF), NULL), ==, 0);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 130, .tm_mday = 1 }), ==, 0);

        /* a caller that is gone has no capabilities either */
        kill(child, SIGKILL);
        g_assert_cmpint(waitpid(child, NULL, 0), ==, child);
        ck_loopback_set_tid(fx->lb, child);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 130, .tm_mday = 1 }), ==, -EACCES);
}

/* Item 16 of issue 11: time arithmetic on client-supplied fields, at the
 * ends of the range (the fuzzer's crash-rtc-ms-until-overflow: an alarm
 * with the clock 2^60 s ahead overflowed microseconds in ms_until()). */
static void test_far_times(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        const struct ck_state_var *offset = NULL;

        for (guint i = 0; i < fx->dev->state->len; i++)
                if (strcmp(g_array_index(fx->dev->state, struct ck_state_var, i).name, "offset") == 0)
                        offset = &g_array_index(fx->dev->state, struct ck_state_var, i);
        g_assert_nonnull(offset);
        /* the clock moved far ahead under running timers: the alarm is long
         * past and fires at once, the update interrupt keeps ticking */
        gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, 0);
        g_assert_cmpint(set_wkalarm(fx, now_s + 3600, 1), ==, 0);
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64((gint64)1 << 60), &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmphex(wait_irq(fx, 500) & RTC_AF, ==, RTC_AF);
        g_assert_cmphex(wait_irq(fx, 1500) & RTC_UF, ==, RTC_UF);
        /* a year past what rtc_time can say: the clock reads as invalid */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_RD_TIME), &fx->mem->tm), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_OFF), NULL), ==, 0);
        /* RTC_SET_TIME far ahead with an alarm enabled (the fuzzer's path) */
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64(0), &error), ==, 0);
        g_assert_cmpint(set_wkalarm(fx, now_s + 3600, 1), ==, 0);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = INT_MAX - 1900, .tm_mday = 1 }), ==, -ERANGE);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 362, .tm_mon = 3, .tm_mday = 11 }), ==, 0);
        g_assert_cmphex(wait_irq(fx, 500) & RTC_AF, ==, RTC_AF);
        /* far behind: the clock reads as invalid, the alarms cannot be enabled */
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64(-((gint64)1 << 60)), &error), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_RD_TIME), &fx->mem->tm), ==, -EINVAL);
        g_assert_cmpint(set_wkalarm(fx, 946684800, 1), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, -EINVAL);
        /* beyond: refused, and the clock keeps its offset */
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64(G_MAXINT64), &error), ==, -ERANGE);
        g_assert_nonnull(error);
        g_clear_error(&error);
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64(G_MININT64), &error), ==, -ERANGE);
        g_clear_error(&error);
        g_autoptr(GVariant) now = state_get(fx->dev, "offset");
        g_assert_cmpint(g_variant_get_int64(now), ==, -((gint64)1 << 60));

        /* the far end of the range, from a clock there: an alarm a second
         * away, and alarms out of range refused with ERANGE */
        g_assert_cmpint(offset->set(fx->dev, offset->userdata, g_variant_new_int64(0), &error), ==, 0);
        g_assert_cmpint(set_time(fx, (struct rtc_time){ .tm_year = 362, .tm_mon = 3, .tm_mday = 11,
                                                        .tm_hour = 23, .tm_min = 47, .tm_sec = 14 }), ==, 0);
        g_assert_cmpint(set_wkalarm(fx, 9223372036, 1), ==, 0);
        g_assert_cmphex(wait_irq(fx, 4000), ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        g_assert_cmpint(set_wkalarm(fx, 9223372037, 1), ==, -ERANGE);
        fx->mem->alarm = (struct rtc_wkalrm){ .enabled = 1, .time = { .tm_year = INT_MAX - 1900, .tm_mday = 1 } };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_SET), &fx->mem->alarm), ==, -ERANGE);
        fx->mem->alarm.enabled = 0;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_WKALM_SET), &fx->mem->alarm), ==, -ERANGE);
        /* RTC_ALM_SET past the end of the range: tomorrow would be out of it */
        fx->mem->tm = (struct rtc_time){ .tm_hour = 0 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_ALM_SET), &fx->mem->tm), ==, -ERANGE);
}

static int param(struct fixture *fx, unsigned long request, guint64 which, guint64 value, guint32 index)
{
        fx->mem->param = (struct rtc_param){ .param = which, .uvalue = value, .index = index };
        return lb_ioctl(fx, request, &fx->mem->param);
}

static void test_params_ioctls(struct fixture *fx, gconstpointer data)
{
        const unsigned long get = CK_REQUEST(RTC_PARAM_GET), set = CK_REQUEST(RTC_PARAM_SET);

        g_assert_cmpint(param(fx, get, RTC_PARAM_FEATURES, 77, 0), ==, 0);
        g_assert_cmphex(fx->mem->param.uvalue, ==,
                        (1u << RTC_FEATURE_ALARM) | (1u << RTC_FEATURE_UPDATE_INTERRUPT) |
                        (1u << RTC_FEATURE_CORRECTION) | (1u << RTC_FEATURE_BACKUP_SWITCH_MODE));
        /* encoded _IOW, and yet the answer comes back */
        g_assert_cmpint(_IOC_DIR(get), ==, _IOC_WRITE);
        g_assert_cmpint(param(fx, get, RTC_PARAM_FEATURES, 77, 1), ==, -EINVAL);
        g_assert_cmpuint(fx->mem->param.uvalue, ==, 77);   /* nothing copied back on error */
        g_assert_cmpint(param(fx, set, RTC_PARAM_FEATURES, 0, 0), ==, -EINVAL);

        g_assert_cmpint(param(fx, get, RTC_PARAM_CORRECTION, 77, 0), ==, 0);
        g_assert_cmpint(fx->mem->param.svalue, ==, 0);
        g_assert_cmpint(param(fx, set, RTC_PARAM_CORRECTION, (guint64)-5000, 0), ==, 0);
        g_assert_cmpint(param(fx, get, RTC_PARAM_CORRECTION, 0, 0), ==, 0);
        g_assert_cmpint(fx->mem->param.svalue, ==, -5000);
        g_assert_cmpint(param(fx, set, RTC_PARAM_CORRECTION, 200000, 0), ==, -ERANGE);
        g_assert_cmpint(param(fx, set, RTC_PARAM_CORRECTION, 0, 1), ==, -EINVAL);
        g_assert_cmpint(param(fx, get, RTC_PARAM_CORRECTION, 0, 1), ==, -EINVAL);

        g_assert_cmpint(param(fx, set, RTC_PARAM_BACKUP_SWITCH_MODE, RTC_BSM_LEVEL, 0), ==, 0);
        g_assert_cmpint(param(fx, get, RTC_PARAM_BACKUP_SWITCH_MODE, 0, 0), ==, 0);
        g_assert_cmpuint(fx->mem->param.uvalue, ==, RTC_BSM_LEVEL);
        g_assert_cmpint(param(fx, set, RTC_PARAM_BACKUP_SWITCH_MODE, RTC_BSM_STANDBY + 1, 0), ==, -EINVAL);

        g_assert_cmpint(param(fx, get, 3, 0, 0), ==, -EINVAL);
        g_assert_cmpint(param(fx, set, 3, 0, 0), ==, -EINVAL);
        g_assert_cmpint(param(fx, get, ~0ull, 0, 0), ==, -EINVAL);
}

static void test_unknown_and_exclusive(struct fixture *fx, gconstpointer data)
{
        struct ck_loopback *second;

        g_assert_cmpint(lb_ioctl(fx, _IOR('p', 0x13, unsigned int), &fx->mem->value), ==, -ENOTTY);  /* RTC_VL_READ */
        g_assert_cmpint(lb_ioctl(fx, _IO('p', 0x14), NULL), ==, -ENOTTY);                            /* RTC_VL_CLR */
        g_assert_cmpint(lb_ioctl(fx, _IOR('p', 0x11, struct rtc_pll_info), &fx->mem->value), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, _IO('p', 0x0f), NULL), ==, -ENOTTY);                            /* RTC_WIE_ON */
        g_assert_cmpint(lb_ioctl(fx, _IOR('p', 0x09, int), &fx->mem->value), ==, -ENOTTY);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &second), ==, -EBUSY);

        /* release stops update and periodic interrupts, keeps the alarm */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(RTC_PIE_ON), NULL), ==, 0);
        gint64 now = g_get_real_time() / G_USEC_PER_SEC;
        g_assert_cmpint(set_wkalarm(fx, now + 1, 1), ==, 0);
        ck_loopback_free(fx->lb);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
        g_assert_cmphex(wait_irq(fx, 3000), ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        g_assert_cmphex(wait_irq(fx, 1200), ==, 0);
}

static void test_device_params(void)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct fixture fx = { 0 };

        g_hash_table_insert(params, "offset", "-86400");
        fixture_open(&fx, params);
        struct rtc_time tm = read_time(&fx);
        g_assert_cmpint(ABS(tm_secs(&tm) + 86400 - g_get_real_time() / G_USEC_PER_SEC), <=, 1);
        teardown(&fx, NULL);

        /* a clock set before 1970 reads as EINVAL, and cannot tick */
        g_autofree char *early = g_strdup_printf("%" G_GINT64_FORMAT, -(g_get_real_time() / G_USEC_PER_SEC) - 100);
        g_hash_table_insert(params, "offset", early);
        fixture_open(&fx, params);
        g_assert_cmpint(lb_ioctl(&fx, CK_REQUEST(RTC_RD_TIME), &fx.mem->tm), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(&fx, CK_REQUEST(RTC_UIE_ON), NULL), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(&fx, CK_REQUEST(RTC_AIE_ON), NULL), ==, -EINVAL);
        fx.mem->tm = (struct rtc_time){ .tm_hour = 1 };
        g_assert_cmpint(lb_ioctl(&fx, CK_REQUEST(RTC_ALM_SET), &fx.mem->tm), ==, -EINVAL);
        g_assert_cmpint(set_time(&fx, (struct rtc_time){ .tm_year = 120, .tm_mday = 1 }), ==, 0);
        read_time(&fx);
        teardown(&fx, NULL);

        struct ck_device *d = NULL;
        g_hash_table_insert(params, "offset", "soon");
        g_assert_cmpint(ck_device_new("rtc", "rtc0", params, &d, &error), ==, -EINVAL);
        g_assert_nonnull(strstr(error->message, "offset=soon"));
        g_clear_error(&error);
        g_hash_table_insert(params, "offset", "99999999999999999999");
        g_assert_cmpint(ck_device_new("rtc", "rtc0", params, &d, &error), ==, -EINVAL);
        g_assert_null(d);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/rtc/" path, struct fixture, NULL, setup, fn, teardown)
        ADD("read-time", test_read_time);
        ADD("set-time", test_set_time);
        ADD("set-time-rejects-invalid", test_set_time_rejects_invalid);
        ADD("wakeup-alarm", test_wakeup_alarm);
        ADD("alarm-time-of-day", test_alarm_time_of_day);
        ADD("update-interrupts", test_update_interrupts);
        ADD("periodic-interrupts", test_periodic_interrupts);
        ADD("periodic-deadlines", test_periodic_deadlines);
        ADD("read-sizes", test_read_sizes);
        ADD("epoch", test_epoch);
        ADD("capabilities", test_capabilities);
        ADD("far-times", test_far_times);
        ADD("param-ioctls", test_params_ioctls);
        ADD("unknown-and-exclusive", test_unknown_and_exclusive);
#undef ADD
        g_test_add_func("/rtc/device-params", test_device_params);
        return g_test_run();
}
