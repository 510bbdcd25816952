/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated /sys: a real tree in ROOT of the class devices the kernel
 * would create for our devices (drivers/base/core.c device_add(): the
 * device's directory, dev, uevent, subsystem, power/, the class and
 * /sys/dev/char links), merged with the host's /sys, and the attributes'
 * show/store with kernfs's rules (fs/kernfs/file.c, fs/sysfs/file.c).
 */
#include "sysfs.h"

#include "cusekit-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* drivers/base/power/sysfs.c, for one device directory: runtime PM is
 * disabled (no driver enables it), as for a class device. */
struct power {
        bool runtime;                 /* pm_runtime_enable()d, without callbacks */
        bool forbidden;               /* control "on": pm_runtime_forbid() */
        bool async;
        bool can_wakeup;
        bool wakeup;                  /* device_may_wakeup() */
};

struct ck_sysfs_attr {
        char *path;                   /* the program's */
        unsigned mode;
        struct ck_device *device;
        const struct ck_sysfs_entry *entry;   /* a family's; NULL: built in */
        char *value;                  /* fixed text */
        /* built in attributes with state */
        ssize_t (*builtin_show)(struct ck_sysfs_attr *a, char *buf, size_t size);
        ssize_t (*builtin_store)(struct ck_sysfs_attr *a, const char *buf, size_t len);
        struct power *power;
};

struct ck_sysfs {
        char *root;
        GHashTable *host;             /* program paths of placeholders */
        GHashTable *attrs;            /* "dev:ino" -> struct ck_sysfs_attr * (owned) */
        GHashTable *dirs;             /* program paths of the directories made */
        GPtrArray *powers;            /* struct power *, owned */
        GHashTable *udev;             /* program paths of our udev database entries */
        int err;                      /* of the last make_attr() that failed */
};

static void attr_free(gpointer data)
{
        struct ck_sysfs_attr *a = data;

        g_free(a->path);
        g_free(a->value);
        g_free(a);
}

/* --- paths --- */

static char *real_path(const struct ck_sysfs *s, const char *path)
{
        return g_strconcat(s->root, path, NULL);
}

/* "%s" -> the device's sysfs name */
static char *expand(const char *text, const char *name)
{
        GString *out = g_string_new(NULL);

        for (const char *p = text; *p; p++) {
                if (p[0] == '%' && p[1] == 's') {
                        g_string_append(out, name);
                        p++;
                } else {
                        g_string_append_c(out, *p);
                }
        }
        return g_string_free(out, FALSE);
}

/* The text of a link in @dir to @target, as kernfs_get_target_path() writes
 * it: up from @dir to the nearest directory that holds @target's parent,
 * then down. */
static char *link_text(const char *dir, const char *target)
{
        g_auto(GStrv) from = g_strsplit(dir + 1, "/", -1);
        g_auto(GStrv) to = g_strsplit(target + 1, "/", -1);
        guint n_from = g_strv_length(from), n_to = g_strv_length(to), common = 0;

        while (common < n_from && common + 1 < n_to && strcmp(from[common], to[common]) == 0)
                common++;
        GString *out = g_string_new(NULL);
        for (guint i = common; i < n_from; i++)
                g_string_append(out, "../");
        for (guint i = common; i < n_to; i++)
                g_string_append_printf(out, "%s%s", to[i], i + 1 < n_to ? "/" : "");
        return g_string_free(out, FALSE);
}

static int fail(GError **error, int err, const char *what, const char *path)
{
        g_set_error(error, CK_ERROR, -err, "sysfs: %s %s: %s", what, path, g_strerror(-err));
        return err;
}

/* mkdir -p of a program path below /sys; links are not followed. */
static int make_dir(struct ck_sysfs *s, const char *path, GError **error)
{
        g_autofree char *walk = g_strdup(path);

        for (char *slash = walk + 1;; slash++) {
                slash = strchr(slash, '/');
                if (slash)
                        *slash = '\0';
                g_autofree char *real = NULL;
                struct stat st;
                if (g_hash_table_contains(s->dirs, walk)) {
                        /* made already */
                } else if (lstat((real = real_path(s, walk)), &st) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                return fail(error, -ENOTDIR, "directory", walk);
                } else if (errno != ENOENT) {
                        return fail(error, -errno, "directory", walk);
                } else {
                        if (mkdir(real, 0700) < 0 || chmod(real, 0755) < 0)
                                return fail(error, -errno, "directory", walk);
                        g_hash_table_add(s->dirs, g_strdup(walk));
                }
                if (!slash)
                        return 0;
                *slash = '/';
        }
}

