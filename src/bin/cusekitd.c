/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekitd: hosts many emulated devices in one process, each a real /dev
 * node through CUSE, all served from one GLib main loop.
 */
#include "cli.h"
#include "cuse.h"
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* Documentation/admin-guide/devices.txt: 120-127 char, LOCAL/EXPERIMENTAL
 * USE, never handed out dynamically (unlike 234-254). */
#define DEFAULT_MAJOR 120
/* The kernel's char majors and minors (MINORBITS 20; CHRDEV_MAJOR_MAX 512
 * is only the dynamic range: register_chrdev_region takes up to 4095). */
#define MAX_MAJOR 4095
#define MINOR_COUNT (1 << 20)
/* Keys of a device spec that belong to the node, not the device model. */
static const char *const node_keys[] = { "mode", "group", NULL };
/* cusekitd's own keys of the config file's [cusekitd] group. */
static const char *const own_keys[] = { "major", "first-minor", "runas", "mode", "group", "pidfile", NULL };

struct options {
        char *config;
        char **devices;
        char *major;
        char *first_minor;
        char *runas;
        char *mode;
        char *group;
        char *cuse_path;
        char *pidfile;
        char *log_file;
        gboolean background;
        /* ck_host's settings */
        char *state_dir;
        char *state_interval;
        char *control_socket;
        char *control_mode;
        char *trace_size;
        char *bus;
        char *bus_name;
};

static void options_clear(struct options *o)
{
        g_free(o->config);
        g_strfreev(o->devices);
        g_free(o->major);
        g_free(o->first_minor);
        g_free(o->runas);
        g_free(o->mode);
        g_free(o->group);
        g_free(o->cuse_path);
        g_free(o->pidfile);
        g_free(o->log_file);
        g_free(o->state_dir);
        g_free(o->state_interval);
        g_free(o->control_socket);
        g_free(o->control_mode);
        g_free(o->trace_size);
        g_free(o->bus);
        g_free(o->bus_name);
}

struct node {
        const struct ck_device_spec *spec;
        struct ck_device *device;
        struct ck_cuse_node *cuse;
        mode_t mode;
        bool set_mode;
        gid_t gid;
};

static void node_free(struct node *n)
{
        ck_cuse_node_free(n->cuse);   /* removes the node */
        g_free(n);
}

#define fail(...) ck_cli_fail("cusekitd", EXIT_FAILURE, __VA_ARGS__)

/* --major, --first-minor: also from the config file, the command line first. */
static int number_option(const char *option, const char *text, gint64 min, gint64 max, gint64 fallback,
                         gint64 *ret)
{
        if (!text) {
                *ret = fallback;
                return 0;
        }
        if (ck_parse_integer(text, min, max, ret) < 0)
                return fail("%s %s: not a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, option,
                            text, min, max);
        return 0;
}

static void config_string(GKeyFile *kf, const char *key, char **field)
{
        if (!*field && g_key_file_has_key(kf, "cusekitd", key, NULL))
                *field = g_key_file_get_string(kf, "cusekitd", key, NULL);
}

/* Is @major registered already (other than by CUSE devices we could clash with)? */
static char *major_user(int major)
{
        g_autofree char *text = NULL;

        if (!g_file_get_contents("/proc/devices", &text, NULL, NULL))
                return NULL;
        gboolean in_char = FALSE;
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "Character devices"))
                        in_char = TRUE;
                else if (g_str_has_prefix(*l, "Block devices"))
                        in_char = FALSE;
                else if (in_char) {
                        int m;
                        char name[128];
                        if (sscanf(*l, "%d %127s", &m, name) == 2 && m == major)
                                return g_strdup(name);
                }
        }
        return NULL;
}

/* libfuse makes one pthread key per CUSE session and nothing else can
 * have one once they run out (GLib aborts): count what is free, up front. */
static unsigned free_thread_keys(void)
{
        pthread_key_t keys[PTHREAD_KEYS_MAX];
        unsigned n = 0;

        while (n < G_N_ELEMENTS(keys) && pthread_key_create(&keys[n], NULL) == 0)
                n++;
        for (unsigned i = 0; i < n; i++)
                pthread_key_delete(keys[i]);
        return n;
}

