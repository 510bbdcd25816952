/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekit serial NAME: a terminal or a pipe on the far end of an emulated
 * serial port (a tty device without peer= or loopback=1).  What stdin
 * gives arrives at the port; what the port sends is written to stdout.
 * The bytes flow on the device's stream "far" (OpenStream: a descriptor
 * passed over the control connection, which the daemon serves as it serves
 * a far=unix connection); lines, breaks and bad bytes are its far/...
 * state (SetState).
 */
#include "cusekit-serial.h"

#include "cli.h"
#include "control.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define KEY_ESCAPE 0x01   /* C-a, picocom's escape */
#define KEY_QUIT 0x18     /* C-x */
#define KEY_BREAK 0x1c    /* C-\ */
#define QUIET_US (500 * G_TIME_SPAN_MILLISECOND)   /* after stdin's end: the port quiet this long ends it */

static char *opt_cts, *opt_dsr, *opt_dcd, *opt_ri, *opt_frame_error, *opt_parity_error, *opt_timeout;
static gboolean opt_break, opt_show, opt_quiet;

const GOptionEntry cusekit_serial_options[] = {
        { "cts", 0, 0, G_OPTION_ARG_STRING, &opt_cts, "Drive the port's CTS input low (0) or high (1)", "0|1" },
        { "dsr", 0, 0, G_OPTION_ARG_STRING, &opt_dsr, "... its DSR input", "0|1" },
        { "dcd", 0, 0, G_OPTION_ARG_STRING, &opt_dcd, "... its DCD (carrier detect) input", "0|1" },
        { "ri", 0, 0, G_OPTION_ARG_STRING, &opt_ri, "... its RI (ring) input", "0|1" },
        { "break", 0, 0, G_OPTION_ARG_NONE, &opt_break, "Send the port a break", NULL },
        { "frame-error", 0, 0, G_OPTION_ARG_STRING, &opt_frame_error, "Send it BYTE with a framing error", "BYTE" },
        { "parity-error", 0, 0, G_OPTION_ARG_STRING, &opt_parity_error, "Send it BYTE with a parity error", "BYTE" },
        { "show", 's', 0, G_OPTION_ARG_NONE, &opt_show, "Print the modem lines, line settings and counters", NULL },
        { "timeout", 't', 0, G_OPTION_ARG_STRING, &opt_timeout,
          "End after SECONDS (from a pipe: rather than when the port is quiet)", "SECONDS" },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No banner on a terminal", NULL },
        { 0 },
};

const char cusekit_serial_description[] =
        "Without the options that act, stdin goes to the port and what the port sends\n"
        "is printed.  On a terminal (raw mode, restored at the end): C-a C-x quits,\n"
        "C-a C-\\ sends a break, C-a C-a sends C-a.  From a pipe it ends when stdin\n"
        "has ended and the port has been quiet for 0.5 s, or at --timeout.\n"
        "With --cts, --dsr, --dcd, --ri, --break, --frame-error, --parity-error or\n"
        "--show it does those, in that order, and ends.  BYTE: 0 to 255, or 0xHH.\n"
        "DEVICE is a tty device whose far end is neither peer= nor loopback=1; one far\n"
        "end at a time (a far=unix connection is one).\n"
        "\n"
        "  echo hello | cusekit serial ttyCK3\n"
        "  cusekit serial ttyCK3 --cts=1 --dsr=1 --show\n";

#define fail(...) ck_cli_fail("cusekit serial", EXIT_FAILURE, __VA_ARGS__)

struct serial {
        GDBusConnection *conn;
        const char *dest;
        const char *device;
};

static GVariant *call(const struct serial *s, const char *method, GVariant *params, const char *reply_type)
{
        return ck_cli_call("cusekit serial", s->conn, s->dest, method, params, reply_type);
}

