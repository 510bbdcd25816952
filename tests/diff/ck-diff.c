/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ck-diff: the differential battery.  The same cases run against a real
 * kernel driver's node and against cusekit's emulation of it; one
 * normalised line per case (name, return value, errno, output), so that
 * two runs compare line by line.
 *
 *   ck-diff run FAMILY NODE [nocap]       run the battery, print the lines
 *   ck-diff compare FAMILY REAL EMULATED [seccomp]
 *                                         compare two runs: "FAMILY: N/M cases agree";
 *                                         "seccomp": EMULATED came through `cusekit run`,
 *                                         where CUSE's front end explains nothing
 *
 * FAMILY is rtc, watchdog, i2c or evdev[-NAME] (NODE uinput:EMULATED for evdev's
 * real side: a uinput clone of the emulated node).  "nocap" only prefixes the case names
 * (the caller drops the capabilities, e.g. with setpriv); capability
 * checks show up as different answers.  Every difference compare accepts
 * is listed in explanations[] below with its reason and the kernel source
 * line; any other difference fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <linux/i2c-dev.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <pthread.h>
#include <linux/i2c.h>
#include <linux/rtc.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* --- explained differences --- */

/* The real chip's model; CUSE's front end (the kernel answers before the
 * daemon sees it); cusekit's own core, its pipeline and transports (each
 * one a known limit, listed in docs/FIDELITY.md). */
enum why { WHY_CHIP, WHY_CUSE, WHY_CORE };

struct explanation {
        const char *family;
        const char *cases;          /* glob over case names ("nocap/" prefixed too) */
        enum why kind;
        const char *reason;         /* with the kernel source line */
        const char *emulated;       /* glob over the emulated answer it explains; NULL: any */
        const char *real;           /* glob over the real answer; NULL: any */
};

static const struct explanation explanations[] = {
        /* rtc: the MC146818 behind rtc_cmos, and CUSE */
        { .family = "rtc", .cases = "*rd-time", WHY_CHIP,
          "mc146818_get_time() leaves tm_wday and tm_yday 0 (drivers/rtc/rtc-mc146818-lib.c:117); "
          "cusekit fills them as rtc_time64_to_tm() does (drivers/rtc/lib.c:77,147)" },
        { .family = "rtc", .cases = "*rd-time-after-set", WHY_CHIP,
          "as rd-time: mc146818_get_time() leaves tm_wday and tm_yday 0 (drivers/rtc/rtc-mc146818-lib.c:117)" },
        { .family = "rtc", .cases = "irqp-read", WHY_CHIP,
          "rtc_cmos starts at 1024 Hz (drivers/rtc/rtc-cmos.c:1047); the class default, which cusekit keeps, "
          "is 1 Hz (drivers/rtc/class.c:221)" },
        { .family = "rtc", .cases = "set-time-year-????", WHY_CHIP,
          "mc146818_set_time() refuses years the chip cannot store: EINVAL (drivers/rtc/rtc-mc146818-lib.c:230,261); "
          "cusekit's clock reaches 2262-04-11 (KTIME_SEC_MAX), ERANGE beyond (drivers/rtc/interface.c:77-78)" },
        { .family = "rtc", .cases = "*wkalm-set-2days-enabled", WHY_CHIP,
          "cmos_validate_alarm(): without a day-of-month alarm register an alarm is at most one day "
          "ahead (drivers/rtc/rtc-cmos.c:413-421); cusekit's clock takes any future alarm" },
        { .family = "rtc", .cases = "*param-get-features", WHY_CHIP,
          "rtc_cmos has only alarm and update interrupt (drivers/rtc/class.c:243-244); cusekit also "
          "offers correction and backup switch mode" },
        { .family = "rtc", .cases = "*param-get-correction", WHY_CHIP,
          "rtc_cmos has no read_offset (drivers/rtc/interface.c:1075: EINVAL); cusekit keeps a correction" },
        { .family = "rtc", .cases = "*param-get-bsm", WHY_CHIP,
          "rtc_cmos has no param_get (drivers/rtc/dev.c:412-415: EINVAL); cusekit has a backup switch mode" },
        { .family = "rtc", .cases = "param-set-correction*", WHY_CHIP,
          "rtc_cmos has no set_offset (drivers/rtc/interface.c:1110: EINVAL); cusekit checks the range (ERANGE)" },
        { .family = "rtc", .cases = "param-set-bsm*", WHY_CHIP,
          "rtc_cmos has no param_set (drivers/rtc/dev.c:442-445: EINVAL); cusekit has a backup switch mode" },
        { .family = "rtc", .cases = "*read-size0", WHY_CUSE,
          "CUSE answers a zero-size read itself with 0 (fs/fuse/file.c fuse_direct_io: no request for "
          "no bytes); rtc_dev_read() says EINVAL (drivers/rtc/dev.c:150)" },
        { .family = "rtc", .cases = "*fioasync-o*", WHY_CUSE,
          "CUSE's front end has no fasync (fs/fuse/cuse.c:181-191), so FIOASYNC is ENOTTY "
          "(fs/ioctl.c:377-381); rtc_dev_fasync() takes it (drivers/rtc/dev.c:495-500)" },
        { .family = "rtc", .cases = "*lseek", WHY_CUSE,
          "CUSE's front end has noop_llseek (fs/fuse/cuse.c:190) and ignores FOPEN_NONSEEKABLE "
          "(cuse_open() never calls fuse_finish_open(), fs/fuse/cuse.c:138); rtc has no_llseek: ESPIPE" },
        { .family = "rtc", .cases = "*read-nonblock-badbuf", WHY_CUSE,
          "CUSE pins the read buffer before it asks the daemon (fs/fuse/file.c fuse_get_user_pages): "
          "EFAULT before the device's EAGAIN (drivers/rtc/dev.c:166)" },

        /* watchdog: softdog, and CUSE */
        { .family = "watchdog", .cases = "*getsupport", WHY_CHIP,
          "softdog: identity \"Software Watchdog\", no WDIOF_PRETIMEOUT without "
          "CONFIG_SOFT_WATCHDOG_PRETIMEOUT (drivers/watchdog/softdog.c:164-165,194)" },
        { .family = "watchdog", .cases = "*gettimeleft*", WHY_CHIP,
          "softdog has no get_timeleft: EOPNOTSUPP (drivers/watchdog/watchdog_dev.c:433-434); cusekit's has" },
        { .family = "watchdog", .cases = "*lseek", WHY_CUSE,
          "CUSE's noop_llseek (fs/fuse/cuse.c:190); watchdog_open() does stream_open(): ESPIPE "
          "(drivers/watchdog/watchdog_dev.c:892)" },
        { .family = "watchdog", .cases = "*pwrite", WHY_CUSE,
          "CUSE ignores the position and FOPEN_STREAM (fs/fuse/cuse.c:99-110,138); stream_open() makes pwrite "
          "ESPIPE (drivers/watchdog/watchdog_dev.c:892)" },
        { .family = "watchdog", .cases = "*write-straddle-V", WHY_CUSE,
          "CUSE pins what it can of a write buffer and sends that much: a short write of the bytes before the "
          "fault (fs/fuse/file.c fuse_direct_io); watchdog_write() fails with EFAULT at the first bad byte "
          "(drivers/watchdog/watchdog_dev.c:694-696)" },
        { .family = "watchdog", .cases = "*getstatus-after-straddle", WHY_CUSE,
          "after the short write above, the daemon saw the 'V' and a ping (WDIOF_KEEPALIVEPING); the kernel "
          "saw the 'V' but faulted before the ping (drivers/watchdog/watchdog_dev.c:694-708)" },
        { .family = "watchdog", .cases = "*read-size0", WHY_CUSE,
          "CUSE answers a zero-size read with 0 (fs/fuse/file.c fuse_direct_io); the watchdog has no "
          "read: EINVAL (fs/read_write.c vfs_read)" },

        /* i2c: i2c-stub behind i2c-dev, and CUSE */
        { .family = "i2c", .cases = "*funcs", WHY_CHIP,
          "i2c-stub offers SMBus quick/byte/byte data/word data/I2C block only (drivers/i2c/i2c-stub.c:28-30); "
          "cusekit's adapter also plain I2C, PEC, block and process calls" },
        { .family = "i2c", .cases = "*smbus-tenbit-quick", WHY_CHIP,
          "i2c-stub matches the address without I2C_M_TEN (drivers/i2c/i2c-stub.c:133-135): the 10-bit "
          "address 0x050 reaches its 7-bit chip at 0x50; on a real bus nobody answers it (ENXIO)" },
        { .family = "i2c", .cases = "*absent*", WHY_CHIP,
          "i2c-stub answers an absent address with ENODEV (drivers/i2c/i2c-stub.c:140); a real bus NACKs: ENXIO" },
        { .family = "i2c", .cases = "*rdwr-ok*", WHY_CHIP,
          "i2c-stub has no master_xfer: plain I2C transfers are EOPNOTSUPP (drivers/i2c/i2c-core-base.c:2275)" },
        { .family = "i2c", .cases = "*i2c-read*", WHY_CHIP,
          "read() is a plain I2C transfer: EOPNOTSUPP on i2c-stub (drivers/i2c/i2c-core-base.c:2275)" },
        { .family = "i2c", .cases = "*i2c-write*", WHY_CHIP,
          "write() is a plain I2C transfer: EOPNOTSUPP on i2c-stub (drivers/i2c/i2c-core-base.c:2275)" },
        { .family = "i2c", .cases = "*smbus-word*", WHY_CHIP,
          "i2c-stub keeps a 16-bit word per register (drivers/i2c/i2c-stub.c:195-207); a 24c02 has bytes, "
          "a word is two of them" },
        { .family = "i2c", .cases = "*smbus-block-read*", WHY_CHIP,
          "i2c-stub has no SMBus block read without a prior block write (drivers/i2c/i2c-stub.c:269-274, "
          "and no I2C_FUNC_SMBUS_BLOCK_DATA by default); a 24c02 answers one" },
        { .family = "i2c", .cases = "*smbus-proc-call*", WHY_CHIP,
          "i2c-stub has no process calls: EOPNOTSUPP (drivers/i2c/i2c-stub.c:293)" },
        { .family = "i2c", .cases = "*smbus-pec*", WHY_CHIP,
          "i2c-stub ignores PEC (drivers/i2c/i2c-stub.c:125-300); cusekit's adapter checks and sends it" },
        { .family = "i2c", .cases = "*read-badbuf", WHY_CHIP,
          "i2c-stub refuses the plain I2C read (EOPNOTSUPP, drivers/i2c/i2c-core-base.c:2275) before "
          "i2cdev_read() would copy out to the bad buffer (EFAULT, drivers/i2c/i2c-dev.c:153); a 24c02 answers, "
          "so the copy faults (through CUSE the buffer is checked even earlier, fs/fuse/file.c fuse_get_user_pages)" },
        { .family = "i2c", .cases = "*lseek", WHY_CUSE,
          "CUSE's noop_llseek (fs/fuse/cuse.c:190); i2c-dev has no_llseek: ESPIPE (drivers/i2c/i2c-dev.c)" },

        /* evdev: evdev.ko over a uinput clone of the emulated device, and CUSE */
        { .family = "evdev-keyboard", .cases = "*keycode-*-30", WHY_CHIP,
          "a uinput device has no keymap (keycodemax 0: input_default_getkeycode() says EINVAL, "
          "drivers/input/input.c:849-850); the keyboard preset has an AT keyboard's scancode map, as atkbd" },
        { .family = "evdev-keyboard", .cases = "*keycode-v2-get-*0", WHY_CHIP,
          "a uinput device has no keymap (keycodemax 0: EINVAL, drivers/input/input.c:849-850); "
          "the keyboard preset has an AT keyboard's scancode map, as atkbd",
          .emulated = "ret=0 *", .real = "ret=-1 errno=EINVAL" },
        { .family = "evdev", .cases = "*", WHY_CUSE,
          "fuse_do_ioctl() turns the device's ENOSYS into ENOTTY (fs/fuse/ioctl.c:22-27); evdev says ENOSYS "
          "for force feedback and repeat on a device without them (drivers/input/ff-core.c:100,216, "
          "drivers/input/evdev.c:1059-1061,1068-1070)",
          .emulated = "ret=-1 errno=ENOTTY", .real = "ret=-1 errno=ENOSYS" },
        { .family = "evdev", .cases = "*read-1.2-events", WHY_CUSE,
          "after read-badbuf: CUSE pins the read buffer before it asks the daemon (fs/fuse/file.c "
          "fuse_get_user_pages), so the event stays queued; evdev_read() has fetched it when "
          "input_event_to_user() faults, and it is gone (drivers/input/evdev.c:590-594)" },
        { .family = "evdev", .cases = "*read-rest", WHY_CUSE,
          "after read-badbuf: the event CUSE's EFAULT left queued is still there (fs/fuse/file.c "
          "fuse_get_user_pages; evdev_read() drops it, drivers/input/evdev.c:590-594)" },
        { .family = "evdev", .cases = "*read-masked-key", WHY_CORE,
          "after key-null and key-badptr: evdev_handle_get_val() queues SYN_DROPPED when bits_to_user() "
          "faults (drivers/input/evdev.c:914-917); cusekit's handler has answered before the copy-out "
          "(CUSE's or the transport's) faults, and never learns of it" },
        { .family = "evdev", .cases = "*revoked-poll", WHY_CORE,
          "cusekit run serves poll() through a FIFO's readiness, which has no POLLHUP|POLLERR; evdev_poll() "
          "of a revoked open says them (drivers/input/evdev.c:626), and so does cusekit's under CUSE",
          .emulated = "ret=1 errno=0 out=revents=0x4" },
        { .family = "evdev", .cases = "*fioasync-o*", WHY_CUSE,
          "CUSE's front end has no fasync (fs/fuse/cuse.c:181-191): FIOASYNC is ENOTTY (fs/ioctl.c:377-381); "
          "evdev has evdev_fasync() (drivers/input/evdev.c:1310)" },
        { .family = "evdev", .cases = "*lseek", WHY_CUSE,
          "CUSE's noop_llseek (fs/fuse/cuse.c:190); evdev has no_llseek: ESPIPE (drivers/input/evdev.c:1311)" },
};

