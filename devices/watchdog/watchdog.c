/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watchdog: a watchdog timer after drivers/watchdog/watchdog_dev.c.
 *
 * Opening starts it; write() and WDIOC_KEEPALIVE ping it; a 'V' in the
 * last write lets close stop it (magic close) unless nowayout.  When it
 * expires nothing is rebooted: the reset is recorded (WDIOF_CARDRESET in
 * the boot status, a warning, the "resets" state) and the timer stops, as
 * after a real reset.  A pretimeout is reported the same way.
 */
#include "watchdog-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

CK_ASSERT_KERNEL_NUMBERS(WATCHDOG_IOCTLS)

#define WD_OPTIONS (WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT)
/* watchdog_get_status(): the boot-status bits a status read repeats */
#define WD_STATUS_FROM_BOOT (WDIOF_CARDRESET | WDIOF_OVERHEAT | WDIOF_FANFAULT | WDIOF_EXTERN1 | \
                             WDIOF_EXTERN2 | WDIOF_POWERUNDER | WDIOF_POWEROVER)
#define WD_DEFAULT_TIMEOUT 60      /* softdog's */
#define WD_MIN_TIMEOUT 1
#define WD_MAX_TIMEOUT 65535       /* softdog's */

struct watchdog {
        struct ck_device *dev;
        struct watchdog_info info;
        unsigned timeout, pretimeout;  /* seconds */
        gboolean nowayout;
        gboolean has_temp;
        int temp;
        gboolean active;
        gint64 last_keepalive;         /* monotonic µs */
        gboolean keepalive_seen;       /* _WDOG_KEEPALIVE: pinged since the last status read */
        gboolean allow_release;        /* _WDOG_ALLOW_RELEASE: the last write held a 'V' */
        unsigned bootstatus;
        guint resets, pretimeouts;
        guint expire_source, pretimeout_source;
};

static struct watchdog *wd_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static void clear_source(guint *id)
{
        if (*id) {
                g_source_remove(*id);
                *id = 0;
        }
}

static gboolean on_pretimeout(gpointer data)
{
        struct watchdog *w = data;

        w->pretimeout_source = 0;
        w->pretimeouts++;
        g_warning("%s: watchdog pretimeout: %u s left before it resets the machine",
                  ck_device_name(w->dev), w->pretimeout);
        return G_SOURCE_REMOVE;
}

/* Where a real one reboots, this one records it and stops, as after a reset. */
static gboolean on_expire(gpointer data)
{
        struct watchdog *w = data;

        w->expire_source = 0;
        clear_source(&w->pretimeout_source);
        w->active = FALSE;
        w->bootstatus |= WDIOF_CARDRESET;
        w->resets++;
        g_warning("%s: watchdog expired (%u s without a ping): a real one would reset the machine now",
                  ck_device_name(w->dev), w->timeout);
        return G_SOURCE_REMOVE;
}

/* Both timers count from the last keepalive. */
static void wd_arm(struct watchdog *w)
{
        clear_source(&w->expire_source);
        clear_source(&w->pretimeout_source);
        if (!w->active)
                return;
        gint64 elapsed_ms = (g_get_monotonic_time() - w->last_keepalive) / 1000;
        gint64 expire_ms = (gint64)w->timeout * 1000 - elapsed_ms;
        w->expire_source = g_timeout_add_full(G_PRIORITY_HIGH, (guint)MAX(expire_ms, 0), on_expire, w, NULL);
        if (w->pretimeout) {
                gint64 pre_ms = ((gint64)w->timeout - w->pretimeout) * 1000 - elapsed_ms;
                w->pretimeout_source = g_timeout_add_full(G_PRIORITY_HIGH, (guint)MAX(pre_ms, 0),
                                                          on_pretimeout, w, NULL);
        }
}

/* watchdog_ping(): a stopped watchdog ignores pings. */
static int wd_ping(struct watchdog *w)
{
        if (!w->active)
                return 0;
        w->keepalive_seen = TRUE;
        w->last_keepalive = g_get_monotonic_time();
        wd_arm(w);
        return 0;
}

