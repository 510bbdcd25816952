/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekit: the command line of cusekitd's control interface.
 *   cusekit [--socket PATH | --major N] [--json] COMMAND ...
 */
#include "cusekit-run.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IFACE "org.cusekit.Daemon1"
#define PATH "/org/cusekit/Daemon"

static gboolean json;
static GDBusConnection *conn;
static const char *dest;          /* a bus name when on a bus; NULL on the socket */
static GMainLoop *follow_loop;

static int fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_printerr("cusekit: %s\n", msg);
        return EXIT_FAILURE;
}

/* Takes a floating @v. */
static void print_json(GVariant *v)
{
        g_autoptr(GVariant) owned = g_variant_ref_sink(v);
        g_autoptr(JsonNode) node = json_gvariant_serialize(owned);
        g_autofree char *text = json_to_string(node, TRUE);

        printf("%s\n", text);
}

/* A method's reply, or NULL with the daemon's message printed. */
static GVariant *call(const char *method, GVariant *params, const char *reply_type)
{
        g_autoptr(GError) error = NULL;
        GVariant *r = g_dbus_connection_call_sync(conn, dest, PATH, IFACE, method, params,
                                                  reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        if (!r) {
                g_dbus_error_strip_remote_error(error);
                fail("%s", error->message);
        }
        return r;
}

static int cmd_list(int argc, char **argv)
{
        g_autoptr(GVariant) r = call("ListDevices", NULL, "(a(ssssu))");
        if (!r)
                return EXIT_FAILURE;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        if (json) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
                for (gsize i = 0; i < g_variant_n_children(list); i++) {
                        const char *name, *type, *node, *mode;
                        guint32 opens;
                        g_variant_get_child(list, i, "(&s&s&s&su)", &name, &type, &node, &mode, &opens);
                        g_variant_builder_open(&b, G_VARIANT_TYPE_VARDICT);
                        g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(name));
                        g_variant_builder_add(&b, "{sv}", "type", g_variant_new_string(type));
                        g_variant_builder_add(&b, "{sv}", "node", g_variant_new_string(node));
                        g_variant_builder_add(&b, "{sv}", "mode", g_variant_new_string(mode));
                        g_variant_builder_add(&b, "{sv}", "opens", g_variant_new_uint32(opens));
                        g_variant_builder_close(&b);
                }
                print_json(g_variant_builder_end(&b));
                return EXIT_SUCCESS;
        }
        printf("%-20s %-12s %-26s %-13s %s\n", "DEVICE", "TYPE", "NODE", "IOCTLS", "OPENS");
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                const char *name, *type, *node, *mode;
                guint32 opens;
                g_variant_get_child(list, i, "(&s&s&s&su)", &name, &type, &node, &mode, &opens);
                printf("%-20s %-12s %-26s %-13s %u\n", name, type, node, mode, opens);
        }
        return EXIT_SUCCESS;
}

/* The type of DEVICE's state NAME, or NULL (printed why). */
static char *state_type(const char *device, const char *name)
{
        g_autoptr(GVariant) r = call("ListState", g_variant_new("(s)", device), "(a(ssbbs))");
        if (!r)
                return NULL;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                const char *n, *type;
                g_variant_get_child(list, i, "(&s&sbb&s)", &n, &type, NULL, NULL, NULL);
                if (strcmp(n, name) == 0)
                        return g_strdup(type);
        }
        fail("%s has no state '%s' (see: cusekit get %s)", device, name, device);
        return NULL;
}

