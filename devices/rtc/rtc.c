/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtc: a real-time clock after drivers/rtc/dev.c and interface.c.
 *
 * The clock is the host's wall clock plus a whole number of seconds
 * ("offset", device state): RTC_SET_TIME moves the offset, never the host
 * clock.  Alarm, update (1 Hz) and periodic interrupts run on GLib timers
 * at wall-clock rates and are read back as the kernel's interrupt word:
 * an unsigned long, RTC_IRQF | RTC_UF/RTC_AF/RTC_PF in the low byte and the
 * count of interrupts since the last read above it.
 */
#include "rtc-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <string.h>

CK_ASSERT_KERNEL_NUMBERS(RTC_IOCTLS)

/* What this clock offers through RTC_PARAM_FEATURES. */
#define RTC_FEATURES ((1u << RTC_FEATURE_ALARM) | (1u << RTC_FEATURE_UPDATE_INTERRUPT) | \
                      (1u << RTC_FEATURE_CORRECTION) | (1u << RTC_FEATURE_BACKUP_SWITCH_MODE))
/* RTC_PARAM_CORRECTION range in ppb, like the I2C clocks that have one: out of it, ERANGE. */
#define RTC_CORRECTION_MAX 100000
/* rtc_allocate_device(): rate 1 Hz. */
#define RTC_DEFAULT_FREQ 1
/* A timer longer than this re-checks: the wall clock may jump meanwhile. */
#define RTC_MAX_SLEEP_MS (60 * 1000)
/* The clock's range (rtc_valid_range(), drivers/rtc/interface.c:67-80):
 * 1970 up to the last second the kernel's rtc timers, in ktime_t
 * nanoseconds, can hold (KTIME_SEC_MAX, 2262-04-11 23:47:16 UTC); a time
 * or alarm outside it is ERANGE.  It also keeps every computation below
 * from overflowing. */
#define RTC_RANGE_MAX ((gint64)(G_MAXINT64 / 1000000000))
/* offset= and the offset state: far beyond the range, within 64 bits */
#define RTC_OFFSET_MAX ((gint64)1 << 60)

struct rtc {
        struct ck_device *dev;
        gint64 offset;               /* RTC seconds minus host seconds */
        gulong irq_data;             /* the interrupt word; 0: nothing to read */
        /* the alarm (the kernel's aie_timer): one-shot */
        gint64 alarm_time;           /* RTC seconds */
        gboolean alarm_enabled;
        guint alarm_source;
        /* update interrupts, every RTC second */
        gboolean uie;
        gint64 uie_next;             /* the RTC second of the next one */
        guint uie_source;
        /* periodic interrupts, on absolute deadlines like the kernel's hrtimer */
        int irq_freq;
        gboolean pie;
        gint64 pie_start;            /* monotonic µs */
        guint64 pie_done;            /* periods delivered since pie_start */
        guint pie_source;
        GSource *pie_gsource;        /* valid while pie_source is */
        gint64 correction;           /* ppb; kept, not applied to the rate */
        guint64 bsm;                 /* RTC_BSM_* */
        int max_user_freq;           /* sysfs; 0 until written: rtc_allocate_device()'s 64 */
};

/* Above this rate a caller needs CAP_SYS_RESOURCE (drivers/rtc/dev.c:230-239). */
static int rtc_max_user_freq(const struct rtc *r);

/* --- calendar, as drivers/rtc/lib.c counts it --- */