/* The device exists, is reachable and is a serial port. */
static bool check_device(const struct serial *s)
{
        g_autoptr(GVariant) r = call(s, "ListDevices", NULL, "(a(ssssu))");
        if (!r)
                return false;
        g_autoptr(GVariant) list = g_variant_get_child_value(r, 0);
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
                const char *name, *type;
                g_variant_get_child(list, i, "(&s&s&s&su)", &name, &type, NULL, NULL, NULL);
                if (strcmp(name, s->device) != 0)
                        continue;
                if (strcmp(type, "tty") != 0) {
                        fail("%s is not a serial port: its type is %s, not tty", s->device, type);
                        return false;
                }
                return true;
        }
        fail("no device '%s' (or not permitted; see cusekit list)", s->device);
        return false;
}

static bool set_state(const struct serial *s, const char *name, GVariant *value)
{
        g_autoptr(GVariant) r = call(s, "SetState", g_variant_new("(ssv)", s->device, name, value), "()");
        return r != NULL;
}

static GVariant *get_state(const struct serial *s, const char *name)
{
        g_autoptr(GVariant) r = call(s, "GetState", g_variant_new("(ss)", s->device, name), "(v)");
        GVariant *value = NULL;

        if (r)
                g_variant_get(r, "(v)", &value);
        return value;
}

static bool parse_level(const char *flag, const char *text, gboolean *ret)
{
        if (!strcmp(text, "1") || !g_ascii_strcasecmp(text, "on") || !g_ascii_strcasecmp(text, "true"))
                *ret = TRUE;
        else if (!strcmp(text, "0") || !g_ascii_strcasecmp(text, "off") || !g_ascii_strcasecmp(text, "false"))
                *ret = FALSE;
        else {
                fail("--%s=%s: 0 or 1 (off or on)", flag, text);
                return false;
        }
        return true;
}

static bool parse_byte(const char *flag, const char *text, guint8 *ret)
{
        gboolean hex = g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X");
        guint64 n;

        if (!g_ascii_string_to_unsigned(hex ? text + 2 : text, hex ? 16 : 10, 0, 255, &n, NULL)) {
                fail("--%s=%s: a byte, 0 to 255 or 0x00 to 0xff", flag, text);
                return false;
        }
        *ret = (guint8)n;
        return true;
}

