/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device specs and cusekitd's answers to bad command lines (on the host,
 * which has no CUSE: that answer is checked for real too). */
#include "spec.h"

#include <string.h>
#include <unistd.h>

static void test_parse(void)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(ck_device_spec) spec = ck_device_spec_parse("atom:input/event7,value=1,mode=0660", &error);

        g_assert_no_error(error);
        g_assert_cmpstr(spec->type, ==, "atom");
        g_assert_cmpstr(spec->name, ==, "input/event7");
        g_assert_cmpstr(g_hash_table_lookup(spec->params, "value"), ==, "1");
        g_assert_cmpstr(g_hash_table_lookup(spec->params, "mode"), ==, "0660");
        g_assert_cmpuint(g_hash_table_size(spec->params), ==, 2);

        g_autoptr(ck_device_spec) list = ck_device_spec_parse("i2c:i2c-7,chip=24c02@0x50,chip=lm75@0x48", &error);
        g_assert_no_error(error);
        g_assert_cmpstr(g_hash_table_lookup(list->params, "chip"), ==, "24c02@0x50;lm75@0x48");
}

static void test_parse_errors(void)
{
        static const struct {
                const char *spec;
                const char *says;
        } cases[] = {
                { "atom", "expected TYPE:NAME" },
                { ":atom0", "expected TYPE:NAME" },
                { "atom:", "is not a device name" },
                { "atom:/abs", "is not a device name" },
                { "atom:a/../b", "is not a device name" },
                { "atom:sp ace", "is not a device name" },
                { "atom:a0,novalue", "'novalue' is not key=value" },
                { "atom:a0,=1", "'=1' is not key=value" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(ck_device_spec) spec = ck_device_spec_parse(cases[i].spec, &error);
                g_assert_null(spec);
                g_assert_nonnull(error);
                g_assert_nonnull(strstr(error->message, cases[i].spec));   /* names the spec */
                if (!strstr(error->message, cases[i].says))
                        g_error("'%s': message '%s' lacks '%s'", cases[i].spec, error->message, cases[i].says);
        }
}

static void test_keyfile(void)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) error = NULL;
        const char *text = "[cusekitd]\nmajor=120\n\n[device atom0]\ntype=atom\nvalue=1\n\n"
                           "[device sub/x]\ntype=atom-flat\n";

        g_assert_true(g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, NULL));
        g_autoptr(GPtrArray) specs = ck_device_specs_from_keyfile(kf, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(specs->len, ==, 2);
        struct ck_device_spec *a = specs->pdata[0], *b = specs->pdata[1];
        g_assert_cmpstr(a->name, ==, "atom0");
        g_assert_cmpstr(a->type, ==, "atom");
        g_assert_cmpstr(g_hash_table_lookup(a->params, "value"), ==, "1");
        g_assert_cmpstr(b->name, ==, "sub/x");
        g_assert_cmpstr(b->type, ==, "atom-flat");

        g_autoptr(GKeyFile) bad = g_key_file_new();
        g_assert_true(g_key_file_load_from_data(bad, "[device x]\nvalue=1\n", -1, G_KEY_FILE_NONE, NULL));
        g_assert_null(ck_device_specs_from_keyfile(bad, &error));
        g_assert_nonnull(strstr(error->message, "[device x]: needs type=TYPE"));
}

/* Runs cusekitd; returns its exit status and stderr. */
static int run_daemon(const char *const *args, char **ret_err)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        int status;

        g_ptr_array_add(argv, (char *)g_getenv("CUSEKITD"));
        for (; *args; args++)
                g_ptr_array_add(argv, (char *)*args);
        g_ptr_array_add(argv, NULL);
        g_autofree char *out = NULL;   /* kept off our TAP stream */
        g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   ret_err, &status, &error));
        g_assert_no_error(error);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_daemon_command_line(void)
{
        g_autofree char *err = NULL;

        g_assert_cmpint(run_daemon((const char *[]){ "--help", NULL }, &err), ==, 0);
        g_assert_cmpstr(err, ==, "");
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ NULL }, &err), ==, 1);
        g_assert_nonnull(strstr(err, "no devices"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ "--device", "atom0", NULL }, &err), ==, 1);
        g_assert_nonnull(strstr(err, "bad device spec 'atom0'"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ "--device", "nosuch:x0", NULL }, &err), ==, 1);
        g_assert_nonnull(strstr(err, "unknown device type 'nosuch'"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ "-d", "atom:a", "-d", "atom:a", NULL }, &err), ==, 1);
        g_assert_nonnull(strstr(err, "'a' is given twice"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ "--mode", "999", "-d", "atom:a", NULL }, &err), ==, 1);
        g_assert_nonnull(strstr(err, "--mode 999"));
        g_clear_pointer(&err, g_free);
        g_assert_cmpint(run_daemon((const char *[]){ "-d", "atom:a", "--cuse-path", "/nonexistent/cuse", NULL },
                                   &err), ==, 1);
        g_assert_nonnull(strstr(err, "/nonexistent/cuse does not exist: this kernel has no CUSE"));
        g_clear_pointer(&err, g_free);

        /* past libfuse's one pthread key per session: refused before any channel opens */
        g_autoptr(GString) conf = g_string_new("[cusekitd]\nmajor=116\n");
        for (int i = 0; i < 1100; i++)
                g_string_append_printf(conf, "[device m/a%d]\ntype=atom\n", i);
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("cusekit-many-XXXXXX.conf", &path, NULL);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
        g_assert_true(g_file_set_contents(path, conf->str, -1, NULL));
        g_assert_cmpint(run_daemon((const char *[]){ "--config", path, "--cuse-path", "/dev/null", NULL }, &err),
                        ==, 1);
        g_assert_nonnull(strstr(err, "1100 devices asked for, but one process can host at most"));
        unlink(path);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/spec/parse", test_parse);
        g_test_add_func("/spec/parse-errors", test_parse_errors);
        g_test_add_func("/spec/keyfile", test_keyfile);
        g_test_add_func("/daemon/command-line", test_daemon_command_line);
        return g_test_run();
}