static gint64 floor_div(gint64 a, gint64 b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static gboolean leap_year(gint64 year)
{
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int month_days(unsigned month, gint64 year)
{
        static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return days[month] + (month == 1 && leap_year(year));
}

/* Days from 1970-01-01 to January 1st of @year. */
static gint64 days_to_year(gint64 year)
{
        gint64 y = year - 1;

        return 365 * (year - 1970) + (floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400)) -
               (1969 / 4 - 1969 / 100 + 1969 / 400);
}

/* rtc_valid_tm() */
static int tm_valid(const struct rtc_time *tm)
{
        if (tm->tm_year < 70 || tm->tm_year > INT_MAX - 1900 || (unsigned)tm->tm_mon >= 12 ||
            tm->tm_mday < 1 || tm->tm_mday > month_days((unsigned)tm->tm_mon, (gint64)tm->tm_year + 1900) ||
            (unsigned)tm->tm_hour >= 24 || (unsigned)tm->tm_min >= 60 || (unsigned)tm->tm_sec >= 60)
                return -EINVAL;
        return 0;
}

/* rtc_tm_to_time64(), for a valid @tm. */
static gint64 tm_to_secs(const struct rtc_time *tm)
{
        gint64 year = (gint64)tm->tm_year + 1900;
        gint64 days = days_to_year(year) + tm->tm_mday - 1;

        for (int m = 0; m < tm->tm_mon; m++)
                days += month_days((unsigned)m, year);
        return ((days * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 + tm->tm_sec;
}

/* rtc_time64_to_tm(): week and year days filled, isdst 0. */
static void secs_to_tm(gint64 secs, struct rtc_time *tm)
{
        gint64 days = floor_div(secs, 86400), rest = secs - days * 86400;
        /* an estimate, then exact */
        gint64 year = 1970 + floor_div(days * 400, 146097);

        while (days_to_year(year) > days)
                year--;
        while (days_to_year(year + 1) <= days)
                year++;
        int yday = (int)(days - days_to_year(year)), mon = 0, mday = yday;
        while (mday >= month_days((unsigned)mon, year))
                mday -= month_days((unsigned)mon++, year);
        *tm = (struct rtc_time){
                .tm_sec = (int)(rest % 60),
                .tm_min = (int)(rest / 60 % 60),
                .tm_hour = (int)(rest / 3600),
                .tm_mday = mday + 1,
                .tm_mon = mon,
                .tm_year = (int)CLAMP(year - 1900, INT_MIN, INT_MAX),
                .tm_wday = (int)((days % 7 + 7 + 4) % 7),   /* 1970-01-01 was a Thursday */
                .tm_yday = yday + 1,  /* 1-based, as rtc_time64_to_tm() (drivers/rtc/lib.c:147) */
        };
}

/* --- the clock and its interrupts --- */

static struct rtc *rtc_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static gint64 host_us(void)
{
        return g_get_real_time();
}

static gint64 rtc_now(const struct rtc *r)
{
        return floor_div(host_us(), G_USEC_PER_SEC) + r->offset;
}

/* __rtc_read_time(): a clock set before 1970 reads as EINVAL. */
static int rtc_read(const struct rtc *r, struct rtc_time *tm, gint64 *ret_secs)
{
        gint64 now = rtc_now(r);

        secs_to_tm(now, tm);
        if (ret_secs)
                *ret_secs = now;
        return tm_valid(tm);
}

/* rtc_handle_legacy_irq() */
static void rtc_irq(struct rtc *r, guint64 count, unsigned kind)
{
        r->irq_data = (r->irq_data + (gulong)(count << 8)) | RTC_IRQF | kind;
        ck_device_notify(r->dev);
}

/* Milliseconds until RTC second @when begins, rounded up, capped.  Any
 * @when and offset: a second too far for microseconds is just "far". */
static guint ms_until(const struct rtc *r, gint64 when)
{
        gint64 host_secs, wait;

        if (__builtin_sub_overflow(when, r->offset, &host_secs))
                return when > 0 ? RTC_MAX_SLEEP_MS : 0;
        if (__builtin_mul_overflow(host_secs, G_USEC_PER_SEC, &wait) ||
            __builtin_sub_overflow(wait, host_us(), &wait))
                return host_secs > 0 ? RTC_MAX_SLEEP_MS : 0;
        if (wait <= 0)
                return 0;
        return (guint)MIN(wait / 1000 + (wait % 1000 != 0), RTC_MAX_SLEEP_MS);
}

/* rtc_valid_tm(), then rtc_valid_range() */
static int tm_valid_in_range(const struct rtc_time *tm)
{
        int err = tm_valid(tm);

        if (err < 0)
                return err;
        return tm_to_secs(tm) > RTC_RANGE_MAX ? -ERANGE : 0;
}

static void clear_source(guint *id)
{
        if (*id) {
                g_source_remove(*id);
                *id = 0;
        }
}

static void alarm_arm(struct rtc *r);
static void uie_arm(struct rtc *r);

static gboolean on_alarm(gpointer data)
{
        struct rtc *r = data;

        r->alarm_source = 0;
        if (!r->alarm_enabled)
                return G_SOURCE_REMOVE;
        if (rtc_now(r) < r->alarm_time) {     /* early, or the clock moved */
                alarm_arm(r);
                return G_SOURCE_REMOVE;
        }
        r->alarm_enabled = FALSE;             /* one-shot, as rtc_timer_do_work() */
        g_debug("%s: alarm", ck_device_name(r->dev));
        rtc_irq(r, 1, RTC_AF);
        return G_SOURCE_REMOVE;
}

/* An alarm already due fires from the loop at once (the kernel's -ETIME path). */
static void alarm_arm(struct rtc *r)
{
        clear_source(&r->alarm_source);
        if (r->alarm_enabled)
                r->alarm_source = g_timeout_add_full(G_PRIORITY_HIGH, ms_until(r, r->alarm_time),
                                                     on_alarm, r, NULL);
}

static gboolean on_update(gpointer data)
{
        struct rtc *r = data;
        gint64 now = rtc_now(r);

        r->uie_source = 0;
        if (now >= r->uie_next) {
                /* seconds missed count, as the periodic rtc_timer does */
                guint64 count = (guint64)(now - r->uie_next) + 1;
                r->uie_next = now + 1;
                rtc_irq(r, MIN(count, 60), RTC_UF);
        }
        uie_arm(r);
        return G_SOURCE_REMOVE;
}

static void uie_arm(struct rtc *r)
{
        clear_source(&r->uie_source);
        if (r->uie)
                r->uie_source = g_timeout_add_full(G_PRIORITY_HIGH, ms_until(r, r->uie_next) + 1,
                                                   on_update, r, NULL);
}

/* The end of period @n since pie_start, in monotonic µs, without drift. */
static gint64 pie_deadline(const struct rtc *r, guint64 n)
{
        return r->pie_start + (gint64)(n * G_USEC_PER_SEC / (guint64)r->irq_freq);
}

/* rtc_pie_update_irq(): one interrupt word per expiry, counting the
 * periods that passed (hrtimer_forward_now()'s overruns), then the next
 * absolute deadline, so that a late wakeup does not delay the next one. */
static gboolean on_periodic(gpointer data)
{
        struct rtc *r = data;
        guint64 due = (guint64)(g_get_monotonic_time() - r->pie_start) * (guint64)r->irq_freq / G_USEC_PER_SEC;

        if (due > r->pie_done) {
                rtc_irq(r, due - r->pie_done, RTC_PF);
                r->pie_done = due;
        }
        g_source_set_ready_time(r->pie_gsource, pie_deadline(r, r->pie_done + 1));
        return G_SOURCE_CONTINUE;
}

static gboolean pie_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
        return callback(data);
}

static GSourceFuncs pie_source_funcs = { .dispatch = pie_dispatch };

static void pie_stop(struct rtc *r)
{
        clear_source(&r->pie_source);
        r->pie_gsource = NULL;
}

/* rtc_update_hrtimer(): the period restarts now. */
static void pie_arm(struct rtc *r)
{
        pie_stop(r);
        if (!r->pie)
                return;
        r->pie_start = g_get_monotonic_time();
        r->pie_done = 0;
        GSource *source = g_source_new(&pie_source_funcs, sizeof(GSource));
        g_source_set_priority(source, G_PRIORITY_HIGH);
        g_source_set_callback(source, on_periodic, r, NULL);
        g_source_set_ready_time(source, pie_deadline(r, 1));
        r->pie_source = g_source_attach(source, NULL);
        r->pie_gsource = source;
        g_source_unref(source);          /* the main context holds it until removed */
}

/* rtc_timer_enqueue() for the alarm */
static int alarm_enable(struct rtc *r)
{
        struct rtc_time tm;
        int err = rtc_read(r, &tm, NULL);

        if (err < 0)
                return err;
        r->alarm_enabled = TRUE;
        alarm_arm(r);
        return 0;
}

static void alarm_disable(struct rtc *r)
{
        r->alarm_enabled = FALSE;
        clear_source(&r->alarm_source);
}

/* rtc_set_alarm() for an already valid time */
static int alarm_store(struct rtc *r, const struct rtc_wkalrm *alarm)
{
        alarm_disable(r);
        r->alarm_time = tm_to_secs(&alarm->time);
        return alarm->enabled ? alarm_enable(r) : 0;
}

static void alarm_read(struct rtc *r, struct rtc_wkalrm *out)
{
        *out = (struct rtc_wkalrm){ .enabled = r->alarm_enabled };
        secs_to_tm(r->alarm_time, &out->time);
}

static int uie_set(struct rtc *r, gboolean on)
{
        gint64 now;
        struct rtc_time tm;

        if (r->uie == on)
                return 0;
        if (on) {
                int err = rtc_read(r, &tm, &now);
                if (err < 0)
                        return err;
                r->uie_next = now + 1;
        }
        r->uie = on;
        uie_arm(r);
        return 0;
}

/* --- ioctls --- */

static int validate_time(const struct ck_untrusted *u, struct rtc_time *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        return r < 0 ? r : tm_valid_in_range(ret);
}

/* rtc_dev_ioctl()'s permission checks come before anything else
 * (drivers/rtc/dev.c:222-243): RTC_SET_TIME, RTC_PARAM_SET and
 * RTC_EPOCH_SET need CAP_SYS_TIME. */
static int need_sys_time(struct ck_call *c)
{
        return ck_call_capable(c, CAP_SYS_TIME) ? 0 : -EACCES;
}

CK_IOCTL_TABLE(rtc_ioctls, RTC_IOCTLS);

static int handle_RTC_RD_TIME(struct ck_call *c, struct rtc_time *out)
{
        return rtc_read(rtc_of(c), out, NULL);
}

static int validate_RTC_SET_TIME(struct ck_call *c, const struct ck_untrusted *u, struct rtc_time *ret)
{
        int r = need_sys_time(c);

        return r < 0 ? r : validate_time(u, ret);
}

static int handle_RTC_SET_TIME(struct ck_call *c, const struct rtc_time *in)
{
        struct rtc *r = rtc_of(c);
        gint64 now = rtc_now(r);

        r->offset += tm_to_secs(in) - now;
        if (r->uie)                            /* rtc_set_time() turns UIE off and on */
                r->uie_next = tm_to_secs(in) + 1;
        uie_arm(r);
        alarm_arm(r);                          /* a timer might have just expired */
        ck_device_state_changed(ck_call_device(c));
        return 0;
}

/* RTC_ALM_SET takes a time of day: the date is today's, or tomorrow's if
 * that time has passed.  Only the time fields can be wrong. */
static int validate_RTC_ALM_SET(struct ck_call *c, const struct ck_untrusted *u, struct rtc_time *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        if ((unsigned)ret->tm_hour >= 24 || (unsigned)ret->tm_min >= 60 || (unsigned)ret->tm_sec >= 60)
                return -EINVAL;
        return 0;
}

static int handle_RTC_ALM_SET(struct ck_call *c, const struct rtc_time *in)
{
        struct rtc *r = rtc_of(c);
        struct rtc_wkalrm alarm = { .time = *in };
        struct rtc_time tm;
        gint64 now;
        int err = rtc_read(r, &tm, &now);

        if (err < 0)
                return err;
        alarm.time.tm_mday = tm.tm_mday;
        alarm.time.tm_mon = tm.tm_mon;
        alarm.time.tm_year = tm.tm_year;
        if (tm_to_secs(&alarm.time) < now) {
                secs_to_tm(now + 24 * 60 * 60, &tm);
                alarm.time.tm_mday = tm.tm_mday;
                alarm.time.tm_mon = tm.tm_mon;
                alarm.time.tm_year = tm.tm_year;
        }
        err = tm_valid_in_range(&alarm.time);
        if (err < 0)
                return err;
        return alarm_store(r, &alarm);
}

static int handle_RTC_ALM_READ(struct ck_call *c, struct rtc_time *out)
{
        struct rtc_wkalrm alarm;

        alarm_read(rtc_of(c), &alarm);
        *out = alarm.time;
        return 0;
}

static int validate_RTC_WKALM_SET(struct ck_call *c, const struct ck_untrusted *u, struct rtc_wkalrm *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        return r < 0 ? r : tm_valid_in_range(&ret->time);
}

static int handle_RTC_WKALM_SET(struct ck_call *c, const struct rtc_wkalrm *in)
{
        return alarm_store(rtc_of(c), in);
}

static int handle_RTC_WKALM_RD(struct ck_call *c, struct rtc_wkalrm *out)
{
        alarm_read(rtc_of(c), out);
        return 0;
}

static int handle_RTC_AIE_ON(struct ck_call *c)
{
        struct rtc *r = rtc_of(c);

        return r->alarm_enabled ? 0 : alarm_enable(r);
}

static int handle_RTC_AIE_OFF(struct ck_call *c)
{
        alarm_disable(rtc_of(c));
        return 0;
}

static int handle_RTC_UIE_ON(struct ck_call *c)
{
        return uie_set(rtc_of(c), TRUE);
}

static int handle_RTC_UIE_OFF(struct ck_call *c)
{
        return uie_set(rtc_of(c), FALSE);
}

static int handle_RTC_PIE_ON(struct ck_call *c)
{
        struct rtc *r = rtc_of(c);

        if (r->irq_freq > rtc_max_user_freq(r) && !ck_call_capable(c, CAP_SYS_RESOURCE))
                return -EACCES;
        r->pie = TRUE;
        pie_arm(r);
        return 0;
}

static int handle_RTC_PIE_OFF(struct ck_call *c)
{
        struct rtc *r = rtc_of(c);

        r->pie = FALSE;
        pie_arm(r);
        return 0;
}

static int handle_RTC_IRQP_READ(struct ck_call *c, unsigned long *out)
{
        *out = (unsigned long)rtc_of(c)->irq_freq;
        return 0;
}

/* Above max_user_freq (64 Hz) only with CAP_SYS_RESOURCE, judged on the
 * whole argument (drivers/rtc/dev.c:230-233); then rtc_irq_set_freq()
 * takes an int: the kernel truncates it. */
static int validate_RTC_IRQP_SET(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        const struct rtc *r = rtc_of(c);
        unsigned long arg = (unsigned long)ck_untrusted_value(u);
        int freq = (int)arg;

        if (arg > (unsigned long)rtc_max_user_freq(r) && !ck_call_capable(c, CAP_SYS_RESOURCE))
                return -EACCES;
        if (freq <= 0 || freq > RTC_MAX_FREQ)
                return -EINVAL;
        *ret = (unsigned long)freq;
        return 0;
}

static int handle_RTC_IRQP_SET(struct ck_call *c, unsigned long value)
{
        struct rtc *r = rtc_of(c);

        r->irq_freq = (int)value;
        pie_arm(r);
        return 0;
}

/* No RTC driver of Linux 6.1 handles the epoch: rtc_dev_ioctl() passes
 * both requests to the driver's ioctl, and none answers (ENOTTY,
 * drivers/rtc/dev.c:450-458); RTC_EPOCH_SET checks CAP_SYS_TIME first. */
static int handle_RTC_EPOCH_READ(struct ck_call *c, unsigned long *out)
{
        return -ENOTTY;
}

static int validate_RTC_EPOCH_SET(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        int r = need_sys_time(c);

        return r < 0 ? r : -ENOTTY;
}

static int handle_RTC_EPOCH_SET(struct ck_call *c, unsigned long value)
{
        return -ENOTTY;
}

static int validate_RTC_PARAM_GET(struct ck_call *c, const struct ck_untrusted *u, struct rtc_param *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        switch (ret->param) {
        case RTC_PARAM_FEATURES:
        case RTC_PARAM_CORRECTION:
                return ret->index != 0 ? -EINVAL : 0;
        case RTC_PARAM_BACKUP_SWITCH_MODE:
                return 0;
        default:
                return -EINVAL;
        }
}

static int handle_RTC_PARAM_GET(struct ck_call *c, struct rtc_param *io)
{
        struct rtc *r = rtc_of(c);

        switch (io->param) {
        case RTC_PARAM_FEATURES:
                io->uvalue = RTC_FEATURES;
                break;
        case RTC_PARAM_CORRECTION:
                io->svalue = r->correction;
                break;
        case RTC_PARAM_BACKUP_SWITCH_MODE:
                io->uvalue = r->bsm;
                break;
        }
        return 0;
}

static int validate_RTC_PARAM_SET(struct ck_call *c, const struct ck_untrusted *u, struct rtc_param *ret)
{
        int r = need_sys_time(c);

        if (r < 0)
                return r;
        r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        switch (ret->param) {
        case RTC_PARAM_CORRECTION:
                if (ret->index != 0)
                        return -EINVAL;
                if (ret->svalue < -RTC_CORRECTION_MAX || ret->svalue > RTC_CORRECTION_MAX)
                        return -ERANGE;
                return 0;
        case RTC_PARAM_BACKUP_SWITCH_MODE:
                return ret->uvalue > RTC_BSM_STANDBY ? -EINVAL : 0;
        default:                /* RTC_PARAM_FEATURES is read-only */
                return -EINVAL;
        }
}

static int handle_RTC_PARAM_SET(struct ck_call *c, const struct rtc_param *in)
{
        struct rtc *r = rtc_of(c);

        if (in->param == RTC_PARAM_CORRECTION)
                r->correction = in->svalue;
        else
                r->bsm = in->uvalue;
        return 0;
}

/* --- the device --- */

static GVariant *offset_get(struct ck_device *d, void *userdata)
{
        struct rtc *r = ck_device_priv(d);

        return g_variant_new_int64(r->offset);
}

static int offset_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct rtc *r = ck_device_priv(d);
        gint64 offset = g_variant_get_int64(value);

        if (offset < -RTC_OFFSET_MAX || offset > RTC_OFFSET_MAX) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "offset %" G_GINT64_FORMAT " is out of range (at most %" G_GINT64_FORMAT " either way)",
                            offset, RTC_OFFSET_MAX);
                return -ERANGE;
        }
        r->offset = offset;
        if (r->uie)
                r->uie_next = rtc_now(r) + 1;
        uie_arm(r);
        alarm_arm(r);
        return 0;
}

