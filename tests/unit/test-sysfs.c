/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The emulated /sys (src/sysfs.c) for rtc, watchdog, i2c, atom and evdev devices
 * in a temporary ROOT: the tree and its links as the kernel writes them,
 * the merge with the host's /sys, and the attributes' show/store against
 * the devices' state, with kernfs's open and write rules. */
#include "evdev/evdev-model.h"
#include "rtc/rtc-abi.h"
#include "watchdog/watchdog-abi.h"
#include "loopback.h"
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAJOR 120
#define FIRST_MINOR 10
enum { RTC, WATCHDOG, I2C, ATOM, N_DEVICES };

struct fixture {
        char *root;
        struct ck_device *devices[N_DEVICES];
        struct ck_sysfs *sysfs;
};

static GHashTable *params_of(const char *const *kv)
{
        GHashTable *params = g_hash_table_new(g_str_hash, g_str_equal);

        for (; kv && kv[0]; kv += 2)
                g_hash_table_insert(params, (gpointer)kv[0], (gpointer)kv[1]);
        return params;
}

/* A private ROOT, on tmpfs where there is one, as cusekit run would take. */
static char *make_root(void)
{
        g_autoptr(GError) error = NULL;

        if (access("/dev/shm", W_OK) == 0) {
                char *root = g_strdup("/dev/shm/test-sysfs-XXXXXX");
                g_assert_nonnull(g_mkdtemp(root));
                return root;
        }
        char *root = g_dir_make_tmp("test-sysfs-XXXXXX", &error);
        g_assert_no_error(error);
        return root;
}

static struct ck_device *device_new(const char *type, const char *name, const char *const *kv)
{
        g_autoptr(GHashTable) params = params_of(kv);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL;

        g_assert_cmpint(ck_device_new(type, name, params, &d, &error), ==, 0);
        g_assert_no_error(error);
        return d;
}

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        fx->root = make_root();
        fx->devices[RTC] = device_new("rtc", "rtc7", (const char *const[]){ "offset", "3600", NULL });
        fx->devices[WATCHDOG] = device_new("watchdog", "watchdog7",
                                           (const char *const[]){ "timeout", "30", "bootstatus", "32", NULL });
        fx->devices[I2C] = device_new("i2c", "i2c-7", (const char *const[]){ "chip", "lm75@0x48", NULL });
        fx->devices[ATOM] = device_new("atom", "atom0", NULL);
        g_assert_cmpint(ck_sysfs_new(fx->root, fx->devices, N_DEVICES, MAJOR, FIRST_MINOR, &fx->sysfs, &error),
                        ==, 0);
        g_assert_no_error(error);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_sysfs_free(fx->sysfs);
        for (int i = 0; i < N_DEVICES; i++)
                ck_device_free(fx->devices[i]);
        g_assert_cmpint(g_rmdir(fx->root), ==, 0);     /* ck_sysfs_free() left it empty */
        g_free(fx->root);
        while (g_main_context_iteration(NULL, FALSE))
                ;
}

static char *real(struct fixture *fx, const char *path)
{
        return g_strconcat(fx->root, path, NULL);
}

static char *link_of(struct fixture *fx, const char *path)
{
        g_autofree char *r = real(fx, path);
        g_autoptr(GError) error = NULL;
        char *text = g_file_read_link(r, &error);

        g_assert_no_error(error);
        return text;
}

#define assert_link(fx, path, text)                                            \
        do {                                                                   \
                g_autofree char *got_ = link_of(fx, path);                     \
                g_assert_cmpstr(got_, ==, text);                               \
        } while (0)

static struct ck_sysfs_attr *attr(struct fixture *fx, const char *path)
{
        g_autofree char *r = real(fx, path);
        struct ck_sysfs_attr *a = ck_sysfs_attr_at(fx->sysfs, r);

        if (!a)
                g_error("no attribute at %s", path);
        return a;
}

/* The attribute's text; "" with *ret_err set on an error. */
static char *show_err(struct fixture *fx, const char *path, ssize_t *ret_err)
{
        char *buf = g_malloc(CK_SYSFS_PAGE);
        ssize_t n = ck_sysfs_attr_show(attr(fx, path), buf, CK_SYSFS_PAGE);

        *ret_err = n < 0 ? n : 0;
        buf[MAX(n, 0)] = '\0';
        return buf;
}

static char *show(struct fixture *fx, const char *path)
{
        ssize_t err;
        char *text = show_err(fx, path, &err);

        g_assert_cmpint(err, ==, 0);
        return text;
}

#define assert_show(fx, path, text)                                            \
        do {                                                                   \
                g_autofree char *got_ = show(fx, path);                        \
                g_assert_cmpstr(got_, ==, text);                               \
        } while (0)

static ssize_t store(struct fixture *fx, const char *path, const char *text)
{
        return ck_sysfs_attr_store(attr(fx, path), text, strlen(text));
}

static gint64 show_int(struct fixture *fx, const char *path)
{
        g_autofree char *text = show(fx, path);
        char *end;
        gint64 v = g_ascii_strtoll(text, &end, 0);

        g_assert_cmpstr(end, ==, "\n");
        return v;
}

static unsigned mode_of(struct fixture *fx, const char *path, struct stat *ret_st)
{
        g_autofree char *r = real(fx, path);
        struct stat st;

        g_assert_cmpint(lstat(r, &st), ==, 0);
        if (ret_st)
                *ret_st = st;
        return st.st_mode & 07777;
}

static GVariant *state_get(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++) {
                struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0)
                        return g_variant_ref_sink(v->get(d, v->userdata));
        }
        g_error("no state %s", name);
}

static void state_set(struct ck_device *d, const char *name, GVariant *value)
{
        g_autoptr(GError) error = NULL;

        g_variant_ref_sink(value);
        for (guint i = 0; d->state && i < d->state->len; i++) {
                struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0) {
                        g_assert_cmpint(v->set(d, v->userdata, value, &error), ==, 0);
                        g_assert_no_error(error);
                        g_variant_unref(value);
                        return;
                }
        }
        g_error("no state %s", name);
}

#define RTC_DIR "/sys/devices/platform/cusekit-rtc.rtc7/rtc/rtc7"
#define WD_DIR "/sys/devices/virtual/watchdog/watchdog7"
#define I2C_DIR "/sys/devices/i2c-7/i2c-dev/i2c-7"

/* --- the tree --- */