static const char *const why_name[] = { [WHY_CHIP] = "chip", [WHY_CUSE] = "CUSE", [WHY_CORE] = "cusekit core" };

static const struct explanation *explained(const char *family, const char *name, const char *emulated,
                                          const char *real, bool seccomp)
{
        for (size_t i = 0; i < G_N_ELEMENTS(explanations); i++)
                if (g_str_has_prefix(family, explanations[i].family) && !(seccomp && explanations[i].kind == WHY_CUSE) &&
                    g_pattern_match_simple(explanations[i].cases, name) &&
                    (!explanations[i].emulated || (emulated && g_pattern_match_simple(explanations[i].emulated, emulated))) &&
                    (!explanations[i].real || (real && g_pattern_match_simple(explanations[i].real, real))))
                        return &explanations[i];
        return NULL;
}

/* --- running cases --- */

struct battery {
        const char *node;
        const char *prefix;         /* "" or "nocap/" */
        void *bad;                  /* a PROT_NONE page: every access faults */
        char *edge;                 /* the last bytes before it */
        int fd;
};

static void emit(struct battery *b, const char *name, long ret, int err, const char *fmt, ...)
        G_GNUC_PRINTF(5, 6);

static void emit(struct battery *b, const char *name, long ret, int err, const char *fmt, ...)
{
        g_autofree char *out = NULL;

        if (fmt && ret >= 0) {
                va_list ap;
                va_start(ap, fmt);
                out = g_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        printf("%s%s\tret=%ld errno=%s%s%s\n", b->prefix, name, ret < 0 ? -1 : ret,
               ret < 0 ? (strerrorname_np(err) ? strerrorname_np(err) : "?") : "0",
               out ? " out=" : "", out ? out : "");
        fflush(stdout);
}

static int saved_errno;
/* NULL, hidden from the compiler's nonnull checks */
static void *volatile null_buf;
/* Run a call, keep its errno for emit(). */
#define CALL(expr) ({ errno = 0; long _r = (long)(expr); saved_errno = _r < 0 ? errno : 0; _r; })
#define E saved_errno

static int reopen(struct battery *b, int flags)
{
        if (b->fd >= 0)
                close(b->fd);
        b->fd = open(b->node, flags | O_CLOEXEC);
        if (b->fd < 0) {
                fprintf(stderr, "ck-diff: cannot open %s: %m\n", b->node);
                exit(2);
        }
        return b->fd;
}

static void set_nonblock(int fd, bool on)
{
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Common to every node: the VFS's own requests (fs/ioctl.c do_vfs_ioctl()),
 * seeking, open flags. */
static void common_cases(struct battery *b, int flags)
{
        long r;
        int on = 1, off = 0, v = -1;

        r = CALL(ioctl(b->fd, FIONBIO, &on));
        emit(b, "fionbio-on", r, E, NULL);
        r = CALL(ioctl(b->fd, FIONBIO, &off));
        emit(b, "fionbio-off", r, E, NULL);
        r = CALL(ioctl(b->fd, FIONBIO, b->bad));
        emit(b, "fionbio-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, FIOASYNC, &on));
        emit(b, "fioasync-on", r, E, NULL);
        r = CALL(ioctl(b->fd, FIOASYNC, &off));
        emit(b, "fioasync-off", r, E, NULL);
        r = CALL(ioctl(b->fd, FIOASYNC, b->bad));
        emit(b, "fioasync-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, FIONREAD, &v));
        emit(b, "fionread", r, E, "%d", v);
        r = CALL(ioctl(b->fd, TCGETS, b->edge));
        emit(b, "tcgets", r, E, NULL);
        r = CALL(ioctl(b->fd, FIOQSIZE, b->edge));
        emit(b, "fioqsize", r, E, NULL);
        v = -1;
        r = CALL(ioctl(b->fd, FIGETBSZ, &v));
        emit(b, "figetbsz", r, E, "%d", v);
        r = CALL(ioctl(b->fd, FIOCLEX, 0));
        emit(b, "fioclex", r, E, NULL);

        r = CALL(lseek(b->fd, 0, SEEK_SET));
        emit(b, "lseek", r, E, "%ld", r);
        close(b->fd);
        b->fd = -1;
        r = CALL(open(b->node, flags | O_DIRECTORY | O_CLOEXEC));
        emit(b, "open-directory", r, E, NULL);
        if (r >= 0)
                close((int)r);
        r = CALL(open(b->node, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        emit(b, "open-creat-excl", r, E, NULL);
        if (r >= 0)
                close((int)r);
        reopen(b, flags);
}

/* --- rtc --- */

static gint64 tm_secs(const struct rtc_time *t)
{
        struct tm tm = { .tm_sec = t->tm_sec, .tm_min = t->tm_min, .tm_hour = t->tm_hour,
                         .tm_mday = t->tm_mday, .tm_mon = t->tm_mon, .tm_year = t->tm_year };
        return (gint64)timegm(&tm);
}

static char *fmt_tm(const struct rtc_time *t)
{
        return g_strdup_printf("%04d-%02d-%02d %02d:%02d:%02d wday=%d yday=%d isdst=%d",
                               t->tm_year + 1900, t->tm_mon + 1, t->tm_mday, t->tm_hour, t->tm_min,
                               t->tm_sec, t->tm_wday, t->tm_yday, t->tm_isdst);
}

static const struct rtc_time rtc_t0 = { .tm_year = 131, .tm_mon = 2, .tm_mday = 4,
                                        .tm_hour = 5, .tm_min = 6, .tm_sec = 7 };

/* The clock read against where it should be: "t0+N" for a small N. */
static char *fmt_now(const struct rtc_time *t, gint64 expect)
{
        gint64 d = tm_secs(t) - expect;

        if (d >= -1 && d <= 3)
                return g_strdup_printf("near wday=%d yday=%d isdst=%d", t->tm_wday, t->tm_yday, t->tm_isdst);
        return fmt_tm(t);
}

static struct rtc_time tm_plus(const struct rtc_time *t, gint64 secs)
{
        time_t s = (time_t)(tm_secs(t) + secs);
        struct tm g;

        gmtime_r(&s, &g);
        return (struct rtc_time){ .tm_year = g.tm_year, .tm_mon = g.tm_mon, .tm_mday = g.tm_mday,
                                  .tm_hour = g.tm_hour, .tm_min = g.tm_min, .tm_sec = g.tm_sec };
}

/* How far @t is ahead of @now, in the classes the alarm cases need (a
 * second ticking between two reads does not change them). */
static const char *ahead(const struct rtc_time *t, const struct rtc_time *now)
{
        gint64 d = tm_secs(t) - tm_secs(now);

        return d <= 0 ? "past" : d <= 3600 ? "within an hour" : d <= 86400 ? "within a day" : "later";
}

/* Wait up to @ms for an interrupt word; 0 if none. */
static long rtc_wait_irq(struct battery *b, int ms, unsigned long *ret_data)
{
        struct pollfd p = { .fd = b->fd, .events = POLLIN };

        if (poll(&p, 1, ms) != 1)
                return 0;
        return read(b->fd, ret_data, sizeof(*ret_data));
}

static void rtc_battery(struct battery *b, bool nocap)
{
        struct rtc_time tm, t;
        struct rtc_wkalrm wk;
        struct rtc_param p;
        unsigned long ul = 0;
        long r;
        gint64 t0_mono = 0, expect_base = 0;
        g_autofree char *s = NULL;

        reopen(b, O_RDONLY);
        r = CALL(open(b->node, O_RDONLY | O_CLOEXEC));
        emit(b, "open-second", r, E, NULL);
        if (r >= 0)
                close((int)r);

        /* the clock */
        tm = rtc_t0;
        r = CALL(ioctl(b->fd, RTC_SET_TIME, &tm));
        emit(b, "set-time", r, E, NULL);
        if (r == 0) {
                t0_mono = g_get_monotonic_time();
                expect_base = tm_secs(&rtc_t0);
        }
        memset(&tm, 0x55, sizeof(tm));
        r = CALL(ioctl(b->fd, RTC_RD_TIME, &tm));
        if (r == 0 && expect_base) {
                s = fmt_now(&tm, expect_base + (g_get_monotonic_time() - t0_mono) / G_USEC_PER_SEC);
        } else if (r == 0) {
                s = g_strdup_printf("valid wday=%d yday=%d isdst=%d", tm.tm_wday, tm.tm_yday, tm.tm_isdst);
        }
        emit(b, "rd-time", r, E, "%s", s ? s : "");
        struct rtc_time now = tm;    /* for the alarms below */
        r = CALL(ioctl(b->fd, RTC_RD_TIME, b->bad));
        emit(b, "rd-time-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_RD_TIME, NULL));
        emit(b, "rd-time-null", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_SET_TIME, b->bad));
        emit(b, "set-time-badptr", r, E, NULL);

        static const struct { const char *name; int field; int value; } bad_tm[] = {
                { "set-time-sec60", 0, 60 },     { "set-time-sec-neg", 0, -1 },
                { "set-time-min60", 1, 60 },     { "set-time-hour24", 2, 24 },
                { "set-time-mday0", 3, 0 },      { "set-time-mday32", 3, 32 },
                { "set-time-mon12", 4, 12 },     { "set-time-mon-neg", 4, -1 },
                { "set-time-year1969", 5, 69 },  { "set-time-year-intmax", 5, INT_MAX },
                { "set-time-year-neg", 5, -1 },  { "set-time-year-2200", 5, 300 },
                { "set-time-year-9999", 5, 8099 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad_tm); i++) {
                tm = rtc_t0;
                int *f[] = { &tm.tm_sec, &tm.tm_min, &tm.tm_hour, &tm.tm_mday, &tm.tm_mon, &tm.tm_year };
                *f[bad_tm[i].field] = bad_tm[i].value;
                r = CALL(ioctl(b->fd, RTC_SET_TIME, &tm));
                emit(b, bad_tm[i].name, r, E, NULL);
        }
        tm = rtc_t0;
        tm.tm_mon = 1, tm.tm_mday = 29;            /* 2031 is no leap year */
        r = CALL(ioctl(b->fd, RTC_SET_TIME, &tm));
        emit(b, "set-time-feb29", r, E, NULL);
        tm = rtc_t0;
        tm.tm_mon = 3, tm.tm_mday = 31;
        r = CALL(ioctl(b->fd, RTC_SET_TIME, &tm));
        emit(b, "set-time-apr31", r, E, NULL);
        tm = rtc_t0;
        tm.tm_wday = 9, tm.tm_yday = 400, tm.tm_isdst = 7;   /* ignored fields */
        r = CALL(ioctl(b->fd, RTC_SET_TIME, &tm));
        emit(b, "set-time-ignored-fields", r, E, NULL);
        if (r == 0) {
                t0_mono = g_get_monotonic_time();
                expect_base = tm_secs(&rtc_t0);
        }
        if (expect_base) {
                r = CALL(ioctl(b->fd, RTC_RD_TIME, &now));
                g_free(s);
                s = r == 0 ? fmt_now(&now, expect_base + (g_get_monotonic_time() - t0_mono) / G_USEC_PER_SEC)
                           : NULL;
                emit(b, "rd-time-after-set", r, E, "%s", s ? s : "");
        }

        /* alarms: RTC_WKALM_SET/RD, RTC_ALM_SET/READ, RTC_AIE_ON/OFF */
        wk = (struct rtc_wkalrm){ .enabled = 1, .time = tm_plus(&now, 3600) };
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-1h-enabled", r, E, NULL);
        memset(&wk, 0x55, sizeof(wk));
        r = CALL(ioctl(b->fd, RTC_WKALM_RD, &wk));
        g_free(s);
        s = fmt_tm(&wk.time);
        emit(b, "wkalm-rd-1h", r, E, "enabled=%u pending=%u +%" G_GINT64_FORMAT " %s", wk.enabled, wk.pending,
             tm_secs(&wk.time) - tm_secs(&now), expect_base ? s : "");
        memset(&t, 0x55, sizeof(t));
        r = CALL(ioctl(b->fd, RTC_ALM_READ, &t));
        g_free(s);
        s = fmt_tm(&t);
        emit(b, "alm-read-1h", r, E, "%s", expect_base ? s : "");
        wk = (struct rtc_wkalrm){ .enabled = 1, .time = tm_plus(&now, 2 * 86400) };
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-2days-enabled", r, E, NULL);
        wk = (struct rtc_wkalrm){ .enabled = 0, .time = tm_plus(&now, 2 * 86400) };
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-2days-disabled", r, E, NULL);
        memset(&wk, 0x55, sizeof(wk));
        r = CALL(ioctl(b->fd, RTC_WKALM_RD, &wk));
        emit(b, "wkalm-rd-2days", r, E, "enabled=%u pending=%u +%" G_GINT64_FORMAT, wk.enabled, wk.pending,
             tm_secs(&wk.time) - tm_secs(&now));
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, b->bad));
        emit(b, "wkalm-set-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_WKALM_RD, b->bad));
        emit(b, "wkalm-rd-badptr", r, E, NULL);
        wk = (struct rtc_wkalrm){ .enabled = 1, .time = now };
        wk.time.tm_hour = 25;
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-hour25", r, E, NULL);
        wk.time = now;
        wk.time.tm_year = 60;
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-year1960", r, E, NULL);
        wk.time = now;
        wk.time.tm_mday = 0;
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-mday0", r, E, NULL);
        wk.time = now;
        wk.time.tm_year = INT_MAX;
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-year-intmax", r, E, NULL);

        r = CALL(ioctl(b->fd, RTC_AIE_OFF, 0));
        emit(b, "aie-off", r, E, NULL);
        t = (struct rtc_time){ .tm_hour = (now.tm_hour + 1) % 24, .tm_min = 0, .tm_sec = 0 };
        r = CALL(ioctl(b->fd, RTC_ALM_SET, &t));
        emit(b, "alm-set-next-hour", r, E, NULL);
        memset(&t, 0x55, sizeof(t));
        r = CALL(ioctl(b->fd, RTC_ALM_READ, &t));
        g_free(s);
        s = fmt_tm(&t);
        emit(b, "alm-read-next-hour", r, E, "%s %s", ahead(&t, &now), expect_base ? s : "");
        t = (struct rtc_time){ .tm_hour = now.tm_hour, .tm_min = now.tm_min, .tm_sec = 0 };
        r = CALL(ioctl(b->fd, RTC_ALM_SET, &t));   /* passed this minute: tomorrow */
        emit(b, "alm-set-wraps-to-tomorrow", r, E, NULL);
        memset(&wk, 0x55, sizeof(wk));
        r = CALL(ioctl(b->fd, RTC_WKALM_RD, &wk));
        g_free(s);
        s = fmt_tm(&wk.time);
        emit(b, "wkalm-rd-tomorrow", r, E, "enabled=%u pending=%u %s %s", wk.enabled, wk.pending,
             ahead(&wk.time, &now), expect_base ? s : "");
        r = CALL(ioctl(b->fd, RTC_AIE_ON, 0));
        emit(b, "aie-on", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_AIE_ON, 0));
        emit(b, "aie-on-again", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_AIE_OFF, 0));
        emit(b, "aie-off-again", r, E, NULL);
        static const struct { const char *name; int h, m, s; } bad_alm[] = {
                { "alm-set-hour24", 24, 0, 0 }, { "alm-set-min60", 0, 60, 0 },
                { "alm-set-sec60", 0, 0, 60 },  { "alm-set-hour-neg", -1, 0, 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad_alm); i++) {
                t = (struct rtc_time){ .tm_hour = bad_alm[i].h, .tm_min = bad_alm[i].m, .tm_sec = bad_alm[i].s };
                r = CALL(ioctl(b->fd, RTC_ALM_SET, &t));
                emit(b, bad_alm[i].name, r, E, NULL);
        }
        t = (struct rtc_time){ .tm_hour = 1, .tm_mday = 99, .tm_mon = 99, .tm_year = -5 };
        r = CALL(ioctl(b->fd, RTC_ALM_SET, &t));   /* the date is ignored */
        emit(b, "alm-set-date-ignored", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_ALM_SET, b->bad));
        emit(b, "alm-set-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_ALM_READ, b->bad));
        emit(b, "alm-read-badptr", r, E, NULL);

        /* an alarm already due fires at once (the -ETIME path) */
        set_nonblock(b->fd, true);
        r = CALL(read(b->fd, &ul, sizeof(ul)));
        emit(b, "read-nonblock-empty", r, E, NULL);
        r = CALL(read(b->fd, b->bad, sizeof(ul)));
        emit(b, "read-nonblock-badbuf", r, E, NULL);
        struct pollfd pf = { .fd = b->fd, .events = POLLIN };
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll-empty", r, E, "revents=%#x", pf.revents);
        r = CALL(ioctl(b->fd, RTC_RD_TIME, &now));
        wk = (struct rtc_wkalrm){ .enabled = 1, .time = tm_plus(&now, -10) };
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-past-enabled", r, E, NULL);
        pf.revents = 0;
        r = CALL(poll(&pf, 1, 3000));
        emit(b, "poll-alarm-pending", r, E, "revents=%#x", pf.revents);
        ul = 0;
        r = CALL(rtc_wait_irq(b, 3000, &ul));
        emit(b, "alarm-past-fires", r, E, "%#lx", ul);
        /* the one-shot alarm is off now; enabling it again fires it again */
        r = CALL(ioctl(b->fd, RTC_AIE_ON, 0));
        emit(b, "aie-on-expired-alarm", r, E, NULL);
        ul = 0;
        r = CALL(rtc_wait_irq(b, 3000, &ul));
        emit(b, "alarm-expired-fires-again", r, E, "%#lx", ul);
        r = CALL(ioctl(b->fd, RTC_WKALM_RD, &wk));
        emit(b, "wkalm-rd-after-fire", r, E, "enabled=%u pending=%u", wk.enabled, wk.pending);
        wk = (struct rtc_wkalrm){ .enabled = 1, .time = tm_plus(&now, 2) };
        r = CALL(ioctl(b->fd, RTC_WKALM_SET, &wk));
        emit(b, "wkalm-set-2s", r, E, NULL);
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll-before-alarm", r, E, "revents=%#x", pf.revents);
        ul = 0;
        r = CALL(rtc_wait_irq(b, 5000, &ul));
        emit(b, "alarm-2s-fires", r, E, "%#lx", ul);

        /* update interrupts */
        r = CALL(ioctl(b->fd, RTC_UIE_ON, 0));
        emit(b, "uie-on", r, E, NULL);
        ul = 0;
        r = CALL(rtc_wait_irq(b, 3000, &ul));
        emit(b, "uie-fires", r, E, "%#lx", ul & 0xff);
        r = CALL(ioctl(b->fd, RTC_UIE_ON, 0));
        emit(b, "uie-on-again", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_UIE_OFF, 0));
        emit(b, "uie-off", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_UIE_OFF, 0));
        emit(b, "uie-off-again", r, E, NULL);
        usleep(1100 * 1000);
        while (read(b->fd, &ul, sizeof(ul)) > 0)     /* drain */
                ;
        set_nonblock(b->fd, false);

        /* read sizes: an int or at least a long */
        static const size_t sizes[] = { 0, 1, 3, 5, 7 };
        for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
                char buf[16], name[32];
                g_snprintf(name, sizeof(name), "read-size%zu", sizes[i]);
                r = CALL(read(b->fd, buf, sizes[i]));
                emit(b, name, r, E, NULL);
        }
        r = CALL(write(b->fd, "x", 1));
        emit(b, "write", r, E, NULL);

        /* periodic interrupts */
        r = CALL(ioctl(b->fd, RTC_IRQP_READ, &ul));
        emit(b, "irqp-read", r, E, "%lu", ul);
        r = CALL(ioctl(b->fd, RTC_IRQP_READ, b->bad));
        emit(b, "irqp-read-badptr", r, E, NULL);
        static const struct { const char *name; unsigned long v; } freqs[] = {
                { "irqp-set-0", 0 },      { "irqp-set-3", 3 },          { "irqp-set-64", 64 },
                { "irqp-set-65", 65 },    { "irqp-set-8192", 8192 },    { "irqp-set-8193", 8193 },
                { "irqp-set-ulong-max", ULONG_MAX },                    { "irqp-set-int-min", 0x80000000ul },
                { "irqp-set-trunc-4", 0x100000004ul },                  { "irqp-set-2", 2 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(freqs); i++) {
                r = CALL(ioctl(b->fd, RTC_IRQP_SET, freqs[i].v));
                emit(b, freqs[i].name, r, E, NULL);
                r = CALL(ioctl(b->fd, RTC_IRQP_READ, &ul));
        }
        r = CALL(ioctl(b->fd, RTC_IRQP_READ, &ul));
        emit(b, "irqp-read-after", r, E, "%lu", ul);
        r = CALL(ioctl(b->fd, RTC_PIE_ON, 0));
        emit(b, "pie-on-slow", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_PIE_OFF, 0));
        emit(b, "pie-off", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_IRQP_SET, 128ul));
        r = CALL(ioctl(b->fd, RTC_PIE_ON, 0));
        emit(b, "pie-on-128hz", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_PIE_OFF, 0));
        r = CALL(ioctl(b->fd, RTC_IRQP_SET, 32ul));
        emit(b, "irqp-set-32", r, E, NULL);
        if (!nocap) {
                /* tools/testing/selftests/timers/rtcpie.c: each of 20 blocking reads
                 * returns within 1.1 periods, at every rate an unprivileged caller has */
                for (unsigned long hz = 16; hz <= 64; hz *= 2) {
                        char name[32];
                        int ok = 0, words = 0;
                        gint64 worst = 0;
                        r = CALL(ioctl(b->fd, RTC_IRQP_SET, hz));
                        r = CALL(ioctl(b->fd, RTC_PIE_ON, 0));
                        g_snprintf(name, sizeof(name), "pie-on-%luhz", hz);
                        emit(b, name, r, E, NULL);
                        for (int i = 0; i < 20; i++) {
                                gint64 t1 = g_get_monotonic_time();
                                if (read(b->fd, &ul, sizeof(ul)) != sizeof(ul))
                                        break;
                                gint64 took = g_get_monotonic_time() - t1;
                                worst = MAX(worst, took);
                                ok += took <= G_USEC_PER_SEC * 11 / 10 / (gint64)hz;
                                words += (ul & 0xff) == (RTC_PF | RTC_IRQF);
                        }
                        g_snprintf(name, sizeof(name), "pie-%luhz-rtcpie", hz);
                        /* Compared: 20 periodic words.  Timed, not compared: a
                         * TCG guest on a shared host delays the real driver's
                         * periods as well (the deadlines are unit-tested) */
                        emit(b, name, words == 20 ? 0 : -1, EIO, "20 periodic interrupt words");
                        fprintf(stderr, "ck-diff: timing %s: %d of 20 periods at %lu Hz within rtcpie's 1.1/f, "
                                "the worst wait %" G_GINT64_FORMAT " us (period %lu us)\n",
                                b->node, ok, hz, worst, G_USEC_PER_SEC / hz);
                        r = CALL(ioctl(b->fd, RTC_PIE_OFF, 0));
                }
        }

        /* epoch: no driver in 6.1 has one */
        r = CALL(ioctl(b->fd, RTC_EPOCH_READ, &ul));
        emit(b, "epoch-read", r, E, "%lu", ul);
        r = CALL(ioctl(b->fd, RTC_EPOCH_SET, 1900ul));
        emit(b, "epoch-set-1900", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_EPOCH_SET, 0ul));
        emit(b, "epoch-set-0", r, E, NULL);

        /* parameters */
        static const struct { const char *name; unsigned param, index; } gets[] = {
                { "param-get-features", RTC_PARAM_FEATURES, 0 },
                { "param-get-features-index1", RTC_PARAM_FEATURES, 1 },
                { "param-get-correction", RTC_PARAM_CORRECTION, 0 },
                { "param-get-correction-index1", RTC_PARAM_CORRECTION, 1 },
                { "param-get-bsm", RTC_PARAM_BACKUP_SWITCH_MODE, 0 },
                { "param-get-unknown", 99, 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(gets); i++) {
                p = (struct rtc_param){ .param = gets[i].param, .index = gets[i].index };
                r = CALL(ioctl(b->fd, RTC_PARAM_GET, &p));
                emit(b, gets[i].name, r, E, "%#llx", (unsigned long long)p.uvalue);
        }
        r = CALL(ioctl(b->fd, RTC_PARAM_GET, b->bad));
        emit(b, "param-get-badptr", r, E, NULL);
        static const struct { const char *name; unsigned param, index; long long v; } sets[] = {
                { "param-set-features", RTC_PARAM_FEATURES, 0, 0 },
                { "param-set-correction-index1", RTC_PARAM_CORRECTION, 1, 0 },
                { "param-set-correction", RTC_PARAM_CORRECTION, 0, 10 },
                { "param-set-correction-huge", RTC_PARAM_CORRECTION, 0, 1ll << 40 },
                { "param-set-bsm", RTC_PARAM_BACKUP_SWITCH_MODE, 0, RTC_BSM_DIRECT },
                { "param-set-bsm-bad", RTC_PARAM_BACKUP_SWITCH_MODE, 0, 77 },
                { "param-set-unknown", 99, 0, 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(sets); i++) {
                p = (struct rtc_param){ .param = sets[i].param, .index = sets[i].index, .svalue = sets[i].v };
                r = CALL(ioctl(b->fd, RTC_PARAM_SET, &p));
                emit(b, sets[i].name, r, E, NULL);
        }
        r = CALL(ioctl(b->fd, RTC_PARAM_SET, b->bad));
        emit(b, "param-set-badptr", r, E, NULL);

        /* requests rtc_dev_ioctl() does not know */
        r = CALL(ioctl(b->fd, _IO('p', 0x20), 0));
        emit(b, "unknown-p20", r, E, NULL);
        r = CALL(ioctl(b->fd, _IOR('p', 0x09, int), &ul));
        emit(b, "rd-time-wrong-size", r, E, NULL);
        r = CALL(ioctl(b->fd, _IOR('q', 0x09, struct rtc_time), &tm));
        emit(b, "rd-time-wrong-group", r, E, NULL);
        r = CALL(ioctl(b->fd, RTC_VL_READ, &ul));
        emit(b, "vl-read", r, E, NULL);

        common_cases(b, O_RDONLY);
        close(b->fd);
        b->fd = -1;
        r = CALL(open(b->node, O_WRONLY | O_CLOEXEC));
        emit(b, "open-wronly", r, E, NULL);
        if (r >= 0)
                close((int)r);
        r = CALL(open(b->node, O_RDWR | O_NONBLOCK | O_CLOEXEC));
        emit(b, "open-rdwr-nonblock", r, E, NULL);
        if (r >= 0)
                close((int)r);
}

/* --- watchdog --- */

static void wd_int(struct battery *b, const char *name, unsigned long req, int value)
{
        int v = value;
        long r = CALL(ioctl(b->fd, req, &v));

        emit(b, name, r, E, "%d", v);
}

static void watchdog_battery(struct battery *b, bool nocap)
{
        struct watchdog_info info;
        int v;
        long r;

        reopen(b, O_WRONLY);
        r = CALL(open(b->node, O_WRONLY | O_CLOEXEC));
        emit(b, "open-second", r, E, NULL);
        if (r >= 0)
                close((int)r);

        memset(&info, 0, sizeof(info));
        r = CALL(ioctl(b->fd, WDIOC_GETSUPPORT, &info));
        emit(b, "getsupport", r, E, "options=%#x fw=%u identity=%.32s", info.options, info.firmware_version,
             (const char *)info.identity);
        r = CALL(ioctl(b->fd, WDIOC_GETSUPPORT, b->bad));
        emit(b, "getsupport-badptr", r, E, NULL);
        wd_int(b, "getstatus-after-open", WDIOC_GETSTATUS, -1);
        wd_int(b, "getstatus-again", WDIOC_GETSTATUS, -1);
        r = CALL(ioctl(b->fd, WDIOC_GETSTATUS, b->bad));
        emit(b, "getstatus-badptr", r, E, NULL);
        wd_int(b, "getbootstatus", WDIOC_GETBOOTSTATUS, -1);
        r = CALL(ioctl(b->fd, WDIOC_GETBOOTSTATUS, NULL));
        emit(b, "getbootstatus-null", r, E, NULL);
        wd_int(b, "gettemp", WDIOC_GETTEMP, -1);

        wd_int(b, "gettimeout", WDIOC_GETTIMEOUT, -1);
        static const struct { const char *name; int v; } timeouts[] = {
                { "settimeout-30", 30 },          { "settimeout-0", 0 },
                { "settimeout-neg", -1 },         { "settimeout-65535", 65535 },
                { "settimeout-65536", 65536 },    { "settimeout-uintmax-1000", 4294968 },
                { "settimeout-intmin", INT_MIN }, { "settimeout-1", 1 },
                { "settimeout-20", 20 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(timeouts); i++)
                wd_int(b, timeouts[i].name, WDIOC_SETTIMEOUT, timeouts[i].v);
        r = CALL(ioctl(b->fd, WDIOC_SETTIMEOUT, b->bad));
        emit(b, "settimeout-badptr", r, E, NULL);
        wd_int(b, "gettimeout-after", WDIOC_GETTIMEOUT, -1);
        r = CALL(ioctl(b->fd, WDIOC_GETTIMEOUT, b->bad));
        emit(b, "gettimeout-badptr", r, E, NULL);

        wd_int(b, "getpretimeout", WDIOC_GETPRETIMEOUT, -1);
        static const struct { const char *name; int v; } pretimeouts[] = {
                { "setpretimeout-10", 10 },  { "setpretimeout-20-equal", 20 },
                { "setpretimeout-21", 21 },  { "setpretimeout-neg", -1 },
                { "setpretimeout-0", 0 },    { "setpretimeout-19", 19 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(pretimeouts); i++)
                wd_int(b, pretimeouts[i].name, WDIOC_SETPRETIMEOUT, pretimeouts[i].v);
        r = CALL(ioctl(b->fd, WDIOC_SETPRETIMEOUT, b->bad));
        emit(b, "setpretimeout-badptr", r, E, NULL);
        wd_int(b, "getpretimeout-after", WDIOC_GETPRETIMEOUT, -1);
        wd_int(b, "settimeout-drops-pretimeout", WDIOC_SETTIMEOUT, 15);
        wd_int(b, "getpretimeout-dropped", WDIOC_GETPRETIMEOUT, -1);
        r = CALL(ioctl(b->fd, WDIOC_GETPRETIMEOUT, b->bad));
        emit(b, "getpretimeout-badptr", r, E, NULL);

        wd_int(b, "gettimeleft", WDIOC_GETTIMELEFT, -1);
        r = CALL(ioctl(b->fd, WDIOC_GETTIMELEFT, b->bad));
        emit(b, "gettimeleft-badptr", r, E, NULL);

        r = CALL(ioctl(b->fd, WDIOC_KEEPALIVE, 0));
        emit(b, "keepalive", r, E, NULL);
        r = CALL(ioctl(b->fd, WDIOC_KEEPALIVE, b->bad));
        emit(b, "keepalive-badptr", r, E, NULL);
        wd_int(b, "getstatus-after-keepalive", WDIOC_GETSTATUS, -1);

        static const struct { const char *name; int v; } options[] = {
                { "setoptions-none", 0 },           { "setoptions-unknown", 0x100 },
                { "setoptions-disable", WDIOS_DISABLECARD },
                { "setoptions-disable-again", WDIOS_DISABLECARD },
                { "setoptions-temppanic", WDIOS_TEMPPANIC },
                { "setoptions-enable", WDIOS_ENABLECARD },
                { "setoptions-enable-again", WDIOS_ENABLECARD },
                { "setoptions-both", WDIOS_DISABLECARD | WDIOS_ENABLECARD },
                { "setoptions-all-bits", -1 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
                wd_int(b, options[i].name, WDIOC_SETOPTIONS, options[i].v);
        r = CALL(ioctl(b->fd, WDIOC_SETOPTIONS, b->bad));
        emit(b, "setoptions-badptr", r, E, NULL);
        wd_int(b, "setoptions-disable-for-stopped", WDIOC_SETOPTIONS, WDIOS_DISABLECARD);
        r = CALL(ioctl(b->fd, WDIOC_KEEPALIVE, 0));
        emit(b, "keepalive-stopped", r, E, NULL);
        wd_int(b, "getstatus-stopped", WDIOC_GETSTATUS, -1);
        wd_int(b, "settimeout-stopped", WDIOC_SETTIMEOUT, 25);
        wd_int(b, "gettimeleft-stopped", WDIOC_GETTIMELEFT, -1);
        r = CALL(write(b->fd, "x", 1));
        emit(b, "write-stopped", r, E, NULL);
        wd_int(b, "setoptions-enable-restart", WDIOC_SETOPTIONS, WDIOS_ENABLECARD);

        r = CALL(ioctl(b->fd, _IO('W', 11), 0));
        emit(b, "unknown-w11", r, E, NULL);
        static const struct { const char *name; unsigned long req; } unknown[] = {
                { "unknown-w12", _IOR('W', 12, int) },       { "unknown-w255", _IOR('W', 255, int) },
                { "setoptions-as-iow", _IOW('W', 4, int) },  { "settimeout-as-long", _IOWR('W', 6, long) },
                { "keepalive-as-io", _IO('W', 5) },          { "gettimeout-as-iow", _IOW('W', 7, int) },
                { "unknown-rtc-request", _IOR('p', 0x09, int) }, { "unknown-zero", 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
                v = 0;
                r = CALL(ioctl(b->fd, unknown[i].req, &v));
                emit(b, unknown[i].name, r, E, NULL);
        }
        static const struct { const char *name; unsigned long req; } nulls[] = {
                { "getsupport-null", WDIOC_GETSUPPORT },       { "getstatus-null", WDIOC_GETSTATUS },
                { "gettimeout-null", WDIOC_GETTIMEOUT },       { "getpretimeout-null", WDIOC_GETPRETIMEOUT },
                { "gettimeleft-null", WDIOC_GETTIMELEFT },     { "settimeout-null", WDIOC_SETTIMEOUT },
                { "setpretimeout-null", WDIOC_SETPRETIMEOUT }, { "setoptions-null", WDIOC_SETOPTIONS },
                { "gettemp-null", WDIOC_GETTEMP },             { "getbootstatus-badptr", WDIOC_GETBOOTSTATUS },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(nulls); i++) {
                void *arg = strstr(nulls[i].name, "badptr") ? b->bad : null_buf;
                r = CALL(ioctl(b->fd, nulls[i].req, arg));
                emit(b, nulls[i].name, r, E, NULL);
        }
        static const struct { const char *name; unsigned long req; int v; } more_bad[] = {
                { "settimeout-100000", WDIOC_SETTIMEOUT, 100000 },
                { "settimeout-intmax", WDIOC_SETTIMEOUT, INT_MAX },
                { "settimeout-neg65535", WDIOC_SETTIMEOUT, -65535 },
                { "setpretimeout-intmax", WDIOC_SETPRETIMEOUT, INT_MAX },
                { "setpretimeout-65535", WDIOC_SETPRETIMEOUT, 65535 },
                { "setpretimeout-intmin", WDIOC_SETPRETIMEOUT, INT_MIN },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(more_bad); i++)
                wd_int(b, more_bad[i].name, more_bad[i].req, more_bad[i].v);
        /* a write that faults part way: the kernel has scanned up to the fault
         * (watchdog_write() reads byte by byte), so a 'V' before it counts */
        memcpy(b->edge, "xxxxxxxxxxxxxxxV", 16);
        r = CALL(write(b->fd, b->edge, 32));
        emit(b, "write-straddle-V", r, E, NULL);
        wd_int(b, "getstatus-after-straddle", WDIOC_GETSTATUS, -1);
        r = CALL(write(b->fd, "x", 1));
        r = CALL(ioctl(b->fd, _IOR('W', 0, int), &v));
        emit(b, "getsupport-wrong-size", r, E, NULL);
        r = CALL(ioctl(b->fd, _IOR('V', 0, struct watchdog_info), &info));
        emit(b, "getsupport-wrong-group", r, E, NULL);

        r = CALL(write(b->fd, "x", 1));
        emit(b, "write-ping", r, E, NULL);
        r = CALL(write(b->fd, "", 0));
        emit(b, "write-0", r, E, NULL);
        r = CALL(write(b->fd, b->bad, 1));
        emit(b, "write-badbuf", r, E, NULL);
        r = CALL(write(b->fd, null_buf, 4));
        emit(b, "write-null", r, E, NULL);
        r = CALL(pwrite(b->fd, "x", 1, 5));
        emit(b, "pwrite", r, E, NULL);
        char buf[8];
        r = CALL(read(b->fd, buf, sizeof(buf)));
        emit(b, "read", r, E, NULL);
        r = CALL(read(b->fd, buf, 0));
        emit(b, "read-size0", r, E, NULL);
        struct pollfd pf = { .fd = b->fd, .events = POLLIN | POLLOUT };
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll", r, E, "revents=%#x", pf.revents);
        r = CALL(write(b->fd, "xxVxx", 5));
        emit(b, "write-magic", r, E, NULL);
        wd_int(b, "getstatus-magic", WDIOC_GETSTATUS, -1);
        r = CALL(write(b->fd, "xx", 2));
        emit(b, "write-unmagic", r, E, NULL);
        wd_int(b, "getstatus-unmagic", WDIOC_GETSTATUS, -1);

        /* close without the magic: it keeps running; reopen, magic close */
        close(b->fd);
        b->fd = -1;
        reopen(b, O_WRONLY);
        wd_int(b, "getstatus-reopened", WDIOC_GETSTATUS, -1);
        wd_int(b, "gettimeout-reopened", WDIOC_GETTIMEOUT, -1);
        common_cases(b, O_WRONLY);
        r = CALL(write(b->fd, "V", 1));
        emit(b, "write-V", r, E, NULL);
        close(b->fd);
        b->fd = -1;
        r = CALL(open(b->node, O_RDONLY | O_CLOEXEC));
        emit(b, "open-rdonly", r, E, NULL);
        if (r >= 0) {
                b->fd = (int)r;
                r = CALL(write(b->fd, "V", 1));   /* EBADF: not open for writing */
                emit(b, "write-on-rdonly", r, E, NULL);
                wd_int(b, "settimeout-on-rdonly", WDIOC_SETTIMEOUT, 60);
                close(b->fd);
                b->fd = -1;
        }
        reopen(b, O_WRONLY);
        wd_int(b, "settimeout-60", WDIOC_SETTIMEOUT, 60);
        wd_int(b, "setpretimeout-restore-0", WDIOC_SETPRETIMEOUT, 0);
        r = CALL(write(b->fd, "V", 1));
        emit(b, "write-V-final", r, E, NULL);
        close(b->fd);
        b->fd = -1;
        (void)nocap;
}

/* --- i2c --- */

static long smbus(struct battery *b, int rw, int cmd, int size, union i2c_smbus_data *data)
{
        struct i2c_smbus_ioctl_data a = { .read_write = (__u8)rw, .command = (__u8)cmd, .size = (__u32)size,
                                          .data = data };
        return CALL(ioctl(b->fd, I2C_SMBUS, &a));
}

static char *hex(const void *p, size_t n)
{
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", ((const uint8_t *)p)[i]);
        return g_string_free(s, FALSE);
}

static long rdwr(struct battery *b, struct i2c_msg *msgs, unsigned n)
{
        struct i2c_rdwr_ioctl_data a = { .msgs = msgs, .nmsgs = n };
        return CALL(ioctl(b->fd, I2C_RDWR, &a));
}

static void i2c_battery(struct battery *b, bool nocap)
{
        union i2c_smbus_data d;
        unsigned long funcs = 0;
        long r;
        g_autofree char *s = NULL;

        reopen(b, O_RDWR);
        r = CALL(open(b->node, O_RDWR | O_CLOEXEC));   /* i2c-dev: any number of opens */
        emit(b, "open-second", r, E, NULL);
        if (r >= 0)
                close((int)r);

        r = CALL(ioctl(b->fd, I2C_FUNCS, &funcs));
        emit(b, "funcs", r, E, "%#lx", funcs);
        r = CALL(ioctl(b->fd, I2C_FUNCS, b->bad));
        emit(b, "funcs-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, I2C_FUNCS, NULL));
        emit(b, "funcs-null", r, E, NULL);

        static const struct { const char *name; unsigned long req, v; } values[] = {
                { "slave-0x80", I2C_SLAVE, 0x80 },          { "slave-0x400", I2C_SLAVE, 0x400 },
                { "slave-ulong-max", I2C_SLAVE, ULONG_MAX }, { "slave-force-0x7f", I2C_SLAVE_FORCE, 0x7f },
                { "slave-force-0x80", I2C_SLAVE_FORCE, 0x80 },
                { "tenbit-on", I2C_TENBIT, 1 },             { "slave-0x3ff-tenbit", I2C_SLAVE, 0x3ff },
                { "slave-0x400-tenbit", I2C_SLAVE, 0x400 }, { "tenbit-big", I2C_TENBIT, 1ul << 40 },
                { "tenbit-off", I2C_TENBIT, 0 },            { "slave-0x3ff-7bit", I2C_SLAVE, 0x3ff },
                { "retries-3", I2C_RETRIES, 3 },            { "retries-intmax", I2C_RETRIES, INT_MAX },
                { "retries-intmax+1", I2C_RETRIES, (unsigned long)INT_MAX + 1 },
                { "retries-0", I2C_RETRIES, 0 },
                { "timeout-100", I2C_TIMEOUT, 100 },        { "timeout-max", I2C_TIMEOUT, INT_MAX / 10 },
                { "timeout-max+1", I2C_TIMEOUT, INT_MAX / 10 + 1 }, { "timeout-100-again", I2C_TIMEOUT, 100 },
                { "pec-on", I2C_PEC, 1 },                   { "pec-off", I2C_PEC, 0 },
                { "unknown-0709", 0x0709, 0 },              { "unknown-0721", 0x0721, 0 },
                { "slave-0x50", I2C_SLAVE, 0x50 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
                r = CALL(ioctl(b->fd, values[i].req, values[i].v));
                emit(b, values[i].name, r, E, NULL);
        }

        /* I2C_SMBUS: i2c-dev.c's checks, then i2c-core-smbus.c's, then the chip */
        r = CALL(ioctl(b->fd, I2C_SMBUS, b->bad));
        emit(b, "smbus-arg-badptr", r, E, NULL);
        r = smbus(b, I2C_SMBUS_READ, 0, 99, &d);
        emit(b, "smbus-size-unknown", r, E, NULL);
        r = smbus(b, 2, 0, I2C_SMBUS_BYTE_DATA, &d);
        emit(b, "smbus-rw-2", r, E, NULL);
        r = smbus(b, 2, 0, 99, &d);
        emit(b, "smbus-size-and-rw-bad", r, E, NULL);
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE_DATA, NULL);
        emit(b, "smbus-byte-data-null", r, E, NULL);
        r = smbus(b, I2C_SMBUS_WRITE, 0, I2C_SMBUS_BYTE_DATA, b->bad);
        emit(b, "smbus-byte-data-write-badptr", r, E, NULL);
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE_DATA, b->bad);
        emit(b, "smbus-byte-data-read-badptr", r, E, NULL);
        r = smbus(b, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK, b->bad);   /* no data: not touched */
        emit(b, "smbus-quick-write-badptr", r, E, NULL);
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_QUICK, NULL);
        emit(b, "smbus-quick-read", r, E, NULL);
        r = smbus(b, I2C_SMBUS_WRITE, 0x10, I2C_SMBUS_BYTE, NULL);
        emit(b, "smbus-byte-write-null", r, E, NULL);
        d.byte = 0xa5;
        r = smbus(b, I2C_SMBUS_WRITE, 0x10, I2C_SMBUS_BYTE_DATA, &d);
        emit(b, "smbus-byte-data-write", r, E, NULL);
        usleep(20000);                  /* an EEPROM's write cycle */
        d.byte = 0;
        r = smbus(b, I2C_SMBUS_READ, 0x10, I2C_SMBUS_BYTE_DATA, &d);
        emit(b, "smbus-byte-data-read", r, E, "%#x", d.byte);
        d.byte = 0x5a;
        r = smbus(b, I2C_SMBUS_WRITE, 0x11, I2C_SMBUS_BYTE_DATA, &d);
        usleep(20000);
        r = smbus(b, I2C_SMBUS_WRITE, 0x10, I2C_SMBUS_BYTE, NULL);
        emit(b, "smbus-byte-write-pointer", r, E, NULL);
        d.byte = 0;
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE, &d);
        emit(b, "smbus-byte-read-at-pointer", r, E, "%#x", d.byte);
        d.byte = 0;
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE, &d);
        emit(b, "smbus-byte-read-next", r, E, "%#x", d.byte);
        d.word = 0x1234;
        r = smbus(b, I2C_SMBUS_WRITE, 0x20, I2C_SMBUS_WORD_DATA, &d);
        emit(b, "smbus-word-write", r, E, NULL);
        usleep(20000);
        d.word = 0;
        r = smbus(b, I2C_SMBUS_READ, 0x20, I2C_SMBUS_WORD_DATA, &d);
        emit(b, "smbus-word-read", r, E, "%#x", d.word);
        r = smbus(b, I2C_SMBUS_READ, 0x20, I2C_SMBUS_WORD_DATA, b->bad);
        emit(b, "smbus-word-read-badptr", r, E, NULL);
        d.word = 0x55;
        r = smbus(b, I2C_SMBUS_WRITE, 0x20, I2C_SMBUS_PROC_CALL, &d);
        emit(b, "smbus-proc-call", r, E, NULL);

        /* block lengths: i2c-core-smbus.c checks them before the adapter */
        static const struct { const char *name; int rw, size, len; } blocks[] = {
                { "smbus-i2c-block-write-len0", I2C_SMBUS_WRITE, I2C_SMBUS_I2C_BLOCK_DATA, 0 },
                { "smbus-i2c-block-write-len33", I2C_SMBUS_WRITE, I2C_SMBUS_I2C_BLOCK_DATA, 33 },
                { "smbus-i2c-block-write-len255", I2C_SMBUS_WRITE, I2C_SMBUS_I2C_BLOCK_DATA, 255 },
                { "smbus-i2c-block-read-len0", I2C_SMBUS_READ, I2C_SMBUS_I2C_BLOCK_DATA, 0 },
                { "smbus-i2c-block-read-len33", I2C_SMBUS_READ, I2C_SMBUS_I2C_BLOCK_DATA, 33 },
                { "smbus-block-write-len0", I2C_SMBUS_WRITE, I2C_SMBUS_BLOCK_DATA, 0 },
                { "smbus-block-write-len33", I2C_SMBUS_WRITE, I2C_SMBUS_BLOCK_DATA, 33 },
                { "smbus-block-proc-call-len0", I2C_SMBUS_WRITE, I2C_SMBUS_BLOCK_PROC_CALL, 0 },
                { "smbus-block-proc-call-len33", I2C_SMBUS_WRITE, I2C_SMBUS_BLOCK_PROC_CALL, 33 },
                { "smbus-i2c-block-broken-write-len0", I2C_SMBUS_WRITE, I2C_SMBUS_I2C_BLOCK_BROKEN, 0 },
                { "smbus-i2c-block-write-len4", I2C_SMBUS_WRITE, I2C_SMBUS_I2C_BLOCK_DATA, 4 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(blocks); i++) {
                memset(&d, 0, sizeof(d));
                d.block[0] = (uint8_t)blocks[i].len;
                for (int k = 1; k < I2C_SMBUS_BLOCK_MAX + 2; k++)
                        d.block[k] = (uint8_t)(0x30 + k);
                r = smbus(b, blocks[i].rw, 0x40, blocks[i].size, &d);
                emit(b, blocks[i].name, r, E, NULL);
        }
        usleep(20000);
        memset(&d, 0, sizeof(d));
        d.block[0] = 4;
        r = smbus(b, I2C_SMBUS_READ, 0x40, I2C_SMBUS_I2C_BLOCK_DATA, &d);
        g_free(s);
        s = hex(d.block, 6);
        emit(b, "smbus-i2c-block-read-len4", r, E, "%s", s);
        memset(&d, 0, sizeof(d));
        r = smbus(b, I2C_SMBUS_READ, 0x40, I2C_SMBUS_I2C_BLOCK_BROKEN, &d);
        g_free(s);
        s = hex(d.block, 5);       /* the bytes written above; the rest is the chip's own */
        emit(b, "smbus-i2c-block-broken-read", r, E, "%s", s);
        memset(&d, 0, sizeof(d));
        r = smbus(b, I2C_SMBUS_READ, 0x40, I2C_SMBUS_BLOCK_DATA, &d);
        emit(b, "smbus-block-read", r, E, "len=%u", d.block[0]);
        r = smbus(b, I2C_SMBUS_READ, 0x40, I2C_SMBUS_I2C_BLOCK_DATA, b->bad);
        emit(b, "smbus-i2c-block-read-badptr", r, E, NULL);
        r = CALL(ioctl(b->fd, I2C_PEC, 1ul));
        d.byte = 0;
        r = smbus(b, I2C_SMBUS_READ, 0x10, I2C_SMBUS_BYTE_DATA, &d);
        emit(b, "smbus-pec-byte-data-read", r, E, "%#x", d.byte);
        r = CALL(ioctl(b->fd, I2C_PEC, 0ul));

        /* a 10-bit address 0x050 is not the 7-bit chip at 0x50 */
        r = CALL(ioctl(b->fd, I2C_TENBIT, 1ul));
        r = CALL(ioctl(b->fd, I2C_SLAVE, 0x50ul));
        emit(b, "slave-0x50-tenbit", r, E, NULL);
        r = smbus(b, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK, NULL);
        emit(b, "smbus-tenbit-quick", r, E, NULL);
        r = CALL(ioctl(b->fd, I2C_TENBIT, 0ul));

        /* an address nobody answers */
        r = CALL(ioctl(b->fd, I2C_SLAVE, 0x51ul));
        emit(b, "slave-0x51", r, E, NULL);
        r = smbus(b, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK, NULL);
        emit(b, "smbus-absent-quick", r, E, NULL);
        r = smbus(b, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE_DATA, &d);
        emit(b, "smbus-absent-byte-data", r, E, NULL);
        memset(&d, 0, sizeof(d));
        r = smbus(b, I2C_SMBUS_WRITE, 0, I2C_SMBUS_I2C_BLOCK_DATA, &d);   /* len 0: EINVAL first */
        emit(b, "smbus-block-len0-no-chip", r, E, NULL);
        r = CALL(ioctl(b->fd, I2C_SLAVE, 0x50ul));

        /* I2C_RDWR: i2c-dev.c checks and copies message by message */
        uint8_t w[2] = { 0x10, 0x77 }, rb[64], recv[I2C_SMBUS_BLOCK_MAX + 1] = { 1 };
        struct i2c_msg m[I2C_RDWR_IOCTL_MAX_MSGS + 1];
        r = CALL(ioctl(b->fd, I2C_RDWR, b->bad));
        emit(b, "rdwr-arg-badptr", r, E, NULL);
        struct i2c_rdwr_ioctl_data a = { .msgs = NULL, .nmsgs = 1 };
        r = CALL(ioctl(b->fd, I2C_RDWR, &a));
        emit(b, "rdwr-msgs-null", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = w };
        r = rdwr(b, m, 0);
        emit(b, "rdwr-nmsgs0", r, E, NULL);
        for (int i = 0; i <= I2C_RDWR_IOCTL_MAX_MSGS; i++)
                m[i] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = w };
        r = rdwr(b, m, I2C_RDWR_IOCTL_MAX_MSGS + 1);
        emit(b, "rdwr-nmsgs43", r, E, NULL);
        a = (struct i2c_rdwr_ioctl_data){ .msgs = b->bad, .nmsgs = 2 };
        r = CALL(ioctl(b->fd, I2C_RDWR, &a));
        emit(b, "rdwr-msgs-badptr", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 8193, .buf = rb };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-len8193", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = b->bad };
        m[1] = (struct i2c_msg){ .addr = 0x50, .len = 9000, .buf = rb };
        r = rdwr(b, m, 2);
        emit(b, "rdwr-msg0-badbuf-msg1-len9000", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 9000, .buf = rb };
        m[1] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = b->bad };
        r = rdwr(b, m, 2);
        emit(b, "rdwr-msg0-len9000-msg1-badbuf", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = w };
        m[1] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD, .len = 1, .buf = b->bad };
        r = rdwr(b, m, 2);
        emit(b, "rdwr-read-badbuf", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RECV_LEN, .len = 40, .buf = recv };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-recv-len-not-read", r, E, NULL);
        recv[0] = 0;
        m[0] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 40, .buf = recv };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-recv-len-count0", r, E, NULL);
        recv[0] = 1;
        m[0] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 8, .buf = recv };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-recv-len-short", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 0, .buf = recv };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-recv-len-len0", r, E, NULL);
        recv[0] = 0;
        m[0] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 40, .buf = recv };
        m[1] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = b->bad };
        r = rdwr(b, m, 2);
        emit(b, "rdwr-recv-len-bad-then-badbuf", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = b->bad };
        m[1] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 40, .buf = recv };
        r = rdwr(b, m, 2);
        emit(b, "rdwr-badbuf-then-recv-len-bad", r, E, NULL);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 2, .buf = w };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-ok-write", r, E, NULL);
        usleep(20000);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 1, .buf = w };
        m[1] = (struct i2c_msg){ .addr = 0x50, .flags = I2C_M_RD, .len = 1, .buf = rb };
        rb[0] = 0;
        r = rdwr(b, m, 2);
        emit(b, "rdwr-ok-write-read", r, E, "%#x", rb[0]);
        m[0] = (struct i2c_msg){ .addr = 0x50, .len = 0, .buf = NULL };
        r = rdwr(b, m, 1);
        emit(b, "rdwr-ok-len0-null", r, E, NULL);

        /* read() and write(): one plain I2C message to the I2C_SLAVE address */
        r = CALL(read(b->fd, rb, 1));
        emit(b, "i2c-read-1", r, E, NULL);
        r = CALL(read(b->fd, rb, 0));
        emit(b, "i2c-read-size0", r, E, NULL);
        r = CALL(read(b->fd, b->bad, 1));
        emit(b, "read-badbuf", r, E, NULL);
        r = CALL(write(b->fd, w, 1));
        emit(b, "i2c-write-1", r, E, NULL);
        r = CALL(write(b->fd, b->bad, 1));
        emit(b, "write-badbuf", r, E, NULL);
        r = CALL(write(b->fd, w, 0));
        emit(b, "i2c-write-0", r, E, NULL);
        struct pollfd pf = { .fd = b->fd, .events = POLLIN | POLLOUT };
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll", r, E, "revents=%#x", pf.revents);
        common_cases(b, O_RDWR);
        close(b->fd);
        b->fd = -1;
        r = CALL(open(b->node, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        emit(b, "open-rdonly-nonblock", r, E, NULL);
        if (r >= 0)
                close((int)r);
        (void)nocap;
}

/* --- evdev --- */

/* The real side is a uinput clone of the emulated node (ck-diff run evdev
 * uinput:TEMPLATE): same name, id, bits, properties, absinfo and effect
 * slots, so that both answer from the same description.  Events the device
 * itself produces come from the uinput descriptor there and from the
 * family's `events` state (CK_DIFF_CLI set NAME events ...) here. */
struct evdev_side {
        int uinput;                 /* the clone's creator; -1 on the emulated side */
        const char *state_name;     /* the emulated device's name for `cusekit set` */
        pthread_t ff_thread;
};

static struct evdev_side ev_side = { .uinput = -1 };

/* uinput hands effect uploads and erasures to the creator and waits for its
 * answer (drivers/input/misc/uinput.c:201-262): accept them all, as
 * ff-memless does on cusekit's side. */
static void *uinput_ff_server(void *data)
{
        int fd = *(int *)data;
        struct input_event e;

        for (;;) {
                ssize_t n = read(fd, &e, sizeof(e));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n != (ssize_t)sizeof(e))
                        return NULL;
                if (e.type != EV_UINPUT)
                        continue;
                if (e.code == UI_FF_UPLOAD) {
                        struct uinput_ff_upload up = { .request_id = (uint32_t)e.value };
                        if (ioctl(fd, UI_BEGIN_FF_UPLOAD, &up) == 0) {
                                up.retval = 0;
                                ioctl(fd, UI_END_FF_UPLOAD, &up);
                        }
                } else if (e.code == UI_FF_ERASE) {
                        struct uinput_ff_erase er = { .request_id = (uint32_t)e.value };
                        if (ioctl(fd, UI_BEGIN_FF_ERASE, &er) == 0) {
                                er.retval = 0;
                                ioctl(fd, UI_END_FF_ERASE, &er);
                        }
                }
        }
}

