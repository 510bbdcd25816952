/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control interface through its real socket, driven by the real
 * `cusekit` command line, against devices served through loopback. */
#include "atom/atom-abi.h"
#include "control.h"
#include "loopback.h"
#include "persist.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct fixture {
        char *dir;
        char *socket;
        struct ck_trace *trace;
        GPtrArray *devices;
        struct ck_device *atom;
        struct ck_loopback *lb;
        struct ck_control *control;
        struct atom_state *mem;
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        fx->dir = g_dir_make_tmp("cusekit-control-XXXXXX", &error);
        g_assert_no_error(error);
        fx->socket = g_build_filename(fx->dir, "control.sock", NULL);
        fx->trace = ck_trace_new(64);
        fx->devices = g_ptr_array_new();
        g_assert_cmpint(ck_device_new("atom", "atom0", NULL, &fx->atom, &error), ==, 0);
        ck_device_set_trace(fx->atom, fx->trace);
        g_ptr_array_add(fx->devices, fx->atom);
        g_assert_cmpint(ck_loopback_new(fx->atom, 0, &fx->lb), ==, 0);
        fx->mem = g_new0(struct atom_state, 1);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
        g_assert_cmpint(ck_control_new(fx->socket, 0600, (uid_t)-1, fx->devices, fx->trace, &fx->control, &error),
                        ==, 0);
        g_assert_no_error(error);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_control_free(fx->control);
        ck_loopback_free(fx->lb);
        ck_device_free(fx->atom);
        g_ptr_array_unref(fx->devices);
        ck_trace_free(fx->trace);
        g_free(fx->mem);
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", fx->dir);
        g_assert_cmpint(system(cmd), ==, 0);
        g_free(fx->socket);
        g_free(fx->dir);
}

struct cli_run {
        char *out, *err;
        int status;
        gboolean done;
};

static void on_done(GObject *source, GAsyncResult *res, gpointer userdata)
{
        struct cli_run *run = userdata;
        g_autoptr(GError) error = NULL;

        g_assert_true(g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &run->out, &run->err, &error));
        run->status = g_subprocess_get_exit_status(G_SUBPROCESS(source));
        run->done = TRUE;
}

/* Runs `cusekit --socket SOCKET ARGS...` while this loop serves it. */
static int cli_v(const char *socket, char **ret_out, char **ret_err, const char *first, va_list ap)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        struct cli_run run = { 0 };

        g_ptr_array_add(argv, (char *)g_getenv("CUSEKIT_CLI"));
        g_ptr_array_add(argv, "--socket");
        g_ptr_array_add(argv, (char *)socket);
        for (const char *a = first; a; a = va_arg(ap, const char *))
                g_ptr_array_add(argv, (char *)a);
        g_ptr_array_add(argv, NULL);
        g_autoptr(GSubprocess) p = g_subprocess_newv((const char *const *)argv->pdata,
                                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                     &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8_async(p, NULL, NULL, on_done, &run);
        while (!run.done)
                g_main_context_iteration(NULL, TRUE);
        if (ret_out)
                *ret_out = run.out;
        else
                g_free(run.out);
        if (ret_err)
                *ret_err = run.err;
        else
                g_free(run.err);
        return run.status;
}

static int cli(struct fixture *fx, char **ret_out, char **ret_err, const char *first, ...)
{
        va_list ap;
        va_start(ap, first);
        int r = cli_v(fx->socket, ret_out, ret_err, first, ap);
        va_end(ap);
        return r;
}

static int cli_at(const char *socket, char **ret_out, char **ret_err, const char *first, ...)
{
        va_list ap;
        va_start(ap, first);
        int r = cli_v(socket, ret_out, ret_err, first, ap);
        va_end(ap);
        return r;
}