static int make_parent_dir(struct ck_sysfs *s, const char *path, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);

        return make_dir(s, dir, error);
}

static int make_link(struct ck_sysfs *s, const char *path, const char *text, GError **error)
{
        g_autofree char *real = real_path(s, path);
        int r = make_parent_dir(s, path, error);

        if (r < 0)
                return r;
        if (symlink(text, real) < 0)
                return fail(error, -errno, "link", path);
        return 0;
}

/* A link in the kernel's relative form from @path to the directory @target. */
static int make_link_to(struct ck_sysfs *s, const char *path, const char *target, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *text = link_text(dir, target);

        return make_link(s, path, text, error);
}

static char *inode_key(dev_t dev, ino_t ino)
{
        return g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64)dev, (guint64)ino);
}

/* A file of the kernel's mode and size; its contents come from show(). */
static struct ck_sysfs_attr *make_attr(struct ck_sysfs *s, const char *path, unsigned mode,
                                       struct ck_device *d, GError **error)
{
        g_autofree char *real = real_path(s, path);
        struct stat st;

        if ((s->err = make_parent_dir(s, path, error)) < 0)
                return NULL;
        int fd = open(real, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                s->err = fail(error, -errno, "attribute", path);
                return NULL;
        }
        if (ftruncate(fd, CK_SYSFS_PAGE) < 0 || fchmod(fd, mode & 07777) < 0 || fstat(fd, &st) < 0) {
                s->err = fail(error, -errno, "attribute", path);
                close(fd);
                return NULL;
        }
        close(fd);
        struct ck_sysfs_attr *a = g_new0(struct ck_sysfs_attr, 1);
        a->path = g_strdup(path);
        a->mode = mode & 07777;
        a->device = d;
        g_hash_table_insert(s->attrs, inode_key(st.st_dev, st.st_ino), a);
        return a;
}

static struct ck_sysfs_attr *make_const(struct ck_sysfs *s, const char *path, unsigned mode,
                                        struct ck_device *d, const char *value, GError **error)
{
        struct ck_sysfs_attr *a = make_attr(s, path, mode, d, error);

        if (a)
                a->value = g_strdup(value);
        return a;
}

/* cuse_class_dev_attrs: `waiting`, the requests the daemon has not
 * answered, is 0 between requests; `abort` (it would end the connection)
 * is not offered. */
static const struct ck_sysfs_entry cuse_entries[] = {
        CK_SYSFS_CONST("waiting", 0400, "0\n"),
};
const struct ck_sysfs_class ck_sysfs_cuse = {
        .name = "cuse",
        .entries = cuse_entries,
        .n_entries = G_N_ELEMENTS(cuse_entries),
};

/* --- lib/kstrtox.c --- */

static int parse_ull(const char *s, unsigned base, unsigned long long *ret)
{
        unsigned long long v = 0;
        bool overflow = false;
        size_t digits = 0;

        if (base == 0) {
                if (s[0] == '0')
                        base = g_ascii_tolower(s[1]) == 'x' && g_ascii_isxdigit(s[2]) ? 16 : 8;
                else
                        base = 10;
        }
        if (base == 16 && s[0] == '0' && g_ascii_tolower(s[1]) == 'x')
                s += 2;
        for (;; s++, digits++) {
                int digit = g_ascii_xdigit_value(*s);
                if (digit < 0 || (unsigned)digit >= base)
                        break;
                if (v > (ULLONG_MAX - (unsigned)digit) / base)
                        overflow = true;
                v = v * base + (unsigned)digit;
        }
        if (overflow)
                return -ERANGE;
        if (digits == 0)
                return -EINVAL;
        if (*s == '\n')
                s++;
        if (*s)
                return -EINVAL;
        *ret = v;
        return 0;
}

int ck_sysfs_kstrtoull(const char *buf, unsigned base, unsigned long long *ret)
{
        if (base == 1 || base > 16)
                return -EINVAL;
        return parse_ull(buf[0] == '+' ? buf + 1 : buf, base, ret);
}

int ck_sysfs_kstrtoll(const char *buf, unsigned base, long long *ret)
{
        unsigned long long v;
        int r;

        if (buf[0] == '-') {
                if (base == 1 || base > 16)
                        return -EINVAL;
                r = parse_ull(buf + 1, base, &v);
                if (r < 0)
                        return r;
                if (v > (unsigned long long)LLONG_MAX + 1)
                        return -ERANGE;
                *ret = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
                return 0;
        }
        r = ck_sysfs_kstrtoull(buf, base, &v);
        if (r < 0)
                return r;
        if (v > LLONG_MAX)
                return -ERANGE;
        *ret = (long long)v;
        return 0;
}