static void test_links(struct fixture *fx, gconstpointer data)
{
        /* the class and the char-device links, relative as the kernel's */
        assert_link(fx, "/sys/class/rtc/rtc7", "../../devices/platform/cusekit-rtc.rtc7/rtc/rtc7");
        assert_link(fx, "/sys/dev/char/120:10", "../../devices/platform/cusekit-rtc.rtc7/rtc/rtc7");
        assert_link(fx, "/sys/class/watchdog/watchdog7", "../../devices/virtual/watchdog/watchdog7");
        assert_link(fx, "/sys/dev/char/120:11", "../../devices/virtual/watchdog/watchdog7");
        assert_link(fx, "/sys/class/i2c-dev/i2c-7", "../../devices/i2c-7/i2c-dev/i2c-7");
        assert_link(fx, "/sys/dev/char/120:12", "../../devices/i2c-7/i2c-dev/i2c-7");
        assert_link(fx, "/sys/class/cuse/atom0", "../../devices/virtual/cuse/atom0");
        assert_link(fx, "/sys/dev/char/120:13", "../../devices/virtual/cuse/atom0");
        /* subsystem and device, as /sys/devices/pnp0/00:01/rtc/rtc0 has them */
        assert_link(fx, RTC_DIR "/subsystem", "../../../../../class/rtc");
        assert_link(fx, RTC_DIR "/device", "../../../cusekit-rtc.rtc7");
        assert_link(fx, WD_DIR "/subsystem", "../../../../class/watchdog");
        assert_link(fx, I2C_DIR "/subsystem", "../../../../class/i2c-dev");
        assert_link(fx, I2C_DIR "/device", "../../../i2c-7");
        assert_link(fx, "/sys/devices/i2c-7/subsystem", "../../bus/i2c");
        assert_link(fx, "/sys/bus/i2c/devices/i2c-7", "../../../devices/i2c-7");
        assert_link(fx, "/sys/devices/platform/cusekit-rtc.rtc7/driver", "../../../bus/platform/drivers/cusekit-rtc");
        assert_link(fx, "/sys/bus/platform/drivers/cusekit-rtc/cusekit-rtc.rtc7",
                    "../../../../devices/platform/cusekit-rtc.rtc7");
        /* no device link without a parent */
        g_autofree char *wd_device = real(fx, WD_DIR "/device");
        g_assert_false(g_file_test(wd_device, G_FILE_TEST_EXISTS));

        /* the links resolve inside ROOT to what real programs read */
        static const char *const through[] = {
                "/sys/class/rtc/rtc7/device/power/wakeup",     /* rtcwake */
                "/sys/class/rtc/rtc7/since_epoch",
                "/sys/class/i2c-dev/i2c-7/name",               /* i2cdetect -l */
                "/sys/class/i2c-dev/i2c-7/device/name",
                "/sys/dev/char/120:11/timeleft",               /* wdctl */
                "/sys/class/watchdog/watchdog7/identity",
                "/sys/class/cuse/atom0/dev",
                "/sys/class/rtc/rtc7/subsystem/rtc7/dev",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(through); i++) {
                g_autofree char *r = real(fx, through[i]);
                g_assert_true(g_file_test(r, G_FILE_TEST_IS_REGULAR));
                g_assert_nonnull(ck_sysfs_attr_at(fx->sysfs, r));
        }
        /* one attribute, whatever the way to it */
        g_assert_true(attr(fx, "/sys/class/rtc/rtc7/since_epoch") == attr(fx, RTC_DIR "/since_epoch"));
        g_assert_cmpstr(ck_sysfs_attr_path(attr(fx, "/sys/dev/char/120:10/since_epoch")), ==,
                        RTC_DIR "/since_epoch");
        g_assert_true(ck_sysfs_attr_device(attr(fx, "/sys/dev/char/120:11/state")) == fx->devices[WATCHDOG]);
        /* a directory descriptor's path back to the program's */
        g_autofree char *wd_dir = real(fx, WD_DIR);
        g_assert_cmpstr(ck_sysfs_program_path(fx->sysfs, wd_dir), ==, WD_DIR);
        g_autofree char *sys_dir = real(fx, "/sys");
        g_assert_cmpstr(ck_sysfs_program_path(fx->sysfs, sys_dir), ==, "/sys");
        g_autofree char *sibling = real(fx, "/system");
        g_assert_null(ck_sysfs_program_path(fx->sysfs, sibling));
        g_assert_null(ck_sysfs_program_path(fx->sysfs, "/sys/class"));
        /* not attributes */
        g_autofree char *class_dir = real(fx, "/sys/class/rtc");
        g_assert_null(ck_sysfs_attr_at(fx->sysfs, class_dir));
        g_autofree char *missing = real(fx, "/sys/class/rtc/rtc7/nothing");
        g_assert_null(ck_sysfs_attr_at(fx->sysfs, missing));
}

static void test_modes(struct fixture *fx, gconstpointer data)
{
        static const struct {
                const char *path;
                unsigned mode;
        } files[] = {
                { RTC_DIR "/dev", 0444 },
                { RTC_DIR "/uevent", 0644 },
                { RTC_DIR "/name", 0444 },
                { RTC_DIR "/since_epoch", 0444 },
                { RTC_DIR "/wakealarm", 0644 },
                { RTC_DIR "/max_user_freq", 0644 },
                { RTC_DIR "/power/control", 0644 },
                { RTC_DIR "/power/runtime_status", 0444 },
                { "/sys/devices/platform/cusekit-rtc.rtc7/power/wakeup", 0644 },
                { "/sys/devices/platform/cusekit-rtc.rtc7/power/wakeup_count", 0444 },
                { WD_DIR "/timeleft", 0444 },
                { WD_DIR "/nowayout", 0644 },
                { WD_DIR "/pretimeout_governor", 0644 },
                { I2C_DIR "/name", 0444 },
                { "/sys/devices/virtual/cuse/atom0/waiting", 0400 },
        };
        struct stat st;

        for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
                g_test_message("%s", files[i].path);
                g_assert_cmpuint(mode_of(fx, files[i].path, &st), ==, files[i].mode);
                g_assert_true(S_ISREG(st.st_mode));
                g_assert_cmpint(st.st_size, ==, CK_SYSFS_PAGE);     /* as kernfs reports */
                g_assert_cmpuint(ck_sysfs_attr_mode(attr(fx, files[i].path)), ==, files[i].mode);
        }
        g_assert_cmpuint(mode_of(fx, RTC_DIR, &st), ==, 0755);
        g_assert_true(S_ISDIR(st.st_mode));
        g_assert_cmpuint(mode_of(fx, RTC_DIR "/power", &st), ==, 0755);
        /* attributes that this configuration does not show */
        g_autofree char *range = real(fx, RTC_DIR "/range");
        g_assert_false(g_file_test(range, G_FILE_TEST_EXISTS));
        g_autofree char *new_device = real(fx, "/sys/devices/i2c-7/new_device");
        g_assert_false(g_file_test(new_device, G_FILE_TEST_EXISTS));
        /* runtime PM without callbacks (the adapter): no runtime group */
        g_autofree char *adapter_control = real(fx, "/sys/devices/i2c-7/power/control");
        g_assert_false(g_file_test(adapter_control, G_FILE_TEST_EXISTS));
        g_autofree char *wd_wakeup = real(fx, WD_DIR "/power/wakeup");
        g_assert_false(g_file_test(wd_wakeup, G_FILE_TEST_EXISTS));
}