static int cmd_get(int argc, char **argv)
{
        if (argc < 2 || argc > 3)
                return fail("usage: cusekit get DEVICE [NAME]");
        g_autoptr(GVariant) r = call("ListState", g_variant_new("(s)", argv[1]), "(a(ssbbs))");
        if (!r)
                return EXIT_FAILURE;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        gboolean found = FALSE;
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                const char *name, *type, *summary;
                gboolean writable, persistent;
                g_variant_get_child(list, i, "(&s&sbb&s)", &name, &type, &writable, &persistent, &summary);
                if (argc == 3 && strcmp(name, argv[2]) != 0)
                        continue;
                found = TRUE;
                g_autoptr(GVariant) v = call("GetState", g_variant_new("(ss)", argv[1], name), "(v)");
                if (!v)
                        return EXIT_FAILURE;
                g_autoptr(GVariant) value = NULL;
                g_variant_get(v, "(v)", &value);
                if (json) {
                        g_variant_builder_add(&b, "{sv}", name, value);
                } else {
                        g_autofree char *text = g_variant_print(value, FALSE);
                        printf("%s = %s%s%s%s\n", name, text, writable ? "" : "  (read-only)",
                               persistent ? "  (persistent)" : "", "");
                }
        }
        if (argc == 3 && !found)
                return fail("%s has no state '%s'", argv[1], argv[2]);
        if (json)
                print_json(g_variant_builder_end(&b));
        else
                g_variant_builder_clear(&b);
        return EXIT_SUCCESS;
}

static GVariant *parse_value(const char *type, const char *text, GError **error)
{
        if (strcmp(type, "b") == 0) {
                if (!strcmp(text, "1") || !g_ascii_strcasecmp(text, "true") || !g_ascii_strcasecmp(text, "on"))
                        return g_variant_new_boolean(TRUE);
                if (!strcmp(text, "0") || !g_ascii_strcasecmp(text, "false") || !g_ascii_strcasecmp(text, "off"))
                        return g_variant_new_boolean(FALSE);
        }
        if (strcmp(type, "ay") == 0 && text[0] && strspn(text, "0123456789abcdefABCDEF") == strlen(text) &&
            strlen(text) % 2 == 0) {
                /* hex, the way a byte dump reads */
                gsize n = strlen(text) / 2;
                g_autofree guint8 *bytes = g_malloc(n);
                for (gsize i = 0; i < n; i++)
                        bytes[i] = (guint8)(g_ascii_xdigit_value(text[2 * i]) << 4 | g_ascii_xdigit_value(text[2 * i + 1]));
                return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, n, 1);
        }
        return g_variant_parse(G_VARIANT_TYPE(type), text, NULL, NULL, error);
}

