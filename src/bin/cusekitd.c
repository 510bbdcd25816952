/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekitd: hosts many emulated devices in one process, each a real /dev
 * node through CUSE, all served from one GLib main loop.
 */
#include "control.h"
#include "cuse.h"
#include "persist.h"
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <limits.h>
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
#include <unistd.h>

/* Documentation/admin-guide/devices.txt: 120-127 char, LOCAL/EXPERIMENTAL
 * USE, never handed out dynamically (unlike 234-254). */
#define DEFAULT_MAJOR 120
/* Keys of a device spec that belong to the node, not the device model. */
static const char *const node_keys[] = { "mode", "group", NULL };

struct options {
        char *config;
        char **devices;
        int major;
        int first_minor;
        char *runas;
        char *mode;
        char *group;
        char *cuse_path;
        char *pidfile;
        gboolean background;
        char *control_socket;
        char *control_mode;
        char *state_dir;
        int trace_size;
        char *bus;
        char *bus_name;
};

static void options_clear(struct options *o)
{
        g_free(o->config);
        g_strfreev(o->devices);
        g_free(o->runas);
        g_free(o->mode);
        g_free(o->group);
        g_free(o->cuse_path);
        g_free(o->pidfile);
        g_free(o->control_socket);
        g_free(o->control_mode);
        g_free(o->state_dir);
        g_free(o->bus);
        g_free(o->bus_name);
}

struct hosted {
        struct ck_device_spec *spec;
        struct ck_device *device;
        struct ck_cuse_node *node;
};

static void hosted_free(struct hosted *h)
{
        ck_cuse_node_free(h->node);   /* first: it removes the node */
        ck_device_free(h->device);
        ck_device_spec_free(h->spec);
        g_free(h);
}

static int fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_printerr("cusekitd: %s\n", msg);
        return EXIT_FAILURE;
}

static gboolean parse_mode(const char *text, mode_t *ret)
{
        char *end;
        unsigned long m = strtoul(text, &end, 8);

        if (!text[0] || *end || m > 07777)
                return FALSE;
        *ret = (mode_t)m;
        return TRUE;
}

static int load_config(struct options *o, GPtrArray *specs)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) error = NULL;

        if (!g_key_file_load_from_file(kf, o->config, G_KEY_FILE_NONE, &error))
                return fail("%s: %s", o->config, error->message);
        /* command-line options win over the file */
#define STR(key, field)                                                                 \
        if (!o->field && g_key_file_has_key(kf, "cusekitd", key, NULL))                 \
                o->field = g_key_file_get_string(kf, "cusekitd", key, NULL)
        STR("runas", runas);
        STR("mode", mode);
        STR("group", group);
        STR("pidfile", pidfile);
        STR("control-socket", control_socket);
        STR("control-mode", control_mode);
        STR("state-dir", state_dir);
        STR("bus", bus);
        STR("bus-name", bus_name);
#undef STR
        if (o->major < 0 && g_key_file_has_key(kf, "cusekitd", "major", NULL))
                o->major = g_key_file_get_integer(kf, "cusekitd", "major", NULL);
        if (o->first_minor < 0 && g_key_file_has_key(kf, "cusekitd", "first-minor", NULL))
                o->first_minor = g_key_file_get_integer(kf, "cusekitd", "first-minor", NULL);
        if (o->trace_size < 0 && g_key_file_has_key(kf, "cusekitd", "trace-size", NULL))
                o->trace_size = g_key_file_get_integer(kf, "cusekitd", "trace-size", NULL);
        /* in addition to --module: modules=A.so;B.so */
        g_auto(GStrv) modules = g_key_file_get_string_list(kf, "cusekitd", "modules", NULL, NULL);
        for (char **m = modules; m && *m; m++)
                if (ck_registry_load_module(*m, &error) < 0)
                        return fail("%s: modules: %s", o->config, error->message);

        g_autoptr(GPtrArray) from_file = ck_device_specs_from_keyfile(kf, &error);
        if (!from_file)
                return fail("%s: %s", o->config, error->message);
        for (guint i = 0; i < from_file->len; i++)
                g_ptr_array_add(specs, g_steal_pointer(&from_file->pdata[i]));
        return 0;
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