static void test_dev_uevent(struct fixture *fx, gconstpointer data)
{
        assert_show(fx, RTC_DIR "/dev", "120:10\n");
        assert_show(fx, WD_DIR "/dev", "120:11\n");
        assert_show(fx, I2C_DIR "/dev", "120:12\n");
        assert_show(fx, "/sys/class/cuse/atom0/dev", "120:13\n");
        assert_show(fx, RTC_DIR "/uevent", "MAJOR=120\nMINOR=10\nDEVNAME=rtc7\n");
        assert_show(fx, WD_DIR "/uevent", "MAJOR=120\nMINOR=11\nDEVNAME=watchdog7\n");
        assert_show(fx, "/sys/devices/platform/cusekit-rtc.rtc7/uevent",
                    "DRIVER=cusekit-rtc\nMODALIAS=platform:cusekit-rtc\n");
        assert_show(fx, "/sys/devices/i2c-7/uevent", "");
        /* kobject_synth_uevent(): known actions only */
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "change\n"), ==, 7);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add 0a1b2c3d-0000-0000-0000-000000000000 A=1 B=x2"), ==, 49);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add\n"), ==, 4);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "explode\n"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "ad"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "\n"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add "), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add 0a1b2c3d-0000-0000-0000-00000000000g"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add 0a1b2c3d-0000-0000-0000-000000000000 A="), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/uevent", "add 0a1b2c3d-0000-0000-0000-000000000000 A-B=1"), ==, -EINVAL);
        assert_show(fx, "/sys/devices/virtual/cuse/atom0/waiting", "0\n");
}

/* Every entry of the host's directory is in ROOT's: links with their text,
 * the rest as placeholders served from the host. */
static unsigned assert_merged(struct fixture *fx, const char *dir, const char *const *ours)
{
        g_autoptr(GDir) host = g_dir_open(dir, 0, NULL);
        unsigned seen = 0;

        if (!host)
                return 0;
        for (const char *name; (name = g_dir_read_name(host));) {
                g_autofree char *path = g_build_filename(dir, name, NULL);
                struct stat theirs, mine;
                if (ours && g_strv_contains(ours, name))
                        continue;
                if (lstat(path, &theirs) < 0)
                        continue;
                g_autofree char *r = real(fx, path);
                g_assert_cmpint(lstat(r, &mine), ==, 0);
                g_assert_cmpuint(theirs.st_mode & S_IFMT, ==, mine.st_mode & S_IFMT);
                if (S_ISLNK(theirs.st_mode)) {
                        g_autofree char *text = g_file_read_link(path, NULL);
                        assert_link(fx, path, text);
                        g_assert_false(ck_sysfs_is_host(fx->sysfs, path));
                } else {
                        g_assert_true(ck_sysfs_is_host(fx->sysfs, path));
                        g_assert_cmpuint(theirs.st_mode & 07777, ==, mine.st_mode & 07777);
                        if (S_ISDIR(mine.st_mode)) {
                                g_autoptr(GDir) placeholder = g_dir_open(r, 0, NULL);
                                g_assert_nonnull(placeholder);
                                g_assert_null(g_dir_read_name(placeholder));
                        }
                }
                seen++;
        }
        return seen;
}

static void test_host_merge(struct fixture *fx, gconstpointer data)
{
        if (!g_file_test("/sys/dev/char", G_FILE_TEST_IS_DIR)) {
                g_test_skip("the host has no /sys");
                return;
        }
        static const char *const ours_char[] = { "120:10", "120:11", "120:12", "120:13", NULL };
        static const char *const ours_sys[] = { "class", "dev", "devices", "bus", NULL };
        static const char *const ours_class[] = { "rtc", "watchdog", "i2c-dev", "cuse", NULL };
        static const char *const ours_devices[] = { "virtual", "platform", "i2c-7", NULL };

        g_assert_cmpuint(assert_merged(fx, "/sys/dev/char", ours_char), >, 0);
        g_assert_cmpuint(assert_merged(fx, "/sys", ours_sys), >, 0);        /* block, kernel, ... */
        g_assert_cmpuint(assert_merged(fx, "/sys/class", ours_class), >, 0);
        assert_merged(fx, "/sys/devices", ours_devices);
        assert_merged(fx, "/sys/devices/virtual", (const char *const[]){ "watchdog", "cuse", NULL });
        assert_merged(fx, "/sys/devices/platform", (const char *const[]){ "cusekit-rtc.rtc7", NULL });
        assert_merged(fx, "/sys/bus", (const char *const[]){ "i2c", "platform", NULL });
        /* the host's devices of our classes are listed with ours */
        assert_merged(fx, "/sys/class/rtc", (const char *const[]){ "rtc7", NULL });
        assert_merged(fx, "/sys/class/watchdog", (const char *const[]){ "watchdog7", NULL });
        assert_merged(fx, "/sys/devices/virtual/watchdog", (const char *const[]){ "watchdog7", NULL });
        /* what a resolver asks at each step */
        struct stat st;
        g_autofree char *got = NULL;
        g_assert_true(ck_sysfs_lookup(fx->sysfs, "/sys/class/rtc/rtc7", &got, &st));
        g_assert_true(S_ISLNK(st.st_mode));
        g_autofree char *expect = real(fx, "/sys/class/rtc/rtc7");
        g_assert_cmpstr(got, ==, expect);
        g_assert_true(ck_sysfs_lookup(fx->sysfs, "/sys", NULL, &st));
        g_assert_true(S_ISDIR(st.st_mode));
        g_assert_true(ck_sysfs_lookup(fx->sysfs, RTC_DIR "/since_epoch", NULL, NULL));
        g_assert_false(ck_sysfs_lookup(fx->sysfs, "/sys/class/rtc/rtc8", NULL, NULL));
        g_assert_false(ck_sysfs_lookup(fx->sysfs, "/system", NULL, NULL));
        g_assert_false(ck_sysfs_lookup(fx->sysfs, "/dev/rtc7", NULL, NULL));
        if (g_file_test("/sys/block", G_FILE_TEST_IS_DIR))
                g_assert_false(ck_sysfs_lookup(fx->sysfs, "/sys/block", NULL, NULL));
        if (g_file_test("/sys/kernel", G_FILE_TEST_IS_DIR))
                g_assert_false(ck_sysfs_lookup(fx->sysfs, "/sys/kernel/mm", NULL, NULL));
        /* ours are not the host's */
        g_assert_false(ck_sysfs_is_host(fx->sysfs, "/sys/class/rtc"));
        g_assert_false(ck_sysfs_is_host(fx->sysfs, "/sys/class/rtc/rtc7"));
        g_assert_false(ck_sysfs_is_host(fx->sysfs, "/sys/devices"));
        if (g_file_test("/sys/block", G_FILE_TEST_IS_DIR))
                g_assert_true(ck_sysfs_is_host(fx->sysfs, "/sys/block"));
}

/* --- rtc --- */

