/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run inside the test VM against a running cusekitd hosting
 *   rtc:rtc7, watchdog:watchdog7 and watchdog:watchdog8,timeout=1:
 * real /dev nodes, real kernel, the typed client; interrupts through
 * blocking read() and poll().
 */
#include "rtc/rtc-abi.h"
#include "watchdog/watchdog-abi.h"

#include "cuse-test.h"

#include <cusekit/client.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static gint64 tm_secs(const struct rtc_time *tm)
{
        struct tm t = { .tm_sec = tm->tm_sec, .tm_min = tm->tm_min, .tm_hour = tm->tm_hour,
                        .tm_mday = tm->tm_mday, .tm_mon = tm->tm_mon, .tm_year = tm->tm_year };
        return (gint64)timegm(&t);
}

static struct rtc_time tm_of(gint64 secs)
{
        time_t t = (time_t)secs;
        struct tm g;

        gmtime_r(&t, &g);
        return (struct rtc_time){ .tm_sec = g.tm_sec, .tm_min = g.tm_min, .tm_hour = g.tm_hour,
                                  .tm_mday = g.tm_mday, .tm_mon = g.tm_mon, .tm_year = g.tm_year };
}

static gint64 rtc_secs(int fd)
{
        struct rtc_time tm;

        g_assert_cmpint(cusekit_read(fd, RTC_RD_TIME, &tm), ==, 0);
        return tm_secs(&tm);
}

