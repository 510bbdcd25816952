/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekit: the command line of cusekitd's control interface.
 *   cusekit [--socket PATH | --major N] [--json] COMMAND [ARGS] [OPTIONS]
 *
 * Each command is one row of commands[] below: its arguments, its options
 * and whether it talks to a daemon; --help, the global options after the
 * command, and the count of arguments are handled for every row alike,
 * before any daemon is reached.
 */
#include "cli.h"
#include "control.h"
#include "cusekit-abi.h"
#include "cusekit-run.h"
#include "cusekit-serial.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <locale.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static gboolean json;
static GDBusConnection *conn;
static const char *dest;          /* a bus name when on a bus; NULL on the socket */
static GMainLoop *follow_loop;

#define fail(...) ck_cli_fail("cusekit", EXIT_FAILURE, __VA_ARGS__)

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
        return ck_cli_call("cusekit", conn, dest, method, params, reply_type);
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

/* Integer GVariant types: their range, for the user's words. */
static gboolean integer_range(const char *type, gint64 *min, guint64 *max)
{
        static const struct {
                char type;
                gint64 min;
                guint64 max;
        } ranges[] = {
                { 'y', 0, G_MAXUINT8 },          { 'n', G_MININT16, G_MAXINT16 }, { 'q', 0, G_MAXUINT16 },
                { 'i', G_MININT32, G_MAXINT32 }, { 'u', 0, G_MAXUINT32 },         { 'x', G_MININT64, G_MAXINT64 },
                { 't', 0, G_MAXUINT64 },
        };
        for (size_t i = 0; type[0] && !type[1] && i < G_N_ELEMENTS(ranges); i++)
                if (ranges[i].type == type[0]) {
                        *min = ranges[i].min;
                        *max = ranges[i].max;
                        return TRUE;
                }
        return FALSE;
}

/* @text as a value of GVariant @type, or NULL with what a value of @name must be. */
static GVariant *parse_value(const char *name, const char *type, const char *text, char **ret_why)
{
        gint64 min;
        guint64 max;

        if (strcmp(type, "b") == 0) {
                if (!strcmp(text, "1") || !g_ascii_strcasecmp(text, "true") || !g_ascii_strcasecmp(text, "on"))
                        return g_variant_new_boolean(TRUE);
                if (!strcmp(text, "0") || !g_ascii_strcasecmp(text, "false") || !g_ascii_strcasecmp(text, "off"))
                        return g_variant_new_boolean(FALSE);
                *ret_why = g_strdup_printf("%s must be true or false (or 1/0, on/off), not '%s'", name, text);
                return NULL;
        }
        if (integer_range(type, &min, &max)) {
                gint64 n;
                guint64 u;
                /* decimal, or hex after 0x, as a register dump reads */
                gboolean hex = g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X");
                const char *digits = hex ? text + 2 : text;
                guint base = hex ? 16 : 10;
                gboolean ok = min < 0 ? g_ascii_string_to_signed(digits, base, min, (gint64)max, &n, NULL)
                                      : g_ascii_string_to_unsigned(digits, base, 0, max, &u, NULL);
                if (!ok) {
                        *ret_why = min < 0 ? g_strdup_printf("%s must be a whole number from %" G_GINT64_FORMAT
                                                             " to %" G_GINT64_FORMAT ", not '%s'",
                                                             name, min, (gint64)max, text)
                                           : g_strdup_printf("%s must be a whole number from 0 to %" G_GUINT64_FORMAT
                                                             ", not '%s'", name, max, text);
                        return NULL;
                }
                switch (type[0]) {
                case 'y': return g_variant_new_byte((guint8)u);
                case 'n': return g_variant_new_int16((gint16)n);
                case 'q': return g_variant_new_uint16((guint16)u);
                case 'i': return g_variant_new_int32((gint32)n);
                case 'u': return g_variant_new_uint32((guint32)u);
                case 'x': return g_variant_new_int64(n);
                default: return g_variant_new_uint64(u);
                }
        }
        if (strcmp(type, "s") == 0)
                return g_variant_new_string(text);
        if (strcmp(type, "d") == 0) {
                char *end;
                double d = g_ascii_strtod(text, &end);
                if (!text[0] || *end) {
                        *ret_why = g_strdup_printf("%s must be a number, not '%s'", name, text);
                        return NULL;
                }
                return g_variant_new_double(d);
        }
        if (strcmp(type, "ay") == 0) {
                size_t len = strlen(text);
                if (!len || strspn(text, "0123456789abcdefABCDEF") != len || len % 2) {
                        *ret_why = g_strdup_printf("%s must be bytes in hex, two digits each (like 00ff12), not '%s'",
                                                   name, text);
                        return NULL;
                }
                /* hex, the way a byte dump reads */
                gsize n = len / 2;
                g_autofree guint8 *bytes = g_malloc(n);
                for (gsize i = 0; i < n; i++)
                        bytes[i] = (guint8)(g_ascii_xdigit_value(text[2 * i]) << 4 | g_ascii_xdigit_value(text[2 * i + 1]));
                return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, n, 1);
        }
        GVariant *v = g_variant_parse(G_VARIANT_TYPE(type), text, NULL, NULL, NULL);
        if (!v)
                *ret_why = g_strdup_printf("'%s' is not a value for %s (GVariant text of type %s)", text, name, type);
        return v;
}