/* --- built in attributes --- */

/* sysfs_streq(): equal but for one trailing newline on either */
static bool text_is(const char *buf, const char *word)
{
        size_t n = strlen(word), len = strlen(buf);

        if (len && buf[len - 1] == '\n')
                len--;
        return len == n && strncmp(buf, word, n) == 0;
}

/* kobject_action_args()'s words: letters and digits up to @delim, not empty */
static const char *word_end(const char *p, const char *end, char delim)
{
        const char *start = p;

        while (p <= end && *p != delim)
                if (!g_ascii_isalnum(*p++))
                        return NULL;
        return p == start ? NULL : p;
}

/* uuid_is_valid() */
static bool uuid_valid(const char *p)
{
        for (int i = 0; i < 36; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (p[i] != '-')
                                return false;
                } else if (!g_ascii_isxdigit(p[i])) {
                        return false;
                }
        }
        return true;
}

/* kobject_synth_uevent(): "ACTION [UUID [KEY=VALUE...]]"; nobody listens to
 * our uevents, but what the kernel refuses is refused (EINVAL). */
static ssize_t uevent_store(struct ck_sysfs_attr *a, const char *buf, size_t len)
{
        static const char *const actions[] = { "add", "remove", "change", "move",
                                               "online", "offline", "bind", "unbind" };
        size_t count = len;

        if (count && (buf[count - 1] == '\n' || buf[count - 1] == '\0'))
                count--;
        const char *space = memchr(buf, ' ', count);
        size_t first = space ? (size_t)(space - buf) : count;
        bool known = false;
        for (size_t i = 0; i < G_N_ELEMENTS(actions) && !known; i++)
                known = count && first == strlen(actions[i]) && strncmp(buf, actions[i], first) == 0;
        if (!known)
                return -EINVAL;
        if (!space)
                return (ssize_t)len;
        /* kobject_action_args() */
        const char *args = space + 1, *end = buf + count - 1;
        size_t n = count - (size_t)(args - buf);
        if (n == 0 || n < 36 || !uuid_valid(args))
                return -EINVAL;
        for (const char *next = args + 36; next <= end;) {
                if (*next != ' ')
                        return -EINVAL;
                const char *key = ++next;
                if (key > end)
                        return -EINVAL;
                next = word_end(key, end, '=');
                if (!next || next > end || *next != '=')
                        return -EINVAL;
                if (++next > end)
                        return -EINVAL;
                next = word_end(next, end, ' ');
                if (!next)
                        return -EINVAL;
        }
        return (ssize_t)len;
}

static ssize_t show_text(char *buf, size_t size, const char *text)
{
        return (ssize_t)g_strlcpy(buf, text, size);
}

static ssize_t control_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return show_text(buf, size, a->power->forbidden ? "on\n" : "auto\n");
}

static ssize_t control_store(struct ck_sysfs_attr *a, const char *buf, size_t len)
{
        if (text_is(buf, "auto"))
                a->power->forbidden = false;
        else if (text_is(buf, "on"))
                a->power->forbidden = true;
        else
                return -EINVAL;
        return (ssize_t)len;
}

/* pm_runtime_forbid() takes a usage reference */
static ssize_t runtime_usage_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return show_text(buf, size, a->power->forbidden ? "1\n" : "0\n");
}

static ssize_t runtime_enabled_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        if (a->power->runtime)
                return show_text(buf, size, a->power->forbidden ? "forbidden\n" : "enabled\n");
        return show_text(buf, size, a->power->forbidden ? "disabled & forbidden\n" : "disabled\n");
}

/* !dev->power.use_autosuspend */
static ssize_t autosuspend_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return -EIO;
}

static ssize_t autosuspend_store(struct ck_sysfs_attr *a, const char *buf, size_t len)
{
        return -EIO;
}

static ssize_t async_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return show_text(buf, size, a->power->async ? "enabled\n" : "disabled\n");
}

static ssize_t async_store(struct ck_sysfs_attr *a, const char *buf, size_t len)
{
        if (text_is(buf, "enabled"))
                a->power->async = true;
        else if (text_is(buf, "disabled"))
                a->power->async = false;
        else
                return -EINVAL;
        return (ssize_t)len;
}

static ssize_t wakeup_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return show_text(buf, size, !a->power->can_wakeup ? "\n" : a->power->wakeup ? "enabled\n" : "disabled\n");
}