static int wd_start(struct watchdog *w)
{
        if (w->active)
                return 0;
        w->active = TRUE;
        w->keepalive_seen = TRUE;
        w->last_keepalive = g_get_monotonic_time();
        wd_arm(w);
        return 0;
}

static int wd_stop(struct watchdog *w)
{
        if (!w->active)
                return 0;
        if (w->nowayout) {
                g_message("%s: nowayout prevents watchdog being stopped!", ck_device_name(w->dev));
                return -EBUSY;
        }
        w->active = FALSE;
        wd_arm(w);
        return 0;
}

/* watchdog_timeout_invalid(); no hardware heartbeat limit here */
static gboolean timeout_invalid(unsigned t)
{
        return t > UINT_MAX / 1000 || t < WD_MIN_TIMEOUT || t > WD_MAX_TIMEOUT;
}

/* watchdog_pretimeout_invalid() */
static gboolean pretimeout_invalid(const struct watchdog *w, unsigned t)
{
        return t && w->timeout && t >= w->timeout;
}

/* --- ioctls --- */

static int validate_int(const struct ck_untrusted *u, int *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

CK_IOCTL_TABLE(watchdog_ioctls, WATCHDOG_IOCTLS);

static int handle_WDIOC_GETSUPPORT(struct ck_call *c, struct watchdog_info *out)
{
        *out = wd_of(c)->info;
        return 0;
}

/* watchdog_get_status(), for the ioctl and sysfs: reading clears the keepalive bit. */
static unsigned wd_get_status(struct watchdog *w)
{
        /* the kernel's pretimeout runs on an hrtimer (CONFIG_WATCHDOG_HRTIMER_PRETIMEOUT=y) */
        unsigned status = (w->bootstatus & WD_STATUS_FROM_BOOT) | WDIOF_PRETIMEOUT;

        if (w->allow_release)
                status |= WDIOF_MAGICCLOSE;
        if (w->keepalive_seen)
                status |= WDIOF_KEEPALIVEPING;
        w->keepalive_seen = FALSE;
        return status;
}

static int handle_WDIOC_GETSTATUS(struct ck_call *c, int *out)
{
        *out = (int)wd_get_status(wd_of(c));
        return 0;
}

static int handle_WDIOC_GETBOOTSTATUS(struct ck_call *c, int *out)
{
        *out = (int)wd_of(c)->bootstatus;
        return 0;
}

/* The core has no GETTEMP: only a driver with a sensor answers it. */
static int handle_WDIOC_GETTEMP(struct ck_call *c, int *out)
{
        struct watchdog *w = wd_of(c);

        if (!w->has_temp)
                return -ENOTTY;
        *out = w->temp;
        return 0;
}

/* Unknown option bits are ignored, as the kernel does; but with neither
 * DISABLECARD nor ENABLECARD the request is left unhandled (-ENOIOCTLCMD,
 * drivers/watchdog/watchdog_dev.c:746-773, and vfs_ioctl()), which the caller sees as ENOTTY. */
static int validate_WDIOC_SETOPTIONS(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return validate_int(u, ret);
}

static int handle_WDIOC_SETOPTIONS(struct ck_call *c, const int *in)
{
        struct watchdog *w = wd_of(c);
        unsigned val = (unsigned)*in;

        if (val & WDIOS_DISABLECARD) {
                int err = wd_stop(w);
                if (err < 0)
                        return err;
        }
        if (val & WDIOS_ENABLECARD)
                return wd_start(w);
        return val & WDIOS_DISABLECARD ? 0 : -ENOTTY;
}

static int handle_WDIOC_KEEPALIVE(struct ck_call *c)
{
        return wd_ping(wd_of(c));
}

static int validate_WDIOC_SETTIMEOUT(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        int r = validate_int(u, ret);

        if (r < 0)
                return r;
        return timeout_invalid((unsigned)*ret) ? -EINVAL : 0;
}

/* Sets, pings, and answers the timeout now in force. */
static int handle_WDIOC_SETTIMEOUT(struct ck_call *c, int *io)
{
        struct watchdog *w = wd_of(c);

        w->timeout = (unsigned)*io;
        if (w->pretimeout >= w->timeout)
                w->pretimeout = 0;
        wd_ping(w);
        wd_arm(w);
        *io = (int)w->timeout;
        return 0;
}

static int handle_WDIOC_GETTIMEOUT(struct ck_call *c, int *out)
{
        *out = (int)wd_of(c)->timeout;
        return 0;
}

static int validate_WDIOC_SETPRETIMEOUT(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        int r = validate_int(u, ret);

        if (r < 0)
                return r;
        return pretimeout_invalid(wd_of(c), (unsigned)*ret) ? -EINVAL : 0;
}

/* The kernel arms the new pretimeout at the next ping; so does this. */
static int handle_WDIOC_SETPRETIMEOUT(struct ck_call *c, const int *in)
{
        wd_of(c)->pretimeout = (unsigned)*in;
        return 0;
}

static int handle_WDIOC_GETPRETIMEOUT(struct ck_call *c, int *out)
{
        *out = (int)wd_of(c)->pretimeout;
        return 0;
}

/* Whole seconds before the reset; 0 when stopped. */
static unsigned wd_get_timeleft(const struct watchdog *w)
{
        if (!w->active)
                return 0;
        gint64 left = w->last_keepalive + (gint64)w->timeout * G_USEC_PER_SEC - g_get_monotonic_time();
        return (unsigned)MAX(left / G_USEC_PER_SEC, 0);
}

static int handle_WDIOC_GETTIMELEFT(struct ck_call *c, int *out)
{
        *out = (int)wd_get_timeleft(wd_of(c));
        return 0;
}

/* --- the device --- */

/* watchdog_write(): any write pings; a 'V' anywhere in it arms magic close. */
static ssize_t wd_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct watchdog *w = ck_device_priv(ck_file_device(f));
        size_t n = ck_untrusted_size(data);

        if (n == 0)
                return ck_untrusted_faulted(data) ? -EFAULT : 0;
        g_autofree char *bytes = g_malloc(n);
        if (ck_untrusted_copy(data, bytes, n) < 0)
                return -EINVAL;
        w->allow_release = memchr(bytes, 'V', n) != NULL;
        /* watchdog_write(): the magic character counts up to the fault, the ping never comes */
        if (ck_untrusted_faulted(data))
                return -EFAULT;
        int err = wd_ping(w);
        return err < 0 ? err : (ssize_t)n;
}