static int cmd_set(int argc, char **argv)
{
        g_autofree char *type = state_type(argv[1], argv[2]);
        g_autofree char *why = NULL;
        if (!type)
                return EXIT_FAILURE;
        GVariant *value = parse_value(argv[2], type, argv[3], &why);
        if (!value)
                return fail("%s", why);
        g_autoptr(GVariant) r = call("SetState", g_variant_new("(ssv)", argv[1], argv[2], value), "()");
        return r ? EXIT_SUCCESS : EXIT_FAILURE;
}

static char *fault_errno, *fault_delay, *fault_short, *fault_count, *fault_probability;
static const GOptionEntry fault_options[] = {
        { "errno", 'e', 0, G_OPTION_ARG_STRING, &fault_errno, "add: fail with this errno (EIO, 5, ...)", "ERRNO" },
        { "delay", 'd', 0, G_OPTION_ARG_STRING, &fault_delay, "add: answer this many milliseconds late", "MS" },
        { "short", 's', 0, G_OPTION_ARG_STRING, &fault_short, "add: a read returns at most N bytes", "N" },
        { "count", 'n', 0, G_OPTION_ARG_STRING, &fault_count, "add: only the next N matching calls", "N" },
        { "probability", 'p', 0, G_OPTION_ARG_STRING, &fault_probability, "add: hit this fraction of calls (0 to 1)", "P" },
        { 0 },
};

/* A fault option's number, or FALSE with the flag's name in the message. */
static gboolean fault_number(const char *flag, const char *text, guint64 max, const char *unit, guint32 *ret)
{
        guint64 n;

        if (!g_ascii_string_to_unsigned(text, 10, 0, max, &n, NULL)) {
                fail("fault add: --%s %s: must be a whole number from 0 to %" G_GUINT64_FORMAT "%s", flag, text, max,
                     unit);
                return FALSE;
        }
        *ret = (guint32)n;
        return TRUE;
}

static int fault_add(const char *device, const char *operation)
{
        g_autoptr(GVariant) r = NULL;
        double probability = 1;
        GVariantBuilder b;
        guint32 n;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        if (fault_errno)
                g_variant_builder_add(&b, "{sv}", "errno", g_variant_new_string(fault_errno));
        if (fault_delay) {
                if (!fault_number("delay", fault_delay, G_MAXINT32, " (milliseconds)", &n))
                        goto bad;
                g_variant_builder_add(&b, "{sv}", "delay_ms", g_variant_new_uint32(n));
        }
        if (fault_short) {
                if (strcmp(operation, "read") != 0) {
                        fail("fault add: --short applies to read only, not %s", operation);
                        goto bad;
                }
                if (!fault_number("short", fault_short, G_MAXINT32, " (bytes)", &n))
                        goto bad;
                g_variant_builder_add(&b, "{sv}", "short_read", g_variant_new_uint32(n));
        }
        if (fault_count) {
                if (!fault_number("count", fault_count, G_MAXUINT32, "", &n))
                        goto bad;
                g_variant_builder_add(&b, "{sv}", "count", g_variant_new_uint32(n));
        }
        if (fault_probability) {
                char *end;
                probability = g_ascii_strtod(fault_probability, &end);
                if (!fault_probability[0] || *end || !(probability >= 0 && probability <= 1)) {
                        fail("fault add: --probability %s: must be a number from 0 to 1", fault_probability);
                        goto bad;
                }
        }
        g_variant_builder_add(&b, "{sv}", "probability", g_variant_new_double(probability));
        r = call("AddFault", g_variant_new("(ssa{sv})", device, operation, &b), "(u)");
        if (!r)
                return EXIT_FAILURE;
        guint32 id;
        g_variant_get(r, "(u)", &id);
        if (json)
                print_json(g_variant_new_parsed("{'id': <%u>}", id));
        else
                printf("fault %u added\n", id);
        return EXIT_SUCCESS;
bad:
        g_variant_builder_clear(&b);
        return EXIT_FAILURE;
}

