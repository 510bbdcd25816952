/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ck_host: what every hosting program shares (specs, config, settings,
 * state directory, control socket), without a transport. */
#include "atom/atom-abi.h"
#include "control.h"
#include "host.h"
#include "loopback.h"
#include "persist.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char *tmpdir;

static char *tmp_path(const char *name)
{
        return g_build_filename(tmpdir, name, NULL);
}

static char *write_config(const char *name, const char *text)
{
        char *path = tmp_path(name);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        return path;
}

/* Settings are range-checked, the message names option and value. */
static void test_settings(void)
{
        static const struct {
                const char *key, *value, *says;
        } bad[] = {
                { "trace-size", "-1", "--trace-size -1: not a whole number from 0 to 1000000" },
                { "trace-size", "2000000000", "--trace-size 2000000000: not a whole number from 0 to" },
                { "trace-size", "12abc", "--trace-size 12abc: not a whole number" },
                { "state-interval", "-5", "--state-interval -5: not a whole number from 0 to 60000" },
                { "control-mode", "999", "--control-mode 999: not an octal mode" },
                { "state-dir", "", "--state-dir : needs a value" },
        };
        g_autoptr(ck_host) h = NULL;

        g_assert_cmpint(ck_host_new(NULL, &h), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                g_assert_cmpint(ck_host_set(h, bad[i].key, bad[i].value, &error), ==, -EINVAL);
                if (!strstr(error->message, bad[i].says))
                        g_error("%s=%s: '%s' lacks '%s'", bad[i].key, bad[i].value, error->message, bad[i].says);
                g_assert_null(ck_host_get(h, bad[i].key));
        }
        g_autoptr(GError) error = NULL;
        g_assert_cmpint(ck_host_set(h, "majr", "1", &error), ==, -ENOENT);
        g_clear_error(&error);
        g_assert_cmpint(ck_host_set(h, "trace-size", "0", &error), ==, 0);
        g_assert_cmpint(ck_host_set(h, "trace-size", "9", &error), ==, 0);   /* the first stays */
        g_assert_cmpstr(ck_host_get(h, "trace-size"), ==, "0");
}

/* Config files: what is not understood is refused with file, line and key. */
static void test_config_errors(void)
{
        static const struct {
                const char *text, *says;
        } cases[] = {
                { "[devices a]\ntype=atom\n", ":1: unknown group [devices a]" },
                { "[cusekitd]\nmajr=5\n", ":2: [cusekitd]: unknown key 'majr'" },
                { "[cusekitd]\ntrace-size=-1\n", ":2: trace-size=-1: not a whole number from 0 to" },
                { "[device a]\ntype=atom\n\n[device a]\ntype=atom\nvalue=1\n", ":4: [device a] is given twice (first on line 1)" },
                { "[device a]\ntype=atom\nvalue=1\nvalue=0\n", ":4: [device a]: key 'value' is given twice (first on line 3)" },
                { "[device a]\ntype=atom\nvalu=1\n", ":3: [device a]: unknown key 'valu' (atom takes type, value, exclusive)" },
                { "[device a]\ntype=nosuch\n", ":2: [device a]: unknown device type 'nosuch'" },
                { "# c\n[cusekitd]\nmajor=120\n\n[device b]\ntype=atom\nmode=0600\n[other]\n", ":8: unknown group [other]" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(ck_host) h = NULL;
                g_autoptr(GError) error = NULL;
                g_autofree char *path = write_config("bad.conf", cases[i].text);
                g_autofree char *says = g_strconcat(path, cases[i].says, NULL);
                ck_host_new((const char *const[]){ "mode", "group", NULL }, &h);
                g_assert_cmpint(ck_host_load_config(h, path, "cusekitd", (const char *const[]){ "major", NULL }, NULL,
                                                    &error), <, 0);
                if (!strstr(error->message, says))
                        g_error("case %zu: '%s' lacks '%s'", i, error->message, says);
        }

        /* what is understood: settings (the command line's win), own keys, devices */
        g_autoptr(ck_host) h = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GKeyFile) kf = NULL;
        g_autofree char *path = write_config("good.conf", "[cusekitd]\nmajor=121\ntrace-size=7\nstate-interval=5\n"
                                                          "[device a]\ntype=atom\nvalue=1\nmode=0660\n");
        ck_host_new((const char *const[]){ "mode", "group", NULL }, &h);
        g_assert_cmpint(ck_host_set(h, "trace-size", "3", &error), ==, 0);
        g_assert_cmpint(ck_host_load_config(h, path, "cusekitd", (const char *const[]){ "major", NULL }, &kf, &error),
                        ==, 0);
        g_assert_no_error(error);
        g_assert_cmpstr(ck_host_get(h, "trace-size"), ==, "3");
        g_assert_cmpstr(ck_host_get(h, "state-interval"), ==, "5");
        g_assert_cmpint(g_key_file_get_integer(kf, "cusekitd", "major", NULL), ==, 121);
        g_assert_cmpint(ck_host_create_devices(h, &error), ==, 0);
        g_assert_cmpuint(ck_host_n_devices(h), ==, 1);
        g_assert_cmpstr(g_hash_table_lookup(ck_host_spec(h, 0)->params, "mode"), ==, "0660");
}