/* Numbers in the user's words: decimal or 0x hex, the variable's range. */
static void test_set_numbers(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("cusekit-numbers-XXXXXX", NULL);
        g_autofree char *socket = g_build_filename(dir, "control.sock", NULL);
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_free);
        struct ck_device *d;
        struct ck_control *control;
        g_autofree char *out = NULL, *out2 = NULL, *err = NULL;

        g_hash_table_insert(params, "chip", "lm75@0x48");
        g_assert_cmpint(ck_device_new("i2c", "i2c-3", params, &d, &error), ==, 0);
        g_ptr_array_add(devices, d);
        g_assert_cmpint(ck_control_new(socket, 0600, (uid_t)-1, devices, NULL, &control, &error), ==, 0);
        g_assert_cmpint(cli_at(socket, NULL, NULL, "set", "i2c-3", "0x48/temperature", "85000", NULL), ==, 0);
        g_assert_cmpint(cli_at(socket, &out, NULL, "get", "i2c-3", "0x48/temperature", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "85000"));
        g_assert_cmpint(cli_at(socket, NULL, NULL, "set", "i2c-3", "0x48/temperature", "0x100", NULL), ==, 0);
        g_assert_cmpint(cli_at(socket, &out2, NULL, "get", "i2c-3", "0x48/temperature", NULL), ==, 0);
        g_assert_nonnull(strstr(out2, "256"));
        g_autofree char *out3 = NULL;
        g_assert_cmpint(cli_at(socket, NULL, NULL, "set", "i2c-3", "0x48/temperature", "-5000", NULL), ==, 0);
        g_assert_cmpint(cli_at(socket, &out3, NULL, "get", "i2c-3", "0x48/temperature", "--json", NULL), ==, 0);
        g_assert_nonnull(strstr(out3, "-5000"));
        g_assert_cmpint(cli_at(socket, NULL, &err, "set", "i2c-3", "0x48/temperature", "warm", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "0x48/temperature must be a whole number from"));
        ck_control_free(control);
        g_rmdir(dir);
}

static int atom_get(struct fixture *fx)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_GET), (uintptr_t)fx->mem);
}

static void test_socket_is_private(struct fixture *fx, gconstpointer data)
{
        struct stat st;

        g_assert_cmpint(stat(fx->socket, &st), ==, 0);
        g_assert_true(S_ISSOCK(st.st_mode));
        g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
}

static void test_list(struct fixture *fx, gconstpointer data)
{
        g_autofree char *out = NULL, *json = NULL;

        g_assert_cmpint(cli(fx, &out, NULL, "list", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "atom0"));
        g_assert_nonnull(strstr(out, "/dev/atom0"));
        g_assert_nonnull(strstr(out, "unrestricted"));

        g_assert_cmpint(cli(fx, &json, NULL, "--json", "list", NULL), ==, 0);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
        JsonArray *arr = json_node_get_array(json_parser_get_root(parser));
        g_assert_cmpuint(json_array_get_length(arr), ==, 1);
        JsonObject *o = json_array_get_object_element(arr, 0);
        g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "atom0");
        g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, "atom");
        g_assert_cmpint(json_object_get_int_member(o, "opens"), ==, 1);
}

static void test_get_set(struct fixture *fx, gconstpointer data)
{
        g_autofree char *out = NULL, *out2 = NULL, *err = NULL, *err2 = NULL, *err3 = NULL;

        g_assert_cmpint(cli(fx, &out, NULL, "get", "atom0", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "value = false"));
        g_assert_cmpint(cli(fx, NULL, NULL, "set", "atom0", "value", "1", NULL), ==, 0);
        g_assert_cmpint(atom_get(fx), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 1);   /* the device itself changed */
        g_assert_cmpint(cli(fx, &out2, NULL, "--json", "get", "atom0", "value", NULL), ==, 0);
        g_assert_nonnull(strstr(out2, "\"value\" : true"));

        g_assert_cmpint(cli(fx, NULL, &err, "set", "atom0", "value", "maybe", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "value must be true or false (or 1/0, on/off), not 'maybe'"));
        g_assert_cmpint(cli(fx, NULL, &err2, "set", "atom0", "colour", "1", NULL), ==, 1);
        g_assert_nonnull(strstr(err2, "no state 'colour'"));
        g_assert_cmpint(cli(fx, NULL, &err3, "get", "atom9", NULL), ==, 1);
        g_assert_nonnull(strstr(err3, "no device 'atom9'"));
}