static void test_rtc_show(struct fixture *fx, gconstpointer data)
{
        gint64 host = g_get_real_time() / G_USEC_PER_SEC;
        gint64 since = show_int(fx, "/sys/class/rtc/rtc7/since_epoch");

        g_assert_cmpint(since - (host + 3600), >=, 0);
        g_assert_cmpint(since - (host + 3600), <=, 1);
        /* the device's state moves it */
        state_set(fx->devices[RTC], "offset", g_variant_new_int64(-86400));
        since = show_int(fx, "/sys/class/rtc/rtc7/since_epoch");
        host = g_get_real_time() / G_USEC_PER_SEC;
        g_assert_cmpint(host - 86400 - since, >=, -1);
        g_assert_cmpint(host - 86400 - since, <=, 1);

        /* date and time read the same clock */
        for (int tries = 0;; tries++) {
                g_autofree char *date = show(fx, RTC_DIR "/date");
                g_autofree char *time_of_day = show(fx, RTC_DIR "/time");
                gint64 again = show_int(fx, RTC_DIR "/since_epoch");
                time_t t = (time_t)again;
                struct tm tm;
                char expect_date[32], expect_time[32];
                gmtime_r(&t, &tm);
                strftime(expect_date, sizeof(expect_date), "%Y-%m-%d\n", &tm);
                strftime(expect_time, sizeof(expect_time), "%H:%M:%S\n", &tm);
                if (strcmp(time_of_day, expect_time) != 0 && tries < 3)
                        continue;     /* a second passed between the reads */
                g_assert_cmpstr(date, ==, expect_date);
                g_assert_cmpstr(time_of_day, ==, expect_time);
                break;
        }
        /* before 1970 the clock reads as EINVAL, so do its attributes */
        state_set(fx->devices[RTC], "offset", g_variant_new_int64(-host - 10 * 86400));
        ssize_t err;
        g_autofree char *text = show_err(fx, RTC_DIR "/since_epoch", &err);
        g_assert_cmpint(err, ==, -EINVAL);

        assert_show(fx, RTC_DIR "/name", "cusekit-rtc cusekit-rtc.rtc7\n");
        assert_show(fx, RTC_DIR "/hctosys", "0\n");
        assert_show(fx, RTC_DIR "/device/modalias", "platform:cusekit-rtc\n");
        assert_show(fx, RTC_DIR "/device/power/wakeup", "enabled\n");
        assert_show(fx, RTC_DIR "/device/power/wakeup_count", "0\n");
        g_assert_cmpint(store(fx, RTC_DIR "/device/power/wakeup", "disabled\n"), ==, 9);
        assert_show(fx, RTC_DIR "/device/power/wakeup", "disabled\n");
        assert_show(fx, RTC_DIR "/device/power/wakeup_count", "\n");
        g_assert_cmpint(store(fx, RTC_DIR "/device/power/wakeup", "on"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/device/power/wakeup", "enabled"), ==, 7);
        assert_show(fx, RTC_DIR "/device/power/wakeup", "enabled\n");
}

static gint64 rtc_seconds(struct fixture *fx)
{
        return show_int(fx, RTC_DIR "/since_epoch");
}

static gint64 alarm_state(struct fixture *fx)
{
        g_autoptr(GVariant) v = state_get(fx->devices[RTC], "alarm");

        return g_variant_get_int64(v);
}

static gint64 tm_secs(const struct rtc_time *tm)
{
        struct tm t = { .tm_sec = tm->tm_sec, .tm_min = tm->tm_min, .tm_hour = tm->tm_hour,
                        .tm_mday = tm->tm_mday, .tm_mon = tm->tm_mon, .tm_year = tm->tm_year };
        return (gint64)timegm(&t);
}

static void test_rtc_wakealarm(struct fixture *fx, gconstpointer data)
{
        const char *path = "/sys/class/rtc/rtc7/wakealarm";
        gint64 now = rtc_seconds(fx);

        assert_show(fx, path, "");                              /* no alarm: nothing shown */
        g_assert_cmpint(store(fx, path, "+100\n"), ==, 5);
        gint64 when = show_int(fx, path);
        g_assert_cmpint(when - (now + 100), >=, 0);
        g_assert_cmpint(when - (now + 100), <=, 1);
        g_assert_cmpint(alarm_state(fx), ==, when);             /* the device's own alarm */
        g_assert_cmpint(store(fx, path, "+50"), ==, -EBUSY);    /* not clobbered */
        g_autofree char *far = g_strdup_printf("%" G_GINT64_FORMAT, now + 5000);
        g_assert_cmpint(store(fx, path, far), ==, -EBUSY);
        g_assert_cmpint(store(fx, path, "+=10"), ==, 4);        /* pushed later */
        g_assert_cmpint(show_int(fx, path), ==, when + 10);
        g_assert_cmpint(alarm_state(fx), ==, when + 10);
        g_assert_cmpint(store(fx, path, "+=0x10"), ==, 6);      /* base 0, as kstrtos64 */
        g_assert_cmpint(show_int(fx, path), ==, when + 26);

        /* a time not in the future disables it: the alarm then is now + 300 */
        g_assert_cmpint(store(fx, path, "0"), ==, 1);
        assert_show(fx, path, "");
        g_assert_cmpint(alarm_state(fx), ==, -1);
        g_autoptr(ck_loopback) lb = NULL;
        struct rtc_wkalrm *alm = g_new0(struct rtc_wkalrm, 1);
        g_assert_cmpint(ck_loopback_new(fx->devices[RTC], 0, &lb), ==, 0);
        ck_loopback_expose(lb, alm, sizeof(*alm));
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(RTC_WKALM_RD), (uint64_t)(uintptr_t)alm), ==, 0);
        g_assert_cmpuint(alm->enabled, ==, 0);
        g_assert_cmpint(tm_secs(&alm->time) - (now + 300), >=, 0);
        g_assert_cmpint(tm_secs(&alm->time) - (now + 300), <=, 2);
        g_assert_cmpint(store(fx, path, "+=5"), ==, -EINVAL);   /* nothing to push */

        /* an absolute time; errors of kstrtos64 */
        g_autofree char *at = g_strdup_printf("%" G_GINT64_FORMAT "\n", now + 1000);
        g_assert_cmpint(store(fx, path, at), ==, (ssize_t)strlen(at));
        g_assert_cmpint(show_int(fx, path), ==, now + 1000);
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(RTC_WKALM_RD), (uint64_t)(uintptr_t)alm), ==, 0);
        g_assert_cmpuint(alm->enabled, ==, 1);
        g_assert_cmpint(tm_secs(&alm->time), ==, now + 1000);
        g_assert_cmpint(store(fx, path, "-1"), ==, 2);          /* the past: disabled */
        assert_show(fx, path, "");
        g_assert_cmpint(store(fx, path, "soon"), ==, -EINVAL);
        g_assert_cmpint(store(fx, path, "+ 5"), ==, -EINVAL);
        g_assert_cmpint(store(fx, path, "5\n\n"), ==, -EINVAL);
        g_assert_cmpint(store(fx, path, "99999999999999999999"), ==, -ERANGE);
        g_assert_cmpint(store(fx, path, "+9223372036854775808"), ==, -ERANGE);
        g_assert_cmpint(alarm_state(fx), ==, -1);
        g_free(alm);
}