/* Changes are saved together, off the request path, and at exit. */
static void test_state_coalesced(void)
{
        g_autofree char *dir = tmp_path("state");
        g_autofree char *file = g_build_filename(dir, "atom0.state", NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        struct ck_host *h;

        ck_host_new(NULL, &h);
        g_assert_cmpint(ck_host_set(h, "state-dir", dir, &error), ==, 0);
        g_assert_cmpint(ck_host_set(h, "state-interval", "50", &error), ==, 0);
        g_assert_cmpint(ck_host_add_device(h, "atom:atom0", &error), ==, 0);
        g_assert_cmpint(ck_host_create_devices(h, &error), ==, 0);
        g_assert_cmpint(ck_host_start(h, "none", &error), ==, 0);
        g_assert_no_error(error);

        g_autoptr(ck_loopback) lb = NULL;
        struct atom_state *mem = g_new0(struct atom_state, 1);
        g_assert_cmpint(ck_loopback_new(ck_host_device(h, 0), 0, &lb), ==, 0);
        ck_loopback_expose(lb, mem, sizeof(*mem));
        for (int i = 0; i < 1000; i++) {
                mem->value = (unsigned)(i & 1);
                g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(ATOM_SET), (uint64_t)(uintptr_t)mem), ==, 0);
        }
        /* nothing written on the request path */
        g_assert_cmpuint(ck_host_state_writes(h), ==, 0);
        g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
        /* one file, once the interval has passed */
        gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
        while (ck_host_state_writes(h) == 0 && g_get_monotonic_time() < until)
                g_main_context_iteration(NULL, TRUE);
        g_assert_cmpuint(ck_host_state_writes(h), ==, 1);
        g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
        g_assert_nonnull(strstr(text, "value=true"));
        g_clear_pointer(&text, g_free);

        /* the last change before exit is not lost */
        mem->value = 0;
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(ATOM_SET), (uint64_t)(uintptr_t)mem), ==, 0);
        g_clear_pointer(&lb, ck_loopback_free);
        ck_host_free(h);
        g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
        g_assert_nonnull(strstr(text, "value=false"));
        g_free(mem);
}

/* A state directory made for a run that never got going is removed again. */
static void test_state_dir_left_clean(void)
{
        g_autofree char *dir = tmp_path("unused-state");
        g_autoptr(GError) error = NULL;
        struct ck_host *h;

        ck_host_new(NULL, &h);
        ck_host_set(h, "state-dir", dir, &error);
        ck_host_add_device(h, "atom:atom0", &error);
        g_assert_cmpint(ck_host_create_devices(h, &error), ==, 0);
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));   /* nothing on disk before start */
        g_assert_cmpint(ck_host_start(h, "none", &error), ==, 0);
        g_assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
        ck_host_free(h);
        g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

/* --control-socket PATH never removes what is not a dead daemon's socket. */
static void test_control_socket_path(void)
{
        g_autofree char *path = tmp_path("control.sock");
        g_autoptr(GPtrArray) devices = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        struct ck_control *c = NULL;
        g_autofree char *text = NULL;

        /* a regular file: refused, and kept */
        g_assert_true(g_file_set_contents(path, "precious", -1, NULL));
        g_assert_cmpint(ck_control_new(path, 0600, (uid_t)-1, devices, NULL, &c, &error), ==, -EEXIST);
        g_assert_nonnull(strstr(error->message, "not a socket"));
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_assert_cmpstr(text, ==, "precious");
        g_clear_error(&error);
        /* a symlink to the file: the same */
        g_autofree char *link = tmp_path("link.sock");
        g_assert_cmpint(symlink(path, link), ==, 0);
        g_assert_cmpint(ck_control_new(link, 0600, (uid_t)-1, devices, NULL, &c, &error), ==, -EEXIST);
        g_clear_error(&error);
        struct stat st;
        g_assert_cmpint(lstat(link, &st), ==, 0);
        g_assert_true(S_ISLNK(st.st_mode));
        unlink(path);
        unlink(link);

        /* a socket somebody listens on: in use, kept */
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
        g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        g_assert_cmpint(listen(fd, 1), ==, 0);
        g_assert_cmpint(ck_control_new(path, 0600, (uid_t)-1, devices, NULL, &c, &error), ==, -EADDRINUSE);
        g_clear_error(&error);
        /* the same socket, its daemon gone: replaced */
        close(fd);
        g_assert_cmpint(lstat(path, &st), ==, 0);
        g_assert_cmpint(ck_control_new(path, 0600, (uid_t)-1, devices, NULL, &c, &error), ==, 0);
        g_assert_no_error(error);
        ck_control_free(c);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        tmpdir = g_dir_make_tmp("cusekit-host-XXXXXX", NULL);
        g_test_add_func("/host/settings", test_settings);
        g_test_add_func("/host/config-errors", test_config_errors);
        g_test_add_func("/host/state-coalesced", test_state_coalesced);
        g_test_add_func("/host/state-dir-left-clean", test_state_dir_left_clean);
        g_test_add_func("/host/control-socket-path", test_control_socket_path);
        int r = g_test_run();
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
                r = 1;
        return r;
}