static int cmd_set(int argc, char **argv)
{
        g_autoptr(GError) error = NULL;

        if (argc != 4)
                return fail("usage: cusekit set DEVICE NAME VALUE");
        g_autofree char *type = state_type(argv[1], argv[2]);
        if (!type)
                return EXIT_FAILURE;
        GVariant *value = parse_value(type, argv[3], &error);
        if (!value)
                return fail("'%s' is not a value of type %s for %s", argv[3], type, argv[2]);
        g_autoptr(GVariant) r = call("SetState", g_variant_new("(ssv)", argv[1], argv[2], value), "()");
        return r ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int cmd_fault(int argc, char **argv)
{
        g_autofree char *errno_name = NULL;
        int delay = -1, short_read = -1, count = -1;
        double probability = 1;
        const GOptionEntry entries[] = {
                { "errno", 'e', 0, G_OPTION_ARG_STRING, &errno_name, "Fail with this errno (EIO, 5, ...)", "ERRNO" },
                { "delay", 'd', 0, G_OPTION_ARG_INT, &delay, "Answer this many milliseconds late", "MS" },
                { "short", 's', 0, G_OPTION_ARG_INT, &short_read, "read: return at most N bytes", "N" },
                { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Only the next N matching calls", "N" },
                { "probability", 'p', 0, G_OPTION_ARG_DOUBLE, &probability, "Hit this fraction of calls", "P" },
                { 0 },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new(
                "add DEVICE OPERATION [options] | list DEVICE | clear DEVICE [ID]\n\n"
                "OPERATION: open, read, write, ioctl or ioctl:NAME");
        g_autoptr(GError) error = NULL;

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error))
                return fail("fault: %s", error->message);
        if (argc >= 4 && strcmp(argv[1], "add") == 0 && argc == 4) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
                if (errno_name)
                        g_variant_builder_add(&b, "{sv}", "errno", g_variant_new_string(errno_name));
                if (delay >= 0)
                        g_variant_builder_add(&b, "{sv}", "delay_ms", g_variant_new_uint32((guint32)delay));
                if (short_read >= 0)
                        g_variant_builder_add(&b, "{sv}", "short_read", g_variant_new_uint32((guint32)short_read));
                if (count >= 0)
                        g_variant_builder_add(&b, "{sv}", "count", g_variant_new_uint32((guint32)count));
                g_variant_builder_add(&b, "{sv}", "probability", g_variant_new_double(probability));
                g_autoptr(GVariant) r = call("AddFault", g_variant_new("(ssa{sv})", argv[2], argv[3], &b), "(u)");
                if (!r)
                        return EXIT_FAILURE;
                guint32 id;
                g_variant_get(r, "(u)", &id);
                if (json)
                        print_json(g_variant_new_uint32(id));
                else
                        printf("fault %u added\n", id);
                return EXIT_SUCCESS;
        }
        if (argc == 3 && strcmp(argv[1], "list") == 0) {
                g_autoptr(GVariant) r = call("ListFaults", g_variant_new("(s)", argv[2]), "(a(usa{sv}))");
                if (!r)
                        return EXIT_FAILURE;
                g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
                if (json) {
                        print_json(list);
                        return EXIT_SUCCESS;
                }
                for (gsize i = 0; i < g_variant_n_children(list); i++) {
                        guint32 id;
                        const char *op;
                        g_autoptr(GVariant) opts = NULL;
                        g_variant_get_child(list, i, "(u&s@a{sv})", &id, &op, &opts);
                        g_autofree char *text = g_variant_print(opts, FALSE);
                        printf("%u %s %s\n", id, op, text);
                }
                return EXIT_SUCCESS;
        }
        if ((argc == 3 || argc == 4) && strcmp(argv[1], "clear") == 0) {
                guint64 id = 0;
                if (argc == 4 && !g_ascii_string_to_unsigned(argv[3], 10, 1, G_MAXUINT32, &id, NULL))
                        return fail("fault clear: '%s' is not a fault id", argv[3]);
                g_autoptr(GVariant) r = call("ClearFaults", g_variant_new("(su)", argv[2], (guint32)id), "(u)");
                if (!r)
                        return EXIT_FAILURE;
                guint32 n;
                g_variant_get(r, "(u)", &n);
                printf("%u cleared\n", n);
                return EXIT_SUCCESS;
        }
        g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
        g_printerr("%s", help);
        return EXIT_FAILURE;
}