/* Keys left for GLib and GIO after the sessions have theirs. */
#define THREAD_KEYS_RESERVED 16

static void raise_fd_limit(size_t wanted)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < wanted) {
                rl.rlim_cur = MIN(MAX(wanted, rl.rlim_cur), rl.rlim_max);
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        g_warning("cannot raise the open-file limit to %zu: %s", wanted, g_strerror(errno));
        }
}

/* Every node's mode and group, resolved before anything is created. */
static int resolve_node_access(struct node *n, const struct options *o)
{
        const char *mode_text = g_hash_table_lookup(n->spec->params, "mode");
        const char *group = g_hash_table_lookup(n->spec->params, "group");

        if (mode_text && !ck_parse_mode(mode_text, &n->mode))
                return fail("device '%s': mode=%s is not an octal mode", n->spec->name, mode_text);
        if (!mode_text && o->mode && !ck_parse_mode(o->mode, &n->mode))
                return fail("--mode %s is not an octal mode", o->mode);
        n->set_mode = mode_text || o->mode;
        n->gid = (gid_t)-1;
        if (group || o->group) {
                struct group *gr = getgrnam(group ? group : o->group);
                if (!gr)
                        return group ? fail("device '%s': group=%s: no such group", n->spec->name, group)
                                     : fail("--group %s: no such group", o->group);
                n->gid = gr->gr_gid;
        }
        return 0;
}

static int set_node_access(const struct node *n)
{
        g_autofree char *path = g_strdup_printf("/dev/%s", ck_device_node(n->device));

        if (n->set_mode && chmod(path, n->mode) < 0)
                return fail("%s: chmod: %s", path, g_strerror(errno));
        if (n->gid != (gid_t)-1 && chown(path, (uid_t)-1, n->gid) < 0)
                return fail("%s: chown: %s", path, g_strerror(errno));
        return 0;
}

static gboolean node_exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* The kernel logs why it refused a CUSE device, but tells the server
 * nothing: name what is in the way, from sysfs. */
static char *refusal_reason(const char *node, gint64 major, unsigned minor)
{
        g_autofree char *by_number = g_strdup_printf("/sys/dev/char/%" G_GINT64_FORMAT ":%u", major, minor);
        g_autofree char *target = major > 0 ? g_file_read_link(by_number, NULL) : NULL;
        /* CUSE names the class device after DEVNAME, a '/' made '!' (kobject_set_name_vargs()) */
        g_autofree char *kobject = g_strdelimit(g_strdup(node), "/", '!');
        g_autofree char *by_name = g_strdup_printf("/sys/class/cuse/%s", kobject);

        if (target) {
                g_autofree char *user = g_path_get_basename(target);
                return g_strdup_printf("%" G_GINT64_FORMAT ":%u is in use by '%s'", major, minor, user);
        }
        if (g_file_test(by_name, G_FILE_TEST_EXISTS))
                return g_strdup_printf("a CUSE device named '%s' exists already", kobject);
        return g_strdup_printf("its name or %" G_GINT64_FORMAT ":%u is in use, or the numbers are out of "
                               "the kernel's range (see dmesg)", major, minor);
}

static int drop_privileges(const struct passwd *pw)
{
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
                return fail("--runas %s: %s", pw->pw_name, g_strerror(errno));
        if (pw->pw_uid != 0 && setuid(0) == 0)
                return fail("--runas %s: root privileges could be regained", pw->pw_name);
        return 0;
}

/* sd_notify(3)'s protocol, without needing libsystemd. */
static void notify_ready(void)
{
        const char *path = g_getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, path, strlen(path));
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        if (sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa,
                   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path))) < 0)
                g_warning("NOTIFY_SOCKET %s: %s", path, g_strerror(errno));
        close(fd);
}

/* Once in the background nobody reads our stderr: the log goes to the
 * journal, or syslog where there is none (or to --log-file, on stderr). */
static gboolean detached;