static void test_rtc_settings(struct fixture *fx, gconstpointer data)
{
        assert_show(fx, RTC_DIR "/max_user_freq", "64\n");
        g_assert_cmpint(store(fx, RTC_DIR "/max_user_freq", "0"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/max_user_freq", "4096"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/max_user_freq", "-1"), ==, -EINVAL);
        g_assert_cmpint(store(fx, RTC_DIR "/max_user_freq", "0x100\n"), ==, 6);
        assert_show(fx, RTC_DIR "/max_user_freq", "256\n");

        /* offset is the correction RTC_PARAM_GET reads */
        assert_show(fx, RTC_DIR "/offset", "0\n");
        g_assert_cmpint(store(fx, RTC_DIR "/offset", "-2500\n"), ==, 6);
        assert_show(fx, RTC_DIR "/offset", "-2500\n");
        g_assert_cmpint(store(fx, RTC_DIR "/offset", "0x10"), ==, -EINVAL);     /* base 10 */
        g_assert_cmpint(store(fx, RTC_DIR "/offset", "100001"), ==, -ERANGE);
        g_autoptr(ck_loopback) lb = NULL;
        struct rtc_param *p = g_new0(struct rtc_param, 1);
        g_assert_cmpint(ck_loopback_new(fx->devices[RTC], 0, &lb), ==, 0);
        ck_loopback_expose(lb, p, sizeof(*p));
        p->param = RTC_PARAM_CORRECTION;
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(RTC_PARAM_GET), (uint64_t)(uintptr_t)p), ==, 0);
        g_assert_cmpint(p->svalue, ==, -2500);
        g_free(p);
}

/* --- watchdog --- */

static void test_watchdog(struct fixture *fx, gconstpointer data)
{
        const char *dir = "/sys/dev/char/120:11";      /* wdctl's way in */
        g_autofree char *state = g_strconcat(dir, "/state", NULL);
        g_autofree char *timeleft = g_strconcat(dir, "/timeleft", NULL);
        g_autofree char *status = g_strconcat(dir, "/status", NULL);
        g_autofree char *nowayout = g_strconcat(dir, "/nowayout", NULL);
        g_autofree char *governor = g_strconcat(dir, "/pretimeout_governor", NULL);

        assert_show(fx, state, "inactive\n");
        assert_show(fx, WD_DIR "/identity", "cusekit watchdog\n");
        assert_show(fx, WD_DIR "/timeout", "30\n");
        assert_show(fx, WD_DIR "/min_timeout", "1\n");
        assert_show(fx, WD_DIR "/max_timeout", "65535\n");
        assert_show(fx, WD_DIR "/pretimeout", "0\n");
        assert_show(fx, WD_DIR "/bootstatus", "32\n");
        assert_show(fx, timeleft, "0\n");
        assert_show(fx, WD_DIR "/pretimeout_available_governors", "noop\n");
        assert_show(fx, governor, "noop\n");

        /* opening starts it */
        g_autoptr(ck_loopback) lb = NULL;
        struct { int value; } *mem = g_new0(typeof(*mem), 1);
        g_assert_cmpint(ck_loopback_new(fx->devices[WATCHDOG], O_WRONLY, &lb), ==, 0);
        ck_loopback_expose(lb, mem, sizeof(*mem));
        assert_show(fx, state, "active\n");
        gint64 left = show_int(fx, timeleft);
        g_assert_cmpint(left, >=, 29);
        g_assert_cmpint(left, <=, 30);
        /* status is WDIOC_GETSTATUS's: it reads, and clears, the keepalive bit,
         * and repeats the boot status's reset bits (bootstatus=32: WDIOF_CARDRESET) */
        g_assert_cmpint(show_int(fx, status), ==, WDIOF_CARDRESET | WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        g_assert_cmpint(show_int(fx, status), ==, WDIOF_CARDRESET | WDIOF_PRETIMEOUT);
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(WDIOC_KEEPALIVE), 0), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(WDIOC_GETSTATUS), (uint64_t)(uintptr_t)mem), ==, 0);
        g_assert_cmpint(mem->value, ==, WDIOF_CARDRESET | WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        g_assert_cmpint(show_int(fx, status), ==, WDIOF_CARDRESET | WDIOF_PRETIMEOUT);
        g_assert_cmpint(ck_loopback_write(lb, "V", 1), ==, 1);
        g_assert_cmpint(show_int(fx, status), ==, WDIOF_CARDRESET | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING | WDIOF_PRETIMEOUT);
        /* a new timeout shows */
        mem->value = 10;
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(WDIOC_SETTIMEOUT), (uint64_t)(uintptr_t)mem), ==, 0);
        assert_show(fx, WD_DIR "/timeout", "10\n");
        g_assert_cmpint(show_int(fx, timeleft), <=, 10);
        mem->value = 4;
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(WDIOC_SETPRETIMEOUT), (uint64_t)(uintptr_t)mem), ==, 0);
        assert_show(fx, WD_DIR "/pretimeout", "4\n");

        /* nowayout: 0 or 1, and it stays set; then magic close no longer stops it */
        assert_show(fx, nowayout, "0\n");
        g_assert_cmpint(store(fx, nowayout, "2"), ==, -EINVAL);
        g_assert_cmpint(store(fx, nowayout, "4294967296"), ==, -ERANGE);
        g_assert_cmpint(store(fx, nowayout, "yes"), ==, -EINVAL);
        g_assert_cmpint(store(fx, nowayout, "0"), ==, 1);
        g_assert_cmpint(store(fx, nowayout, "1\n"), ==, 2);
        assert_show(fx, nowayout, "1\n");
        g_assert_cmpint(store(fx, nowayout, "0"), ==, -EPERM);
        g_assert_cmpint(ck_loopback_write(lb, "V", 1), ==, 1);
        g_clear_pointer(&lb, ck_loopback_free);
        assert_show(fx, state, "active\n");

        g_assert_cmpint(store(fx, governor, "noop\n"), ==, 5);
        g_assert_cmpint(store(fx, governor, "panic"), ==, -EINVAL);
        g_free(mem);
}

/* --- i2c --- */