static int wd_open(struct ck_file *f)
{
        return wd_start(ck_device_priv(ck_file_device(f)));
}

/* watchdog_release(): stops only after a magic close; otherwise it keeps
 * running, pinged once more, and will expire unless reopened and pinged. */
static void wd_release(struct ck_file *f)
{
        struct watchdog *w = ck_device_priv(ck_file_device(f));
        int err = -EBUSY;

        if (!w->active)
                err = 0;
        else if (w->allow_release)
                err = wd_stop(w);
        w->allow_release = FALSE;
        if (err < 0) {
                g_message("%s: watchdog did not stop!", ck_device_name(w->dev));
                wd_ping(w);
        }
}

static GVariant *get_uint(struct ck_device *d, void *userdata)
{
        struct watchdog *w = ck_device_priv(d);

        return g_variant_new_uint32(*(const guint *)((const char *)w + GPOINTER_TO_SIZE(userdata)));
}

static GVariant *get_active(struct ck_device *d, void *userdata)
{
        struct watchdog *w = ck_device_priv(d);

        return g_variant_new_boolean(w->active);
}

static GVariant *get_expired(struct ck_device *d, void *userdata)
{
        struct watchdog *w = ck_device_priv(d);

        return g_variant_new_boolean(w->resets > 0);
}