static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer userdata)
{
        if (!detached || userdata)
                return g_log_writer_default(level, fields, n, NULL);
        if (g_log_writer_journald(level, fields, n, NULL) == G_LOG_WRITER_HANDLED)
                return G_LOG_WRITER_HANDLED;
        const char *message = NULL;
        for (gsize i = 0; i < n; i++)
                if (strcmp(fields[i].key, "MESSAGE") == 0)
                        message = fields[i].value;
        int priority = level & G_LOG_LEVEL_ERROR      ? LOG_ERR
                       : level & G_LOG_LEVEL_CRITICAL ? LOG_CRIT
                       : level & G_LOG_LEVEL_WARNING  ? LOG_WARNING
                       : level & G_LOG_LEVEL_MESSAGE  ? LOG_NOTICE
                       : level & G_LOG_LEVEL_INFO     ? LOG_INFO
                                                      : LOG_DEBUG;
        if (g_log_writer_default_would_drop(level, NULL))   /* debug and info: only with G_MESSAGES_DEBUG */
                return G_LOG_WRITER_HANDLED;
        syslog(priority, "%s", message ? message : "");
        return G_LOG_WRITER_HANDLED;
}

/* After readiness: stdin, stdout and stderr let go of whoever started us,
 * so that x=$(cusekitd --background ...) returns. */
static void detach_output(int log_fd)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        openlog("cusekitd", LOG_PID, LOG_DAEMON);
        detached = TRUE;
        if (null >= 0)
                dup2(null, STDIN_FILENO);
        int out = log_fd >= 0 ? log_fd : null;
        if (out >= 0) {
                dup2(out, STDOUT_FILENO);
                dup2(out, STDERR_FILENO);
        }
        if (null >= 0)
                close(null);
        if (log_fd >= 0)
                close(log_fd);
}

/* --background: the parent exits once the child is ready (0) or has failed
 * (its status), so `cusekitd --background ... && use /dev/NAME` works. */
static int background_fd = -1;

static void fork_background(void)
{
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                exit(fail("pipe: %s", g_strerror(errno)));
        pid_t pid = fork();
        if (pid < 0)
                exit(fail("fork: %s", g_strerror(errno)));
        if (pid > 0) {
                char c;
                int status;
                close(p[1]);
                if (read(p[0], &c, 1) == 1)
                        _exit(EXIT_SUCCESS);
                waitpid(pid, &status, 0);
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE);
        }
        close(p[0]);
        background_fd = p[1];
        setsid();
}

static gboolean on_quit(gpointer loop)
{
        g_main_loop_quit(loop);
        return G_SOURCE_CONTINUE;
}

/* Loaded while parsing, so that --help lists their types too. */
static gboolean on_module(const char *option_name, const char *value, gpointer data, GError **error)
{
        if (ck_registry_load_module(value, error) < 0) {
                g_prefix_error(error, "--module: ");
                return FALSE;
        }
        return TRUE;
}