static void test_set_respects_device_rules(struct fixture *fx, gconstpointer data)
{
        g_autofree char *err = NULL;

        *fx->mem = (struct atom_state){ .value = 1, .flags = ATOM_FLAG_LOCK };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_SET), (uintptr_t)fx->mem), ==, 0);
        g_assert_cmpint(cli(fx, NULL, &err, "set", "atom0", "value", "0", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "locked"));
        g_assert_cmpint(atom_get(fx), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 1);
}

static void test_faults(struct fixture *fx, gconstpointer data)
{
        g_autofree char *out = NULL, *list = NULL, *list2 = NULL, *err = NULL, *err2 = NULL;
        char buf[8];

        g_assert_cmpint(cli(fx, &out, NULL, "fault", "add", "atom0", "ioctl:ATOM_GET", "--errno", "EIO",
                            "--count", "2", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "added"));
        g_assert_cmpint(cli(fx, &list, NULL, "fault", "list", "atom0", NULL), ==, 0);
        g_assert_nonnull(strstr(list, "ioctl:ATOM_GET"));
        g_assert_nonnull(strstr(list, "EIO"));
        g_assert_cmpint(atom_get(fx), ==, -EIO);
        /* only ATOM_GET: other ioctls are untouched */
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_RESET), 0), ==, 0);
        g_assert_cmpint(atom_get(fx), ==, -EIO);
        g_assert_cmpint(atom_get(fx), ==, 0);      /* two were asked for */
        g_assert_cmpint(cli(fx, &list2, NULL, "fault", "list", "atom0", NULL), ==, 0);
        g_assert_cmpstr(list2, ==, "");

        /* a short read: one byte of "0\n" */
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "add", "atom0", "read", "--short", "1", NULL), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, 1);
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "clear", "atom0", NULL), ==, 0);

        /* a delay */
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "add", "atom0", "ioctl", "--delay", "80", NULL), ==, 0);
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(atom_get(fx), ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 80000);
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "clear", "atom0", NULL), ==, 0);

        /* open and write fail as asked, with any errno */
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "add", "atom0", "write", "--errno", "ENOSPC", NULL), ==, 0);
        g_assert_cmpint(ck_loopback_write(fx->lb, "1", 1), ==, -ENOSPC);
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "add", "atom0", "open", "--errno", "13", NULL), ==, 0);
        struct ck_loopback *second;
        g_assert_cmpint(ck_loopback_new(fx->atom, 0, &second), ==, -EACCES);
        g_assert_cmpint(cli(fx, NULL, NULL, "fault", "clear", "atom0", NULL), ==, 0);
        g_assert_cmpint(ck_loopback_write(fx->lb, "1", 1), ==, 1);

        g_assert_cmpint(cli(fx, NULL, &err, "fault", "add", "atom0", "ioctl:NOPE", "--errno", "EIO", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "atom0 has no ioctl 'NOPE'"));
        g_assert_cmpint(cli(fx, NULL, &err2, "fault", "add", "atom0", "write", "--short", "1", NULL), ==, 1);
        g_assert_nonnull(strstr(err2, "--short applies to read only"));
}