/* Creates the clone of @template; returns its /dev/input node. */
static char *uinput_clone(const char *template)
{
        int t = open(template, O_RDONLY | O_CLOEXEC);
        int u = open("/dev/uinput", O_RDWR | O_CLOEXEC);
        struct uinput_setup setup = { 0 };
        unsigned long bits[KEY_CNT / (8 * sizeof(long)) + 1];
        static const unsigned long set_bit_req[EV_CNT] = {
                [EV_KEY] = UI_SET_KEYBIT, [EV_REL] = UI_SET_RELBIT, [EV_ABS] = UI_SET_ABSBIT,
                [EV_MSC] = UI_SET_MSCBIT, [EV_LED] = UI_SET_LEDBIT, [EV_SND] = UI_SET_SNDBIT,
                [EV_FF] = UI_SET_FFBIT, [EV_SW] = UI_SET_SWBIT,
        };
        char sysname[64] = "";

        if (t < 0 || u < 0) {
                fprintf(stderr, "ck-diff: cannot open %s or /dev/uinput: %m\n", template);
                exit(2);
        }
        ioctl(t, EVIOCGID, &setup.id);
        ioctl(t, EVIOCGNAME(sizeof(setup.name)), setup.name);
        ioctl(t, EVIOCGEFFECTS, &setup.ff_effects_max);
        memset(bits, 0, sizeof(bits));
        ioctl(t, EVIOCGBIT(0, sizeof(bits)), bits);
        unsigned long evbits = bits[0];
        for (int type = 0; type < EV_CNT; type++) {
                if (!(evbits & (1ul << type)))
                        continue;
                ioctl(u, UI_SET_EVBIT, type);
                if (!set_bit_req[type])
                        continue;
                memset(bits, 0, sizeof(bits));
                ioctl(t, EVIOCGBIT(type, sizeof(bits)), bits);
                for (int c = 0; c < KEY_CNT; c++)
                        if (bits[c / (8 * sizeof(long))] & (1ul << (c % (8 * sizeof(long)))))
                                ioctl(u, set_bit_req[type], c);
                if (type == EV_ABS)
                        for (int c = 0; c < ABS_CNT; c++)
                                if (bits[c / (8 * sizeof(long))] & (1ul << (c % (8 * sizeof(long))))) {
                                        struct uinput_abs_setup a = { .code = (uint16_t)c };
                                        ioctl(t, EVIOCGABS(c), &a.absinfo);
                                        ioctl(u, UI_ABS_SETUP, &a);
                                }
        }
        memset(bits, 0, sizeof(bits));
        ioctl(t, EVIOCGPROP(sizeof(bits)), bits);
        for (int p = 0; p < INPUT_PROP_CNT; p++)
                if (bits[0] & (1ul << p))
                        ioctl(u, UI_SET_PROPBIT, p);
        char phys[256] = "";
        if (ioctl(t, EVIOCGPHYS(sizeof(phys)), phys) > 0)
                ioctl(u, UI_SET_PHYS, phys);
        close(t);
        if (ioctl(u, UI_DEV_SETUP, &setup) < 0 || ioctl(u, UI_DEV_CREATE) < 0 ||
            ioctl(u, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0) {
                fprintf(stderr, "ck-diff: cannot create the uinput clone of %s: %m\n", template);
                exit(2);
        }
        ev_side.uinput = u;
        if (pthread_create(&ev_side.ff_thread, NULL, uinput_ff_server, &ev_side.uinput) != 0) {
                fprintf(stderr, "ck-diff: no thread for uinput's force feedback requests\n");
                exit(2);
        }
        g_autofree char *dir = g_strdup_printf("/sys/devices/virtual/input/%s", sysname);
        for (int i = 0; i < 100; i++) {
                g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
                const char *e;
                while (d && (e = g_dir_read_name(d)))
                        if (g_str_has_prefix(e, "event")) {
                                char *node = g_strdup_printf("/dev/input/%s", e);
                                for (int k = 0; k < 100 && access(node, F_OK) < 0; k++)
                                        usleep(20000);
                                return node;
                        }
                usleep(20000);
        }
        fprintf(stderr, "ck-diff: no event node under %s\n", dir);
        exit(2);
}

/* The device produces events: TYPE CODE VALUE triples, -1 ends. */
static void ev_inject(const int *t)
{
        if (ev_side.uinput >= 0) {
                struct input_event e[1024];
                size_t n = 0;
                for (; t[0] >= 0 && n < G_N_ELEMENTS(e); t += 3, n++)
                        e[n] = (struct input_event){ .type = (uint16_t)t[0], .code = (uint16_t)t[1], .value = t[2] };
                if (write(ev_side.uinput, e, n * sizeof(e[0])) < 0)
                        fprintf(stderr, "ck-diff: uinput write: %m\n");
                return;
        }
        GString *lines = g_string_new(NULL);
        for (; t[0] >= 0; t += 3)
                g_string_append_printf(lines, "E: 0.000000 %04x %04x %d\n", t[0], t[1], t[2]);
        const char *cli = g_getenv("CK_DIFF_CLI");
        g_autofree char *cmd = g_strdup_printf("%s events --no-timing %s -", cli ? cli : "cusekit", ev_side.state_name);
        FILE *p = popen(cmd, "w");
        if (p) {
                fputs(lines->str, p);
                if (pclose(p) != 0)
                        fprintf(stderr, "ck-diff: %s failed\n", cmd);
        }
        g_string_free(lines, TRUE);
}

/* Everything queued for @fd, as type/code/value, summarised past 12. */
static void ev_drain(struct battery *b, const char *name, int fd)
{
        struct input_event e[64];
        GString *s = g_string_new(NULL);
        unsigned total = 0;
        long r;

        for (;;) {
                r = CALL(read(fd, e, sizeof(e)));
                if (r <= 0)
                        break;
                for (long i = 0; i < r / (long)sizeof(e[0]); i++, total++)
                        if (total < 12 || (e[i].type == EV_SYN && e[i].code == SYN_DROPPED))
                                g_string_append_printf(s, "%s%u:%x/%x/%d", s->len ? " " : "", total, e[i].type,
                                                       e[i].code, e[i].value);
        }
        emit(b, name, total ? (long)total : r, E, "n=%u %s", total, s->str);
        g_string_free(s, TRUE);
}

static void ev_ioctl_out(struct battery *b, const char *name, unsigned long req, size_t show)
{
        uint8_t buf[1024];
        memset(buf, 0xee, sizeof(buf));
        long r = CALL(ioctl(b->fd, req, buf));
        g_autofree char *s = hex(buf, show);
        emit(b, name, r, E, "%s", s);
}

/* A request at NULL and at the PROT_NONE page. */
static void ev_bad_ptrs(struct battery *b, const char *name, unsigned long req)
{
        g_autofree char *n1 = g_strdup_printf("%s-null", name), *n2 = g_strdup_printf("%s-badptr", name);
        long r = CALL(ioctl(b->fd, req, null_buf));
        emit(b, n1, r, E, NULL);
        r = CALL(ioctl(b->fd, req, b->bad));
        emit(b, n2, r, E, NULL);
}

static const int ev_key_a[] = { EV_KEY, KEY_A, 1, EV_SYN, SYN_REPORT, 0, EV_KEY, KEY_A, 0, EV_SYN, SYN_REPORT, 0, -1 };
static const int ev_btn_a[] = { EV_KEY, BTN_A, 1, EV_SYN, SYN_REPORT, 0, EV_KEY, BTN_A, 0, EV_SYN, SYN_REPORT, 0, -1 };

static void evdev_battery(struct battery *b, const char *node, bool nocap)
{
        char name[64];
        long r;
        bool keyboard;

        if (g_str_has_prefix(node, "uinput:"))
                b->node = uinput_clone(node + strlen("uinput:"));
        else
                ev_side.state_name = g_path_get_basename(node);
        reopen(b, O_RDWR | O_NONBLOCK);
        int fd2 = open(b->node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        uint8_t kb[KEY_CNT / 8] = { 0 };
        ioctl(b->fd, EVIOCGBIT(EV_KEY, sizeof(kb)), kb);
        keyboard = kb[KEY_A / 8] & (1u << (KEY_A % 8));
        const int *press = keyboard ? ev_key_a : ev_btn_a;

        /* identity and lengths: the caller's length caps the copy */
        ev_ioctl_out(b, "version", EVIOCGVERSION, 4);
        ev_bad_ptrs(b, "version", EVIOCGVERSION);
        ev_ioctl_out(b, "id", EVIOCGID, 8);
        ev_bad_ptrs(b, "id", EVIOCGID);
        ev_ioctl_out(b, "name256", EVIOCGNAME(256), 40);
        ev_ioctl_out(b, "name4", EVIOCGNAME(4), 6);
        ev_ioctl_out(b, "name0", EVIOCGNAME(0), 2);
        ev_bad_ptrs(b, "name256", EVIOCGNAME(256));
        ev_ioctl_out(b, "phys", EVIOCGPHYS(256), 8);
        ev_ioctl_out(b, "uniq", EVIOCGUNIQ(256), 8);
        ev_ioctl_out(b, "prop", EVIOCGPROP(256), 8);
        ev_ioctl_out(b, "prop1", EVIOCGPROP(1), 2);
        ev_ioctl_out(b, "prop0", EVIOCGPROP(0), 2);
        for (int t = 0; t <= EV_MAX; t++) {
                snprintf(name, sizeof(name), "bit%02x", t);
                ev_ioctl_out(b, name, EVIOCGBIT(t, 256), 100);
                snprintf(name, sizeof(name), "bit%02x-len1", t);
                ev_ioctl_out(b, name, EVIOCGBIT(t, 1), 2);
        }
        ev_ioctl_out(b, "bit01-len5", EVIOCGBIT(EV_KEY, 5), 8);
        ev_ioctl_out(b, "bit01-len0", EVIOCGBIT(EV_KEY, 0), 2);
        ev_ioctl_out(b, "bit00-len1023", EVIOCGBIT(0, 1023), 8);
        ev_bad_ptrs(b, "bit01", EVIOCGBIT(EV_KEY, 96));
        ev_ioctl_out(b, "key", EVIOCGKEY(256), 96);
        ev_ioctl_out(b, "key3", EVIOCGKEY(3), 4);
        ev_bad_ptrs(b, "key", EVIOCGKEY(96));
        ev_ioctl_out(b, "led", EVIOCGLED(256), 4);
        ev_ioctl_out(b, "snd", EVIOCGSND(256), 4);
        ev_ioctl_out(b, "sw", EVIOCGSW(256), 4);
        ev_ioctl_out(b, "sw0", EVIOCGSW(0), 2);
        for (int a = 0; a <= ABS_MAX; a++) {
                snprintf(name, sizeof(name), "abs%02x", a);
                ev_ioctl_out(b, name, EVIOCGABS(a), 24);
        }
        ev_ioctl_out(b, "gabs-size20", _IOC(_IOC_READ, 'E', 0x40, 20), 24);
        ev_ioctl_out(b, "gabs-size30", _IOC(_IOC_READ, 'E', 0x40, 30), 32);
        ev_bad_ptrs(b, "gabs", EVIOCGABS(0));

        /* EVIOCSABS: a set axis, the slot axis, an axis the device lacks, lengths */
        struct input_absinfo old = { 0 }, ai = { .value = 5, .minimum = -7, .maximum = 77, .resolution = 9 };
        ioctl(b->fd, EVIOCGABS(ABS_X), &old);
        r = CALL(ioctl(b->fd, EVIOCSABS(ABS_X), &ai));
        emit(b, "sabs-x", r, E, NULL);
        ev_ioctl_out(b, "gabs-x-after", EVIOCGABS(ABS_X), 24);
        r = CALL(ioctl(b->fd, _IOC(_IOC_WRITE, 'E', 0xc0, 20), &ai));
        emit(b, "sabs-x-size20", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCSABS(ABS_MT_SLOT), &ai));
        emit(b, "sabs-slot", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCSABS(ABS_PRESSURE), &ai));
        emit(b, "sabs-pressure-not-on-device", r, E, NULL);
        ev_ioctl_out(b, "gabs-pressure-after", EVIOCGABS(ABS_PRESSURE), 24);
        ev_bad_ptrs(b, "sabs-x", EVIOCSABS(ABS_X));
        ioctl(b->fd, EVIOCSABS(ABS_X), &old);
        r = CALL(ioctl(b->fd, EVIOCSABS(ABS_PRESSURE), &(struct input_absinfo){ 0 }));

        /* repeat */
        unsigned rep[2] = { 0 }, rep_old[2] = { 0 };
        r = CALL(ioctl(b->fd, EVIOCGREP, rep_old));
        emit(b, "grep", r, E, "%u %u", rep_old[0], rep_old[1]);
        ev_bad_ptrs(b, "grep", EVIOCGREP);
        r = CALL(ioctl(b->fd, EVIOCSREP, (unsigned[]){ 500, 40 }));
        emit(b, "srep", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGREP, rep));
        emit(b, "grep-after", r, E, "%u %u", rep[0], rep[1]);
        ev_bad_ptrs(b, "srep", EVIOCSREP);
        ioctl(b->fd, EVIOCSREP, rep_old);

        /* keycodes: scancode 30, bad scancodes, by index, lengths */
        unsigned kc[2] = { 30, 0 };
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE, kc));
        emit(b, "keycode-get-30", r, E, "%u", kc[1]);
        kc[0] = 0xffffffffu;
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE, kc));
        emit(b, "keycode-get-bad-scancode", r, E, NULL);
        ev_bad_ptrs(b, "keycode-get", EVIOCGKEYCODE);
        unsigned kc_old[2] = { 30, 0 };
        bool have_keymap = ioctl(b->fd, EVIOCGKEYCODE, kc_old) == 0;
        r = CALL(ioctl(b->fd, EVIOCSKEYCODE, (unsigned[]){ 30, KEY_B }));
        emit(b, "keycode-set-30", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCSKEYCODE, (unsigned[]){ 0xffffffffu, KEY_B }));
        emit(b, "keycode-set-bad-scancode", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCSKEYCODE, (unsigned[]){ 30, KEY_MAX + 1 }));
        emit(b, "keycode-set-bad-keycode", r, E, NULL);
        if (have_keymap)
                ioctl(b->fd, EVIOCSKEYCODE, kc_old);
        struct input_keymap_entry ke = { .flags = INPUT_KEYMAP_BY_INDEX, .index = 0 };
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE_V2, &ke));
        emit(b, "keycode-v2-get-index0", r, E, "len=%u keycode=%u", ke.len, ke.keycode);
        ke = (struct input_keymap_entry){ .flags = INPUT_KEYMAP_BY_INDEX, .index = 60000 };
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE_V2, &ke));
        emit(b, "keycode-v2-get-bad-index", r, E, NULL);
        ke = (struct input_keymap_entry){ .len = 4, .scancode = { 30 } };
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE_V2, &ke));
        emit(b, "keycode-v2-get-scancode30", r, E, "keycode=%u", ke.keycode);
        ke = (struct input_keymap_entry){ .len = 33, .scancode = { 30 } };
        r = CALL(ioctl(b->fd, EVIOCGKEYCODE_V2, &ke));
        emit(b, "keycode-v2-get-len33", r, E, NULL);
        ke = (struct input_keymap_entry){ .len = 33, .scancode = { 30 }, .keycode = KEY_B };
        r = CALL(ioctl(b->fd, EVIOCSKEYCODE_V2, &ke));
        emit(b, "keycode-v2-set-len33", r, E, NULL);
        ev_bad_ptrs(b, "keycode-v2-get", EVIOCGKEYCODE_V2);

        /* force feedback */
        int neff = -1;
        r = CALL(ioctl(b->fd, EVIOCGEFFECTS, &neff));
        emit(b, "effects", r, E, "%d", neff);
        struct ff_effect fx = { .type = FF_RUMBLE, .id = -1, .u.rumble = { .strong_magnitude = 0x4000 },
                                .replay = { .length = 100 } };
        r = CALL(ioctl(b->fd, EVIOCSFF, &fx));
        emit(b, "ff-upload", r, E, "id=%d", fx.id);
        int id0 = fx.id;
        struct ff_effect f2 = fx;
        f2.id = 100;
        r = CALL(ioctl(b->fd, EVIOCSFF, &f2));
        emit(b, "ff-upload-bad-id", r, E, NULL);
        f2 = fx;
        f2.id = -1;
        f2.type = 0x7f;
        r = CALL(ioctl(b->fd, EVIOCSFF, &f2));
        emit(b, "ff-upload-bad-type", r, E, NULL);
        f2 = fx;
        f2.id = -1;
        r = CALL(ioctl(b->fd, _IOC(_IOC_WRITE, 'E', 0x80, sizeof(fx) - 4), &f2));
        emit(b, "ff-upload-short", r, E, NULL);
        f2 = fx;
        r = CALL(ioctl(fd2, EVIOCSFF, &f2));
        emit(b, "ff-upload-other-owner", r, E, NULL);
        ev_bad_ptrs(b, "ff-upload", EVIOCSFF);
        r = CALL(write(b->fd, &(struct input_event){ .type = EV_FF, .code = (uint16_t)id0, .value = 1 },
                       sizeof(struct input_event)));
        emit(b, "ff-play", r, E, NULL);
        r = CALL(ioctl(fd2, EVIOCRMFF, id0));
        emit(b, "ff-erase-other-owner", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCRMFF, id0));
        emit(b, "ff-erase", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCRMFF, id0));
        emit(b, "ff-erase-again", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCRMFF, 100));
        emit(b, "ff-erase-bad-id", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCRMFF, -1));
        emit(b, "ff-erase-neg-id", r, E, NULL);

        /* multitouch slots */
        int slots[5] = { ABS_MT_TRACKING_ID, 0x55, 0x55, 0x55, 0x55 };
        r = CALL(ioctl(b->fd, EVIOCGMTSLOTS(sizeof(slots)), slots));
        emit(b, "mtslots-tracking", r, E, "%d %d", slots[1], slots[2]);
        slots[0] = ABS_X;
        r = CALL(ioctl(b->fd, EVIOCGMTSLOTS(sizeof(slots)), slots));
        emit(b, "mtslots-x", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGMTSLOTS(2), slots));
        emit(b, "mtslots-len2", r, E, NULL);
        ev_bad_ptrs(b, "mtslots", EVIOCGMTSLOTS(20));

        /* masks */
        unsigned long codes[12];
        struct input_mask m = { .type = EV_KEY, .codes_size = sizeof(codes), .codes_ptr = (uintptr_t)codes };
        memset(codes, 0x55, sizeof(codes));
        r = CALL(ioctl(b->fd, EVIOCGMASK, &m));
        g_autofree char *mh = hex(codes, 16);
        emit(b, "gmask-key", r, E, "%s", mh);
        m = (struct input_mask){ .type = 99, .codes_size = 16, .codes_ptr = (uintptr_t)codes };
        r = CALL(ioctl(b->fd, EVIOCGMASK, &m));
        emit(b, "gmask-type99", r, E, NULL);
        m = (struct input_mask){ .type = EV_KEY, .codes_size = 16, .codes_ptr = (uintptr_t)b->bad };
        r = CALL(ioctl(b->fd, EVIOCGMASK, &m));
        emit(b, "gmask-codes-badptr", r, E, NULL);
        m = (struct input_mask){ .type = 0, .codes_size = 1, .codes_ptr = (uintptr_t)codes };
        memset(codes, 0x55, sizeof(codes));
        r = CALL(ioctl(b->fd, EVIOCGMASK, &m));
        emit(b, "gmask-ev-size1", r, E, "%02x%02x", ((uint8_t *)codes)[0], ((uint8_t *)codes)[1]);
        ev_bad_ptrs(b, "gmask", EVIOCGMASK);
        memset(codes, 0, sizeof(codes));
        m = (struct input_mask){ .type = EV_KEY, .codes_size = 5, .codes_ptr = (uintptr_t)codes };
        r = CALL(ioctl(b->fd, EVIOCSMASK, &m));
        emit(b, "smask-key-none-size5", r, E, NULL);
        m.type = 99;
        r = CALL(ioctl(b->fd, EVIOCSMASK, &m));
        emit(b, "smask-type99", r, E, NULL);
        /* the one that takes: no key reaches b->fd, fd2 still gets them */
        m = (struct input_mask){ .type = EV_KEY, .codes_size = sizeof(codes), .codes_ptr = (uintptr_t)codes };
        r = CALL(ioctl(b->fd, EVIOCSMASK, &m));
        emit(b, "smask-key-none", r, E, NULL);
        m = (struct input_mask){ .type = EV_KEY, .codes_size = 16, .codes_ptr = (uintptr_t)b->bad };
        r = CALL(ioctl(b->fd, EVIOCSMASK, &m));
        emit(b, "smask-codes-badptr", r, E, NULL);
        ev_bad_ptrs(b, "smask", EVIOCSMASK);
        ev_drain(b, "drain-before-masked", b->fd);
        ev_drain(b, "drain2-before-masked", fd2);
        ev_inject(press);
        ev_drain(b, "read-masked-key", b->fd);
        ev_drain(b, "read2-unmasked-key", fd2);
        memset(codes, 0xff, sizeof(codes));
        m = (struct input_mask){ .type = EV_KEY, .codes_size = sizeof(codes), .codes_ptr = (uintptr_t)codes };
        r = CALL(ioctl(b->fd, EVIOCSMASK, &m));
        emit(b, "smask-key-all", r, E, NULL);

        /* clocks */
        static const struct { const char *name; int id; } clocks[] = {
                { "clock-realtime", CLOCK_REALTIME }, { "clock-monotonic", CLOCK_MONOTONIC },
                { "clock-boottime", CLOCK_BOOTTIME }, { "clock-tai", CLOCK_TAI },
                { "clock-monotonic-raw", CLOCK_MONOTONIC_RAW }, { "clock-99", 99 }, { "clock-neg", -1 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(clocks); i++) {
                r = CALL(ioctl(b->fd, EVIOCSCLOCKID, &clocks[i].id));
                emit(b, clocks[i].name, r, E, NULL);
        }
        ev_bad_ptrs(b, "clock", EVIOCSCLOCKID);
        ioctl(b->fd, EVIOCSCLOCKID, &(int){ CLOCK_MONOTONIC });

        /* requests evdev does not know */
        r = CALL(ioctl(b->fd, _IOR('E', 0x05, int), kc));
        emit(b, "unknown-E05", r, E, NULL);
        r = CALL(ioctl(b->fd, _IOR('F', 0x01, int), kc));
        emit(b, "unknown-F01", r, E, NULL);
        r = CALL(ioctl(b->fd, _IO('E', 0x99), 0));
        emit(b, "unknown-E99", r, E, NULL);

        /* read(), write(), poll() */
        struct input_event ev[4];
        struct pollfd pf = { .fd = b->fd, .events = POLLIN | POLLOUT };
        r = CALL(read(b->fd, ev, sizeof(ev)));
        emit(b, "read-empty-nonblock", r, E, NULL);
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll-empty", r, E, "revents=%#x", pf.revents);
        ev_inject(press);
        r = CALL(poll(&pf, 1, 0));
        emit(b, "poll-after-events", r, E, "revents=%#x", pf.revents);
        r = CALL(read(b->fd, ev, 0));
        emit(b, "read-size0", r, E, NULL);
        r = CALL(read(b->fd, ev, sizeof(ev[0]) - 1));
        emit(b, "read-short", r, E, NULL);
        r = CALL(read(b->fd, b->bad, sizeof(ev[0])));
        emit(b, "read-badbuf", r, E, NULL);
        r = CALL(read(b->fd, ev, sizeof(ev[0]) + 5));
        emit(b, "read-1.2-events", r, E, "%x/%x/%d", ev[0].type, ev[0].code, ev[0].value);
        ev_drain(b, "read-rest", b->fd);
        r = CALL(write(b->fd, ev, 0));
        emit(b, "write-0", r, E, NULL);
        r = CALL(write(b->fd, ev, sizeof(ev[0]) - 1));
        emit(b, "write-short", r, E, NULL);
        r = CALL(write(b->fd, b->bad, sizeof(ev[0])));
        emit(b, "write-badbuf", r, E, NULL);
        struct input_event w[3] = {
                { .type = EV_KEY, .code = keyboard ? KEY_B : BTN_B, .value = 1 },
                { .type = EV_SYN, .code = SYN_REPORT },
                { .type = EV_KEY, .code = keyboard ? KEY_B : BTN_B, .value = 0 },
        };
        r = CALL(write(b->fd, w, sizeof(w) - 5));
        emit(b, "write-2.8-events", r, E, NULL);
        r = CALL(write(b->fd, &w[2], sizeof(w[2])));
        ev_drain(b, "read-written", b->fd);
        r = CALL(write(b->fd, &(struct input_event){ .type = EV_LED, .code = LED_CAPSL, .value = 1 },
                       sizeof(struct input_event)));
        emit(b, "write-led", r, E, NULL);
        ev_drain(b, "read-written-led", b->fd);
        ev_ioctl_out(b, "led-after-write", EVIOCGLED(8), 1);
        r = CALL(write(b->fd, &(struct input_event){ .type = EV_LED, .code = LED_CAPSL, .value = 0 },
                       sizeof(struct input_event)));
        ev_drain(b, "drain-fd2", fd2);

        /* overflow: SYN_DROPPED, then the newest */
        int flood[3 * 401 + 1];
        for (int i = 0; i < 200; i++) {
                memcpy(&flood[6 * i], press, 3 * sizeof(int));
                flood[6 * i + 2] = i % 2 == 0;
                flood[6 * i + 3] = EV_SYN;
                flood[6 * i + 4] = SYN_REPORT;
                flood[6 * i + 5] = 0;
        }
        flood[1200] = -1;
        ev_drain(b, "drain-before-flood", b->fd);
        ev_inject(flood);
        ev_drain(b, "read-after-flood", b->fd);
        ev_drain(b, "read2-after-flood", fd2);

        /* grab: one grabber, the others stop receiving */
        r = CALL(ioctl(b->fd, EVIOCGRAB, 1));
        emit(b, "grab", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGRAB, 1));
        emit(b, "grab-again", r, E, NULL);
        r = CALL(ioctl(fd2, EVIOCGRAB, 1));
        emit(b, "grab-other", r, E, NULL);
        ev_inject(press);
        ev_drain(b, "read-grabbed", b->fd);
        ev_drain(b, "read2-while-grabbed", fd2);
        r = CALL(ioctl(fd2, EVIOCGRAB, 0));
        emit(b, "ungrab-other", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGRAB, 0));
        emit(b, "ungrab", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGRAB, 0));
        emit(b, "ungrab-again", r, E, NULL);

        /* revoke, then everything */
        r = CALL(ioctl(b->fd, EVIOCREVOKE, 1));
        emit(b, "revoke-arg1", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCGRAB, 1));
        r = CALL(ioctl(b->fd, EVIOCREVOKE, 0));
        emit(b, "revoke", r, E, NULL);
        ev_inject(press);
        ev_drain(b, "read2-after-revoke-of-grabber", fd2);
        r = CALL(read(b->fd, ev, sizeof(ev)));
        emit(b, "revoked-read", r, E, NULL);
        r = CALL(write(b->fd, w, sizeof(w[0])));
        emit(b, "revoked-write", r, E, NULL);
        pf = (struct pollfd){ .fd = b->fd, .events = POLLIN | POLLOUT };
        r = CALL(poll(&pf, 1, 0));
        emit(b, "revoked-poll", r, E, "revents=%#x", pf.revents);
        ev_ioctl_out(b, "revoked-version", EVIOCGVERSION, 4);
        ev_ioctl_out(b, "revoked-name", EVIOCGNAME(64), 4);
        r = CALL(ioctl(b->fd, EVIOCGRAB, 1));
        emit(b, "revoked-grab", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCREVOKE, 0));
        emit(b, "revoked-revoke", r, E, NULL);
        r = CALL(ioctl(b->fd, EVIOCSCLOCKID, &(int){ CLOCK_REALTIME }));
        emit(b, "revoked-clock", r, E, NULL);
        r = CALL(ioctl(b->fd, _IOR('E', 0x05, int), kc));
        emit(b, "revoked-unknown-E05", r, E, NULL);
        r = CALL(ioctl(fd2, EVIOCGRAB, 1));
        emit(b, "grab-other-after-revoke", r, E, NULL);
        ioctl(fd2, EVIOCGRAB, 0);

        /* blocking descriptor, the VFS's requests */
        close(fd2);
        reopen(b, O_RDWR);
        common_cases(b, O_RDWR);
        close(b->fd);
        b->fd = -1;
        r = CALL(open(b->node, O_RDONLY | O_CLOEXEC));
        emit(b, "open-rdonly", r, E, NULL);
        if (r >= 0) {
                long w2 = CALL(write((int)r, w, sizeof(w[0])));
                emit(b, "rdonly-write", w2, E, NULL);
                close((int)r);
        }
        (void)nocap;
        if (ev_side.uinput >= 0)
                ioctl(ev_side.uinput, UI_DEV_DESTROY);
}

