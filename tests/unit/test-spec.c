/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device specs and cusekitd's answers to bad command lines (on the host,
 * which has no CUSE: that answer is checked for real too). */
#include "cusekit-private.h"
#include "spec.h"

#include <errno.h>
#include <glib/gstdio.h>

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
        g_assert_cmpstr(g_hash_table_lookup(list->params, "chip"), ==, "24c02@0x50" CK_LIST_SEPARATOR "lm75@0x48");

        /* quoting: ',' and ';' inside quotes are the value's; an unquoted ';' separates items */
        g_autoptr(ck_device_spec) quoted = ck_device_spec_parse(
                "i2c:i2c-7,chip=\"24c02@0x50:file=/tmp/a,b;c\";lm75@0x48,x=\"say \\\"hi\\\"\"", &error);
        g_assert_no_error(error);
        g_assert_cmpstr(g_hash_table_lookup(quoted->params, "chip"), ==,
                        "24c02@0x50:file=/tmp/a,b;c" CK_LIST_SEPARATOR "lm75@0x48");
        g_assert_cmpstr(g_hash_table_lookup(quoted->params, "x"), ==, "say \"hi\"");

        /* a config file's lists, and its \; for a ';' in a value */
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_assert_true(g_key_file_load_from_data(kf, "[device i2c-7]\ntype=i2c\nchip=24c02@0x50:file=/a\\;b;lm75@0x48\n",
                                                -1, G_KEY_FILE_NONE, NULL));
        g_autoptr(GPtrArray) specs = ck_device_specs_from_keyfile(kf, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(g_hash_table_lookup(((struct ck_device_spec *)specs->pdata[0])->params, "chip"), ==,
                        "24c02@0x50:file=/a;b" CK_LIST_SEPARATOR "lm75@0x48");

        /* one value given twice: said without the internal separator */
        g_autoptr(ck_device_spec) twice = ck_device_spec_parse("atom:a0,value=1,value=0", &error);
        struct ck_device *d = NULL;
        g_assert_cmpint(ck_device_new("atom", "a0", twice->params, &d, &error), ==, -EINVAL);
        g_assert_cmpstr(error->message, ==, "atom: 'value' takes one value, but is given 2: '1', '0'");
        g_clear_error(&error);
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
                { "atom:a0,value=\"1", "a quote is not closed" },
                { "atom:a0,value=\"1,x=2", "a quote is not closed" },
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

/* Runs cusekitd with @args (NULL-terminated); expects exit 1 and @says on stderr. */
static void expect_refused(const char *says, const char *const *args)
{
        g_autofree char *err = NULL;
        int rc = run_daemon(args, &err);
        if (rc != 1 || !strstr(err, says)) {
                g_autofree char *cmd = g_strjoinv(" ", (char **)args);
                g_error("cusekitd %s: exit %d, '%s' lacks '%s'", cmd, rc, err, says);
        }
}

static char *config_file(const char *dir, const char *text)
{
        char *path = g_build_filename(dir, "c.conf", NULL);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        return path;
}

/* Every number is range-checked, naming option and value (before the
 * missing CUSE channel is even looked at). */
static void test_daemon_numbers(void)
{
        g_autofree char *dir = g_dir_make_tmp("cusekit-spec-XXXXXX", NULL);
#define NOCUSE "-d", "atom:a", "--cuse-path", "/nonexistent/cuse"
        expect_refused("--major -5: not a whole number from 0 to 4095", (const char *[]){ "--major", "-5", NOCUSE, NULL });
        expect_refused("--major abc: not a whole number", (const char *[]){ "--major", "abc", NOCUSE, NULL });
        expect_refused("--major 4096: not a whole number", (const char *[]){ "--major", "4096", NOCUSE, NULL });
        expect_refused("--first-minor 2147483647: not a whole number from 0 to 1048575",
                       (const char *[]){ "--first-minor", "2147483647", NOCUSE, NULL });
        expect_refused("--first-minor 1048575: 2 devices from there pass the last minor",
                       (const char *[]){ "--first-minor", "1048575", "-d", "atom:b", NOCUSE, NULL });
        expect_refused("--trace-size -1: not a whole number from 0 to 1000000",
                       (const char *[]){ "--trace-size", "-1", NOCUSE, NULL });
        expect_refused("--trace-size 2000000000: not a whole number",
                       (const char *[]){ "--trace-size", "2000000000", NOCUSE, NULL });
        g_autofree char *conf = config_file(dir, "[cusekitd]\nmajor=abc\n");
        expect_refused("--major abc: not a whole number", (const char *[]){ "--config", conf, NOCUSE, NULL });
        g_autofree char *conf2 = config_file(dir, "[cusekitd]\ntrace-size=-1\n");
        g_autofree char *says = g_strdup_printf("%s:2: trace-size=-1: not a whole number", conf2);
        expect_refused(says, (const char *[]){ "--config", conf2, NOCUSE, NULL });
        unlink(conf2);
        g_rmdir(dir);
}

/* Config files: unknown groups and keys, and repeats, are refused with file and line. */
static void test_daemon_config(void)
{
        g_autofree char *dir = g_dir_make_tmp("cusekit-spec-XXXXXX", NULL);
        static const struct {
                const char *text, *says;
        } cases[] = {
                { "[devices a]\ntype=atom\n", ":1: unknown group [devices a]" },
                { "[cusekitd]\nmajr=5\n", ":2: [cusekitd]: unknown key 'majr'" },
                { "[device a]\ntype=atom\n[device a]\ntype=atom\n", ":3: [device a] is given twice (first on line 1)" },
                { "[device a]\ntype=atom\nvalu=1\n", ":3: [device a]: unknown key 'valu'" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *conf = config_file(dir, cases[i].text);
                g_autofree char *says = g_strconcat(conf, cases[i].says, NULL);
                expect_refused(says, (const char *[]){ "--config", conf, "--cuse-path", "/nonexistent/cuse", NULL });
                unlink(conf);
        }
        expect_refused("atom: 'value' takes one value, but is given 2: '1', '0'",
                       (const char *[]){ "-d", "atom:a,value=1,value=0", "--cuse-path", "/nonexistent/cuse", NULL });
        g_rmdir(dir);
}

/* Users, groups and modes are checked before anything exists, and a
 * start-up that fails leaves no file behind. */
static void test_daemon_checks_first(void)
{
        g_autofree char *dir = g_dir_make_tmp("cusekit-spec-XXXXXX", NULL);
        g_autofree char *eeprom = g_build_filename(dir, "ee.bin", NULL);
        g_autofree char *i2c = g_strdup_printf("i2c:i2c-9,chip=24c02@0x50:file=%s", eeprom);

        expect_refused("--runas nosuchuser: no such user",
                       (const char *[]){ "--runas", "nosuchuser", NOCUSE, NULL });
        expect_refused("--group nosuchgroup: no such group",
                       (const char *[]){ "--group", "nosuchgroup", NOCUSE, NULL });
        expect_refused("device 'b': group=nosuchgroup: no such group",
                       (const char *[]){ "-d", "atom:b,group=nosuchgroup", NOCUSE, NULL });
        expect_refused("device 'b': mode=999 is not an octal mode",
                       (const char *[]){ "-d", "atom:b,mode=999", NOCUSE, NULL });
        expect_refused("/nonexistent/cuse does not exist", (const char *[]){ "-d", i2c, NOCUSE, NULL });
        g_assert_false(g_file_test(eeprom, G_FILE_TEST_EXISTS));
        g_rmdir(dir);
}

/* Messages in the user's charset: GLib's quotes are real ones under UTF-8. */
static void test_daemon_locale(void)
{
        g_autofree char *dir = g_dir_make_tmp("cusekit-spec-XXXXXX", NULL);
        g_autofree char *conf = config_file(dir, "[cusekitd]\nthis is not a key\n");
        g_autofree char *err = NULL;
        g_setenv("LC_ALL", "C.UTF-8", TRUE);
        int rc = run_daemon((const char *[]){ "--config", conf, NULL }, &err);
        g_unsetenv("LC_ALL");
        g_assert_cmpint(rc, ==, 1);
        if (!strstr(err, "\u201c"))
                g_error("no real quotes in '%s'", err);
        unlink(conf);
        g_rmdir(dir);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/spec/parse", test_parse);
        g_test_add_func("/spec/parse-errors", test_parse_errors);
        g_test_add_func("/spec/keyfile", test_keyfile);
        g_test_add_func("/daemon/command-line", test_daemon_command_line);
        g_test_add_func("/daemon/numbers", test_daemon_numbers);
        g_test_add_func("/daemon/config", test_daemon_config);
        g_test_add_func("/daemon/checks-first", test_daemon_checks_first);
        g_test_add_func("/daemon/locale", test_daemon_locale);
        return g_test_run();
}