static int set_node_access(const struct hosted *h, const struct options *o)
{
        const char *mode_text = g_hash_table_lookup(h->spec->params, "mode");
        const char *group = g_hash_table_lookup(h->spec->params, "group");
        g_autofree char *path = g_strdup_printf("/dev/%s", h->spec->name);
        mode_t mode;

        mode_text = mode_text ? mode_text : o->mode;
        group = group ? group : o->group;
        if (mode_text) {
                if (!parse_mode(mode_text, &mode))
                        return fail("%s: mode=%s is not an octal mode", h->spec->name, mode_text);
                if (chmod(path, mode) < 0)
                        return fail("%s: chmod: %s", path, g_strerror(errno));
        }
        if (group) {
                struct group *gr = getgrnam(group);
                if (!gr)
                        return fail("%s: group '%s' does not exist", h->spec->name, group);
                if (chown(path, (uid_t)-1, gr->gr_gid) < 0)
                        return fail("%s: chown: %s", path, g_strerror(errno));
        }
        return 0;
}

static int drop_privileges(const char *user)
{
        struct passwd *pw = getpwnam(user);

        if (!pw)
                return fail("--runas %s: no such user", user);
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
                return fail("--runas %s: %s", user, g_strerror(errno));
        if (pw->pw_uid != 0 && setuid(0) == 0)
                return fail("--runas %s: root privileges could be regained", user);
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

static void save_state(struct ck_device *d, void *userdata)
{
        g_autoptr(GError) error = NULL;

        if (ck_persist_save(d, userdata, &error) < 0)
                g_warning("%s: saving state: %s", ck_device_name(d), error->message);
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
                "control-socket, control-mode, state-dir, trace-size, bus, bus-name, modules;\n"
                "and one [device NAME] group per device with type=TYPE and its keys.\n"
                "Modules: every *.so in $CUSEKIT_MODULE_PATH (colon-separated directories), by default\n"
                CK_MODULE_DIR ", then each --module.\n"
                "Readiness: READY=1 to $NOTIFY_SOCKET; or --background, which returns once every node exists.");
        return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
        __attribute__((cleanup(options_clear))) struct options o = { .major = -1, .first_minor = -1, .trace_size = -1 };
        gboolean show_help = FALSE;
        const GOptionEntry entries[] = {
                /* ours, not GLib's: printed after every --module has loaded */
                { "help", 'h', 0, G_OPTION_ARG_NONE, &show_help, "Show this help and the device types", NULL },
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "Read devices and settings from FILE", "FILE" },
                { "device", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o.devices, "Host a device (repeatable)", "TYPE:NAME[,key=value...]" },
                { "module", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, on_module, "Load device types from a module (repeatable)", "PATH.so" },
                { "major", 0, 0, G_OPTION_ARG_INT, &o.major, "Char major shared by all nodes (default 120; 0: one dynamic major each)", "N" },
                { "first-minor", 0, 0, G_OPTION_ARG_INT, &o.first_minor, "Minor of the first node; the rest follow (default 0)", "N" },
                { "runas", 'u', 0, G_OPTION_ARG_STRING, &o.runas, "Drop to USER once the nodes exist", "USER" },
                { "mode", 'm', 0, G_OPTION_ARG_STRING, &o.mode, "Node mode (default 0600, as CUSE makes them)", "OCTAL" },
                { "group", 'g', 0, G_OPTION_ARG_STRING, &o.group, "Node group", "GROUP" },
                { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &o.pidfile, "Write the daemon's pid to FILE when ready", "FILE" },
                { "background", 'b', 0, G_OPTION_ARG_NONE, &o.background, "Return once every node exists; serve in the background", NULL },
                { "control-socket", 0, 0, G_OPTION_ARG_FILENAME, &o.control_socket, "Control socket (default /run/cusekit/control-MAJOR.sock; 'none': no control)", "PATH" },
                { "control-mode", 0, 0, G_OPTION_ARG_STRING, &o.control_mode, "Control socket mode (default 0600, for the daemon's user)", "OCTAL" },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir, "Keep persistent device state in DIR across restarts", "DIR" },
                { "bus", 0, 0, G_OPTION_ARG_STRING, &o.bus, "Also serve the control interface on a bus: session, system or an address", "BUS" },
                { "bus-name", 0, 0, G_OPTION_ARG_STRING, &o.bus_name, "Its name there (default org.cusekit.Daemon)", "NAME" },
                { "trace-size", 0, 0, G_OPTION_ARG_INT, &o.trace_size, "Requests kept in the trace ring (default 4096; 0: no trace)", "N" },
                { "cuse-path", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o.cuse_path, "The CUSE channel", "PATH" },
                { 0 },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- serve emulated devices as real /dev nodes");
        g_autoptr(GError) error = NULL;
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

        g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_spec_free);
        if (o.config && load_config(&o, specs) != 0)
                return EXIT_FAILURE;
        for (char **d = o.devices; d && *d; d++) {
                struct ck_device_spec *spec = ck_device_spec_parse(*d, &error);
                if (!spec)
                        return fail("--device: %s", error->message);
                g_ptr_array_add(specs, spec);
        }
        if (specs->len == 0)
                return fail("no devices: give --device TYPE:NAME or --config FILE (see --help)");
        if (o.major < 0)
                o.major = DEFAULT_MAJOR;
        if (o.first_minor < 0)
                o.first_minor = 0;
        if (o.trace_size < 0)
                o.trace_size = 4096;
        if (!o.control_socket)
                o.control_socket = g_strdup_printf("/run/cusekit/control-%d.sock", o.major);
        mode_t control_mode = 0600;
        if (o.control_mode && !parse_mode(o.control_mode, &control_mode))
                return fail("--control-mode %s is not an octal mode", o.control_mode);
        if (o.state_dir && g_mkdir_with_parents(o.state_dir, 0700) < 0)
                return fail("--state-dir %s: %s", o.state_dir, g_strerror(errno));
        if (o.major > 4095 || o.first_minor + (int)specs->len > (1 << 20))
                return fail("--major %d / --first-minor %d out of range", o.major, o.first_minor);
        if (!o.cuse_path)
                o.cuse_path = g_strdup("/dev/cuse");
        mode_t unused_mode;
        if (o.mode && !parse_mode(o.mode, &unused_mode))
                return fail("--mode %s is not an octal mode", o.mode);

        g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < specs->len; i++) {
                struct ck_device_spec *spec = specs->pdata[i];
                if (!g_hash_table_add(names, spec->name))
                        return fail("device name '%s' is given twice", spec->name);
        }

        /* Device models first: a typo in a spec is the error to show. */
        struct ck_trace *trace = o.trace_size > 0 ? ck_trace_new((guint)o.trace_size) : NULL;
        g_autoptr(GPtrArray) devices = g_ptr_array_new();
        g_autoptr(GPtrArray) hosted = g_ptr_array_new_with_free_func((GDestroyNotify)hosted_free);
        for (guint i = 0; i < specs->len; i++) {
                struct hosted *h = g_new0(struct hosted, 1);
                g_ptr_array_add(hosted, h);
                h->spec = g_steal_pointer(&specs->pdata[i]);

                g_autoptr(GHashTable) model_params = g_hash_table_new(g_str_hash, g_str_equal);
                GHashTableIter it;
                const char *key, *value;
                g_hash_table_iter_init(&it, h->spec->params);
                while (g_hash_table_iter_next(&it, (gpointer *)&key, (gpointer *)&value))
                        if (!g_strv_contains(node_keys, key))
                                g_hash_table_insert(model_params, (char *)key, (char *)value);
                if (ck_device_new(h->spec->type, h->spec->name, model_params, &h->device, &error) < 0)
                        return fail("device '%s': %s", h->spec->name, error->message);
                if (o.state_dir && ck_persist_load(h->device, o.state_dir, &error) < 0)
                        return fail("device '%s': saved state: %s", h->spec->name, error->message);
                if (o.state_dir)
                        ck_device_set_state_changed(h->device, save_state, o.state_dir);
                if (trace)
                        ck_device_set_trace(h->device, trace);
                g_ptr_array_add(devices, h->device);
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
        if (o.major > 0) {
                g_autofree char *user = major_user(o.major);
                if (user)
                        return fail("char major %d is already used by '%s' (see /proc/devices): "
                                    "choose another with --major", o.major, user);
        }
        raise_fd_limit(hosted->len + 64);
        unsigned keys = free_thread_keys();
        if (hosted->len + THREAD_KEYS_RESERVED > keys)
                return fail("%u devices asked for, but one process can host at most %u: libfuse makes a "
                            "pthread key per CUSE session (PTHREAD_KEYS_MAX %d); split them over several "
                            "cusekitd with distinct --major", hosted->len,
                            keys > THREAD_KEYS_RESERVED ? keys - THREAD_KEYS_RESERVED : 0, PTHREAD_KEYS_MAX);

        for (guint i = 0; i < hosted->len; i++) {
                struct hosted *h = hosted->pdata[i];
                const char *name = h->spec->name;
                g_autofree char *path = g_strdup_printf("/dev/%s", name);

                if (access(path, F_OK) == 0)
                        return fail("%s: the name is taken (%s exists)", name, path);
                int r = ck_cuse_node_new(h->device, o.cuse_path, (unsigned)o.major,
                                         (unsigned)(o.first_minor + (int)i), &h->node);
                if (r == -EMFILE)
                        return fail("%s: out of file descriptors or libfuse sessions after %u devices "
                                    "(libfuse makes one pthread key per session, about 1000 per process): "
                                    "run another cusekitd for more", name, i);
                if (r < 0)
                        return fail("%s: cannot open %s: %s", name, o.cuse_path, g_strerror(-r));
                if (ck_cuse_node_wait_ready(h->node) < 0)
                        return fail("%s: the kernel refused the device: its name or %d:%d is in use",
                                    name, o.major, o.first_minor + (int)i);
                r = set_node_access(h, &o);
                if (r != 0)
                        return r;
                g_debug("%s: %s ready (%s ioctls)", path, h->spec->type,
                        ck_device_unrestricted(h->device) ? "unrestricted" : "restricted");
        }

        g_autoptr(ck_control) control = NULL;
        if (strcmp(o.control_socket, "none") != 0) {
                struct passwd *pw = o.runas ? getpwnam(o.runas) : NULL;
                if (o.runas && !pw)
                        return fail("--runas %s: no such user", o.runas);
                if (ck_control_new(o.control_socket, control_mode, pw ? pw->pw_uid : (uid_t)-1, devices, trace,
                                   &control, &error) < 0)
                        return fail("%s (give --control-socket PATH, or none)", error->message);
                if (o.bus && ck_control_add_bus(control, o.bus, o.bus_name ? o.bus_name : "org.cusekit.Daemon",
                                                &error) < 0)
                        return fail("--bus %s: %s", o.bus, error->message);
        } else if (o.bus) {
                return fail("--bus needs the control interface: drop --control-socket none");
        }

        /* written while still root: it lives where root writes */
        if (o.pidfile) {
                g_autofree char *pid = g_strdup_printf("%d\n", getpid());
                if (!g_file_set_contents(o.pidfile, pid, -1, &error))
                        return fail("--pidfile: %s", error->message);
        }
        if (o.runas && drop_privileges(o.runas) != 0)
                return EXIT_FAILURE;

        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_unix_signal_add(SIGTERM, on_quit, loop);
        g_unix_signal_add(SIGINT, on_quit, loop);
        signal(SIGPIPE, SIG_IGN);
        for (guint i = 0; i < hosted->len; i++)
                ck_cuse_node_attach(((struct hosted *)hosted->pdata[i])->node);

        notify_ready();
        g_message("serving %u device%s", hosted->len, hosted->len == 1 ? "" : "s");
        if (background_fd >= 0) {
                if (write(background_fd, "R", 1) != 1)
                        g_warning("could not tell the parent we are ready");
                close(background_fd);
                int null = open("/dev/null", O_RDWR);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        close(null);
                }
        }

        g_main_loop_run(loop);

        g_message("stopping: removing %u node%s", hosted->len, hosted->len == 1 ? "" : "s");
        g_clear_pointer(&control, ck_control_free);
        g_clear_pointer(&hosted, g_ptr_array_unref);
        ck_trace_free(trace);
        if (o.pidfile)
                unlink(o.pidfile);
        return EXIT_SUCCESS;
}