static int param_uint(GHashTable *params, const char *key, guint64 min, guint64 max, guint64 *ret,
                      GError **error)
{
        const char *text = g_hash_table_lookup(params, key);
        g_autoptr(GError) local = NULL;

        if (!text)
                return 0;
        if (!g_ascii_string_to_unsigned(text, 10, min, max, ret, &local)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "watchdog: %s=%s: %s", key, text, local->message);
                return -EINVAL;
        }
        return 0;
}

static int wd_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct watchdog *w = ck_device_priv(d);
        guint64 timeout = WD_DEFAULT_TIMEOUT, pretimeout = 0, nowayout = 0, bootstatus = 0;
        const char *identity = g_hash_table_lookup(params, "identity");
        const char *temp = g_hash_table_lookup(params, "temp");

        if (param_uint(params, "timeout", WD_MIN_TIMEOUT, WD_MAX_TIMEOUT, &timeout, error) < 0 ||
            param_uint(params, "pretimeout", 0, WD_MAX_TIMEOUT, &pretimeout, error) < 0 ||
            param_uint(params, "nowayout", 0, 1, &nowayout, error) < 0 ||
            param_uint(params, "bootstatus", 0, UINT_MAX, &bootstatus, error) < 0)
                return -EINVAL;
        if (pretimeout && pretimeout >= timeout) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "watchdog: pretimeout=%" G_GUINT64_FORMAT " must be below timeout=%" G_GUINT64_FORMAT,
                            pretimeout, timeout);
                return -EINVAL;
        }
        if (identity && strlen(identity) >= sizeof(w->info.identity)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "watchdog: identity=%s: at most %zu characters", identity,
                            sizeof(w->info.identity) - 1);
                return -EINVAL;
        }
        if (temp) {
                gint64 t;
                g_autoptr(GError) local = NULL;
                if (!g_ascii_string_to_signed(temp, 10, INT_MIN, INT_MAX, &t, &local)) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "watchdog: temp=%s: %s", temp, local->message);
                        return -EINVAL;
                }
                w->has_temp = TRUE;
                w->temp = (int)t;
        }
        w->dev = d;
        w->timeout = (unsigned)timeout;
        w->pretimeout = (unsigned)pretimeout;
        w->nowayout = nowayout != 0;
        w->bootstatus = (unsigned)bootstatus;
        w->info.options = WD_OPTIONS;
        g_strlcpy((char *)w->info.identity, identity ? identity : "cusekit watchdog", sizeof(w->info.identity));

#define WD_UINT_STATE(field, what)                                                              \
        ck_device_add_state(d, &(struct ck_state_var){                                          \
                .name = #field, .summary = what, .type = "u", .get = get_uint,                  \
                .userdata = GSIZE_TO_POINTER(offsetof(struct watchdog, field)) })
        WD_UINT_STATE(resets, "expiries so far: each would have reset the machine");
        WD_UINT_STATE(pretimeouts, "pretimeouts so far");
        WD_UINT_STATE(bootstatus, "WDIOF_* the boot status reports (WDIOF_CARDRESET after an expiry)");
        WD_UINT_STATE(timeout, "seconds without a ping before it expires");
#undef WD_UINT_STATE
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "expired", .summary = "it expired at least once", .type = "b", .get = get_expired });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "active", .summary = "running (opened and not stopped)", .type = "b", .get = get_active });
        return 0;
}

static void wd_fini(struct ck_device *d)
{
        struct watchdog *w = ck_device_priv(d);

        clear_source(&w->expire_source);
        clear_source(&w->pretimeout_source);
}

static const char *const wd_params[] = { "timeout", "pretimeout", "nowayout", "identity", "temp", "bootstatus", NULL };

CK_STRUCT_DESC(watchdog_info_desc, struct watchdog_info,
               CK_FIELD(struct watchdog_info, options, HEX),
               CK_FIELD(struct watchdog_info, firmware_version, UINT),
               CK_FIELD(struct watchdog_info, identity, STRING));
static const struct ck_struct_desc *const wd_structs[] = { &watchdog_info_desc, NULL };

/* --- sysfs: watchdog_dev.c's class device, without a parent (softdog's) --- */