static ssize_t wakeup_store(struct ck_sysfs_attr *a, const char *buf, size_t len)
{
        if (!a->power->can_wakeup)
                return -EINVAL;
        if (text_is(buf, "enabled"))
                a->power->wakeup = true;
        else if (text_is(buf, "disabled"))
                a->power->wakeup = false;
        else
                return -EINVAL;
        return (ssize_t)len;
}

/* The wakeup source's counters: none counted; no source once disabled. */
static ssize_t wakeup_count_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return show_text(buf, size, a->power->wakeup ? "0\n" : "\n");
}

static struct ck_sysfs_attr *make_builtin(struct ck_sysfs *s, const char *path, unsigned mode,
                                          struct ck_device *d, struct power *power,
                                          ssize_t (*show)(struct ck_sysfs_attr *, char *, size_t),
                                          ssize_t (*store)(struct ck_sysfs_attr *, const char *, size_t),
                                          GError **error)
{
        struct ck_sysfs_attr *a = make_attr(s, path, mode, d, error);

        if (a) {
                a->builtin_show = show;
                a->builtin_store = store;
                a->power = power;
        }
        return a;
}

/* dpm_sysfs_add() under Debian's 6.1 configuration (PM_ADVANCED_DEBUG,
 * PM_SLEEP, no PM_AUTOSLEEP): @flags CK_SYSFS_WAKEUP, ... */
static int make_power(struct ck_sysfs *s, const char *dir, struct ck_device *d, unsigned flags,
                      GError **error)
{
        bool can_wakeup = flags & CK_SYSFS_WAKEUP;
        struct power *power = g_new0(struct power, 1);
        static const char *const wakeup_counters[] = {
                "wakeup_count", "wakeup_active_count", "wakeup_abort_count", "wakeup_expire_count",
                "wakeup_active", "wakeup_total_time_ms", "wakeup_max_time_ms", "wakeup_last_time_ms",
        };

        power->can_wakeup = power->wakeup = can_wakeup;
        power->async = flags & CK_SYSFS_ASYNC;
        /* enabled, it rests suspended: nothing resumes it */
        power->runtime = flags & CK_SYSFS_RPM_NO_CALLBACKS;
        g_ptr_array_add(s->powers, power);
#define POWER_PATH(name) g_autofree char *name##_path = g_strconcat(dir, "/power/" #name, NULL)
        POWER_PATH(async);
        POWER_PATH(runtime_status);
        POWER_PATH(runtime_usage);
        POWER_PATH(runtime_enabled);
        POWER_PATH(control);
        POWER_PATH(autosuspend_delay_ms);
        POWER_PATH(runtime_active_kids);
        POWER_PATH(runtime_suspended_time);
        POWER_PATH(runtime_active_time);
#undef POWER_PATH
        if (!make_builtin(s, async_path, 0644, d, power, async_show, async_store, error) ||
            !make_const(s, runtime_status_path, 0444, d, power->runtime ? "suspended\n" : "unsupported\n",
                        error) ||
            !make_builtin(s, runtime_usage_path, 0444, d, power, runtime_usage_show, NULL, error) ||
            !make_builtin(s, runtime_enabled_path, 0444, d, power, runtime_enabled_show, NULL, error) ||
            !make_const(s, runtime_active_kids_path, 0444, d, "0\n", error))
                return s->err;
        /* pm_runtime_has_no_callbacks(): no runtime group */
        if (!power->runtime) {
                if (!make_builtin(s, control_path, 0644, d, power, control_show, control_store, error) ||
                    !make_builtin(s, autosuspend_delay_ms_path, 0644, d, power, autosuspend_show,
                                  autosuspend_store, error) ||
                    !make_const(s, runtime_suspended_time_path, 0444, d, "0\n", error) ||
                    !make_const(s, runtime_active_time_path, 0444, d, "0\n", error))
                        return s->err;
        }
        if (!can_wakeup)
                return 0;
        g_autofree char *wakeup_path = g_strconcat(dir, "/power/wakeup", NULL);
        if (!make_builtin(s, wakeup_path, 0644, d, power, wakeup_show, wakeup_store, error))
                return s->err;
        for (size_t i = 0; i < G_N_ELEMENTS(wakeup_counters); i++) {
                g_autofree char *path = g_strconcat(dir, "/power/", wakeup_counters[i], NULL);
                if (!make_builtin(s, path, 0444, d, power, wakeup_count_show, NULL, error))
                        return s->err;
        }
        return 0;
}

/* --- one device --- */

/* No empty, "." or ".." component: a path names one place, and inside /sys. */
static bool path_plain(const char *path)
{
        g_auto(GStrv) parts = g_strsplit(path, "/", -1);

        for (guint i = path[0] == '/' ? 1 : 0; parts[i]; i++)
                if (!*parts[i] || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0)
                        return false;
        return true;
}