static GVariant *alarm_get(struct ck_device *d, void *userdata)
{
        struct rtc *r = ck_device_priv(d);

        return g_variant_new_int64(r->alarm_enabled ? r->alarm_time : -1);
}

static int rtc_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct rtc *r = ck_device_priv(d);
        const char *text = g_hash_table_lookup(params, "offset");
        g_autoptr(GError) local = NULL;

        r->dev = d;
        r->irq_freq = RTC_DEFAULT_FREQ;
        /* the host's seconds plus this must stay a 64-bit second count */
        if (text && !g_ascii_string_to_signed(text, 10, -RTC_OFFSET_MAX, RTC_OFFSET_MAX,
                                              &r->offset, &local)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "rtc: offset=%s: %s", text, local->message);
                return -EINVAL;
        }
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "offset",
                .summary = "seconds the clock is ahead of the host's (RTC_SET_TIME moves it)",
                .type = "x",
                .persistent = TRUE,
                .get = offset_get,
                .set = offset_set,
        });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "alarm",
                .summary = "the enabled alarm, in RTC seconds since 1970; -1: none",
                .type = "x",
                .get = alarm_get,
        });
        return 0;
}

static void rtc_fini(struct ck_device *d)
{
        struct rtc *r = ck_device_priv(d);

        clear_source(&r->alarm_source);
        clear_source(&r->uie_source);
        pie_stop(r);
}

