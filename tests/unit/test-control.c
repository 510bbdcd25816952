/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control interface through its real socket, driven by the real
 * `cusekit` command line, against devices served through loopback. */
#include "atom/atom-abi.h"
#include "tty/tty-abi.h"
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
#include <fcntl.h>

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

/* A tty device on the fixture's control socket, opened raw through loopback. */
struct port {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct termios *t;
};

static void port_add(struct fixture *fx, struct port *p, const char *name, const char *peer)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        if (peer)
                g_hash_table_insert(params, "peer", (char *)peer);
        g_assert_cmpint(ck_device_new("tty", name, params, &p->dev, &error), ==, 0);
        g_ptr_array_add(fx->devices, p->dev);
        g_assert_cmpint(ck_loopback_new(p->dev, O_NONBLOCK, &p->lb), ==, 0);
        p->t = g_new0(struct termios, 1);
        ck_loopback_expose(p->lb, p->t, sizeof(*p->t));
        g_assert_cmpint(ck_loopback_ioctl(p->lb, TCGETS, (uintptr_t)p->t), ==, 0);
        p->t->c_iflag = 0;
        p->t->c_oflag = 0;
        p->t->c_lflag = 0;
        p->t->c_cc[VMIN] = 1;
        g_assert_cmpint(ck_loopback_ioctl(p->lb, TCSETS, (uintptr_t)p->t), ==, 0);
}

static void port_remove(struct fixture *fx, struct port *p)
{
        g_ptr_array_remove(fx->devices, p->dev);
        ck_loopback_free(p->lb);
        ck_device_free(p->dev);
        g_free(p->t);
}

/* What the port reads, collected while the loop serves a command; it
 * answers @reply once @expect has arrived. */
struct port_reader {
        struct ck_loopback *lb;
        GString *got;
        const char *expect, *reply;
        gboolean replied;
};

static gboolean port_read_some(gpointer userdata)
{
        struct port_reader *r = userdata;
        char buf[256];
        ssize_t n;

        while ((n = ck_loopback_read(r->lb, buf, sizeof(buf))) > 0)
                g_string_append_len(r->got, buf, n);
        if (r->reply && !r->replied && strstr(r->got->str, r->expect)) {
                g_assert_cmpint(ck_loopback_write(r->lb, r->reply, strlen(r->reply)), ==, (ssize_t)strlen(r->reply));
                r->replied = TRUE;
        }
        return G_SOURCE_CONTINUE;
}

static GSubprocess *cli_spawn(struct fixture *fx, const char *const *args)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;

        g_ptr_array_add(argv, (char *)g_getenv("CUSEKIT_CLI"));
        g_ptr_array_add(argv, "--socket");
        g_ptr_array_add(argv, fx->socket);
        for (; *args; args++)
                g_ptr_array_add(argv, (char *)*args);
        g_ptr_array_add(argv, NULL);
        GSubprocess *p = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
        g_assert_no_error(error);
        return p;
}