static char *types_help(void)
{
        GString *s = g_string_new("Device types:\n");

        for (const struct ck_type_index *const *t = ck_registry_all(); *t; t++) {
                g_string_append_printf(s, "  %-12s %s", (*t)->type->name, (*t)->type->summary);
                if ((*t)->type->params && (*t)->type->params[0]) {
                        g_autofree char *keys = g_strjoinv(", ", (char **)(*t)->type->params);
                        g_string_append_printf(s, " (keys: %s)", keys);
                }
                g_string_append_c(s, '\n');
        }
        g_string_append(s,
                "\nEvery device also takes mode=OCTAL and group=NAME for its node.\n"
                "Config file: [cusekitd] with major, first-minor, runas, mode, group, pidfile,\n"
                "control-socket, control-mode, state-dir, state-interval, trace-size, bus, bus-name, modules;\n"
                "and one [device NAME] group per device with type=TYPE and its keys.\n"
                "Modules: every *.so in $CUSEKIT_MODULE_PATH (colon-separated directories), by default\n"
                CK_MODULE_DIR ", then each --module.\n"
                "Readiness: READY=1 to $NOTIFY_SOCKET; or --background, which returns once every node exists.");
        return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
        __attribute__((cleanup(options_clear))) struct options o = { 0 };
        gboolean show_help = FALSE;
        const GOptionEntry entries[] = {
                /* ours, not GLib's: printed after every --module has loaded */
                { "help", 'h', 0, G_OPTION_ARG_NONE, &show_help, "Show this help and the device types", NULL },
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "Read devices and settings from FILE", "FILE" },
                { "device", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o.devices, "Host a device (repeatable)", "TYPE:NAME[,key=value...]" },
                { "module", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, on_module, "Load device types from a module (repeatable)", "PATH.so" },
                { "major", 0, 0, G_OPTION_ARG_STRING, &o.major, "Char major shared by all nodes (default 120; 0: one dynamic major each)", "N" },
                { "first-minor", 0, 0, G_OPTION_ARG_STRING, &o.first_minor, "Minor of the first node; the rest follow (default 0)", "N" },
                { "runas", 'u', 0, G_OPTION_ARG_STRING, &o.runas, "Drop to USER once the nodes exist", "USER" },
                { "mode", 'm', 0, G_OPTION_ARG_STRING, &o.mode, "Node mode (default 0600, as CUSE makes them)", "OCTAL" },
                { "group", 'g', 0, G_OPTION_ARG_STRING, &o.group, "Node group", "GROUP" },
                { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &o.pidfile, "Write the daemon's pid to FILE when ready", "FILE" },
                { "background", 'b', 0, G_OPTION_ARG_NONE, &o.background, "Return once every node exists; serve in the background, logging to the journal or syslog", NULL },
                { "log-file", 0, 0, G_OPTION_ARG_FILENAME, &o.log_file, "With --background: log to FILE instead", "FILE" },
                { "control-socket", 0, 0, G_OPTION_ARG_FILENAME, &o.control_socket, "Control socket (default /run/cusekit/control-MAJOR.sock; 'none': no control)", "PATH" },
                { "control-mode", 0, 0, G_OPTION_ARG_STRING, &o.control_mode, "Control socket mode (default 0600, for the daemon's user)", "OCTAL" },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir, "Keep persistent device state in DIR across restarts", "DIR" },
                { "state-interval", 0, 0, G_OPTION_ARG_STRING, &o.state_interval, "Write changed state at most every MS milliseconds, and at exit (default 100; 0: at every change)", "MS" },
                { "bus", 0, 0, G_OPTION_ARG_STRING, &o.bus, "Also serve the control interface on a bus: session, system or an address", "BUS" },
                { "bus-name", 0, 0, G_OPTION_ARG_STRING, &o.bus_name, "Its name there (default org.cusekit.Daemon)", "NAME" },
                { "trace-size", 0, 0, G_OPTION_ARG_STRING, &o.trace_size, "Requests kept in the trace ring (default 4096; 0: no trace)", "N" },
                { "cuse-path", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o.cuse_path, "The CUSE channel", "PATH" },
                { 0 },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- serve emulated devices as real /dev nodes");
        g_autoptr(GError) error = NULL;

        setlocale(LC_ALL, "");   /* GLib's messages in the user's charset, with real quotes */
        if (ck_registry_load_default_modules(&error) < 0)
                return fail("default modules (CUSEKIT_MODULE_PATH=\"\" for none): %s", error->message);
        g_option_context_add_main_entries(ctx, entries, NULL);
        g_option_context_set_help_enabled(ctx, FALSE);
        if (!g_option_context_parse(ctx, &argc, &argv, &error))
                return fail("%s (see --help)", error->message);
        if (show_help) {
                g_autofree char *types = types_help();
                g_option_context_set_description(ctx, types);
                g_autofree char *help = g_option_context_get_help(ctx, TRUE, NULL);
                fputs(help, stdout);
                return EXIT_SUCCESS;
        }
        if (argc > 1)
                return fail("unexpected argument '%s' (see --help)", argv[1]);
        if (o.log_file && !o.background)
                return fail("--log-file %s: only with --background (in the foreground the log is on stderr)",
                            o.log_file);
        int log_fd = -1;
        if (o.log_file) {
                /* opened now: it may be where only root writes */
                log_fd = open(o.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
                if (log_fd < 0)
                        return fail("--log-file %s: %s", o.log_file, g_strerror(errno));
        }
        g_log_set_writer_func(log_writer, GINT_TO_POINTER(log_fd >= 0), NULL);

        g_autoptr(ck_host) host = NULL;
        ck_host_new(node_keys, &host);
        const struct {
                const char *key;
                const char *value;
        } settings[] = {
                { "state-dir", o.state_dir },   { "state-interval", o.state_interval },
                { "control-socket", o.control_socket }, { "control-mode", o.control_mode },
                { "trace-size", o.trace_size }, { "bus", o.bus },
                { "bus-name", o.bus_name },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
                if (settings[i].value && ck_host_set(host, settings[i].key, settings[i].value, &error) < 0)
                        return fail("%s", error->message);
        for (char **d = o.devices; d && *d; d++)
                if (ck_host_add_device(host, *d, &error) < 0)
                        return fail("%s", error->message);
        if (o.config) {
                g_autoptr(GKeyFile) kf = NULL;
                if (ck_host_load_config(host, o.config, "cusekitd", own_keys, &kf, &error) < 0)
                        return fail("%s", error->message);
                /* command-line options win over the file */
                config_string(kf, "major", &o.major);
                config_string(kf, "first-minor", &o.first_minor);
                config_string(kf, "runas", &o.runas);
                config_string(kf, "mode", &o.mode);
                config_string(kf, "group", &o.group);
                config_string(kf, "pidfile", &o.pidfile);
        }
        gint64 major, first_minor;
        if (number_option("--major", o.major, 0, MAX_MAJOR, DEFAULT_MAJOR, &major) != 0 ||
            number_option("--first-minor", o.first_minor, 0, MINOR_COUNT - 1, 0, &first_minor) != 0)
                return EXIT_FAILURE;
        if (!o.cuse_path)
                o.cuse_path = g_strdup("/dev/cuse");
        mode_t unused_mode;
        if (o.mode && !ck_parse_mode(o.mode, &unused_mode))
                return fail("--mode %s is not an octal mode", o.mode);
        struct passwd *pw = NULL;
        if (o.runas) {
                pw = getpwnam(o.runas);
                if (!pw)
                        return fail("--runas %s: no such user", o.runas);
                ck_host_set_owner(host, pw->pw_uid, pw->pw_gid);
        }

        /* Device models first: a typo in a spec is the error to show. */
        if (ck_host_create_devices(host, &error) < 0)
                return fail("%s", error->message);
        guint n_devices = ck_host_n_devices(host);
        if (first_minor + n_devices > MINOR_COUNT)
                return fail("--first-minor %" G_GINT64_FORMAT ": %u devices from there pass the last minor (%d)",
                            first_minor, n_devices, MINOR_COUNT - 1);
        g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
        for (guint i = 0; i < n_devices; i++) {
                struct node *n = g_new0(struct node, 1);
                g_ptr_array_add(nodes, n);
                n->spec = ck_host_spec(host, i);
                n->device = ck_host_device(host, i);
                if (resolve_node_access(n, &o) != 0)
                        return EXIT_FAILURE;
        }

        if (o.background)
                fork_background();

        /* Before touching anything: say plainly what is missing. */
        if (access(o.cuse_path, F_OK) < 0)
                return fail("%s does not exist: this kernel has no CUSE; load it with 'modprobe cuse'",
                            o.cuse_path);
        if (access(o.cuse_path, R_OK | W_OK) < 0)
                return fail("cannot open %s: %s (run as root; --runas drops privileges afterwards)",
                            o.cuse_path, g_strerror(errno));
        if (major > 0) {
                g_autofree char *user = major_user((int)major);
                if (user)
                        return fail("char major %" G_GINT64_FORMAT " is already used by '%s' (see /proc/devices): "
                                    "choose another with --major", major, user);
        }
        raise_fd_limit(n_devices + 64);
        unsigned keys = free_thread_keys();
        if (n_devices + THREAD_KEYS_RESERVED > keys)
                return fail("%u devices asked for, but one process can host at most %u: libfuse makes a "
                            "pthread key per CUSE session (PTHREAD_KEYS_MAX %d); split them over several "
                            "cusekitd with distinct --major", n_devices,
                            keys > THREAD_KEYS_RESERVED ? keys - THREAD_KEYS_RESERVED : 0, PTHREAD_KEYS_MAX);

        /* Everything a client may reach once a node exists is in place first:
         * signal handlers, the control socket and bus name, saving state. */
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_unix_signal_add(SIGTERM, on_quit, loop);
        g_unix_signal_add(SIGINT, on_quit, loop);
        signal(SIGPIPE, SIG_IGN);
        g_autofree char *default_socket = g_strdup_printf("/run/cusekit/control-%" G_GINT64_FORMAT ".sock", major);
        if (ck_host_start(host, default_socket, &error) < 0)
                return fail("%s", error->message);

        for (guint i = 0; i < n_devices; i++) {
                struct node *n = nodes->pdata[i];
                const char *name = n->spec->name;
                g_autofree char *path = g_strdup_printf("/dev/%s", ck_device_node(n->device));
                unsigned minor = (unsigned)(first_minor + i);

                if (access(path, F_OK) == 0)
                        return fail("%s: the name is taken (%s exists)", name, path);
                int r = ck_cuse_node_new(n->device, o.cuse_path, (unsigned)major, minor, &n->cuse);
                if (r == -EMFILE || r == -ENFILE)
                        return fail("%s: out of file descriptors after %u devices (%s; one per device): "
                                    "raise the limit (ulimit -n, LimitNOFILE=)", name, i, g_strerror(-r));
                if (r == -EAGAIN)
                        return fail("%s: out of pthread keys after %u devices (libfuse makes one per CUSE "
                                    "session, about 1000 per process): run another cusekitd for more", name, i);
                if (r == -ENOMEM)
                        return fail("%s: out of memory making its CUSE session", name);
                if (r == -EIO)
                        return fail("%s: libfuse could not take the CUSE channel %s", name, o.cuse_path);
                if (r < 0)
                        return fail("%s: cannot open %s: %s", name, o.cuse_path, g_strerror(-r));
                if (ck_cuse_node_wait_ready(n->cuse) < 0 || !node_exists(path)) {
                        g_autofree char *why = refusal_reason(ck_device_node(n->device), major, minor);
                        return fail("%s: the kernel refused the device: %s", name, why);
                }
                if (set_node_access(n) != 0)
                        return EXIT_FAILURE;
                g_debug("%s: %s ready (%s ioctls)", path, n->spec->type,
                        ck_device_unrestricted(n->device) ? "unrestricted" : "restricted");
        }

        /* written while still root: it lives where root writes */
        if (o.pidfile) {
                g_autofree char *pid = g_strdup_printf("%d\n", getpid());
                if (!g_file_set_contents(o.pidfile, pid, -1, &error))
                        return fail("--pidfile: %s", error->message);
        }
        if (pw && drop_privileges(pw) != 0)
                return EXIT_FAILURE;

        for (guint i = 0; i < n_devices; i++)
                ck_cuse_node_attach(((struct node *)nodes->pdata[i])->cuse);

        notify_ready();
        if (background_fd >= 0) {
                /* let go of the caller's output first: its $(...) ends when we say ready */
                detach_output(log_fd);
                if (write(background_fd, "R", 1) != 1)
                        g_warning("could not tell the parent we are ready");
                close(background_fd);
        } else if (log_fd >= 0) {
                close(log_fd);
        }
        g_message("serving %u device%s", n_devices, n_devices == 1 ? "" : "s");

        g_main_loop_run(loop);

        g_message("stopping: removing %u node%s", n_devices, n_devices == 1 ? "" : "s");
        /* nodes first: no request may reach a device being freed */
        g_clear_pointer(&nodes, g_ptr_array_unref);
        g_clear_pointer(&host, ck_host_free);
        /* only our own pid file: another daemon may have taken the path since */
        g_autofree char *pid_text = NULL;
        if (o.pidfile && g_file_get_contents(o.pidfile, &pid_text, NULL, NULL) && atoi(pid_text) == getpid())
                unlink(o.pidfile);
        return EXIT_SUCCESS;
}