static void test_trace(struct fixture *fx, gconstpointer data)
{
        g_autofree char *out = NULL, *json = NULL;

        *fx->mem = (struct atom_state){ .value = 1 };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_SET), (uintptr_t)fx->mem), ==, 0);
        *fx->mem = (struct atom_state){ .value = 7 };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_SET), (uintptr_t)fx->mem), ==, -EINVAL);
        g_assert_cmpint(cli(fx, &out, NULL, "trace", "-n", "2", NULL), ==, 0);
        /* field names from the definition, the validated input, the outcome */
        g_assert_nonnull(strstr(out, "ioctl ATOM_SET in {"));
        g_assert_nonnull(strstr(out, "'value': <uint64 1>"));
        g_assert_nonnull(strstr(out, "-> EINVAL"));
        g_assert_null(strstr(out, "uint64 7"));    /* never validated, never shown */

        /* unknown requests are traced by number; the ring wraps */
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, _IOR(0xD1, 0x55, int), (uintptr_t)fx->mem), ==, -ENOTTY);
        for (int i = 0; i < 200; i++)
                g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_RESET), 0), ==, 0);
        g_autofree char *wrapped = NULL;
        g_assert_cmpint(cli(fx, &wrapped, NULL, "trace", "-n", "1000", NULL), ==, 0);
        g_auto(GStrv) lines = g_strsplit(wrapped, "\n", -1);
        g_assert_cmpuint(g_strv_length(lines), ==, 64 + 1);   /* the ring holds 64 */

        *fx->mem = (struct atom_state){ .value = 1 };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_SET), (uintptr_t)fx->mem), ==, 0);
        g_assert_cmpint(atom_get(fx), ==, 0);
        g_assert_cmpint(cli(fx, &json, NULL, "--json", "trace", "-n", "1", NULL), ==, 0);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
        JsonArray *events = json_node_get_array(json_parser_get_root(parser));
        g_assert_cmpuint(json_array_get_length(events), ==, 1);
        JsonObject *o = json_array_get_object_element(events, 0);
        g_assert_cmpstr(json_object_get_string_member(o, "request"), ==, "ATOM_GET");
        g_assert_cmpstr(json_object_get_string_member(o, "dir"), ==, "out");
        JsonObject *output = json_object_get_object_member(o, "output");
        g_assert_cmpint(json_object_get_int_member(output, "value"), ==, 1);
        g_assert_cmpstr(json_object_get_string_member(output, "flags"), ==, "0x0");
}

static void test_follow(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        const char *argv[] = { g_getenv("CUSEKIT_CLI"), "--socket", fx->socket, "trace", "--follow", "-n", "0", NULL };
        g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
        g_assert_no_error(error);
        GInputStream *out = g_subprocess_get_stdout_pipe(p);
        g_autoptr(GDataInputStream) lines = g_data_input_stream_new(out);

        /* wait until it follows: the daemon has its connection */
        gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
        for (;;) {
                g_main_context_iteration(NULL, FALSE);
                g_usleep(10000);
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                /* a request served now is signalled live */
                g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_RESET), 0), ==, 0);
                if (g_input_stream_has_pending(out))
                        break;
                GPollFD pfd = { .fd = g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(out)), .events = G_IO_IN };
                if (g_poll(&pfd, 1, 0) == 1)
                        break;
        }
        g_autofree char *line = g_data_input_stream_read_line(lines, NULL, NULL, &error);
        g_assert_no_error(error);
        g_assert_nonnull(strstr(line, "ioctl ATOM_RESET none -> 0"));
        g_subprocess_force_exit(p);
}

/* Stock tools speak to the socket as to a bus: gdbus call --address. */
static void test_stock_gdbus(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *address = g_strdup_printf("unix:path=%s", fx->socket);
        const char *argv[] = { "gdbus", "call", "--address", address, "--dest", "org.cusekit.Daemon", "--object-path", "/org/cusekit/Daemon",
                               "--method", "org.cusekit.Daemon1.ListDevices", NULL };
        struct cli_run run = { 0 };

        g_autofree char *gdbus = g_find_program_in_path("gdbus");
        if (!gdbus) {
                g_test_skip("gdbus is not installed (libglib2.0-bin)");
                return;
        }
        g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                                     &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8_async(p, NULL, NULL, on_done, &run);
        while (!run.done)
                g_main_context_iteration(NULL, TRUE);
        g_assert_cmpstr(run.err, ==, "");
        g_assert_cmpstr(run.out, ==, "([('atom0', 'atom', '/dev/atom0', 'unrestricted', uint32 1)],)\n");
        g_free(run.out);
        g_free(run.err);
}