/* rtc_dev_open(): nothing from before this open is read. */
static int rtc_open(struct ck_file *f)
{
        struct rtc *r = ck_device_priv(ck_file_device(f));

        r->irq_data = 0;
        return 0;
}

/* rtc_dev_release(): nobody listens to the repeating interrupts any more;
 * the alarm, one-shot, stays. */
static void rtc_release(struct ck_file *f)
{
        struct rtc *r = ck_device_priv(ck_file_device(f));

        uie_set(r, FALSE);
        r->pie = FALSE;
        pie_arm(r);
}

static ssize_t rtc_dev_read(struct ck_file *f, void *buf, size_t size)
{
        struct rtc *r = ck_device_priv(ck_file_device(f));

        if (size != sizeof(unsigned int) && size < sizeof(unsigned long))
                return -EINVAL;
        if (!r->irq_data)
                return -EAGAIN;
        gulong data = r->irq_data;
        r->irq_data = 0;
        if (size == sizeof(unsigned int)) {   /* 32-bit readers on a 64-bit kernel */
                unsigned int narrow = (unsigned int)data;
                memcpy(buf, &narrow, sizeof(narrow));
                return sizeof(narrow);
        }
        memcpy(buf, &data, sizeof(data));
        return sizeof(data);
}

static unsigned rtc_poll(struct ck_file *f)
{
        struct rtc *r = ck_device_priv(ck_file_device(f));

        return r->irq_data ? POLLIN | POLLRDNORM : 0;
}

