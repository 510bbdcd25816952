/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module loader: a module's types served by this program's pipeline,
 * and every refusal, each for its reason.  The tests run in order in one
 * process: what loaded stays loaded. */
#include "loopback.h"

#include "../../examples/counter/counter-abi.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

static char *module(const char *name)
{
        g_autofree char *path = g_build_filename(g_getenv("CK_TEST_MODULE_DIR"), name, NULL);

        return g_canonicalize_filename(path, NULL);
}

static void assert_refused(const char *name, int expected, const char *why)
{
        g_autofree char *path = module(name);
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_registry_load_module(path, &error), ==, -expected);
        g_assert_error(error, CK_ERROR, expected);
        g_test_message("%s", error->message);
        g_assert_nonnull(strstr(error->message, why));
}

static void test_load_and_serve(void)
{
        g_autofree char *path = module("counter.so");
        g_autoptr(GError) error = NULL;

        g_assert_null(ck_registry_find("counter"));
        g_assert_cmpint(ck_registry_load_module(path, &error), ==, 1);
        g_assert_no_error(error);
        const struct ck_type_index *t = ck_registry_find("counter");
        g_assert_nonnull(t);
        g_assert_cmpstr(t->origin, ==, path);
        g_assert_true(t->unrestricted);   /* COUNTER_ADD_BATCH is nested */

        /* the module's handlers, this program's pipeline and transport */
        g_autoptr(ck_device) d = NULL;
        g_autoptr(ck_loopback) lb = NULL;
        g_assert_cmpint(ck_device_new("counter", "counter0", NULL, &d, &error), ==, 0);
        g_assert_cmpint(ck_loopback_new(d, O_RDWR, &lb), ==, 0);
        struct {
                struct counter_value v;
                struct counter_batch b;
                __u64 steps[2];
        } mem = { .v.value = 40, .steps = { 1, 1 } };
        ck_loopback_expose(lb, &mem, sizeof(mem));
        g_assert_cmpint(ck_loopback_ioctl(lb, CK_REQUEST(COUNTER_SET), (uintptr_t)&mem.v), ==, 0);
        mem.b = (struct counter_batch){ .steps = (uintptr_t)mem.steps, .count = 2 };
        g_assert_cmpint(ck_loopback_ioctl(lb, CK_REQUEST(COUNTER_ADD_BATCH), (uintptr_t)&mem.b), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(lb), ==, 3);
        mem.v.value = 0;
        g_assert_cmpint(ck_loopback_ioctl(lb, CK_REQUEST(COUNTER_GET), (uintptr_t)&mem.v), ==, 0);
        g_assert_cmpuint(mem.v.value, ==, 42);
        mem.b.count = 0;
        g_assert_cmpint(ck_loopback_ioctl(lb, CK_REQUEST(COUNTER_ADD_BATCH), (uintptr_t)&mem.b), ==, -EINVAL);
}

static void test_loaded_twice(void)
{
        assert_refused("counter.so", EEXIST, "already loaded");
        g_assert_nonnull(ck_registry_find("counter"));
}

static void test_name_taken_by_builtin(void)
{
        /* devices/atom/atom.c built as a module: atom and atom-flat are linked in */
        assert_refused("atom.so", EEXIST, "device type 'atom' is already registered (built in)");
        g_assert_null(ck_registry_find("atom")->origin);
}

static void test_name_taken_by_module(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *good = module("mod-good.so");
        g_autofree char *copy = g_build_filename(g_get_tmp_dir(), "ck-test-module-XXXXXX", NULL);
        g_autofree char *contents = NULL;
        gsize len;

        g_assert_cmpint(ck_registry_load_module(good, &error), ==, 1);
        g_assert_no_error(error);
        /* the same module under another name: a second 'modtest' */
        g_assert_true(g_file_get_contents(good, &contents, &len, NULL));
        int fd = g_mkstemp(copy);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
        g_assert_true(g_file_set_contents(copy, contents, (gssize)len, NULL));
        g_assert_cmpint(ck_registry_load_module(copy, &error), ==, -EEXIST);
        g_assert_nonnull(strstr(error->message, "'modtest' is already registered (by "));
        g_assert_nonnull(strstr(error->message, good));
        g_assert_cmpstr(ck_registry_find("modtest")->origin, ==, good);
        g_unlink(copy);
}