/* --- compare --- */

struct run {
        GPtrArray *names;
        GHashTable *results;         /* name -> result */
};

static bool load(const char *path, struct run *ret)
{
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;

        if (!g_file_get_contents(path, &text, NULL, &error)) {
                fprintf(stderr, "ck-diff: %s\n", error->message);
                return false;
        }
        ret->names = g_ptr_array_new_with_free_func(g_free);
        ret->results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                char *tab = strchr(*l, '\t');
                if (!tab)
                        continue;
                g_autofree char *name = g_strndup(*l, (gsize)(tab - *l));
                if (g_hash_table_contains(ret->results, name))
                        continue;
                g_ptr_array_add(ret->names, g_strdup(name));
                g_hash_table_insert(ret->results, g_steal_pointer(&name), g_strdup(tab + 1));
        }
        return true;
}

/* @seccomp: the emulated run went through `cusekit run`, where CUSE's
 * front end is not in the way: its explanations do not count there. */
static int compare(const char *family, const char *real_path, const char *emu_path, bool seccomp)
{
        struct run real, emu;
        unsigned total = 0, agree = 0, chip = 0, cuse = 0, pipeline = 0, unexplained = 0;
        GString *diffs = g_string_new(NULL), *notes = g_string_new(NULL);

        if (!load(real_path, &real) || !load(emu_path, &emu))
                return 2;
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        for (guint i = 0; i < real.names->len; i++)
                g_ptr_array_add(names, real.names->pdata[i]);
        for (guint i = 0; i < emu.names->len; i++)
                if (!g_hash_table_contains(real.results, emu.names->pdata[i]))
                        g_ptr_array_add(names, emu.names->pdata[i]);

        for (guint i = 0; i < names->len; i++) {
                const char *name = names->pdata[i];
                const char *a = g_hash_table_lookup(real.results, name);
                const char *b = g_hash_table_lookup(emu.results, name);
                const struct explanation *x = explained(family, name, b, a, seccomp);
                total++;
                if (a && b && strcmp(a, b) == 0) {
                        agree++;
                        if (x)
                                g_string_append_printf(notes, "# %s/%s: agrees (an explanation exists: %s)\n",
                                                       family, name, why_name[x->kind]);
                        continue;
                }
                if (x && a && b) {
                        *(x->kind == WHY_CHIP ? &chip : x->kind == WHY_CUSE ? &cuse : &pipeline) += 1;
                        g_string_append_printf(notes, "# %s/%s: %s: real {%s} emulated {%s}: %s\n", family, name,
                                               why_name[x->kind], a, b, x->reason);
                        continue;
                }
                unexplained++;
                g_string_append_printf(diffs, "# UNEXPLAINED %s/%s: real {%s} emulated {%s}\n", family, name,
                                       a ? a : "(missing)", b ? b : "(missing)");
        }
        printf("%s%s: %u/%u cases agree; %u differ as the real chip's model, %u through CUSE's front end, "
               "%u through cusekit's core, %u unexplained\n", family, seccomp ? " (cusekit run)" : "", agree,
               total, chip, cuse, pipeline, unexplained);
        fputs(notes->str, stdout);
        fputs(diffs->str, stdout);
        g_string_free(diffs, TRUE);
        g_string_free(notes, TRUE);
        return unexplained ? 1 : 0;
}