static struct watchdog *wd_of_device(struct ck_device *d)
{
        return ck_device_priv(d);
}

static ssize_t sysfs_state_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%s\n", wd_of_device(d)->active ? "active" : "inactive");
}

static ssize_t sysfs_identity_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%s\n", (const char *)wd_of_device(d)->info.identity);
}

static ssize_t sysfs_timeout_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%u\n", wd_of_device(d)->timeout);
}

static ssize_t sysfs_pretimeout_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%u\n", wd_of_device(d)->pretimeout);
}

static ssize_t sysfs_timeleft_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%u\n", wd_get_timeleft(wd_of_device(d)));
}

static ssize_t sysfs_bootstatus_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%u\n", wd_of_device(d)->bootstatus);
}

static ssize_t sysfs_status_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "0x%x\n", wd_get_status(wd_of_device(d)));
}

static ssize_t sysfs_nowayout_show(struct ck_device *d, char *buf, size_t size)
{
        return g_snprintf(buf, size, "%d\n", wd_of_device(d)->nowayout ? 1 : 0);
}

/* nowayout_store(): 0 or 1 (kstrtouint), and once set it stays. */
static ssize_t sysfs_nowayout_store(struct ck_device *d, const char *buf, size_t len)
{
        struct watchdog *w = wd_of_device(d);
        unsigned long long value;
        int err = ck_sysfs_kstrtoull(buf, 0, &value);

        if (err < 0)
                return err;
        if (value > UINT_MAX)
                return -ERANGE;
        if (value > 1)
                return -EINVAL;
        if (w->nowayout && !value)
                return -EPERM;
        if (value)
                w->nowayout = TRUE;
        return (ssize_t)len;
}

/* A pretimeout only logs, as the noop governor does: the only one. */
static ssize_t sysfs_governor_store(struct ck_device *d, const char *buf, size_t len)
{
        size_t n = strlen(buf);

        if (n && buf[n - 1] == '\n')
                n--;
        return n == strlen("noop") && strncmp(buf, "noop", n) == 0 ? (ssize_t)len : -EINVAL;
}

CK_SYSFS_CLASS(watchdog_sysfs, "watchdog",
        CK_SYSFS_RO("state", sysfs_state_show),
        CK_SYSFS_RO("identity", sysfs_identity_show),
        CK_SYSFS_RO("timeout", sysfs_timeout_show),
        CK_SYSFS_CONST("min_timeout", 0444, G_STRINGIFY(WD_MIN_TIMEOUT) "\n"),
        CK_SYSFS_CONST("max_timeout", 0444, G_STRINGIFY(WD_MAX_TIMEOUT) "\n"),
        CK_SYSFS_RO("pretimeout", sysfs_pretimeout_show),
        CK_SYSFS_RO("timeleft", sysfs_timeleft_show),
        CK_SYSFS_RO("bootstatus", sysfs_bootstatus_show),
        CK_SYSFS_RO("status", sysfs_status_show),
        CK_SYSFS_RW("nowayout", sysfs_nowayout_show, sysfs_nowayout_store),
        { .kind = CK_SYSFS_ATTR, .path = "pretimeout_governor", .mode = 0644, .value = "noop\n",
          .store = sysfs_governor_store },
        CK_SYSFS_CONST("pretimeout_available_governors", 0444, "noop\n"));

const struct ck_device_type ck_device_type_watchdog = {
        .name = "watchdog",
        .summary = "a watchdog timer that records the resets it would have made",
        .ioctls = watchdog_ioctls,
        .n_ioctls = G_N_ELEMENTS(watchdog_ioctls),
        .params = wd_params,
        .structs = wd_structs,
        .priv_size = sizeof(struct watchdog),
        .exclusive = TRUE,                     /* watchdog_open(): "the watchdog is single open!" */
        .init = wd_init,
        .fini = wd_fini,
        .open = wd_open,
        .release = wd_release,
        .write = wd_write,
        .write_faults = TRUE,                  /* watchdog_write(): get_user() a byte at a time */
        .sysfs = &watchdog_sysfs,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_watchdog);