static void print_event(GVariant *ev)
{
        guint64 time_us, latency_ns;
        guint32 pid;
        const char *device, *op, *name, *dir;
        g_autoptr(GVariant) in = NULL, out = NULL;
        gint32 err;
        gint64 result;

        if (json) {
                GVariantBuilder b;
                g_variant_get(ev, "(tu&s&s&s&s@a{sv}@a{sv}ixt)", &time_us, &pid, &device, &op, &name, &dir, &in,
                              &out, &err, &result, &latency_ns);
                g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
                g_variant_builder_add(&b, "{sv}", "time_us", g_variant_new_uint64(time_us));
                g_variant_builder_add(&b, "{sv}", "pid", g_variant_new_uint32(pid));
                g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(device));
                g_variant_builder_add(&b, "{sv}", "op", g_variant_new_string(op));
                g_variant_builder_add(&b, "{sv}", "request", g_variant_new_string(name));
                g_variant_builder_add(&b, "{sv}", "dir", g_variant_new_string(dir));
                g_variant_builder_add(&b, "{sv}", "input", in);
                g_variant_builder_add(&b, "{sv}", "output", out);
                g_variant_builder_add(&b, "{sv}", "errno", g_variant_new_string(err ? strerrorname_np(err) : ""));
                g_variant_builder_add(&b, "{sv}", "result", g_variant_new_int64(result));
                g_variant_builder_add(&b, "{sv}", "latency_ns", g_variant_new_uint64(latency_ns));
                g_autoptr(GVariant) event = g_variant_ref_sink(g_variant_builder_end(&b));
                g_autoptr(JsonNode) node = json_gvariant_serialize(event);
                g_autofree char *text = json_to_string(node, FALSE);
                printf("%s\n", text);
        } else {
                g_variant_get(ev, "(tu&s&s&s&s@a{sv}@a{sv}ixt)", &time_us, &pid, &device, &op, &name, &dir, &in,
                              &out, &err, &result, &latency_ns);
                g_autoptr(GDateTime) secs = g_date_time_new_from_unix_local((gint64)(time_us / G_USEC_PER_SEC));
                g_autoptr(GDateTime) t = g_date_time_add(secs, (GTimeSpan)(time_us % G_USEC_PER_SEC));
                g_autofree char *when = g_date_time_format(t, "%H:%M:%S.%f");
                g_autofree char *in_text = g_variant_n_children(in) ? g_variant_print(in, FALSE) : g_strdup("");
                g_autofree char *in_part = *in_text ? g_strconcat(" ", in_text, NULL) : g_strdup("");
                g_autofree char *out_text = g_variant_n_children(out) ? g_variant_print(out, FALSE) : g_strdup("");
                g_autofree char *outcome = err ? g_strdup_printf("%s", strerrorname_np(err))
                                               : g_strdup_printf("%" G_GINT64_FORMAT, result);
                printf("%s pid %u %s %s%s%s%s%s%s -> %s%s%s (%.1f us)\n", when, pid, device, op, *name ? " " : "",
                       name, *dir ? " " : "", dir, in_part, outcome,
                       *out_text ? " " : "", out_text, latency_ns / 1000.0);
        }
        fflush(stdout);
}

static void on_request(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                       const char *signal, GVariant *params, gpointer userdata)
{
        g_autoptr(GVariant) ev = g_variant_get_child_value(params, 0);
        print_event(ev);
}

static void on_closed(GDBusConnection *c, gboolean vanished, GError *error, gpointer userdata)
{
        g_main_loop_quit(follow_loop);
}

static int cmd_trace(int argc, char **argv)
{
        gboolean follow = FALSE;
        int max = 100;
        const GOptionEntry entries[] = {
                { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, "Keep printing requests as they are served", NULL },
                { "max", 'n', 0, G_OPTION_ARG_INT, &max, "Show at most N past requests (default 100)", "N" },
                { 0 },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- the requests cusekitd served");
        g_autoptr(GError) error = NULL;

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error))
                return fail("trace: %s", error->message);
        if (max < 0)
                return fail("trace: --max must not be negative");
        if (follow) {
                g_dbus_connection_signal_subscribe(conn, dest, IFACE, "Request", PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE, on_request, NULL, NULL);
                g_autoptr(GVariant) r = call("FollowTrace", NULL, "()");
                if (!r)
                        return EXIT_FAILURE;
        }
        g_autoptr(GVariant) r = call("GetTrace", g_variant_new("(u)", (guint32)max), "(a(tussssa{sv}a{sv}ixt))");
        if (!r)
                return EXIT_FAILURE;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                g_autoptr(GVariant) ev = g_variant_get_child_value(list, i);
                print_event(ev);
        }
        if (follow) {
                follow_loop = g_main_loop_new(NULL, FALSE);
                g_signal_connect(conn, "closed", G_CALLBACK(on_closed), NULL);
                g_main_loop_run(follow_loop);
        }
        return EXIT_SUCCESS;
}

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *help;
} commands[] = {
        { "list", cmd_list, "list                      devices, their nodes, ioctl mode and opens" },
        { "get", cmd_get, "get DEVICE [NAME]         device state" },
        { "set", cmd_set, "set DEVICE NAME VALUE     set device state" },
        { "fault", cmd_fault, "fault add|list|clear ...  inject faults (cusekit fault --help)" },
        { "trace", cmd_trace, "trace [--follow] [-n N]   requests served" },
        { "run", NULL, "run [OPTION...] -- PROGRAM [ARGS...]  PROGRAM with emulated devices, no root (cusekit run --help)" },
};