static void test_i2c(struct fixture *fx, gconstpointer data)
{
        /* i2cdetect -l reads either */
        assert_show(fx, "/sys/class/i2c-dev/i2c-7/name", "cusekit I2C adapter\n");
        assert_show(fx, "/sys/class/i2c-dev/i2c-7/device/name", "cusekit I2C adapter\n");
        /* the adapter: runtime PM enabled without callbacks, async suspend */
        assert_show(fx, "/sys/devices/i2c-7/power/runtime_status", "suspended\n");
        assert_show(fx, "/sys/devices/i2c-7/power/runtime_enabled", "enabled\n");
        assert_show(fx, "/sys/devices/i2c-7/power/async", "enabled\n");
        /* the class device: runtime PM never enabled */
        assert_show(fx, I2C_DIR "/power/runtime_status", "unsupported\n");
        assert_show(fx, I2C_DIR "/power/runtime_enabled", "disabled\n");
        assert_show(fx, I2C_DIR "/power/async", "disabled\n");
        assert_show(fx, I2C_DIR "/power/control", "auto\n");
        g_assert_cmpint(store(fx, I2C_DIR "/power/control", "on\n"), ==, 3);
        assert_show(fx, I2C_DIR "/power/control", "on\n");
        assert_show(fx, I2C_DIR "/power/runtime_enabled", "disabled & forbidden\n");
        assert_show(fx, I2C_DIR "/power/runtime_usage", "1\n");
        g_assert_cmpint(store(fx, I2C_DIR "/power/control", "off"), ==, -EINVAL);
        /* no autosuspend: EIO both ways */
        ssize_t err;
        g_autofree char *text = show_err(fx, I2C_DIR "/power/autosuspend_delay_ms", &err);
        g_assert_cmpint(err, ==, -EIO);
        g_assert_cmpstr(text, ==, "");
        g_assert_cmpint(store(fx, I2C_DIR "/power/autosuspend_delay_ms", "100"), ==, -EIO);
}

/* --- kernfs's rules --- */

static void test_open_write_rules(struct fixture *fx, gconstpointer data)
{
        struct ck_sysfs_attr *since = attr(fx, RTC_DIR "/since_epoch");
        struct ck_sysfs_attr *wakealarm = attr(fx, RTC_DIR "/wakealarm");
        struct ck_sysfs_attr *waiting = attr(fx, "/sys/class/cuse/atom0/waiting");

        /* no write bit: EACCES for writing, even for root */
        g_assert_cmpint(ck_sysfs_attr_open(since, O_WRONLY, true), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(since, O_RDWR, true), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(since, O_RDONLY, true), ==, 0);
        g_assert_cmpint(ck_sysfs_attr_open(since, O_RDONLY, false), ==, 0);
        /* root's files: others may only read */
        g_assert_cmpint(ck_sysfs_attr_open(wakealarm, O_WRONLY | O_TRUNC, false), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(wakealarm, O_WRONLY | O_TRUNC, true), ==, 0);
        g_assert_cmpint(ck_sysfs_attr_open(wakealarm, O_RDONLY, false), ==, 0);
        g_assert_cmpint(ck_sysfs_attr_open(waiting, O_RDONLY, false), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(waiting, O_RDONLY, true), ==, 0);
        g_assert_cmpint(ck_sysfs_attr_open(waiting, O_WRONLY, true), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(waiting, O_PATH, false), ==, 0);
        /* access mode 3 (ioctl only): both permissions, no kernfs check */
        g_assert_cmpint(ck_sysfs_attr_open(since, 3, false), ==, -EACCES);
        g_assert_cmpint(ck_sysfs_attr_open(since, 3, true), ==, 0);

        /* a write to an attribute without store: EIO (dev_attr_store) */
        g_assert_cmpint(ck_sysfs_attr_store(since, "5", 1), ==, -EIO);
        g_assert_cmpint(store(fx, WD_DIR "/timeout", "10"), ==, -EIO);
        /* nothing to store: 0 before anything is asked */
        g_assert_cmpint(ck_sysfs_attr_store(wakealarm, "", 0), ==, 0);
        /* more than a page is cut to a page */
        g_autofree char *big = g_strnfill(CK_SYSFS_PAGE + 100, 'a');
        memcpy(big, "change 0a1b2c3d-0000-0000-0000-000000000000 A=", 46);
        g_assert_cmpint(ck_sysfs_attr_store(attr(fx, RTC_DIR "/uevent"), big, CK_SYSFS_PAGE + 100), ==,
                        CK_SYSFS_PAGE);
        /* show() wants a page */
        char small[16];
        g_assert_cmpint(ck_sysfs_attr_show(since, small, sizeof(small)), ==, -EINVAL);
}

/* --- the object --- */