static void serve_until_done(struct cli_run *run)
{
        while (!run->done)
                g_main_context_iteration(NULL, TRUE);
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
        /* a device stream's descriptor crosses the bus too */
        struct port p;
        struct cli_run run = { 0 };
        port_add(fx, &p, "ttyCK3", NULL);
        struct port_reader reader = { .lb = p.lb, .got = g_string_new(NULL) };
        guint poller = g_timeout_add(10, port_read_some, &reader);
        g_autoptr(GSubprocess) serial = cli_spawn(fx, (const char *[]){ "--bus", "session", "--bus-name",
                                                                         "org.cusekit.Test", "serial", "ttyCK3", NULL });
        g_subprocess_communicate_utf8_async(serial, "over the bus", NULL, on_done, &run);
        serve_until_done(&run);
        g_source_remove(poller);
        port_read_some(&reader);
        g_assert_cmpstr(run.err, ==, "");
        g_assert_cmpint(run.status, ==, 0);
        g_assert_cmpstr(reader.got->str, ==, "over the bus");
        g_free(run.out);
        g_free(run.err);
        g_string_free(reader.got, TRUE);
        port_remove(fx, &p);
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
                { "serial", "C-a C-x quits" },
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

        /* OpenStream is checked like every method: a node nobody may use is no device to it */
        g_autofree char *address = g_strdup_printf("unix:path=%s", socket);
        g_autofree char *gdbus = g_find_program_in_path("gdbus");
        g_assert_nonnull(gdbus);
        static const struct { const char *leaf, *says; } streams[] = {
                { "grp", "org.cusekit.Error.ENOENT" },      /* reached: atom has no stream */
                { "closed", "org.cusekit.Error.ENODEV" },   /* not reached */
        };
        for (size_t i = 0; i < G_N_ELEMENTS(streams); i++) {
                g_autofree char *name = g_strdup_printf("%s/%s", base, streams[i].leaf);
                const char *call[] = { "setpriv", "--reuid=nobody", "--regid=nogroup", "--groups=disk", gdbus,
                                       "call", "--address", address, "--dest", "org.cusekit.Daemon",
                                       "--object-path", "/org/cusekit/Daemon", "--method",
                                       "org.cusekit.Daemon1.OpenStream", name, "far", NULL };
                struct cli_run srun = { 0 };
                g_autoptr(GSubprocess) sp = g_subprocess_newv(call, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                    G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
                g_assert_no_error(error);
                g_subprocess_communicate_utf8_async(sp, NULL, NULL, on_done, &srun);
                while (!srun.done)
                        g_main_context_iteration(NULL, TRUE);
                if (!strstr(srun.err, streams[i].says))
                        g_error("OpenStream %s as nobody+disk: want %s; out '%s', err '%s'", streams[i].leaf,
                                streams[i].says, srun.out, srun.err);
                g_free(srun.out);
                g_free(srun.err);
        }

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

/* cusekit serial with a pipe: stdin reaches the port, what the port sends is
 * printed, and it ends once stdin has ended and the port is quiet. */
static void test_serial_pipe(struct fixture *fx, gconstpointer data)
{
        struct port p;
        struct cli_run run = { 0 };

        port_add(fx, &p, "ttyCK3", NULL);
        struct port_reader reader = { .lb = p.lb, .got = g_string_new(NULL), .expect = "hello\n", .reply = "reply\n" };
        guint poller = g_timeout_add(10, port_read_some, &reader);
        g_autoptr(GSubprocess) proc = cli_spawn(fx, (const char *[]){ "serial", "ttyCK3", NULL });
        gint64 start = g_get_monotonic_time();
        g_subprocess_communicate_utf8_async(proc, "hello\n", NULL, on_done, &run);
        serve_until_done(&run);
        gint64 took = g_get_monotonic_time() - start;
        g_source_remove(poller);
        g_assert_cmpstr(run.err, ==, "");
        g_assert_cmpint(run.status, ==, 0);
        g_assert_cmpstr(reader.got->str, ==, "hello\n");
        g_assert_cmpstr(run.out, ==, "reply\n");
        g_assert_cmpint(took, >=, 500 * G_TIME_SPAN_MILLISECOND);   /* it waited for the port to be quiet */
        /* the far end is free again, and what the port sent is also in far/received */
        g_autofree char *out = NULL;
        g_assert_cmpint(cli(fx, &out, NULL, "--json", "get", "ttyCK3", "far/received", NULL), ==, 0);
        g_assert_nonnull(strstr(out, "114"));   /* 'r' */
        g_free(run.out);
        g_free(run.err);
        g_string_free(reader.got, TRUE);
        port_remove(fx, &p);
}

/* One far end at a time; a second is refused with EBUSY, and the first's end frees it. */
static void test_serial_one_at_a_time(struct fixture *fx, gconstpointer data)
{
        struct port p;
        struct cli_run first = { 0 };
        g_autofree char *err = NULL, *err2 = NULL;
        g_autoptr(GError) error = NULL;

        port_add(fx, &p, "ttyCK3", NULL);
        struct port_reader reader = { .lb = p.lb, .got = g_string_new(NULL) };
        guint poller = g_timeout_add(10, port_read_some, &reader);
        g_autoptr(GSubprocess) one = cli_spawn(fx, (const char *[]){ "serial", "ttyCK3", NULL });
        GOutputStream *in = g_subprocess_get_stdin_pipe(one);
        g_assert_true(g_output_stream_write_all(in, "x", 1, NULL, NULL, &error));
        g_assert_true(g_output_stream_flush(in, NULL, &error));
        gint64 deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
        while (reader.got->len == 0) {   /* attached: its byte has arrived */
                g_assert_cmpint(g_get_monotonic_time(), <, deadline);
                g_main_context_iteration(NULL, TRUE);
        }
        g_assert_cmpint(cli(fx, NULL, &err, "serial", "ttyCK3", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "already attached"));
        g_subprocess_communicate_utf8_async(one, NULL, NULL, on_done, &first);
        serve_until_done(&first);
        g_assert_cmpint(first.status, ==, 0);
        g_assert_cmpint(cli(fx, NULL, &err2, "serial", "ttyCK3", "--timeout", "0.2", NULL), ==, 0);
        g_assert_cmpstr(err2, ==, "");
        g_source_remove(poller);
        g_assert_cmpstr(reader.got->str, ==, "x");
        g_free(first.out);
        g_free(first.err);
        g_string_free(reader.got, TRUE);
        port_remove(fx, &p);
}

/* The lines and events without streaming, --show, and the errors. */
static void test_serial_lines(struct fixture *fx, gconstpointer data)
{
        struct port p, a, b;
        g_autofree char *show = NULL, *json_show = NULL, *err = NULL, *err2 = NULL, *err3 = NULL, *err4 = NULL,
                        *err5 = NULL;
        char buf[8];

        port_add(fx, &p, "ttyCK3", NULL);
        port_add(fx, &a, "ttyCK0", "ttyCK1");
        port_add(fx, &b, "ttyCK1", NULL);
        int *lines = g_new0(int, 1);
        ck_loopback_expose(p.lb, lines, sizeof(*lines));
        g_assert_cmpint(cli(fx, NULL, NULL, "serial", "ttyCK3", "--cts=1", "--ri=1", NULL), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(p.lb, TIOCMGET, (uintptr_t)lines), ==, 0);
        g_assert_cmpint(*lines & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR | TIOCM_RNG), ==, TIOCM_CTS | TIOCM_RNG);
        g_assert_cmpint(cli(fx, NULL, NULL, "serial", "ttyCK3", "--cts=0", "--dsr=1", "--dcd=on", "--ri=0", NULL),
                        ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(p.lb, TIOCMGET, (uintptr_t)lines), ==, 0);
        g_assert_cmpint(*lines & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR | TIOCM_RNG), ==, TIOCM_DSR | TIOCM_CAR);
        /* a break and bad bytes arrive as n_tty delivers them without INPCK and PARMRK:
         * the break as NUL, the bytes as they are */
        g_assert_cmpint(cli(fx, NULL, NULL, "serial", "ttyCK3", "--break", "--frame-error=0x41",
                            "--parity-error=66", NULL), ==, 0);
        g_assert_cmpint(ck_loopback_read(p.lb, buf, sizeof(buf)), ==, 3);
        g_assert_cmpmem(buf, 3, "\0AB", 3);
        g_assert_cmpint(cli(fx, &show, NULL, "serial", "ttyCK3", "--show", NULL), ==, 0);
        g_assert_nonnull(strstr(show, "line      9600 8N1\n"));
        g_assert_nonnull(strstr(show, "inputs    CTS=0 DSR=1 DCD=1 RI=0\n"));
        g_assert_nonnull(strstr(show, " frame=1 parity=1 "));
        g_assert_nonnull(strstr(show, " brk=1 "));
        /* a peer's lines show; it cannot be driven */
        g_assert_cmpint(cli(fx, &json_show, NULL, "--json", "serial", "ttyCK1", "--show", NULL), ==, 0);
        g_assert_nonnull(strstr(json_show, "\"cts\" : true"));   /* ttyCK0's RTS and DTR, raised by its open */
        g_assert_nonnull(strstr(json_show, "\"dsr\" : true"));
        g_assert_cmpint(cli(fx, NULL, &err, "serial", "ttyCK0", "--cts=1", NULL), ==, 1);
        g_assert_nonnull(strstr(err, "the far end is the peer ttyCK1 (peer=): it cannot be driven"));
        g_assert_cmpint(cli(fx, NULL, &err2, "serial", "ttyCK1", "--timeout=1", NULL), ==, 1);
        g_assert_nonnull(strstr(err2, "the far end is the peer ttyCK0 (peer=): it cannot be driven"));
        g_assert_cmpint(cli(fx, NULL, &err3, "serial", "atom0", NULL), ==, 1);
        g_assert_nonnull(strstr(err3, "atom0 is not a serial port: its type is atom"));
        g_assert_cmpint(cli(fx, NULL, &err4, "serial", "ttyCK9", "--show", NULL), ==, 1);
        g_assert_nonnull(strstr(err4, "no device 'ttyCK9'"));
        g_assert_cmpint(cli(fx, NULL, &err5, "serial", "ttyCK3", "--cts=maybe", NULL), ==, 1);
        g_assert_nonnull(strstr(err5, "--cts=maybe: 0 or 1"));
        g_free(lines);
        port_remove(fx, &a);
        port_remove(fx, &b);
        port_remove(fx, &p);
}

