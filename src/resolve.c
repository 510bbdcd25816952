/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "resolve.h"
#include "sysfs.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fs/namei.c: MAXSYMLINKS */
#define MAX_SYMLINKS 40

struct ck_resolver {
        const struct ck_sysfs *sysfs;  /* NULL: no overlay */
        char *overlay;                 /* its root */
        size_t overlay_len;
        GHashTable *nodes;             /* "/dev/NAME" -> struct ck_device * */
        GHashTable *basenames;         /* last component of each node path */
};

void ck_resolved_clear(struct ck_resolved *r)
{
        g_clear_pointer(&r->path, g_free);
        g_clear_pointer(&r->real, g_free);
        r->device = NULL;
}

struct ck_resolver *ck_resolver_new(const struct ck_sysfs *sysfs, GPtrArray *devices)
{
        struct ck_resolver *r = g_new0(struct ck_resolver, 1);

        if (sysfs) {
                r->sysfs = sysfs;
                r->overlay = g_strdup(ck_sysfs_root(sysfs));
                r->overlay_len = strlen(r->overlay);
        }
        r->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        r->basenames = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < devices->len; i++) {
                struct ck_device *d = devices->pdata[i];
                g_hash_table_insert(r->nodes, g_strconcat("/dev/", ck_device_node(d), NULL), d);
                g_hash_table_add(r->basenames, g_path_get_basename(ck_device_node(d)));
        }
        return r;
}

void ck_resolver_free(struct ck_resolver *r)
{
        if (!r)
                return;
        g_free(r->overlay);
        g_hash_table_unref(r->nodes);
        g_hash_table_unref(r->basenames);
        g_free(r);
}

static bool under(const char *path, const char *dir, size_t len)
{
        return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

static const char *last_component(const char *path)
{
        size_t n = strlen(path);

        while (n > 1 && path[n - 1] == '/')
                n--;
        const char *end = path + n;
        const char *p = end;
        while (p > path && p[-1] != '/')
                p--;
        return p;
}

bool ck_resolver_maybe_ours(const struct ck_resolver *r, const char *base, const char *path)
{
        const char *dir = path[0] == '/' ? path : base;

        if (under(dir, "/dev", 4) || under(dir, "/sys", 4) || (r->overlay && under(dir, r->overlay, r->overlay_len)) ||
            (r->overlay && under(dir, CK_UDEV_DATA_DIR, strlen(CK_UDEV_DATA_DIR))))
                return true;
        if (path[0] != '/' && (under(path, "..", 2)))
                return true;          /* may climb into /dev or /sys */

        /* The last component names a node, or is a link that may lead to one. */
        const char *last = last_component(path);
        size_t len = strcspn(last, "/");
        g_autofree char *name = g_strndup(last, len);
        if (g_hash_table_contains(r->basenames, name))
                return true;

        g_autofree char *full = path[0] == '/' ? NULL : g_build_filename(base, path, NULL);
        /* (A link in a directory component matters only when the last
         * component is a node's name, which is tested above.) */
        struct stat st;
        return lstat(full ? full : path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* The overlay object standing for program path @path, if any. */
static char *overlay_real(const struct ck_resolver *r, const char *path, struct stat *st)
{
        /* placeholders stand for the host's own entries, and all below them */
        char *real = NULL;
        if (!r->overlay || !ck_sysfs_lookup(r->sysfs, path, &real, st))
                return NULL;
        return real;
}

static void pop_component(GString *p)
{
        char *slash = strrchr(p->str, '/');

        g_string_truncate(p, slash && slash != p->str ? (gsize)(slash - p->str) : 1);
}

int ck_resolver_resolve(const struct ck_resolver *r, const char *base, const char *path, bool follow,
                        struct ck_resolved *ret)
{
        if (strlen(path) >= PATH_MAX)
                return -ENAMETOOLONG;

        /* A directory inside the overlay is what the program sees it stand for. */
        g_autoptr(GString) cur = g_string_new(NULL);
        bool via_overlay = false;
        if (path[0] != '/') {
                /* relative to a directory we injected: the kernel would walk the
                 * overlay's copy, so whatever this leads to is done for it */
                via_overlay = r->overlay && under(base, r->overlay, r->overlay_len);
                if (via_overlay)
                        g_string_assign(cur, base[r->overlay_len] ? base + r->overlay_len : "/");
                else
                        g_string_assign(cur, base);
        } else {
                g_string_assign(cur, "/");
        }

        /* What is left to walk, as a stack of whole paths: a link's target
         * is walked before the rest of the path that led to it. */
        g_autoptr(GString) rest = g_string_new(path);
        unsigned links = 0;
        struct ck_device *device = NULL;

        while (rest->len) {
                /* next component */
                gsize skip = 0;
                while (skip < rest->len && rest->str[skip] == '/')
                        skip++;
                g_string_erase(rest, 0, (gssize)skip);
                if (!rest->len)
                        break;
                gsize len = strcspn(rest->str, "/");
                g_autofree char *comp = g_strndup(rest->str, len);
                g_string_erase(rest, 0, (gssize)len);
                bool last = strspn(rest->str, "/") == rest->len;

                if (device)
                        return -ENOTDIR;      /* a char device has no entries */
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        pop_component(cur);
                        continue;
                }
                if (cur->len > 1)
                        g_string_append_c(cur, '/');
                g_string_append(cur, comp);

                struct ck_device *d = g_hash_table_lookup(r->nodes, cur->str);
                if (d) {
                        device = d;
                        continue;
                }

                struct stat st;
                g_autofree char *real = overlay_real(r, cur->str, &st);
                if (real)
                        via_overlay = true;
                else if (lstat(cur->str, &st) < 0)
                        continue;      /* does not exist: the caller's call finds out */
                /* a trailing slash follows a last link as namei does */
                if (!S_ISLNK(st.st_mode) || (last && !follow && rest->len == 0))
                        continue;
                if (++links > MAX_SYMLINKS)
                        return -ELOOP;

                char target[PATH_MAX];
                ssize_t n = readlink(real ? real : cur->str, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = '\0';
                pop_component(cur);
                if (target[0] == '/')
                        g_string_assign(cur, "/");
                g_string_prepend_c(rest, '/');
                g_string_prepend(rest, target);
        }

        struct stat st;
        g_autofree char *real = device ? NULL : overlay_real(r, cur->str, &st);
        *ret = (struct ck_resolved){
                .kind = device ? CK_RESOLVED_DEVICE : real ? CK_RESOLVED_OVERLAY : CK_RESOLVED_HOST,
                .path = g_strdup(cur->str),
                .real = device ? NULL : real ? g_steal_pointer(&real) : g_strdup(cur->str),
                .device = device,
                .via_overlay = via_overlay || (real != NULL),
        };
        if (ret->kind == CK_RESOLVED_OVERLAY)
                ret->via_overlay = true;
        return 0;
}