static void test_rtc_time(void)
{
        int fd = open_node("rtc7", O_RDONLY);
        gint64 host = g_get_real_time() / G_USEC_PER_SEC;
        gint64 saved = rtc_secs(fd);

        g_assert_cmpint(ABS(saved - host), <=, 1);   /* offset=0 */
        struct rtc_time tm = tm_of(2000000000);      /* 2033-05-18 */
        g_assert_cmpint(cusekit_write(fd, RTC_SET_TIME, &tm), ==, 0);
        g_assert_cmpint(rtc_secs(fd) - 2000000000, <=, 1);

        /* bad times: the kernel's EINVAL, nothing changed */
        struct rtc_time bad = { .tm_year = 123, .tm_mon = 1, .tm_mday = 29 };
        g_assert_cmpint(cusekit_write(fd, RTC_SET_TIME, &bad), ==, -EINVAL);
        bad = (struct rtc_time){ .tm_year = 69, .tm_mday = 1 };
        g_assert_cmpint(cusekit_write(fd, RTC_SET_TIME, &bad), ==, -EINVAL);
        bad = (struct rtc_time){ .tm_year = 123, .tm_mday = 1, .tm_sec = 60 };
        g_assert_cmpint(ioctl(fd, CK_REQUEST(RTC_SET_TIME), &bad), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        g_assert_cmpint(ioctl(fd, CK_REQUEST(RTC_SET_TIME), (void *)16), ==, -1);
        g_assert_cmpint(errno, ==, EFAULT);
        g_assert_cmpint(rtc_secs(fd) - 2000000000, <=, 2);

        tm = tm_of(g_get_real_time() / G_USEC_PER_SEC);
        g_assert_cmpint(cusekit_write(fd, RTC_SET_TIME, &tm), ==, 0);

        /* one open at a time */
        g_assert_cmpint(open("/dev/rtc7", O_RDONLY), ==, -1);
        g_assert_cmpint(errno, ==, EBUSY);
        close(fd);
}

/* Waits for the interrupt word: poll() then a blocking read(). */
static unsigned long wait_word(int fd, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        unsigned long word = 0;

        if (poll(&p, 1, timeout_ms) != 1)
                return 0;
        g_assert_cmpint(read(fd, &word, sizeof(word)), ==, sizeof(word));
        return word;
}

static void test_rtc_interrupts(void)
{
        int fd = open_node("rtc7", O_RDONLY);
        unsigned long word;

        /* update interrupts: a blocking read() returns at the turn of each second */
        g_assert_cmpint(cusekit_call(fd, RTC_UIE_ON), ==, 0);
        for (int i = 0; i < 2; i++) {
                g_assert_cmpint(read(fd, &word, sizeof(word)), ==, sizeof(word));
                g_assert_cmphex(word, ==, (1ul << 8) | RTC_IRQF | RTC_UF);
                g_assert_cmpint(g_get_real_time() % G_USEC_PER_SEC, <, 300000);
        }
        g_assert_cmpint(cusekit_call(fd, RTC_UIE_OFF), ==, 0);
        while (wait_word(fd, 0))
                ;

        /* a wake-up alarm two seconds ahead, through poll() */
        gint64 now = rtc_secs(fd);
        struct rtc_wkalrm alarm = { .enabled = 1, .time = tm_of(now + 2) };
        g_assert_cmpint(cusekit_write(fd, RTC_WKALM_SET, &alarm), ==, 0);
        memset(&alarm, 0, sizeof(alarm));
        g_assert_cmpint(cusekit_read(fd, RTC_WKALM_RD, &alarm), ==, 0);
        g_assert_cmpuint(alarm.enabled, ==, 1);
        g_assert_cmpint(tm_secs(&alarm.time), ==, now + 2);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        g_assert_cmpint(poll(&p, 1, 500), ==, 0);
        word = wait_word(fd, 4000);
        g_assert_cmphex(word, ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        g_assert_cmpint(rtc_secs(fd), >=, now + 2);

        /* the time-of-day alarm: ALM_SET, then AIE_ON */
        now = rtc_secs(fd);
        struct rtc_time tm = tm_of(now + 1);
        g_assert_cmpint(cusekit_write(fd, RTC_ALM_SET, &tm), ==, 0);
        g_assert_cmpint(cusekit_read(fd, RTC_ALM_READ, &tm), ==, 0);
        g_assert_cmpint(tm_secs(&tm), ==, now + 1);
        g_assert_cmpint(cusekit_call(fd, RTC_AIE_ON), ==, 0);
        g_assert_cmphex(wait_word(fd, 3000), ==, (1ul << 8) | RTC_IRQF | RTC_AF);
        g_assert_cmpint(cusekit_call(fd, RTC_AIE_OFF), ==, 0);
        tm.tm_hour = 24;
        g_assert_cmpint(cusekit_write(fd, RTC_ALM_SET, &tm), ==, -EINVAL);

        /* periodic: 16 Hz, counted */
        unsigned long freq = 0;
        g_assert_cmpint(cusekit_read(fd, RTC_IRQP_READ, &freq), ==, 0);
        g_assert_cmpuint(freq, ==, 1);
        g_assert_cmpint(cusekit_write_value(fd, RTC_IRQP_SET, 16), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, RTC_IRQP_SET, 0), ==, -EINVAL);
        g_assert_cmpint(cusekit_write_value(fd, RTC_IRQP_SET, RTC_MAX_FREQ + 1), ==, -EINVAL);
        g_assert_cmpint(cusekit_read(fd, RTC_IRQP_READ, &freq), ==, 0);
        g_assert_cmpuint(freq, ==, 16);
        g_assert_cmpint(cusekit_call(fd, RTC_PIE_ON), ==, 0);
        g_usleep(G_USEC_PER_SEC / 2);
        g_assert_cmpint(read(fd, &word, sizeof(word)), ==, sizeof(word));
        g_assert_cmphex(word & 0xff, ==, RTC_IRQF | RTC_PF);
        g_assert_cmpuint(word >> 8, >=, 5);
        g_assert_cmpuint(word >> 8, <=, 10);
        g_assert_cmpint(cusekit_call(fd, RTC_PIE_OFF), ==, 0);

        /* read sizes, and O_NONBLOCK */
        g_assert_cmpint(read(fd, &word, 3), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        close(fd);
}

static void test_rtc_nonblock_and_params(void)
{
        int fd = open_node("rtc7", O_RDONLY | O_NONBLOCK);
        unsigned long word;

        g_assert_cmpint(read(fd, &word, sizeof(word)), ==, -1);
        g_assert_cmpint(errno, ==, EAGAIN);

        struct rtc_param param = { .param = RTC_PARAM_FEATURES };
        g_assert_cmpint(cusekit_write_read(fd, RTC_PARAM_GET, &param), ==, 0);
        g_assert_cmphex(param.uvalue & (1u << RTC_FEATURE_UPDATE_INTERRUPT), !=, 0);
        param = (struct rtc_param){ .param = 42 };
        g_assert_cmpint(cusekit_write_read(fd, RTC_PARAM_GET, &param), ==, -EINVAL);
        param = (struct rtc_param){ .param = RTC_PARAM_CORRECTION, .svalue = 1234 };
        g_assert_cmpint(cusekit_write(fd, RTC_PARAM_SET, &param), ==, 0);
        param = (struct rtc_param){ .param = RTC_PARAM_CORRECTION };
        g_assert_cmpint(cusekit_write_read(fd, RTC_PARAM_GET, &param), ==, 0);
        g_assert_cmpint(param.svalue, ==, 1234);
        param = (struct rtc_param){ .param = RTC_PARAM_FEATURES, .uvalue = 1 };
        g_assert_cmpint(cusekit_write(fd, RTC_PARAM_SET, &param), ==, -EINVAL);

        /* no driver of Linux 6.1 has an epoch: ENOTTY, the answer of rtc_dev_ioctl() */
        unsigned long epoch = 77;
        g_assert_cmpint(cusekit_read(fd, RTC_EPOCH_READ, &epoch), ==, -ENOTTY);
        g_assert_cmpuint(epoch, ==, 77);
        g_assert_cmpint(cusekit_write_value(fd, RTC_EPOCH_SET, 1900), ==, -ENOTTY);

        /* what the kernel's rtc does not serve either */
        g_assert_cmpint(ioctl(fd, _IOR('p', 0x13, unsigned int), &word), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        close(fd);
}

static void test_watchdog(void)
{
        int fd = open_node("watchdog7", O_WRONLY);
        struct watchdog_info info;
        int v;

        g_assert_cmpint(cusekit_read(fd, WDIOC_GETSUPPORT, &info), ==, 0);
        g_assert_cmphex(info.options & WDIOF_MAGICCLOSE, ==, WDIOF_MAGICCLOSE);
        g_assert_cmpstr((const char *)info.identity, ==, "cusekit test dog");
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETSTATUS, &v), ==, 0);
        g_assert_cmphex(v & WDIOF_KEEPALIVEPING, ==, WDIOF_KEEPALIVEPING);   /* opening started it */
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETTEMP, &v), ==, -ENOTTY);
        g_assert_cmpint(cusekit_call(fd, WDIOC_KEEPALIVE), ==, 0);
        g_assert_cmpint(ioctl(fd, CK_REQUEST(WDIOC_KEEPALIVE), 0), ==, 0);   /* as C programs call it */
        v = 45;
        g_assert_cmpint(cusekit_write_read(fd, WDIOC_SETTIMEOUT, &v), ==, 0);
        g_assert_cmpint(v, ==, 45);
        v = 0;
        g_assert_cmpint(cusekit_write_read(fd, WDIOC_SETTIMEOUT, &v), ==, -EINVAL);
        v = 70000;
        g_assert_cmpint(cusekit_write_read(fd, WDIOC_SETTIMEOUT, &v), ==, -EINVAL);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETTIMEOUT, &v), ==, 0);
        g_assert_cmpint(v, ==, 45);
        v = 10;
        g_assert_cmpint(cusekit_write(fd, WDIOC_SETPRETIMEOUT, &v), ==, 0);
        v = 45;
        g_assert_cmpint(cusekit_write(fd, WDIOC_SETPRETIMEOUT, &v), ==, -EINVAL);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETPRETIMEOUT, &v), ==, 0);
        g_assert_cmpint(v, ==, 10);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETTIMELEFT, &v), ==, 0);
        g_assert_cmpint(v, >=, 43);
        v = WDIOS_DISABLECARD;
        g_assert_cmpint(cusekit_write(fd, WDIOC_SETOPTIONS, &v), ==, 0);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETTIMELEFT, &v), ==, 0);
        g_assert_cmpint(v, ==, 0);
        v = WDIOS_ENABLECARD;
        g_assert_cmpint(cusekit_write(fd, WDIOC_SETOPTIONS, &v), ==, 0);
        g_assert_cmpint(ioctl(fd, _IOR('W', 42, int), &v), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        g_assert_cmpint(open("/dev/watchdog7", O_WRONLY), ==, -1);
        g_assert_cmpint(errno, ==, EBUSY);
        v = 60;
        g_assert_cmpint(cusekit_write_read(fd, WDIOC_SETTIMEOUT, &v), ==, 0);
        v = 0;
        g_assert_cmpint(cusekit_write(fd, WDIOC_SETPRETIMEOUT, &v), ==, 0);
        /* magic close */
        g_assert_cmpint(write(fd, "V", 1), ==, 1);
        close(fd);
}