static const char *const rtc_params[] = { "offset", NULL };

CK_STRUCT_DESC(rtc_time_desc, struct rtc_time,
               CK_FIELD(struct rtc_time, tm_sec, INT),
               CK_FIELD(struct rtc_time, tm_min, INT),
               CK_FIELD(struct rtc_time, tm_hour, INT),
               CK_FIELD(struct rtc_time, tm_mday, INT),
               CK_FIELD(struct rtc_time, tm_mon, INT),
               CK_FIELD(struct rtc_time, tm_year, INT),
               CK_FIELD(struct rtc_time, tm_wday, INT),
               CK_FIELD(struct rtc_time, tm_yday, INT),
               CK_FIELD(struct rtc_time, tm_isdst, INT));
CK_STRUCT_DESC(rtc_wkalrm_desc, struct rtc_wkalrm,
               CK_FIELD(struct rtc_wkalrm, enabled, UINT),
               CK_FIELD(struct rtc_wkalrm, pending, UINT),
               CK_FIELD(struct rtc_wkalrm, time.tm_sec, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_min, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_hour, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_mday, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_mon, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_year, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_wday, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_yday, INT),
               CK_FIELD(struct rtc_wkalrm, time.tm_isdst, INT));
CK_STRUCT_DESC(rtc_param_desc, struct rtc_param,
               CK_FIELD(struct rtc_param, param, UINT),
               CK_FIELD(struct rtc_param, uvalue, HEX),     /* a union: uvalue, svalue or ptr */
               CK_FIELD(struct rtc_param, index, UINT),
               CK_FIELD(struct rtc_param, __pad, HEX));