/* The same interface on a message bus, under a well-known name. */
static void test_bus(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GTestDBus) bus = g_test_dbus_new(G_TEST_DBUS_NONE);
        g_autoptr(GError) error = NULL;
        g_autofree char *out = NULL, *value = NULL, *err = NULL;

        g_test_dbus_up(bus);
        g_assert_cmpint(ck_control_add_bus(fx->control, "session", "org.cusekit.Test", &error), ==, 0);
        g_assert_no_error(error);
        /* a second daemon under the same name is refused, clearly */
        struct ck_control *other = NULL;
        g_autofree char *other_socket = g_build_filename(fx->dir, "other.sock", NULL);
        g_assert_cmpint(ck_control_new(other_socket, 0600, (uid_t)-1, fx->devices, NULL, &other, &error), ==, 0);
        g_assert_cmpint(ck_control_add_bus(other, "session", "org.cusekit.Test", &error), ==, -EADDRINUSE);
        g_assert_nonnull(strstr(error->message, "the bus name org.cusekit.Test is taken"));
        g_clear_error(&error);
        ck_control_free(other);

        g_assert_cmpint(cli(fx, &out, NULL, "--bus", "session", "--bus-name", "org.cusekit.Test", "list", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "atom0"));
        g_assert_cmpint(cli(fx, NULL, NULL, "--bus", "session", "--bus-name", "org.cusekit.Test", "set", "atom0",
                            "value", "1", NULL), ==, 0);
        g_assert_cmpint(atom_get(fx), ==, 0);
        g_assert_cmpuint(fx->mem->value, ==, 1);
        g_assert_cmpint(cli(fx, &value, NULL, "--bus", "session", "--bus-name", "org.cusekit.Test", "get", "atom0",
                            NULL), ==, 0);
        g_assert_nonnull(strstr(value, "value = true"));
        g_assert_cmpint(cli(fx, NULL, &err, "--bus", "session", "list", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "nobody owns org.cusekit.Daemon"));
        g_test_dbus_down(bus);
}

static void test_not_running(void)
{
        g_autofree char *err = NULL;
        g_autoptr(GError) error = NULL;
        const char *argv[] = { g_getenv("CUSEKIT_CLI"), "--socket", "/nonexistent/control.sock", "list", NULL };
        g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

        g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
        g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 1);
        g_assert_nonnull(strstr(err, "cusekitd is not running: no control socket at /nonexistent/control.sock"));
}