static void test_watchdog_expiry(void)
{
        int fd = open_node("watchdog8", O_WRONLY), v = -1;

        g_assert_cmpint(cusekit_read(fd, WDIOC_GETBOOTSTATUS, &v), ==, 0);
        g_assert_cmpint(v, ==, 0);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETTIMEOUT, &v), ==, 0);
        g_assert_cmpint(v, ==, 1);
        /* no pings, no magic close: it runs out */
        close(fd);
        g_usleep(G_USEC_PER_SEC * 3 / 2);
        fd = open_node("watchdog8", O_WRONLY);
        g_assert_cmpint(cusekit_read(fd, WDIOC_GETBOOTSTATUS, &v), ==, 0);
        g_assert_cmphex(v, ==, WDIOF_CARDRESET);
        g_assert_cmpint(write(fd, "V", 1), ==, 1);
        close(fd);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/rtc-watchdog/rtc-time", test_rtc_time);
        g_test_add_func("/rtc-watchdog/rtc-interrupts", test_rtc_interrupts);
        g_test_add_func("/rtc-watchdog/rtc-nonblock-and-params", test_rtc_nonblock_and_params);
        g_test_add_func("/rtc-watchdog/watchdog", test_watchdog);
        g_test_add_func("/rtc-watchdog/watchdog-expiry", test_watchdog_expiry);
        return g_test_run();
}