/* A path of an entry: "device/..." is in the parent's directory. */
static char *entry_path(const char *dir, const char *parent_dir, const char *path, const char *name)
{
        g_autofree char *expanded = expand(path, name);

        if (g_str_has_prefix(expanded, "/sys/"))
                return g_steal_pointer(&expanded);
        if (parent_dir && g_str_has_prefix(expanded, "device/"))
                return g_strconcat(parent_dir, expanded + strlen("device"), NULL);
        return g_strconcat(dir, "/", expanded, NULL);
}

static int make_entry(struct ck_sysfs *s, struct ck_device *d, const struct ck_sysfs_entry *e,
                      const char *path, const char *name, GError **error)
{
        switch (e->kind) {
        case CK_SYSFS_DIR: {
                int r = make_dir(s, path, error);
                g_autofree char *real = real_path(s, path);
                if (r == 0 && e->mode && chmod(real, e->mode & 07777) < 0)
                        return fail(error, -errno, "directory", path);
                return r;
        }
        case CK_SYSFS_LINK: {
                if (!e->target)
                        return fail(error, -EINVAL, "link without a target", path);
                g_autofree char *text = expand(e->target, name);
                return make_link(s, path, text, error);
        }
        case CK_SYSFS_ATTR: {
                if (!e->show && !e->value && !e->store)
                        return fail(error, -EINVAL, "attribute without contents", path);
                struct ck_sysfs_attr *a = make_attr(s, path, e->mode, d, error);
                if (!a)
                        return s->err;
                a->entry = e;
                if (e->value)
                        a->value = expand(e->value, name);
                return 0;
        }
        }
        return fail(error, -EINVAL, "entry of unknown kind", path);
}

static ssize_t parent_uevent_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        return a->device->index->type->sysfs->parent_uevent_show(a->device, buf, size);
}

/* device_add() of a parent that is a class device itself (an input_dev):
 * no `dev` (no devt), but `subsystem` and its class link. */
static int add_class_parent(struct ck_sysfs *s, const char *parent_dir, const char *class_dir, GError **error)
{
        g_autofree char *base = g_path_get_basename(parent_dir);
        g_autofree char *subsystem = g_strconcat(parent_dir, "/subsystem", NULL);
        g_autofree char *class_link = g_strconcat(class_dir, "/", base, NULL);
        int r;

        if ((r = make_link_to(s, subsystem, class_dir, error)) < 0 || (r = make_dir(s, class_dir, error)) < 0)
                return r;
        return make_link_to(s, class_link, parent_dir, error);
}