/* Runs `cusekit ARGS...` with no daemon anywhere; returns the exit status. */
static int cli_alone(char **ret_out, char **ret_err, const char *const *args)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        int status;

        g_ptr_array_add(argv, (char *)g_getenv("CUSEKIT_CLI"));
        for (; *args; args++)
                g_ptr_array_add(argv, (char *)*args);
        g_ptr_array_add(argv, NULL);
        g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, ret_out, ret_err,
                                   &status, &error));
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Help never needs a daemon, and says the command's own usage. */
static void test_help_alone(void)
{
        static const struct {
                const char *command, *says;
        } cases[] = {
                { "list", "cusekit list" },
                { "get", "cusekit get [OPTION…] DEVICE [NAME]" },
                { "set", "cusekit set [OPTION…] DEVICE NAME VALUE" },
                { "fault", "add DEVICE OPERATION" },
                { "trace", "--follow" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *out = NULL, *err = NULL;
                int rc = cli_alone(&out, &err, (const char *[]){ "--socket", "/nonexistent/control.sock",
                                                                  cases[i].command, "--help", NULL });
                if (rc != 0 || !strstr(out, cases[i].says) || !strstr(out, "--json"))
                        g_error("%s --help: exit %d, out '%s', err '%s'", cases[i].command, rc, out, err);
        }
}

/* Options after the command are honoured or refused, never ignored; extra arguments are refused. */
static void test_command_line_words(struct fixture *fx, gconstpointer data)
{
        g_autofree char *out = NULL, *err = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL, *err5 = NULL;
        g_autofree char *out2 = NULL, *out3 = NULL, *out4 = NULL, *err6 = NULL, *out5 = NULL;

        g_assert_cmpint(cli(fx, &out, NULL, "list", "--json", NULL), ==, 0);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_assert_true(json_parser_load_from_data(parser, out, -1, NULL));
        g_assert_true(JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)));
        g_assert_cmpint(cli(fx, NULL, &err, "list", "--colour", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "Unknown option --colour"));
        g_assert_cmpint(cli(fx, NULL, &err2, "list", "extra", NULL), ==, 1);
        g_assert_nonnull(strstr(err2, "unexpected argument 'extra'"));
        g_assert_cmpint(cli(fx, NULL, &err3, "get", "atom0", "value", "more", NULL), ==, 1);
        g_assert_nonnull(strstr(err3, "unexpected argument 'more'"));
        g_assert_cmpint(cli(fx, &out5, NULL, "get", "--help", NULL), ==, 0);   /* not a device called --help */
        g_assert_nonnull(strstr(out5, "cusekit get [OPTION…] DEVICE [NAME]"));

        /* the user's words: flags, not D-Bus keys */
        g_assert_cmpint(cli(fx, NULL, &err4, "fault", "add", "atom0", "read", "--delay", "-5", NULL), ==, 1);
        g_assert_nonnull(strstr(err4, "--delay -5: must be a whole number from 0"));
        g_assert_null(strstr(err4, "delay_ms"));
        g_assert_cmpint(cli(fx, NULL, &err5, "fault", NULL), ==, 1);
        g_assert_nonnull(strstr(err5, "cusekit fault add DEVICE OPERATION"));
        g_assert_cmpint(cli(fx, NULL, &err6, "fault", "list", "atom0", "--delay", "5", NULL), ==, 1);
        g_assert_nonnull(strstr(err6, "are for 'fault add'"));

        /* JSON stays JSON */
        g_assert_cmpint(cli(fx, &out2, NULL, "--json", "fault", "clear", "atom0", NULL), ==, 0);
        g_assert_cmpstr(g_strstrip(out2), ==, "{\n  \"cleared\" : 0\n}");
        g_assert_cmpint(cli(fx, &out3, NULL, "--json", "trace", "-n", "0", NULL), ==, 0);
        g_assert_cmpstr(g_strstrip(out3), ==, "[]");
        g_assert_cmpint(cli(fx, &out4, NULL, "fault", "clear", "atom0", "--json", NULL), ==, 0);
        g_assert_true(json_parser_load_from_data(parser, out4, -1, NULL));
        g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
}

/* Who may reach a device is the kernel's answer for the caller's real
 * credentials: supplementary groups it really has (not the user database's),
 * and the node's ACLs.  Nodes here are files under /dev/shm. */
static void test_permitted_as_kernel(void)
{
        if (geteuid() != 0) {
                g_test_skip("needs root to run a caller as another user");
                return;
        }
        g_autofree char *dir = g_dir_make_tmp("cusekit-perm-XXXXXX", NULL);
        g_autofree char *nodes = g_strdup("/dev/shm/cusekit-perm-XXXXXX");
        g_assert_nonnull(g_mkdtemp_full(nodes, 0755));
        g_assert_cmpint(chmod(dir, 0755), ==, 0);
        const char *base = nodes + strlen("/dev/");
        static const char *const leaves[] = { "grp", "acl", "closed" };
        g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_free);
        g_autoptr(GError) error = NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(leaves); i++) {
                g_autofree char *name = g_strdup_printf("%s/%s", base, leaves[i]);
                g_autofree char *path = g_strdup_printf("/dev/%s", name);
                struct ck_device *d;
                g_assert_true(g_file_set_contents(path, "", 0, NULL));
                g_assert_cmpint(chmod(path, 0600), ==, 0);
                g_assert_cmpint(ck_device_new("atom", name, NULL, &d, &error), ==, 0);
                g_ptr_array_add(devices, d);
        }
        /* grp: group disk may; acl: user nobody may, by an ACL entry; closed: nobody else */
        g_autofree char *cmd = g_strdup_printf("chgrp disk %1$s/grp && chmod 0660 %1$s/grp && "
                                               "setfacl -m u:nobody:rw %1$s/acl", nodes);
        g_assert_cmpint(system(cmd), ==, 0);
        g_autofree char *socket = g_build_filename(dir, "control.sock", NULL);
        struct ck_control *control;
        g_assert_cmpint(ck_control_new(socket, 0666, (uid_t)-1, devices, NULL, &control, &error), ==, 0);

        /* nobody, with group disk given by the kernel only (setpriv), not by /etc/group */
        const char *argv[] = { "setpriv", "--reuid=nobody", "--regid=nogroup", "--groups=disk",
                               g_getenv("CUSEKIT_CLI"), "--socket", socket, "list", NULL };
        struct cli_run run = { 0 };
        g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
        g_assert_no_error(error);
        g_subprocess_communicate_utf8_async(p, NULL, NULL, on_done, &run);
        while (!run.done)
                g_main_context_iteration(NULL, TRUE);
        g_assert_cmpint(run.status, ==, 0);
        g_autofree char *grp = g_strdup_printf("%s/grp ", base);
        g_autofree char *acl = g_strdup_printf("%s/acl ", base);
        g_autofree char *closed = g_strdup_printf("%s/closed ", base);
        if (!strstr(run.out, grp) || !strstr(run.out, acl) || strstr(run.out, closed))
                g_error("nobody+disk should see grp and acl only; saw:\n%s%s", run.out, run.err);
        g_free(run.out);
        g_free(run.err);

        ck_control_free(control);
        g_autofree char *rm = g_strdup_printf("rm -rf '%s' '%s'", nodes, dir);
        g_assert_cmpint(system(rm), ==, 0);
}