static int cmd_fault(int argc, char **argv)
{
        const char *sub = argv[1];
        gboolean add_options = fault_errno || fault_delay || fault_short || fault_count || fault_probability;

        if (strcmp(sub, "add") != 0 && add_options)
                return fail("fault %s: --errno, --delay, --short, --count and --probability are for 'fault add'", sub);
        if (strcmp(sub, "add") == 0) {
                if (argc != 4)
                        return fail("usage: cusekit fault add DEVICE OPERATION [--errno E] [--delay MS] [--short N] "
                                    "[--count N] [--probability P]");
                return fault_add(argv[2], argv[3]);
        }
        if (strcmp(sub, "list") == 0) {
                if (argc != 3)
                        return fail("usage: cusekit fault list DEVICE");
                g_autoptr(GVariant) r = call("ListFaults", g_variant_new("(s)", argv[2]), "(a(usa{sv}))");
                if (!r)
                        return EXIT_FAILURE;
                g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
                if (json) {
                        print_json(g_variant_ref(list));
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
        if (strcmp(sub, "clear") == 0) {
                guint64 id = 0;
                if (argc != 3 && argc != 4)
                        return fail("usage: cusekit fault clear DEVICE [ID]");
                if (argc == 4 && !g_ascii_string_to_unsigned(argv[3], 10, 1, G_MAXUINT32, &id, NULL))
                        return fail("fault clear: '%s' is not a fault id", argv[3]);
                g_autoptr(GVariant) r = call("ClearFaults", g_variant_new("(su)", argv[2], (guint32)id), "(u)");
                if (!r)
                        return EXIT_FAILURE;
                guint32 n;
                g_variant_get(r, "(u)", &n);
                if (json)
                        print_json(g_variant_new_parsed("{'cleared': <%u>}", n));
                else
                        printf("%u cleared\n", n);
                return EXIT_SUCCESS;
        }
        return fail("fault: unknown subcommand '%s': add, list or clear (see cusekit fault --help)", sub);
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

static gboolean trace_follow;
static char *trace_max;
static const GOptionEntry trace_options[] = {
        { "follow", 'f', 0, G_OPTION_ARG_NONE, &trace_follow, "Keep printing requests as they are served (with --json: one object a line)", NULL },
        { "max", 'n', 0, G_OPTION_ARG_STRING, &trace_max, "Show at most N past requests (default 100)", "N" },
        { 0 },
};

static int cmd_trace(int argc, char **argv)
{
        guint64 max = 100;

        if (trace_max && !g_ascii_string_to_unsigned(trace_max, 10, 0, G_MAXUINT32, &max, NULL))
                return fail("trace: --max %s: must be a whole number from 0 to %u", trace_max, G_MAXUINT32);
        if (trace_follow) {
                g_dbus_connection_signal_subscribe(conn, dest, CK_CONTROL_INTERFACE, "Request", CK_CONTROL_PATH, NULL,
                                                   G_DBUS_SIGNAL_FLAGS_NONE, on_request, NULL, NULL);
                g_autoptr(GVariant) r = call("FollowTrace", NULL, "()");
                if (!r)
                        return EXIT_FAILURE;
        }
        g_autoptr(GVariant) r = call("GetTrace", g_variant_new("(u)", (guint32)max), "(a(tussssa{sv}a{sv}ixt))");
        if (!r)
                return EXIT_FAILURE;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        /* --json: one array of the past requests; followed ones come one a line */
        if (json && !trace_follow)
                printf("[");
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                g_autoptr(GVariant) ev = g_variant_get_child_value(list, i);
                if (json && !trace_follow && i > 0)
                        printf(",");
                print_event(ev);
        }
        if (json && !trace_follow)
                printf("]\n");
        if (trace_follow) {
                follow_loop = g_main_loop_new(NULL, FALSE);
                g_signal_connect(conn, "closed", G_CALLBACK(on_closed), NULL);
                g_main_loop_run(follow_loop);
        }
        return EXIT_SUCCESS;
}

static int cmd_serial(int argc, char **argv)
{
        return cusekit_serial(conn, dest, json, argc, argv);
}

/* --- events: evemu-record output or simple lines, sent to a device's `events` state --- */

static gboolean events_no_timing;
static const GOptionEntry events_options[] = {
        { "no-timing", 0, 0, G_OPTION_ARG_NONE, &events_no_timing,
          "send everything at once instead of keeping the recording's timing", NULL },
        { 0 },
};

/* Not an event: a description line of evemu-record's header (N:, I:, B: ...). */
static gboolean events_header_line(const char *line)
{
        static const char *const tags[] = { "N:", "I:", "P:", "B:", "A:", "L:", "S:" };

        while (*line == ' ' || *line == '\t')
                line++;
        for (size_t i = 0; i < G_N_ELEMENTS(tags); i++)
                if (g_str_has_prefix(line, tags[i]))
                        return TRUE;
        return FALSE;
}

/* A line that ends a report: "E: T 0000 0000 V", "SYN", "SYN_REPORT", "EV_SYN SYN_REPORT V". */
static gboolean events_report_line(const char *line, double *ret_time)
{
        g_autofree char *copy = g_strdup(line);
        char *hash = strchr(copy, '#');
        if (hash)
                *hash = '\0';
        g_auto(GStrv) words = g_strsplit_set(g_strstrip(copy), " \t", -1);
        guint n = g_strv_length(words);

        if (n >= 5 && strcmp(words[0], "E:") == 0) {
                *ret_time = g_ascii_strtod(words[1], NULL);
                return strtoul(words[2], NULL, 16) == 0 && strtoul(words[3], NULL, 16) == 0;
        }
        return (n == 1 && (!strcmp(words[0], "SYN") || !strcmp(words[0], "SYN_REPORT"))) ||
               (n >= 2 && !strcmp(words[0], "EV_SYN") && !strcmp(words[1], "SYN_REPORT"));
}

static gboolean events_send(const char *device, const char *text)
{
        g_autoptr(GVariant) r = call("SetState", g_variant_new("(ssv)", device, "events", g_variant_new_string(text)),
                                     "()");
        return r != NULL;
}

/* cusekit events DEVICE [FILE|-]: one SetState per report, at the recording's
 * times (from its first event), unless --no-timing. */
static int cmd_events(int argc, char **argv)
{
        const char *device = argv[1], *path = argc > 2 ? argv[2] : "-";
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;

        if (strcmp(path, "-") == 0) {
                g_autoptr(GInputStream) in = g_unix_input_stream_new(STDIN_FILENO, FALSE);
                g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
                if (g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
                        return fail("events: standard input: %s", error->message);
                g_autoptr(GBytes) bytes = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
                text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
        } else if (!g_file_get_contents(path, &text, NULL, &error)) {
                return fail("events: %s", error->message);
        }
        g_autofree char *type = state_type(device, "events");
        if (!type)
                return EXIT_FAILURE;

        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        /* the header's lines become blank: the device's line numbers stay the file's */
        for (char **l = lines; *l; l++)
                if (events_header_line(*l))
                        **l = '\0';
        if (events_no_timing) {
                g_autofree char *all = g_strjoinv("\n", lines);
                return events_send(device, all) ? EXIT_SUCCESS : EXIT_FAILURE;
        }

        gint64 start_us = g_get_monotonic_time();
        double first = -1;
        g_autoptr(GString) report = g_string_new(NULL);
        for (char **l = lines; *l; l++) {
                double t = -1;
                gboolean ends = events_report_line(*l, &t);
                g_string_append_printf(report, "%s\n", *l);
                if (!ends && l[1])
                        continue;
                if (t >= 0) {
                        if (first < 0)
                                first = t;
                        gint64 due_us = start_us + (gint64)((t - first) * 1e6);
                        gint64 now_us = g_get_monotonic_time();
                        if (due_us > now_us)
                                g_usleep((gulong)(due_us - now_us));
                }
                if (!events_send(device, report->str))
                        return EXIT_FAILURE;
                g_string_truncate(report, 0);
        }
        return EXIT_SUCCESS;
}

struct command {
        const char *name;
        const char *args;              /* its arguments, for usage and --help */
        const char *summary;
        int min_args, max_args;        /* how many arguments; max -1: any */
        const GOptionEntry *options;   /* its own options, or NULL */
        gboolean options_first;        /* options end at the first argument (e.g. a program to run) */
        gboolean no_daemon;            /* runs without reaching cusekitd */
        const char *description;       /* --help's text after the options, or NULL */
        int (*run)(int argc, char **argv);   /* argv[0] is the command; options are parsed */
};

/* One row per command.  A command in a file of its own declares its
 * run function (and options) in a header and adds its row here. */
static const struct command commands[] = {
        { .name = "list", .args = "", .summary = "devices, their nodes, ioctl mode and opens",
          .run = cmd_list },
        { .name = "get", .args = "DEVICE [NAME]", .summary = "device state", .min_args = 1, .max_args = 2,
          .run = cmd_get },
        { .name = "set", .args = "DEVICE NAME VALUE", .summary = "set device state", .min_args = 3,
          .max_args = 3, .run = cmd_set },
        { .name = "events", .args = "DEVICE [FILE|-]",
          .summary = "send input events (evemu-record output, or lines like 'EV_KEY KEY_A 1' and 'SYN')",
          .min_args = 1, .max_args = 2, .options = events_options, .run = cmd_events },
        { .name = "fault", .args = "add DEVICE OPERATION [options] | list DEVICE | clear DEVICE [ID]",
          .summary = "inject faults (OPERATION: open, read, write, ioctl or ioctl:NAME)", .min_args = 2,
          .max_args = 3, .options = fault_options, .run = cmd_fault },
        { .name = "trace", .args = "[--follow] [-n N]", .summary = "requests served", .options = trace_options,
          .run = cmd_trace },
        { .name = "serial", .args = "DEVICE",
          .summary = "be a serial port's far end: a terminal or pipe, its lines, breaks, errors",
          .description = cusekit_serial_description, .min_args = 1, .max_args = 1,
          .options = cusekit_serial_options, .run = cmd_serial },
        { .name = "abi", .args = "MODULE.so|TYPE", .summary = "a family's ioctl ABI: --table, --header, --check",
          .min_args = 1, .max_args = 1, .options = cusekit_abi_options, .no_daemon = TRUE, .run = cusekit_abi },
        { .name = "run", .args = "-- PROGRAM [ARGS...]", .summary = "run PROGRAM with emulated devices: no root, no CUSE",
          .description = cusekit_run_description, .min_args = 1, .max_args = -1, .options = cusekit_run_options,
          .options_first = TRUE, .no_daemon = TRUE, .run = cusekit_run },
};

static char *socket_path;
static char *bus;
static char *bus_name;
static char *major_text;
static const GOptionEntry global_options[] = {
        { "socket", 'S', 0, G_OPTION_ARG_FILENAME, &socket_path, "cusekitd's control socket", "PATH" },
        { "major", 'M', 0, G_OPTION_ARG_STRING, &major_text, "The daemon's --major, to find its socket (default 120)", "N" },
        { "bus", 'B', 0, G_OPTION_ARG_STRING, &bus, "Reach cusekitd on a bus instead: session, system or an address", "BUS" },
        { "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name, "Its name there (default org.cusekit.Daemon)", "NAME" },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
        { 0 },
};

static int connect_daemon(void)
{
        g_autoptr(GError) error = NULL;

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
                return 0;
        }
        guint64 major = 120;
        if (major_text && !g_ascii_string_to_unsigned(major_text, 10, 0, 4095, &major, NULL))
                return fail("--major %s: must be a whole number from 0 to 4095", major_text);
        /* inside `cusekit run`, its own devices */
        const char *run_socket = g_getenv("CUSEKIT_CONTROL");
        g_autofree char *socket = socket_path ? g_strdup(socket_path)
                                  : run_socket && run_socket[0] && !major_text ? g_strdup(run_socket)
                                  : g_strdup_printf("/run/cusekit/control-%u.sock", (unsigned)major);
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
        return 0;
}

/* The command's own options plus the global ones (accepted after the
 * command too), --help, and the count of its arguments. */
static int run_command(const struct command *c, int argc, char **argv)
{
        g_autofree char *param = g_strdup_printf("%s%s%s", c->name, c->args[0] ? " " : "", c->args);
        g_autoptr(GOptionContext) ctx = g_option_context_new(c->args);
        g_autoptr(GError) error = NULL;

        g_option_context_set_summary(ctx, c->summary);
        if (c->description)
                g_option_context_set_description(ctx, c->description);
        if (c->options)
                g_option_context_add_main_entries(ctx, c->options, NULL);
        /* the global options, before or after the command */
        g_option_context_add_main_entries(ctx, global_options, NULL);
        g_option_context_set_strict_posix(ctx, c->options_first);
        g_autofree char *prgname = g_strdup_printf("cusekit %s", c->name);
        g_set_prgname(prgname);
        /* a negative number is an argument (set rtc7 offset -3600), not an
         * option: hidden from the parser behind a marker, then put back */
        g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
        for (int i = 0; i < argc; i++) {
                gboolean negative = i > 0 && argv[i][0] == '-' && g_ascii_isdigit(argv[i][1]);
                if (negative)
                        g_ptr_array_add(numbers, g_strdup(argv[i]));
                g_ptr_array_add(args, negative ? g_strdup_printf("\x01%u", numbers->len - 1) : g_strdup(argv[i]));
        }
        g_ptr_array_add(args, NULL);
        char **parsed = (char **)args->pdata;   /* the parser reorders and drops, never frees */
        g_autofree char **shown = g_memdup2(parsed, sizeof(char *) * args->len);
        if (!g_option_context_parse(ctx, &argc, &shown, &error))
                return fail("%s: %s (see cusekit %s --help)", c->name, error->message, c->name);
        for (int i = 0; i < argc; i++)
                if (shown[i][0] == '\x01')
                        shown[i] = numbers->pdata[strtoul(shown[i] + 1, NULL, 10)];
        /* and as an option's value (--delay -5): the parser kept a copy of the marker */
        const GOptionEntry *const sets[] = { c->options, global_options };
        for (size_t k = 0; k < G_N_ELEMENTS(sets); k++)
                for (const GOptionEntry *e = sets[k]; e && e->long_name; e++) {
                        char **value = e->arg_data;
                        if ((e->arg == G_OPTION_ARG_STRING || e->arg == G_OPTION_ARG_FILENAME) && *value &&
                            (*value)[0] == '\x01') {
                                char *number = g_strdup(numbers->pdata[strtoul(*value + 1, NULL, 10)]);
                                g_free(*value);
                                *value = number;
                        }
                }
        argv = shown;
        int n = argc - 1;
        if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
                if (n > c->max_args && c->max_args >= 0)
                        return fail("%s: unexpected argument '%s' (usage: cusekit %s)", c->name, argv[1 + c->max_args],
                                    param);
                return fail("%s: missing arguments (usage: cusekit %s)", c->name, param);
        }
        if (!c->no_daemon) {
                int r = connect_daemon();
                if (r != 0)
                        return r;
        }
        int r = c->run(argc, argv);
        g_clear_object(&conn);
        return r;
}

int main(int argc, char **argv)
{
        g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS...] - control a running cusekitd");
        g_autoptr(GError) error = NULL;
        GString *desc = g_string_new("Commands (cusekit COMMAND --help for each):\n");

        setlocale(LC_ALL, "");
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
                g_autofree char *usage = g_strdup_printf("%s %s", commands[i].name, commands[i].args);
                g_string_append_printf(desc, "  %-28s %s\n", usage, commands[i].summary);
        }
        g_option_context_add_main_entries(ctx, global_options, NULL);
        g_option_context_set_description(ctx, desc->str);
        g_string_free(desc, TRUE);
        /* global options before the command; the command parses the rest (and globals again) */
        g_option_context_set_strict_posix(ctx, TRUE);
        if (!g_option_context_parse(ctx, &argc, &argv, &error))
                return fail("%s (see --help)", error->message);
        if (argc < 2)
                return fail("no command (see --help)");
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
                if (strcmp(commands[i].name, argv[1]) == 0)
                        return run_command(&commands[i], argc - 1, argv + 1);
        return fail("unknown command '%s' (see --help)", argv[1]);
}