static void test_lifecycle(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *root = make_root();
        g_autoptr(ck_device) rtc = device_new("rtc", "rtc0", NULL);
        g_autoptr(ck_device) other = device_new("rtc", "rtc0", NULL);
        struct ck_sysfs *s = NULL;

        /* two devices of one name: the second class link exists already */
        struct ck_device *twice[] = { rtc, other };
        g_assert_cmpint(ck_sysfs_new(root, twice, 2, MAJOR, 0, &s, &error), ==, -EEXIST);
        g_assert_error(error, CK_ERROR, EEXIST);
        g_assert_null(s);
        g_clear_error(&error);
        g_autoptr(GDir) empty = g_dir_open(root, 0, NULL);
        g_assert_null(g_dir_read_name(empty));          /* nothing left behind */

        /* a name that would not name one directory */
        g_autoptr(ck_device) dots = device_new("atom", "..", NULL);
        g_assert_cmpint(ck_sysfs_new(root, &dots, 1, MAJOR, 0, &s, &error), ==, -EINVAL);
        g_clear_error(&error);
        g_autoptr(ck_device) slashed = device_new("atom", "sub/atom2", NULL);
        g_assert_cmpint(ck_sysfs_new(root, &slashed, 1, MAJOR, 0, &s, &error), ==, 0);
        g_assert_no_error(error);
        /* kobject names: '/' becomes '!'; DEVNAME keeps the node's path */
        g_autofree char *bang = g_build_filename(root, "sys/class/cuse/sub!atom2", NULL);
        g_autofree char *text = g_file_read_link(bang, NULL);
        g_assert_cmpstr(text, ==, "../../devices/virtual/cuse/sub!atom2");
        g_autofree char *uevent = g_build_filename(bang, "uevent", NULL);
        char page[CK_SYSFS_PAGE];
        ssize_t n = ck_sysfs_attr_show(ck_sysfs_attr_at(s, uevent), page, sizeof(page));
        g_assert_cmpint(n, >, 0);
        g_assert_cmpstr(page, ==, "MAJOR=120\nMINOR=0\nDEVNAME=sub/atom2\n");
        g_clear_pointer(&s, ck_sysfs_free);

        /* a ROOT that already has a sys is not taken (nor removed) */
        g_autofree char *sys = g_build_filename(root, "sys", NULL);
        g_assert_cmpint(g_mkdir(sys, 0700), ==, 0);
        g_assert_cmpint(ck_sysfs_new(root, twice, 1, MAJOR, 0, &s, &error), ==, -EEXIST);
        g_clear_error(&error);
        g_assert_true(g_file_test(sys, G_FILE_TEST_IS_DIR));
        g_assert_cmpint(g_rmdir(sys), ==, 0);

        /* no device with sysfs: the merged top directories only */
        g_assert_cmpint(ck_sysfs_new(root, twice, 0, MAJOR, 0, &s, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(ck_sysfs_root(s), ==, root);
        g_autofree char *class_rtc = g_build_filename(root, "sys/class/rtc", NULL);
        g_assert_cmpint(g_file_test(class_rtc, G_FILE_TEST_EXISTS), ==,
                        g_file_test("/sys/class/rtc", G_FILE_TEST_EXISTS));
        ck_sysfs_free(s);
        g_assert_false(g_file_test(sys, G_FILE_TEST_EXISTS));
        g_assert_cmpint(g_rmdir(root), ==, 0);
}

/* 1000 devices in one run (the figure): all there, minors in order */
static void test_many(void)
{
        enum { N = 1000 };
        g_autoptr(GError) error = NULL;
        g_autofree char *root = make_root();
        g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_free);
        struct ck_sysfs *s = NULL;

        for (int i = 0; i < N; i++) {
                g_autofree char *name = g_strdup_printf("atom%d", i);
                g_ptr_array_add(devices, device_new("atom", name, NULL));
        }
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(ck_sysfs_new(root, (struct ck_device *const *)devices->pdata, N, MAJOR, 0, &s, &error),
                        ==, 0);
        g_assert_no_error(error);
        g_test_message("%d devices: %.3f s", N, (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
        for (int i = 0; i < N; i += 111) {
                g_autofree char *link = g_strdup_printf("%s/sys/dev/char/%d:%d", root, MAJOR, i);
                g_autofree char *text = g_file_read_link(link, NULL);
                g_autofree char *expect = g_strdup_printf("../../devices/virtual/cuse/atom%d", i);
                g_assert_cmpstr(text, ==, expect);
                g_autofree char *dev = g_strdup_printf("%s/sys/class/cuse/atom%d/dev", root, i);
                struct ck_sysfs_attr *a = ck_sysfs_attr_at(s, dev);
                g_assert_nonnull(a);
                g_assert_true(ck_sysfs_attr_device(a) == devices->pdata[i]);
        }
        ck_sysfs_free(s);
        g_assert_cmpint(g_rmdir(root), ==, 0);
}

static void test_kstrto(void)
{
        unsigned long long u;
        long long l;

        g_assert_cmpint(ck_sysfs_kstrtoull("0x1F", 0, &u), ==, 0);
        g_assert_cmpuint(u, ==, 31);
        g_assert_cmpint(ck_sysfs_kstrtoull("010\n", 0, &u), ==, 0);
        g_assert_cmpuint(u, ==, 8);
        g_assert_cmpint(ck_sysfs_kstrtoull("+7", 10, &u), ==, 0);
        g_assert_cmpuint(u, ==, 7);
        g_assert_cmpint(ck_sysfs_kstrtoull("0", 0, &u), ==, 0);
        g_assert_cmpuint(u, ==, 0);
        g_assert_cmpint(ck_sysfs_kstrtoull("ff", 16, &u), ==, 0);
        g_assert_cmpuint(u, ==, 255);
        g_assert_cmpint(ck_sysfs_kstrtoull("18446744073709551615", 10, &u), ==, 0);
        g_assert_cmpuint(u, ==, G_MAXUINT64);
        g_assert_cmpint(ck_sysfs_kstrtoull("18446744073709551616", 10, &u), ==, -ERANGE);
        g_assert_cmpint(ck_sysfs_kstrtoull("0x", 0, &u), ==, -EINVAL);   /* octal 0, then 'x' */
        g_assert_cmpint(ck_sysfs_kstrtoull("08", 0, &u), ==, -EINVAL);
        g_assert_cmpint(ck_sysfs_kstrtoull("", 10, &u), ==, -EINVAL);
        g_assert_cmpint(ck_sysfs_kstrtoull("\n", 10, &u), ==, -EINVAL);
        g_assert_cmpint(ck_sysfs_kstrtoull(" 1", 10, &u), ==, -EINVAL);
        g_assert_cmpint(ck_sysfs_kstrtoull("-1", 10, &u), ==, -EINVAL);
        g_assert_cmpint(ck_sysfs_kstrtoll("-9223372036854775808", 10, &l), ==, 0);
        g_assert_cmpint(l, ==, G_MININT64);
        g_assert_cmpint(ck_sysfs_kstrtoll("9223372036854775807", 10, &l), ==, 0);
        g_assert_cmpint(l, ==, G_MAXINT64);
        g_assert_cmpint(ck_sysfs_kstrtoll("9223372036854775808", 10, &l), ==, -ERANGE);
        g_assert_cmpint(ck_sysfs_kstrtoll("-9223372036854775809", 10, &l), ==, -ERANGE);
        g_assert_cmpint(ck_sysfs_kstrtoll("-0x10", 0, &l), ==, 0);
        g_assert_cmpint(l, ==, -16);
        g_assert_cmpint(ck_sysfs_kstrtoll("--1", 10, &l), ==, -EINVAL);
}

/* A type whose nodes live in a directory below /dev and that udev has
 * seen: the class device keeps the name, uevent's DEVNAME and the node get
 * the directory, and the udev database entry is served from ROOT. */
static void test_input_udev_properties(struct ck_device *d, GString *out)
{
        g_string_append_printf(out, "E:ID_TEST=%s\n", ck_device_name(d));
}

CK_SYSFS_CLASS_UDEV(test_input_sysfs, "input", test_input_udev_properties, CK_SYSFS_CONST("name", 0444, "x\n"));

static const struct ck_device_type test_input_type = {
        .name = "test-input",
        .summary = "a device in /dev/input with a udev entry",
        .sysfs = &test_input_sysfs,
        .node_dir = "input",
};
CK_DEVICE_TYPE_REGISTER(test_input_type);

static void test_node_dir_udev(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *root = make_root();
        struct ck_device *devices[2] = { device_new("test-input", "event7", NULL), device_new("atom", "atom0", NULL) };
        struct ck_sysfs *s = NULL;

        g_assert_cmpstr(ck_device_name(devices[0]), ==, "event7");
        g_assert_cmpstr(ck_device_node(devices[0]), ==, "input/event7");
        g_assert_cmpstr(ck_device_node(devices[1]), ==, "atom0");
        g_assert_cmpint(ck_sysfs_new(root, devices, 2, MAJOR, FIRST_MINOR, &s, &error), ==, 0);
        g_assert_no_error(error);

        /* input_devnode()'s DEVNAME; the class device is named as the device */
        g_autofree char *uevent = g_strconcat(root, "/sys/devices/virtual/input/event7/uevent", NULL);
        struct ck_sysfs_attr *a = ck_sysfs_attr_at(s, uevent);
        g_assert_nonnull(a);
        char buf[CK_SYSFS_PAGE];
        ssize_t n = ck_sysfs_attr_show(a, buf, sizeof(buf));
        g_assert_cmpint(n, >, 0);
        g_assert_cmpstr(buf, ==, "MAJOR=120\nMINOR=10\nDEVNAME=input/event7\n");

        /* the entry: initialized (I:), the family's properties, the version */
        g_autofree char *real = NULL;
        struct stat st;
        g_assert_true(ck_sysfs_lookup(s, "/run/udev/data/c120:10", &real, &st));
        g_assert_true(S_ISREG(st.st_mode));
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(real, &text, NULL, NULL));
        g_assert_true(g_str_has_prefix(text, "I:"));
        g_assert_nonnull(strstr(text, "\nE:ID_TEST=event7\nV:1\n"));
        /* atom has none; other paths there are the host's */
        g_assert_false(ck_sysfs_lookup(s, "/run/udev/data/c120:11", NULL, NULL));
        g_assert_false(ck_sysfs_lookup(s, "/run/udev/data", NULL, NULL));
        g_assert_false(ck_sysfs_lookup(s, "/run/udev/data/c120:10x", NULL, NULL));

        ck_sysfs_free(s);
        g_assert_cmpint(g_rmdir(root), ==, 0);     /* ROOT/run went too */
        ck_device_free(devices[0]);
        ck_device_free(devices[1]);
}

/* evdev: the input_dev is a class device of class input itself, so the
 * evdev node sits directly in its directory (drivers/base/core.c
 * get_device_parent()), as /sys/devices/virtual/input/input7/event7 of a
 * uinput device: both in /sys/class/input, the parent without a dev_t. */
#define INPUT7 "/sys/devices/virtual/input/input7"

static void test_evdev(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *root = make_root();
        struct ck_device *devices[3] = {
                device_new("evdev", "event7", (const char *const[]){ "preset", "keyboard", NULL }),
                device_new("evdev", "kbd", (const char *const[]){ "preset", "mouse", NULL }),
                device_new("evdev", "event07", (const char *const[]){ "preset", "mouse", NULL }),
        };
        struct fixture fx = { .root = root };

        g_assert_cmpint(ck_sysfs_new(root, devices, 3, MAJOR, FIRST_MINOR, &fx.sysfs, &error), ==, 0);
        g_assert_no_error(error);

        /* no glue directory, nothing of the old input-event7 */
        g_autofree char *event_dir = real(&fx, INPUT7 "/event7");
        g_assert_true(g_file_test(event_dir, G_FILE_TEST_IS_DIR));
        static const char *const absent[] = {
                INPUT7 "/input", INPUT7 "/dev", INPUT7 "/device", "/sys/devices/virtual/input/input-event7",
                "/sys/devices/virtual/input/event7", "/sys/dev/char/13:71",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(absent); i++) {
                g_autofree char *r = real(&fx, absent[i]);
                struct stat st;
                g_test_message("%s", absent[i]);
                g_assert_cmpint(lstat(r, &st), ==, -1);
        }
        assert_link(&fx, "/sys/class/input/input7", "../../devices/virtual/input/input7");
        assert_link(&fx, "/sys/class/input/event7", "../../devices/virtual/input/input7/event7");
        assert_link(&fx, "/sys/dev/char/120:10", "../../devices/virtual/input/input7/event7");
        assert_link(&fx, INPUT7 "/event7/device", "../../input7");
        assert_link(&fx, INPUT7 "/event7/subsystem", "../../../../../class/input");
        assert_link(&fx, INPUT7 "/subsystem", "../../../../class/input");
        /* a name that is not eventN keeps it whole; event07 is not event7 */
        assert_link(&fx, "/sys/class/input/input-kbd", "../../devices/virtual/input/input-kbd");
        assert_link(&fx, "/sys/class/input/kbd", "../../devices/virtual/input/input-kbd/kbd");
        assert_link(&fx, "/sys/class/input/event07", "../../devices/virtual/input/input-event07/event07");

        /* the node's attributes, and the parent's as libudev reads them through the node */
        assert_show(&fx, INPUT7 "/event7/dev", "120:10\n");
        assert_show(&fx, "/sys/class/input/event7/uevent", "MAJOR=120\nMINOR=10\nDEVNAME=input/event7\n");
        assert_show(&fx, "/sys/class/input/event7/device/name", "AT Translated Set 2 keyboard\n");
        assert_show(&fx, "/sys/class/input/input7/id/bustype", "0011\n");
        assert_show(&fx, "/sys/dev/char/120:11/device/capabilities/rel", "903\n");
        g_assert_true(attr(&fx, "/sys/class/input/event7/device/name") == attr(&fx, INPUT7 "/name"));
        g_assert_true(ck_sysfs_attr_device(attr(&fx, INPUT7 "/name")) == devices[0]);
        g_assert_cmpuint(mode_of(&fx, INPUT7 "/uevent", NULL), ==, 0644);
        g_assert_cmpuint(mode_of(&fx, INPUT7 "/power/control", NULL), ==, 0644);
        g_assert_cmpuint(mode_of(&fx, INPUT7 "/event7/power/control", NULL), ==, 0644);

        /* input_dev_uevent(): the family's text, per device */
        for (size_t i = 0; i < 2; i++) {
                char want[CK_SYSFS_PAGE];
                evdev_model_uevent(devices[i], want, sizeof(want));
                g_autofree char *path = i == 0 ? g_strdup(INPUT7 "/uevent")
                                               : g_strdup("/sys/class/input/input-kbd/uevent");
                g_autofree char *got = show(&fx, path);
                g_assert_cmpstr(got, ==, want);
        }
        g_autofree char *keyboard = show(&fx, INPUT7 "/uevent");
        g_assert_true(g_str_has_prefix(keyboard, "PRODUCT=11/1/1/ab41\nNAME=\"AT Translated Set 2 keyboard\"\n"));
        g_assert_nonnull(strstr(keyboard, "\nEV=120013\n"));
        g_assert_nonnull(strstr(keyboard, "\nMODALIAS=input:b0011v0001p0001eAB41-e0,1,4,11,14,k"));
        g_autofree char *mouse = show(&fx, "/sys/devices/virtual/input/input-kbd/uevent");
        g_assert_nonnull(strstr(mouse, "\nREL=903\n"));
        g_assert_cmpint(store(&fx, INPUT7 "/uevent", "change\n"), ==, 7);
        g_assert_cmpint(store(&fx, INPUT7 "/uevent", "explode\n"), ==, -EINVAL);

        ck_sysfs_free(fx.sysfs);
        g_assert_cmpint(g_rmdir(root), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(devices); i++)
                ck_device_free(devices[i]);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define FX(path, fn) g_test_add("/sysfs/" path, struct fixture, NULL, setup, fn, teardown)
        FX("links", test_links);
        FX("modes", test_modes);
        FX("dev-uevent", test_dev_uevent);
        FX("host-merge", test_host_merge);
        FX("rtc/show", test_rtc_show);
        FX("rtc/wakealarm", test_rtc_wakealarm);
        FX("rtc/settings", test_rtc_settings);
        FX("watchdog", test_watchdog);
        FX("i2c", test_i2c);
        FX("open-write-rules", test_open_write_rules);
#undef FX
        g_test_add_func("/sysfs/lifecycle", test_lifecycle);
        g_test_add_func("/sysfs/kstrto", test_kstrto);
        g_test_add_func("/sysfs/many", test_many);
        g_test_add_func("/sysfs/node-dir-udev", test_node_dir_udev);
        g_test_add_func("/sysfs/evdev", test_evdev);
        return g_test_run();
}