/* --cts ... --parity-error, checked all before any is done. */
static int act(const struct serial *s)
{
        const struct { const char *flag, *state, *text; } lines[] = {
                { "cts", "far/cts", opt_cts }, { "dsr", "far/dsr", opt_dsr },
                { "dcd", "far/dcd", opt_dcd }, { "ri", "far/ri", opt_ri },
        };
        gboolean level[G_N_ELEMENTS(lines)] = { 0 };
        guint8 frame = 0, parity = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
                if (lines[i].text && !parse_level(lines[i].flag, lines[i].text, &level[i]))
                        return EXIT_FAILURE;
        if ((opt_frame_error && !parse_byte("frame-error", opt_frame_error, &frame)) ||
            (opt_parity_error && !parse_byte("parity-error", opt_parity_error, &parity)))
                return EXIT_FAILURE;
        if (!check_device(s))
                return EXIT_FAILURE;
        for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
                if (lines[i].text && !set_state(s, lines[i].state, g_variant_new_boolean(level[i])))
                        return EXIT_FAILURE;
        if ((opt_break && !set_state(s, "far/break", g_variant_new_boolean(TRUE))) ||
            (opt_frame_error && !set_state(s, "far/frame-error", g_variant_new_byte(frame))) ||
            (opt_parity_error && !set_state(s, "far/parity-error", g_variant_new_byte(parity))))
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

/* --show: what the port's lines are, how it is set, what it counted. */
static int show(const struct serial *s, gboolean json)
{
        static const struct { const char *key, *state, *label; } lines[] = {
                { "dtr", "dtr", "DTR" }, { "rts", "rts", "RTS" },
                { "cts", "far/cts", "CTS" }, { "dsr", "far/dsr", "DSR" },
                { "dcd", "far/dcd", "DCD" }, { "ri", "far/ri", "RI" },
        };
        g_autoptr(GVariant) line = get_state(s, "line");
        g_autoptr(GVariant) icount = line ? get_state(s, "icount") : NULL;
        gboolean level[G_N_ELEMENTS(lines)];

        if (!icount)
                return EXIT_FAILURE;
        for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
                g_autoptr(GVariant) v = get_state(s, lines[i].state);
                if (!v)
                        return EXIT_FAILURE;
                level[i] = g_variant_get_boolean(v);
        }
        if (json) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
                g_variant_builder_add(&b, "{sv}", "line", line);
                for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
                        g_variant_builder_add(&b, "{sv}", lines[i].key, g_variant_new_boolean(level[i]));
                g_variant_builder_add(&b, "{sv}", "icount", icount);
                g_autoptr(GVariant) all = g_variant_ref_sink(g_variant_builder_end(&b));
                g_autoptr(JsonNode) node = json_gvariant_serialize(all);
                g_autofree char *text = json_to_string(node, TRUE);
                printf("%s\n", text);
                return EXIT_SUCCESS;
        }
        printf("line      %s\n", g_variant_get_string(line, NULL));
        printf("outputs  ");
        for (size_t i = 0; i < 2; i++)
                printf(" %s=%d", lines[i].label, level[i]);
        printf("\ninputs   ");
        for (size_t i = 2; i < G_N_ELEMENTS(lines); i++)
                printf(" %s=%d", lines[i].label, level[i]);
        printf("\ncounters ");
        GVariantIter it;
        const char *key;
        gint32 n;
        g_variant_iter_init(&it, icount);
        while (g_variant_iter_next(&it, "{&si}", &key, &n))
                printf(" %s=%d", key, n);
        printf("\n");
        return EXIT_SUCCESS;
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
        stop_signal = sig;
}

static bool write_all(int fd, const guint8 *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, buf, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return false;
                buf += w;
                n -= (size_t)w;
        }
        return true;
}

/* The stream "far" of the device, or -1 (said why). */
static int open_far(const struct serial *s)
{
        g_autoptr(GUnixFDList) fds = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_with_unix_fd_list_sync(
                s->conn, s->dest, CK_CONTROL_PATH, CK_CONTROL_INTERFACE, "OpenStream", g_variant_new("(ss)", s->device, "far"),
                G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &fds, NULL, &error);
        gint32 handle;

        if (!r) {
                g_dbus_error_strip_remote_error(error);
                fail("%s", error->message);
                return -1;
        }
        g_variant_get(r, "(h)", &handle);
        int fd = fds ? g_unix_fd_list_get(fds, handle, &error) : -1;
        if (fd < 0)
                fail("the daemon sent no descriptor%s%s", error ? ": " : "", error ? error->message : "");
        return fd;
}