/* device_add() for a class device with a node, and its parent. */
static int add_device(struct ck_sysfs *s, struct ck_device *d, unsigned major, unsigned minor,
                      GError **error)
{
        const struct ck_sysfs_class *cls = d->index->type->sysfs;
        /* kobject_set_name_vargs(): a '/' in a name becomes '!' */
        g_autofree char *name = g_strdelimit(g_strdup(ck_device_name(d)), "/", '!');
        g_autofree char *parent_dir = NULL, *dir = NULL;
        int r;

        if (!cls->name || !*cls->name || strchr(cls->name, '/') || !path_plain(cls->name))
                return fail(error, -EINVAL, "class name", cls->name ? cls->name : "(null)");
        if (!*name || !path_plain(name))
                return fail(error, -EINVAL, "device name", ck_device_name(d));
        if (cls->parent || cls->parent_path) {
                g_autofree char *parent = cls->parent_path ? cls->parent_path(d) : expand(cls->parent, name);
                if (!parent || !*parent || parent[0] == '/' || !path_plain(parent))
                        return fail(error, -EINVAL, "parent", parent ? parent : "(null)");
                parent_dir = g_strconcat("/sys/devices/", parent, NULL);
                /* get_device_parent(): no glue directory below a class device */
                dir = cls->parent_is_class_device ? g_strconcat(parent_dir, "/", name, NULL)
                                                  : g_strconcat(parent_dir, "/", cls->name, "/", name, NULL);
        } else {
                dir = g_strconcat("/sys/devices/virtual/", cls->name, "/", name, NULL);
        }
        g_autofree char *class_dir = g_strconcat("/sys/class/", cls->name, NULL);
        g_autofree char *class_link = g_strconcat(class_dir, "/", name, NULL);
        g_autofree char *devt_link = g_strdup_printf("/sys/dev/char/%u:%u", major, minor);
        g_autofree char *dev_path = g_strconcat(dir, "/dev", NULL);
        g_autofree char *dev_text = g_strdup_printf("%u:%u\n", major, minor);
        g_autofree char *uevent_path = g_strconcat(dir, "/uevent", NULL);
        g_autofree char *uevent_text = g_strdup_printf("MAJOR=%u\nMINOR=%u\nDEVNAME=%s\n", major, minor,
                                                       ck_device_node(d));
        g_autofree char *subsystem = g_strconcat(dir, "/subsystem", NULL);

        if (parent_dir) {
                g_autofree char *real = real_path(s, parent_dir);
                /* a parent shared by devices is made once */
                if (access(real, F_OK) < 0) {
                        g_autofree char *parent_uevent = g_strconcat(parent_dir, "/uevent", NULL);
                        g_autofree char *text = cls->parent_uevent ? expand(cls->parent_uevent, name)
                                                                   : g_strdup("");
                        struct ck_sysfs_attr *a;
                        if ((r = make_dir(s, parent_dir, error)) < 0 ||
                            !(a = make_const(s, parent_uevent, 0644, d, text, error)) ||
                            (r = make_power(s, parent_dir, d, cls->parent_power, error)) < 0)
                                return r < 0 ? r : s->err;
                        a->builtin_store = uevent_store;
                        if (cls->parent_uevent_show)
                                a->builtin_show = parent_uevent_show;
                        if (cls->parent_is_class_device && (r = add_class_parent(s, parent_dir, class_dir, error)) < 0)
                                return r;
                }
        }
        struct ck_sysfs_attr *uevent;
        if ((r = make_dir(s, dir, error)) < 0 ||
            !make_const(s, dev_path, 0444, d, dev_text, error) ||
            !(uevent = make_const(s, uevent_path, 0644, d, uevent_text, error)) ||
            (r = make_link_to(s, subsystem, class_dir, error)) < 0 ||
            (r = make_power(s, dir, d, 0, error)) < 0 ||
            (r = make_dir(s, class_dir, error)) < 0 ||
            (r = make_link_to(s, class_link, dir, error)) < 0 ||
            (r = make_link_to(s, devt_link, dir, error)) < 0)
                return r < 0 ? r : s->err;
        uevent->builtin_store = uevent_store;
        if (parent_dir) {
                g_autofree char *device_link = g_strconcat(dir, "/device", NULL);
                if ((r = make_link_to(s, device_link, parent_dir, error)) < 0)
                        return r;
        }
        for (size_t i = 0; i < cls->n_entries; i++) {
                const struct ck_sysfs_entry *e = &cls->entries[i];
                if (!e->path || !*e->path)
                        return fail(error, -EINVAL, "entry without a path in class", cls->name);
                g_autofree char *path = entry_path(dir, parent_dir, e->path, name);
                if (!g_str_has_prefix(path, "/sys/") || !path_plain(path))
                        return fail(error, -EINVAL, "entry path", path);
                if ((r = make_entry(s, d, e, path, name, error)) < 0)
                        return r;
        }
        return 0;
}

/* --- the udev database --- */

/* /run/udev/data/cMAJ:MIN as udevd writes it (systemd's device_update_db()):
 * when it was initialized, the properties; libudev takes a device with an
 * entry for initialized. */