static void test_other_api_version(void)
{
        assert_refused("mod-wrong-api.so", EPROTO, "built for cusekit device API 99, but this program speaks API 1");
        g_assert_null(ck_registry_find("modtest-bad"));
}

static void test_same_name_twice_in_one_module(void)
{
        assert_refused("mod-twice.so", EEXIST, "registers device type 'modtest-bad' twice");
        g_assert_null(ck_registry_find("modtest-bad"));
}

static void test_broken_table(void)
{
        assert_refused("mod-same-number.so", EINVAL, "MODTEST_GET and MODTEST_SET have the same request number 0x8004d901");
        g_assert_null(ck_registry_find("modtest-bad"));
}

static void test_not_a_module(void)
{
        assert_refused("mod-plain.so", ENOEXEC, "not a cusekit module: it registers no device type");
        assert_refused("meson-generated-not-there.so", ENOENT, "No such file or directory");

        /* not a shared object at all */
        g_autoptr(GError) error = NULL;
        g_autofree char *text = g_build_filename(g_get_tmp_dir(), "ck-test-text-XXXXXX", NULL);
        int fd = g_mkstemp(text);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(write(fd, "hello\n", 6), ==, 6);
        close(fd);
        g_assert_cmpint(ck_registry_load_module(text, &error), ==, -ENOEXEC);
        g_assert_nonnull(strstr(error->message, "not a loadable module"));
        g_unlink(text);
}

static void test_default_directories(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("ck-test-modules-XXXXXX", NULL);
        g_autofree char *plain = module("mod-plain.so");
        g_autofree char *bad = g_build_filename(dir, "mod-plain.so", NULL);
        g_autofree char *readme = g_build_filename(dir, "README", NULL);

        g_setenv("CUSEKIT_MODULE_PATH", "", TRUE);
        g_assert_cmpint(ck_registry_load_default_modules(&error), ==, 0);
        g_assert_no_error(error);
        g_setenv("CUSEKIT_MODULE_PATH", "/nonexistent/cusekit:", TRUE);
        g_assert_cmpint(ck_registry_load_default_modules(&error), ==, 0);
        g_assert_no_error(error);

        /* only *.so count; a refused one stops the load with its reason */
        g_assert_true(g_file_set_contents(readme, "not a module\n", -1, NULL));
        g_setenv("CUSEKIT_MODULE_PATH", dir, TRUE);
        g_assert_cmpint(ck_registry_load_default_modules(&error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(symlink(plain, bad), ==, 0);
        g_assert_cmpint(ck_registry_load_default_modules(&error), ==, -ENOEXEC);
        g_assert_nonnull(strstr(error->message, "not a cusekit module"));
        g_unlink(bad);
        g_unlink(readme);
        g_rmdir(dir);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_set_nonfatal_assertions();
        g_test_add_func("/module/load-and-serve", test_load_and_serve);
        g_test_add_func("/module/loaded-twice", test_loaded_twice);
        g_test_add_func("/module/name-taken-by-builtin", test_name_taken_by_builtin);
        g_test_add_func("/module/name-taken-by-module", test_name_taken_by_module);
        g_test_add_func("/module/other-api-version", test_other_api_version);
        g_test_add_func("/module/same-name-twice-in-one-module", test_same_name_twice_in_one_module);
        g_test_add_func("/module/broken-table", test_broken_table);
        g_test_add_func("/module/not-a-module", test_not_a_module);
        g_test_add_func("/module/default-directories", test_default_directories);
        return g_test_run();
}