static int stream(const struct serial *s)
{
        gint64 timeout_us = 0;

        if (opt_timeout) {
                char *end;
                double secs = g_ascii_strtod(opt_timeout, &end);
                if (!opt_timeout[0] || *end || !(secs > 0 && secs <= 1e6))
                        return fail("--timeout=%s: seconds, more than 0 (0.5, 10, ...)", opt_timeout);
                timeout_us = (gint64)(secs * G_USEC_PER_SEC);
        }
        if (!check_device(s))
                return EXIT_FAILURE;
        int fd = open_far(s);
        if (fd < 0)
                return EXIT_FAILURE;

        bool terminal = isatty(STDIN_FILENO);
        struct termios saved = { 0 };
        if (terminal) {
                struct termios raw;
                if (tcgetattr(STDIN_FILENO, &saved) < 0) {
                        close(fd);
                        return fail("stdin: %s", g_strerror(errno));
                }
                raw = saved;
                cfmakeraw(&raw);
                tcsetattr(STDIN_FILENO, TCSANOW, &raw);
                if (!opt_quiet)
                        g_printerr("cusekit serial: the far end of %s; C-a C-x quits\r\n", s->device);
        }
        /* a signal ends it, the terminal restored; no SA_RESTART: poll() returns */
        struct sigaction sa = { .sa_handler = on_stop_signal }, old[3];
        const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
        for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
                sigaction(sigs[i], &sa, &old[i]);
        signal(SIGPIPE, SIG_IGN);

        gint64 start = g_get_monotonic_time(), last = start;
        bool in_ended = false, escape = false, quit = false;
        int status = EXIT_SUCCESS;
        guint8 buf[4096], out[4096];

        while (!quit && !stop_signal) {
                gint64 now = g_get_monotonic_time();
                gint64 until = timeout_us ? start + timeout_us : in_ended ? last + QUIET_US : 0;
                if (until && now >= until)
                        break;
                struct pollfd pfd[2] = {
                        { .fd = fd, .events = POLLIN },
                        { .fd = in_ended ? -1 : STDIN_FILENO, .events = POLLIN },
                };
                if (poll(pfd, 2, until ? (int)((until - now + 999) / 1000) : -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        status = fail("poll: %s", g_strerror(errno));
                        break;
                }
                if (pfd[0].revents) {
                        ssize_t n = read(fd, buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                /* we never close our end first: the daemon let go (it ended, or the device went) */
                                status = fail("%s: the daemon closed the far end%s%s", s->device,
                                              n < 0 ? ": " : "", n < 0 ? g_strerror(errno) : "");
                                break;
                        }
                        if (!write_all(STDOUT_FILENO, buf, (size_t)n))
                                break;   /* nobody reads what we print any more */
                        last = g_get_monotonic_time();
                }
                if (pfd[1].revents) {
                        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0) {
                                if (terminal)
                                        break;   /* the terminal went */
                                in_ended = true;
                                shutdown(fd, SHUT_WR);   /* the daemon keeps sending until we close */
                                last = g_get_monotonic_time();
                                continue;
                        }
                        size_t len = 0;
                        bool sent = true;
                        for (ssize_t i = 0; i < n && !quit && sent; i++) {
                                guint8 c = buf[i];
                                if (!terminal) {
                                        out[len++] = c;
                                } else if (escape) {
                                        escape = false;
                                        if (c == KEY_QUIT)
                                                quit = true;
                                        else if (c == KEY_ESCAPE)
                                                out[len++] = c;
                                        else if (c == KEY_BREAK) {
                                                /* what was typed before it goes first */
                                                sent = write_all(fd, out, len) &&
                                                       set_state(s, "far/break", g_variant_new_boolean(TRUE));
                                                len = 0;
                                        }
                                } else if (c == KEY_ESCAPE) {
                                        escape = true;
                                } else {
                                        out[len++] = c;
                                }
                        }
                        if (!sent || !write_all(fd, out, len)) {
                                status = fail("%s: the far end cannot be written to", s->device);
                                break;
                        }
                }
        }
        if (terminal)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
                sigaction(sigs[i], &old[i], NULL);
        close(fd);
        if (stop_signal && status == EXIT_SUCCESS)
                status = 128 + stop_signal;
        return status;
}

int cusekit_serial(GDBusConnection *conn, const char *dest, gboolean json, int argc, char **argv)
{
        const struct serial s = { .conn = conn, .dest = dest, .device = argv[1] };
        bool acts = opt_cts || opt_dsr || opt_dcd || opt_ri || opt_break || opt_frame_error || opt_parity_error;

        if (acts || opt_show) {
                if (opt_timeout)
                        return fail("--timeout is for streaming, not with the options that act or --show");
                if (acts && act(&s) != EXIT_SUCCESS)
                        return EXIT_FAILURE;
                if (opt_show && (acts || check_device(&s)))
                        return show(&s, json);
                return acts ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        return stream(&s);
}