int main(int argc, char **argv)
{
        g_autofree char *socket = NULL;
        g_autofree char *bus = NULL;
        g_autofree char *bus_name = NULL;
        int major = 120;
        const GOptionEntry entries[] = {
                { "socket", 'S', 0, G_OPTION_ARG_FILENAME, &socket, "cusekitd's control socket", "PATH" },
                { "major", 'M', 0, G_OPTION_ARG_INT, &major, "The daemon's --major, to find its socket (default 120)", "N" },
                { "bus", 'B', 0, G_OPTION_ARG_STRING, &bus, "Reach cusekitd on a bus instead: session, system or an address", "BUS" },
                { "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name, "Its name there (default org.cusekit.Daemon)", "NAME" },
                { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                { 0 },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS...] - control a running cusekitd");
        g_autoptr(GError) error = NULL;
        GString *desc = g_string_new("Commands:\n");

        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
                g_string_append_printf(desc, "  %s\n", commands[i].help);
        g_option_context_add_main_entries(ctx, entries, NULL);
        g_option_context_set_description(ctx, desc->str);
        g_string_free(desc, TRUE);
        /* global options come before the command; the command parses the rest */
        g_option_context_set_strict_posix(ctx, TRUE);
        if (!g_option_context_parse(ctx, &argc, &argv, &error))
                return fail("%s (see --help)", error->message);
        if (argc < 2)
                return fail("no command (see --help)");
        /* run hosts its own devices: no daemon to reach */
        if (strcmp(argv[1], "run") == 0)
                return cusekit_run(argc - 1, argv + 1);
        size_t i = 0;
        while (i < G_N_ELEMENTS(commands) && strcmp(commands[i].name, argv[1]) != 0)
                i++;
        if (i == G_N_ELEMENTS(commands))
                return fail("unknown command '%s' (see --help)", argv[1]);

        if (bus) {
                if (strcmp(bus, "session") == 0 || strcmp(bus, "system") == 0)
                        conn = g_bus_get_sync(bus[1] == 'e' ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
                else
                        conn = g_dbus_connection_new_for_address_sync(
                                bus, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                NULL, NULL, &error);
                if (!conn)
                        return fail("cannot reach the %s bus: %s", bus, error->message);
                dest = bus_name ? bus_name : "org.cusekit.Daemon";
                g_autoptr(GVariant) owner = g_dbus_connection_call_sync(
                        conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                        g_variant_new("(s)", dest), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
                gboolean has = FALSE;
                if (owner)
                        g_variant_get(owner, "(b)", &has);
                if (!has)
                        return fail("cusekitd is not running on the %s bus: nobody owns %s", bus, dest);
                int r = commands[i].run(argc - 1, argv + 1);
                g_object_unref(conn);
                return r;
        }
        /* inside `cusekit run`, its own devices */
        if (!socket && g_getenv("CUSEKIT_CONTROL") && g_getenv("CUSEKIT_CONTROL")[0])
                socket = g_strdup(g_getenv("CUSEKIT_CONTROL"));
        if (!socket)
                socket = g_strdup_printf("/run/cusekit/control-%d.sock", major);
        if (access(socket, F_OK) < 0)
                return fail("cusekitd is not running: no control socket at %s (start it, or give --socket/--major)",
                            socket);
        if (access(socket, R_OK | W_OK) < 0)
                return fail("not permitted to use %s: %s (it is for the daemon's user; run as that user or root)",
                            socket, g_strerror(errno));
        g_autofree char *escaped = g_dbus_address_escape_value(socket);
        g_autofree char *address = g_strdup_printf("unix:path=%s", escaped);
        conn = g_dbus_connection_new_for_address_sync(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                      NULL, NULL, &error);
        if (!conn)
                return fail("cannot reach cusekitd at %s: %s", socket, error->message);
        int r = commands[i].run(argc - 1, argv + 1);
        g_object_unref(conn);
        return r;
}
