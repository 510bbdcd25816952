/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Paths as a program under `cusekit run` sees them: the emulated nodes
 * whether or not the host has them, symlinks followed as namei follows
 * them (into the nodes too), and everything else the host's. */
#include "resolve.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

struct fixture {
        GPtrArray *devices;
        struct ck_resolver *r;
        char *dir;          /* a scratch directory with links */
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        struct ck_device *d;

        g_assert_cmpint(ck_device_new("atom", "atom0", NULL, &d, &error), ==, 0);
        fx->devices = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_free);
        g_ptr_array_add(fx->devices, d);
        fx->r = ck_resolver_new(NULL, fx->devices);
        fx->dir = g_dir_make_tmp("test-resolve-XXXXXX", &error);
        g_assert_no_error(error);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GDir) dir = g_dir_open(fx->dir, 0, NULL);
        const char *name;
        while ((name = g_dir_read_name(dir))) {
                g_autofree char *p = g_build_filename(fx->dir, name, NULL);
                g_unlink(p);
        }
        g_rmdir(fx->dir);
        g_free(fx->dir);
        ck_resolver_free(fx->r);
        g_ptr_array_unref(fx->devices);
}

static char *in_dir(struct fixture *fx, const char *name)
{
        return g_build_filename(fx->dir, name, NULL);
}

static void link_in_dir(struct fixture *fx, const char *name, const char *target)
{
        g_autofree char *p = in_dir(fx, name);
        g_assert_cmpint(symlink(target, p), ==, 0);
}

/* Resolves and checks the kind; returns the resolved program path. */
static char *resolve(struct fixture *fx, const char *base, const char *path, bool follow,
                     enum ck_resolved_kind want)
{
        struct ck_resolved res = { 0 };

        g_assert_cmpint(ck_resolver_resolve(fx->r, base, path, follow, &res), ==, 0);
        g_assert_cmpint(res.kind, ==, want);
        if (want == CK_RESOLVED_DEVICE)
                g_assert_true(res.device == fx->devices->pdata[0]);
        char *p = g_steal_pointer(&res.path);
        ck_resolved_clear(&res);
        return p;
}

static void test_node_paths(struct fixture *fx, gconstpointer data)
{
        const char *paths[] = { "/dev/atom0", "/dev/./atom0", "//dev//atom0", "/dev/../dev/atom0", "/../dev/atom0" };

        for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
                g_autofree char *p = resolve(fx, "/", paths[i], true, CK_RESOLVED_DEVICE);
                g_assert_cmpstr(p, ==, "/dev/atom0");
                g_assert_true(ck_resolver_maybe_ours(fx->r, "/", paths[i]));
        }
        /* relative to a directory, as openat(dirfd) and the cwd give it */
        g_autofree char *p = resolve(fx, "/dev", "atom0", true, CK_RESOLVED_DEVICE);
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/dev", "atom0"));
        g_autofree char *q = resolve(fx, "/usr/lib", "../../dev/atom0", true, CK_RESOLVED_DEVICE);
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/usr/lib", "../../dev/atom0"));
}

static void test_links_to_nodes(struct fixture *fx, gconstpointer data)
{
        link_in_dir(fx, "direct", "/dev/atom0");
        link_in_dir(fx, "chained", "direct");
        link_in_dir(fx, "devdir", "/dev");
        g_autofree char *direct = in_dir(fx, "direct");
        g_autofree char *chained = in_dir(fx, "chained");
        g_autofree char *via_dir = in_dir(fx, "devdir/atom0");

        g_free(resolve(fx, "/", direct, true, CK_RESOLVED_DEVICE));
        g_free(resolve(fx, "/", chained, true, CK_RESOLVED_DEVICE));
        g_free(resolve(fx, "/", via_dir, true, CK_RESOLVED_DEVICE));
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/", direct));
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/", chained));
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/", via_dir));
        g_assert_true(ck_resolver_maybe_ours(fx->r, fx->dir, "chained"));
        /* O_NOFOLLOW, lstat: the link itself, a host file */
        g_autofree char *self = resolve(fx, "/", direct, false, CK_RESOLVED_HOST);
        g_assert_cmpstr(self, ==, direct);
        /* a trailing slash follows even then (and a node is no directory) */
        g_autofree char *slashed = g_strconcat(direct, "/", NULL);
        struct ck_resolved res = { 0 };
        g_assert_cmpint(ck_resolver_resolve(fx->r, "/", slashed, false, &res), ==, 0);
        g_assert_cmpint(res.kind, ==, CK_RESOLVED_DEVICE);
        ck_resolved_clear(&res);
}

static void test_errors(struct fixture *fx, gconstpointer data)
{
        struct ck_resolved res = { 0 };

        g_assert_cmpint(ck_resolver_resolve(fx->r, "/", "/dev/atom0/x", true, &res), ==, -ENOTDIR);
        link_in_dir(fx, "a", "b");
        link_in_dir(fx, "b", "a");
        g_autofree char *loop = in_dir(fx, "a");
        g_assert_cmpint(ck_resolver_resolve(fx->r, "/", loop, true, &res), ==, -ELOOP);
        g_autofree char *long_path = g_strnfill(PATH_MAX, 'x');
        g_assert_cmpint(ck_resolver_resolve(fx->r, "/", long_path, true, &res), ==, -ENAMETOOLONG);
}

static void test_host_paths(struct fixture *fx, gconstpointer data)
{
        /* the common case costs no walk: not ours by name, no link */
        g_assert_false(ck_resolver_maybe_ours(fx->r, "/", "/etc/hostname"));
        g_assert_false(ck_resolver_maybe_ours(fx->r, "/etc", "hostname"));
        g_autofree char *p = resolve(fx, "/", "/etc/./hostname", true, CK_RESOLVED_HOST);
        g_assert_cmpstr(p, ==, "/etc/hostname");
        /* a name that is a node's elsewhere still needs the walk, and is the host's */
        g_autofree char *elsewhere = in_dir(fx, "atom0");
        g_assert_true(ck_resolver_maybe_ours(fx->r, "/", elsewhere));
        g_autofree char *q = resolve(fx, "/", elsewhere, true, CK_RESOLVED_HOST);
        g_assert_cmpstr(q, ==, elsewhere);
        /* a link to a host file */
        link_in_dir(fx, "to-etc", "/etc/hostname");
        g_autofree char *to_etc = in_dir(fx, "to-etc");
        g_autofree char *r = resolve(fx, "/", to_etc, true, CK_RESOLVED_HOST);
        g_assert_cmpstr(r, ==, "/etc/hostname");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define T(name, fn) g_test_add(name, struct fixture, NULL, setup, fn, teardown)
        T("/resolve/node-paths", test_node_paths);
        T("/resolve/links-to-nodes", test_links_to_nodes);
        T("/resolve/errors", test_errors);
        T("/resolve/host-paths", test_host_paths);
        return g_test_run();
}