static int add_udev_entry(struct ck_sysfs *s, struct ck_device *d, unsigned major, unsigned minor,
                          GError **error)
{
        const struct ck_sysfs_class *cls = d->index->type->sysfs;
        g_autofree char *path = g_strdup_printf(CK_UDEV_DATA_DIR "/c%u:%u", major, minor);
        g_autofree char *real = real_path(s, path);
        g_autofree char *dir = g_path_get_dirname(real);
        g_autoptr(GString) text = g_string_new(NULL);

        g_string_append_printf(text, "I:%" G_GINT64_FORMAT "\n", g_get_monotonic_time());
        cls->udev_properties(d, text);
        g_string_append(text, "V:1\n");
        if (g_mkdir_with_parents(dir, 0755) < 0)
                return fail(error, -errno, "directory", CK_UDEV_DATA_DIR);
        int fd = open(real, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
                return fail(error, -errno, "udev entry", path);
        bool ok = write(fd, text->str, text->len) == (ssize_t)text->len;
        int err = errno;
        close(fd);
        if (!ok)
                return fail(error, err ? -err : -EIO, "udev entry", path);
        g_hash_table_add(s->udev, g_steal_pointer(&path));
        return 0;
}

/* --- merging with the host --- */

static int merge_dir(struct ck_sysfs *s, const char *path, GError **error)
{
        struct stat st;

        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                return 0;
        g_autoptr(GDir) host = g_dir_open(path, 0, NULL);
        if (!host)
                return 0;             /* unreadable: ours alone */
        for (const char *name; (name = g_dir_read_name(host));) {
                g_autofree char *host_path = g_build_filename(path, name, NULL);
                g_autofree char *real = real_path(s, host_path);
                struct stat ours, theirs;
                if (lstat(real, &ours) == 0)
                        continue;             /* ours shadows it */
                if (lstat(host_path, &theirs) < 0)
                        continue;             /* gone meanwhile */
                if (S_ISLNK(theirs.st_mode)) {
                        g_autofree char *text = g_file_read_link(host_path, NULL);
                        if (text && symlink(text, real) < 0)
                                return fail(error, -errno, "link", host_path);
                } else if (S_ISDIR(theirs.st_mode)) {
                        if (mkdir(real, 0700) < 0 || chmod(real, theirs.st_mode & 07777) < 0)
                                return fail(error, -errno, "directory", host_path);
                        g_hash_table_add(s->host, g_steal_pointer(&host_path));
                } else if (S_ISREG(theirs.st_mode)) {
                        int fd = open(real, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
                        if (fd < 0 || fchmod(fd, theirs.st_mode & 07777) < 0) {
                                int err = -errno;
                                if (fd >= 0)
                                        close(fd);
                                return fail(error, err, "file", host_path);
                        }
                        close(fd);
                        g_hash_table_add(s->host, g_steal_pointer(&host_path));
                }
        }
        return 0;
}

/* As much as can go goes: an unreadable placeholder is still an empty directory. */
static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (type == FTW_DP || type == FTW_DNR)
                (void)rmdir(path);
        else
                (void)unlink(path);
        return 0;
}

static void remove_tree(const char *root)
{
        g_autofree char *sys = g_build_filename(root, "sys", NULL);

        (void)nftw(sys, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        g_autofree char *run = g_build_filename(root, "run", NULL);
        (void)nftw(run, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- the object --- */

int ck_sysfs_new(const char *root, struct ck_device *const *devices, size_t n, unsigned major,
                 unsigned first_minor, struct ck_sysfs **ret, GError **error)
{
        g_autoptr(ck_sysfs) s = g_new0(struct ck_sysfs, 1);
        int r;

        if (!root || root[0] != '/')
                return fail(error, -EINVAL, "root", root ? root : "(null)");
        g_autofree char *sys = g_build_filename(root, "sys", NULL);
        struct stat st;
        if (lstat(sys, &st) == 0)
                return fail(error, -EEXIST, "root", root);     /* not ours to remove */
        s->host = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, attr_free);
        s->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->powers = g_ptr_array_new_with_free_func(g_free);
        s->udev = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        s->root = g_strdup(root);
        /* ROOT/sys, ROOT/sys/class and ROOT/sys/dev/char exist even with no device */
        if ((r = make_dir(s, "/sys/class", error)) < 0 || (r = make_dir(s, "/sys/dev/char", error)) < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (!devices[i]->index->type->sysfs)
                        continue;
                if ((r = add_device(s, devices[i], major, first_minor + (unsigned)i, error)) < 0)
                        return r;
                if (devices[i]->index->type->sysfs->udev_properties &&
                    (r = add_udev_entry(s, devices[i], major, first_minor + (unsigned)i, error)) < 0)
                        return r;
        }
        GHashTableIter it;
        const char *dir;
        g_autoptr(GPtrArray) made = g_ptr_array_new();
        g_hash_table_iter_init(&it, s->dirs);
        while (g_hash_table_iter_next(&it, (gpointer *)&dir, NULL))
                g_ptr_array_add(made, (gpointer)dir);
        for (guint i = 0; i < made->len; i++)
                if ((r = merge_dir(s, made->pdata[i], error)) < 0)
                        return r;
        *ret = g_steal_pointer(&s);
        return 0;
}

void ck_sysfs_free(struct ck_sysfs *s)
{
        if (!s)
                return;
        if (s->root)
                remove_tree(s->root);
        if (s->host)
                g_hash_table_unref(s->host);
        if (s->attrs)
                g_hash_table_unref(s->attrs);
        if (s->dirs)
                g_hash_table_unref(s->dirs);
        if (s->powers)
                g_ptr_array_unref(s->powers);
        if (s->udev)
                g_hash_table_unref(s->udev);
        g_free(s->root);
        g_free(s);
}

const char *ck_sysfs_root(const struct ck_sysfs *s)
{
        return s->root;
}

bool ck_sysfs_lookup(const struct ck_sysfs *s, const char *path, char **ret_real, struct stat *ret_st)
{
        struct stat st;

        if (!g_hash_table_contains(s->udev, path) &&
            (strncmp(path, "/sys", 4) != 0 || (path[4] != '\0' && path[4] != '/') ||
             g_hash_table_contains(s->host, path)))
                return false;
        g_autofree char *real = real_path(s, path);
        if (lstat(real, &st) < 0)
                return false;
        if (ret_real)
                *ret_real = g_steal_pointer(&real);
        if (ret_st)
                *ret_st = st;
        return true;
}

const char *ck_sysfs_program_path(const struct ck_sysfs *s, const char *real_path)
{
        size_t n = strlen(s->root);

        if (strncmp(real_path, s->root, n) != 0 || strncmp(real_path + n, "/sys", 4) != 0 ||
            (real_path[n + 4] != '\0' && real_path[n + 4] != '/'))
                return NULL;
        return real_path + n;
}

bool ck_sysfs_is_host(const struct ck_sysfs *s, const char *path)
{
        return g_hash_table_contains(s->host, path);
}

struct ck_sysfs_attr *ck_sysfs_attr_by_stat(const struct ck_sysfs *s, const struct stat *st)
{
        if (!S_ISREG(st->st_mode))
                return NULL;
        g_autofree char *key = inode_key(st->st_dev, st->st_ino);
        return g_hash_table_lookup(s->attrs, key);
}

struct ck_sysfs_attr *ck_sysfs_attr_at(const struct ck_sysfs *s, const char *real_path)
{
        struct stat st;

        if (stat(real_path, &st) < 0)
                return NULL;
        return ck_sysfs_attr_by_stat(s, &st);
}

const char *ck_sysfs_attr_path(const struct ck_sysfs_attr *a)
{
        return a->path;
}

unsigned ck_sysfs_attr_mode(const struct ck_sysfs_attr *a)
{
        return a->mode;
}

struct ck_device *ck_sysfs_attr_device(const struct ck_sysfs_attr *a)
{
        return a->device;
}

int ck_sysfs_attr_open(const struct ck_sysfs_attr *a, int flags, bool privileged)
{
        int acc = flags & O_ACCMODE;

        if (flags & O_PATH)
                return 0;             /* no open of the file itself: nothing checked */
        bool want_read = acc == O_RDONLY || acc == O_RDWR;
        bool want_write = acc == O_WRONLY || acc == O_RDWR;

        /* generic_permission() on a root:root file: the others' bits;
         * access mode 3 asks for both */
        if (!privileged) {
                if ((want_read || acc == 3) && !(a->mode & S_IROTH))
                        return -EACCES;
                if ((want_write || acc == 3 || (flags & O_TRUNC)) && !(a->mode & S_IWOTH))
                        return -EACCES;
        }
        /* kernfs_fop_open(): KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK, root too */
        if (want_write && !(a->mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
                return -EACCES;
        if (want_read && !(a->mode & (S_IRUSR | S_IRGRP | S_IROTH)))
                return -EACCES;
        return 0;
}

ssize_t ck_sysfs_attr_show(struct ck_sysfs_attr *a, char *buf, size_t size)
{
        ssize_t n;

        if (size < CK_SYSFS_PAGE)
                return -EINVAL;
        memset(buf, 0, CK_SYSFS_PAGE);
        if (a->builtin_show)
                n = a->builtin_show(a, buf, CK_SYSFS_PAGE);
        else if (a->entry && a->entry->show)
                n = a->entry->show(a->device, buf, CK_SYSFS_PAGE);
        else if (a->value)
                n = show_text(buf, CK_SYSFS_PAGE, a->value);
        else
                return -EIO;          /* dev_attr_show() without show */
        if (n < 0)
                return n;
        /* sysfs_kf_seq_show(): "try to struggle along" */
        if (n >= (ssize_t)CK_SYSFS_PAGE)
                n = CK_SYSFS_PAGE - 1;
        return n;
}

ssize_t ck_sysfs_attr_store(struct ck_sysfs_attr *a, const void *buf, size_t len)
{
        char page[CK_SYSFS_PAGE + 1];

        len = MIN(len, CK_SYSFS_PAGE);
        if (len == 0)
                return 0;             /* sysfs_kf_write() */
        memcpy(page, buf, len);
        page[len] = '\0';
        if (a->builtin_store)
                return a->builtin_store(a, page, len);
        if (a->entry && a->entry->store)
                return a->entry->store(a->device, page, len);
        return -EIO;                  /* dev_attr_store() without store */
}