static void test_persistence(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        struct ck_device *again;

        *fx->mem = (struct atom_state){ .value = 1 };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(ATOM_SET), (uintptr_t)fx->mem), ==, 0);
        g_assert_cmpint(ck_persist_save(fx->atom, fx->dir, &error), ==, 0);
        g_autofree char *path = ck_persist_path(fx->atom, fx->dir);
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_assert_nonnull(strstr(text, "value=true"));

        g_assert_cmpint(ck_device_new("atom", "atom0", NULL, &again, &error), ==, 0);
        g_assert_cmpint(ck_persist_load(again, fx->dir, &error), ==, 0);
        struct ck_loopback *lb;
        struct atom_state s = { 0 };
        g_assert_cmpint(ck_loopback_new(again, 0, &lb), ==, 0);
        ck_loopback_expose(lb, &s, sizeof(s));
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(ATOM_GET), (uintptr_t)&s), ==, 0);
        g_assert_cmpuint(s.value, ==, 1);
        ck_loopback_free(lb);
        ck_device_free(again);

        /* a damaged file is an error that names it, not a silent default */
        g_assert_true(g_file_set_contents(path, "[state]\nvalue=maybe\n", -1, NULL));
        g_assert_cmpint(ck_device_new("atom", "atom0", NULL, &again, &error), ==, 0);
        g_assert_cmpint(ck_persist_load(again, fx->dir, &error), <, 0);
        g_assert_nonnull(strstr(error->message, path));
        ck_device_free(again);
}

static void test_second_daemon_refused(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;
        struct ck_control *other = NULL;

        g_assert_cmpint(ck_control_new(fx->socket, 0600, (uid_t)-1, fx->devices, NULL, &other, &error), ==,
                        -EADDRINUSE);
        g_assert_nonnull(strstr(error->message, "in use by another cusekitd"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/control/" path, struct fixture, NULL, setup, fn, teardown)
        ADD("socket-is-private", test_socket_is_private);
        ADD("list", test_list);
        ADD("get-set", test_get_set);
        ADD("set-respects-device-rules", test_set_respects_device_rules);
        ADD("faults", test_faults);
        ADD("trace", test_trace);
        ADD("command-line-words", test_command_line_words);
        ADD("follow", test_follow);
        ADD("persistence", test_persistence);
        ADD("second-daemon-refused", test_second_daemon_refused);
        ADD("stock-gdbus", test_stock_gdbus);
        ADD("bus", test_bus);
#undef ADD
        g_test_add_func("/control/not-running", test_not_running);
        g_test_add_func("/control/help-alone", test_help_alone);
        g_test_add_func("/control/set-numbers", test_set_numbers);
        g_test_add_func("/control/permitted-as-kernel", test_permitted_as_kernel);
        return g_test_run();
}