/* OpenStream and ListStreams with a stock client: the generic method, its errors. */
static void test_streams_gdbus(struct fixture *fx, gconstpointer data)
{
        g_autofree char *address = g_strdup_printf("unix:path=%s", fx->socket);
        g_autofree char *gdbus = g_find_program_in_path("gdbus");
        struct port p;

        if (!gdbus) {
                if (g_strcmp0(g_getenv("CI"), "true") == 0)
                        g_error("gdbus is not installed (libglib2.0-bin), and CI must run this");
                g_test_skip("gdbus is not installed (libglib2.0-bin)");
                return;
        }
        port_add(fx, &p, "ttyCK3", NULL);
        static const struct { const char *method, *device, *name, *out, *err; } cases[] = {
                { "ListStreams", "ttyCK3", NULL, "([('far', ", "" },
                { "ListStreams", "atom0", NULL, "(@a(ss) [],)", "" },
                { "OpenStream", "ttyCK3", "far", "(handle 0,)", "" },
                { "OpenStream", "atom0", "far", "", "org.cusekit.Error.ENOENT: atom0 has no stream 'far'" },
                { "OpenStream", "ttyCK9", "far", "", "org.cusekit.Error.ENODEV" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *method = g_strdup_printf("org.cusekit.Daemon1.%s", cases[i].method);
                const char *argv[] = { gdbus, "call", "--address", address, "--dest", "org.cusekit.Daemon",
                                       "--object-path", "/org/cusekit/Daemon", "--method", method,
                                       cases[i].device, cases[i].name, NULL };
                struct cli_run run = { 0 };
                g_autoptr(GError) error = NULL;
                g_autoptr(GSubprocess) sp = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
                g_assert_no_error(error);
                g_subprocess_communicate_utf8_async(sp, NULL, NULL, on_done, &run);
                serve_until_done(&run);
                if (!g_str_has_prefix(run.out, cases[i].out) || (*cases[i].err && !strstr(run.err, cases[i].err)) ||
                    (!*cases[i].err && *run.err))
                        g_error("%s %s: out '%s', err '%s'", cases[i].method, cases[i].device, run.out, run.err);
                g_free(run.out);
                g_free(run.err);
        }
        port_remove(fx, &p);
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
        ADD("serial-pipe", test_serial_pipe);
        ADD("serial-one-at-a-time", test_serial_one_at_a_time);
        ADD("serial-lines", test_serial_lines);
        ADD("streams-gdbus", test_streams_gdbus);
#undef ADD
        g_test_add_func("/control/not-running", test_not_running);
        g_test_add_func("/control/help-alone", test_help_alone);
        g_test_add_func("/control/set-numbers", test_set_numbers);
        g_test_add_func("/control/permitted-as-kernel", test_permitted_as_kernel);
        return g_test_run();
}