static const struct ck_struct_desc *const rtc_structs[] = {
        &rtc_time_desc, &rtc_wkalrm_desc, &rtc_param_desc, NULL,
};

/* --- sysfs: drivers/rtc/sysfs.c over a platform parent that can wake the system --- */

static struct rtc *rtc_of_device(struct ck_device *d)
{
        return ck_device_priv(d);
}

static ssize_t sysfs_date_show(struct ck_device *d, char *buf, size_t size)
{
        struct rtc_time tm;
        int err = rtc_read(rtc_of_device(d), &tm, NULL);

        if (err < 0)
                return err;
        /* %ptRd */
        return g_snprintf(buf, size, "%04d-%02d-%02d\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static ssize_t sysfs_time_show(struct ck_device *d, char *buf, size_t size)
{
        struct rtc_time tm;
        int err = rtc_read(rtc_of_device(d), &tm, NULL);

        if (err < 0)
                return err;
        /* %ptRt */
        return g_snprintf(buf, size, "%02d:%02d:%02d\n", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static ssize_t sysfs_since_epoch_show(struct ck_device *d, char *buf, size_t size)
{
        struct rtc_time tm;
        gint64 now;
        int err = rtc_read(rtc_of_device(d), &tm, &now);

        if (err < 0)
                return err;
        return g_snprintf(buf, size, "%" G_GINT64_FORMAT "\n", now);
}

static int rtc_max_user_freq(const struct rtc *r)
{
        return r->max_user_freq ? r->max_user_freq : 64;
}

static ssize_t sysfs_max_user_freq_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%d\n", rtc_max_user_freq(rtc_of_device(d)));
}

static ssize_t sysfs_max_user_freq_store(struct ck_device *d, const char *buf, size_t len)
{
        unsigned long long val;
        int err = ck_sysfs_kstrtoull(buf, 0, &val);

        if (err < 0)
                return err;
        if (val >= 4096 || val == 0)
                return -EINVAL;
        rtc_of_device(d)->max_user_freq = (int)val;
        return (ssize_t)len;
}

/* Disabled alarms are not shown: the file is empty. */
static ssize_t sysfs_wakealarm_show(struct ck_device *d, char *buf, size_t size)
{
        struct rtc *r = rtc_of_device(d);

        if (!r->alarm_enabled)
                return 0;
        return g_snprintf(buf, size, "%" G_GINT64_FORMAT "\n", r->alarm_time);
}

/* wakealarm_store(): N (seconds since 1970), +N (from now) or +=N (pushes
 * the enabled alarm later); a time not in the future disables the alarm. */
static ssize_t sysfs_wakealarm_store(struct ck_device *d, const char *buf, size_t len)
{
        struct rtc *r = rtc_of_device(d);
        struct rtc_wkalrm alarm = { 0 };
        gint64 now;
        long long when;
        gboolean push = FALSE, adjust = FALSE;
        int err = rtc_read(r, &alarm.time, &now);

        if (err < 0)
                return err;
        if (*buf == '+') {
                buf++;
                if (*buf == '=') {
                        buf++;
                        push = TRUE;
                } else {
                        adjust = TRUE;
                }
        }
        err = ck_sysfs_kstrtoll(buf, 0, &when);
        if (err < 0)
                return err;
        if (adjust)
                when += now;
        if (when > now || push) {
                /* an enabled alarm is not clobbered */
                if (r->alarm_enabled) {
                        if (!push)
                                return -EBUSY;
                        when += r->alarm_time;
                } else if (push) {
                        return -EINVAL;
                }
                alarm.enabled = 1;
        } else {
                alarm.enabled = 0;
                when = now + 300;     /* a valid future time, even when disabling */
        }
        secs_to_tm(when, &alarm.time);
        err = tm_valid(&alarm.time);  /* rtc_set_alarm() */
        if (err < 0)
                return err;
        err = alarm_store(r, &alarm);
        return err < 0 ? err : (ssize_t)len;
}

/* The correction, as RTC_PARAM_CORRECTION: rtc_read_offset()/rtc_set_offset(). */
static ssize_t sysfs_offset_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%" G_GINT64_FORMAT "\n", rtc_of_device(d)->correction);
}

static ssize_t sysfs_offset_store(struct ck_device *d, const char *buf, size_t len)
{
        long long offset;
        int err = ck_sysfs_kstrtoll(buf, 10, &offset);

        if (err < 0)
                return err;
        if (offset < -RTC_CORRECTION_MAX || offset > RTC_CORRECTION_MAX)
                return -ERANGE;
        rtc_of_device(d)->correction = offset;
        return (ssize_t)len;
}

/* No range: like a driver that sets none, the attribute is not shown. */
CK_SYSFS_CLASS_PARENT(rtc_sysfs, "rtc", "platform/cusekit-rtc.%s",
                      "DRIVER=cusekit-rtc\nMODALIAS=platform:cusekit-rtc\n", CK_SYSFS_WAKEUP,
        CK_SYSFS_CONST("name", 0444, "cusekit-rtc cusekit-rtc.%s\n"),
        CK_SYSFS_RO("date", sysfs_date_show),
        CK_SYSFS_RO("time", sysfs_time_show),
        CK_SYSFS_RO("since_epoch", sysfs_since_epoch_show),
        CK_SYSFS_RW("max_user_freq", sysfs_max_user_freq_show, sysfs_max_user_freq_store),
        CK_SYSFS_CONST("hctosys", 0444, "0\n"),   /* the system clock was not set from it */
        CK_SYSFS_RW("wakealarm", sysfs_wakealarm_show, sysfs_wakealarm_store),
        CK_SYSFS_RW("offset", sysfs_offset_show, sysfs_offset_store),
        CK_SYSFS_CONST("device/modalias", 0444, "platform:cusekit-rtc\n"),
        CK_SYSFS_LINK("device/subsystem", "../../../bus/platform"),
        CK_SYSFS_LINK("device/driver", "../../../bus/platform/drivers/cusekit-rtc"),
        CK_SYSFS_LINK("/sys/bus/platform/devices/cusekit-rtc.%s", "../../../devices/platform/cusekit-rtc.%s"),
        CK_SYSFS_LINK("/sys/bus/platform/drivers/cusekit-rtc/cusekit-rtc.%s",
                      "../../../../devices/platform/cusekit-rtc.%s"));

const struct ck_device_type ck_device_type_rtc = {
        .name = "rtc",
        .summary = "a real-time clock at an offset from the host's, with alarm, update and periodic interrupts",
        .ioctls = rtc_ioctls,
        .n_ioctls = G_N_ELEMENTS(rtc_ioctls),
        .params = rtc_params,
        .structs = rtc_structs,
        .priv_size = sizeof(struct rtc),
        .exclusive = TRUE,                     /* rtc_dev_open(): EBUSY */
        .init = rtc_init,
        .fini = rtc_fini,
        .open = rtc_open,
        .release = rtc_release,
        .read = rtc_dev_read,
        .poll = rtc_poll,
        .sysfs = &rtc_sysfs,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_rtc);