int main(int argc, char **argv)
{
        if (argc >= 5 && strcmp(argv[1], "compare") == 0)
                return compare(argv[2], argv[3], argv[4], argc > 5 && strcmp(argv[5], "seccomp") == 0);
        if (argc < 4 || strcmp(argv[1], "run") != 0) {
                fprintf(stderr, "usage: ck-diff run rtc|watchdog|watchdog-nowayout|i2c|evdev[-NAME] NODE|uinput:NODE [nocap]\n"
                                "       ck-diff compare FAMILY REAL.out EMULATED.out [seccomp]\n");
                return 2;
        }
        bool nocap = argc > 4 && strcmp(argv[4], "nocap") == 0;
        struct battery b = { .node = argv[3], .prefix = nocap ? "nocap/" : "", .fd = -1 };
        char *pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pages == MAP_FAILED || mprotect(pages + 4096, 4096, PROT_NONE) < 0)
                return 2;
        b.bad = pages + 4096;
        b.edge = pages + 4096 - 16;
        if (strcmp(argv[2], "rtc") == 0)
                rtc_battery(&b, nocap);
        else if (strcmp(argv[2], "watchdog") == 0 || strcmp(argv[2], "watchdog-nowayout") == 0)
                watchdog_battery(&b, nocap);
        else if (strcmp(argv[2], "i2c") == 0)
                i2c_battery(&b, nocap);
        else if (g_str_has_prefix(argv[2], "evdev"))
                evdev_battery(&b, argv[3], nocap);
        else {
                fprintf(stderr, "ck-diff: unknown family %s\n", argv[2]);
                return 2;
        }
        return 0;
}
