/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control.h"
#include "persist.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char introspection_xml[] =
        "<node>"
        " <interface name='" CK_CONTROL_INTERFACE "'>"
        "  <method name='ListDevices'><arg type='a(ssssu)' name='devices' direction='out'/></method>"
        "  <method name='ListState'><arg type='s' name='device' direction='in'/>"
        "   <arg type='a(ssbbs)' name='variables' direction='out'/></method>"
        "  <method name='GetState'><arg type='s' name='device' direction='in'/>"
        "   <arg type='s' name='name' direction='in'/><arg type='v' name='value' direction='out'/></method>"
        "  <method name='SetState'><arg type='s' name='device' direction='in'/>"
        "   <arg type='s' name='name' direction='in'/><arg type='v' name='value' direction='in'/></method>"
        "  <method name='AddFault'><arg type='s' name='device' direction='in'/>"
        "   <arg type='s' name='operation' direction='in'/><arg type='a{sv}' name='options' direction='in'/>"
        "   <arg type='u' name='id' direction='out'/></method>"
        "  <method name='ListFaults'><arg type='s' name='device' direction='in'/>"
        "   <arg type='a(usa{sv})' name='faults' direction='out'/></method>"
        "  <method name='ClearFaults'><arg type='s' name='device' direction='in'/>"
        "   <arg type='u' name='id' direction='in'/><arg type='u' name='cleared' direction='out'/></method>"
        "  <method name='GetTrace'><arg type='u' name='max' direction='in'/>"
        "   <arg type='a" CK_TRACE_EVENT_TYPE "' name='events' direction='out'/></method>"
        "  <method name='FollowTrace'/>"
        "  <method name='ListStreams'><arg type='s' name='device' direction='in'/>"
        "   <arg type='a(ss)' name='streams' direction='out'/></method>"
        "  <method name='OpenStream'><arg type='s' name='device' direction='in'/>"
        "   <arg type='s' name='name' direction='in'/><arg type='h' name='stream' direction='out'/></method>"
        "  <signal name='Request'><arg type='" CK_TRACE_EVENT_TYPE "' name='event'/></signal>"
        " </interface>"
        "</node>";

/* Stock clients (gdbus call --address, busctl --address) greet a bus first:
 * answer Hello here so that they work on this peer-to-peer socket too. */
static const char bus_xml[] =
        "<node>"
        " <interface name='org.freedesktop.DBus'>"
        "  <method name='Hello'><arg type='s' name='unique_name' direction='out'/></method>"
        "  <method name='AddMatch'><arg type='s' name='rule' direction='in'/></method>"
        "  <method name='RemoveMatch'><arg type='s' name='rule' direction='in'/></method>"
        " </interface>"
        "</node>";

struct ck_control {
        GDBusServer *server;
        GDBusNodeInfo *info;
        GDBusNodeInfo *bus_info;
        guint next_peer;
        GPtrArray *devices;
        struct ck_trace *trace;
        GPtrArray *connections;   /* GDBusConnection *: peers, then buses */
        GPtrArray *followers;     /* struct follower * */
        char *path;
};

static struct ck_device *find_device(struct ck_control *c, const char *name)
{
        for (guint i = 0; i < c->devices->len; i++) {
                struct ck_device *d = c->devices->pdata[i];
                if (strcmp(d->name, name) == 0)
                        return d;
        }
        return NULL;
}

/* Who is asking: the kernel's word for the peer (SO_PEERCRED and
 * SO_PEERGROUPS on our socket) or the bus daemon's (GetConnectionCredentials),
 * never the user database. */
struct caller {
        uid_t uid;
        gid_t gid;
        GArray *groups;   /* gid_t: the supplementary groups */
};

static void caller_free(struct caller *who)
{
        if (!who)
                return;
        if (who->groups)
                g_array_unref(who->groups);
        g_free(who);
}
typedef struct caller caller;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(caller, caller_free)

static struct caller *caller_new(uid_t uid, gid_t gid)
{
        struct caller *who = g_new0(struct caller, 1);

        who->uid = uid;
        who->gid = gid;
        who->groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
        return who;
}

/* The peer on a socket connection, from the kernel. */
static struct caller *peer_caller(GDBusConnection *conn)
{
        GIOStream *stream = g_dbus_connection_get_stream(conn);
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (!G_IS_SOCKET_CONNECTION(stream))
                return NULL;
        int fd = g_socket_get_fd(g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream)));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return NULL;
        struct caller *who = caller_new(cred.uid, cred.gid);
        /* no fixed cap: ask how many first */
        len = 0;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) < 0 && errno == ERANGE && len > 0) {
                g_array_set_size(who->groups, len / sizeof(gid_t));
                if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, who->groups->data, &len) < 0)
                        len = 0;
                g_array_set_size(who->groups, len / sizeof(gid_t));
        }
        return who;
}

/* The supplementary groups of @pid, from /proc (when a bus gives none). */
static void proc_groups(pid_t pid, GArray *groups)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return;
        const char *line = strstr(text, "\nGroups:");
        if (!line)
                return;
        g_autofree char *rest = g_strndup(line + strlen("\nGroups:"), strcspn(line + 1, "\n"));
        g_auto(GStrv) words = g_strsplit_set(g_strstrip(rest), " \t", -1);
        for (char **w = words; *w; w++) {
                guint64 g;
                if (**w && g_ascii_string_to_unsigned(*w, 10, 0, G_MAXUINT32 - 1, &g, NULL)) {
                        gid_t gid = (gid_t)g;
                        g_array_append_val(groups, gid);
                }
        }
}

/* A bus's GetConnectionCredentials reply as a caller. */
static struct caller *bus_caller(GVariant *reply)
{
        g_autoptr(GVariant) dict = g_variant_get_child_value(reply, 0);
        guint32 uid, pid = 0;

        if (!g_variant_lookup(dict, "UnixUserID", "u", &uid))
                return NULL;
        g_variant_lookup(dict, "ProcessID", "u", &pid);
        struct caller *who = caller_new(uid, (gid_t)-1);
        g_autoptr(GVariant) gids = g_variant_lookup_value(dict, "UnixGroupIDs", G_VARIANT_TYPE("au"));
        if (gids) {
                gsize n;
                const guint32 *v = g_variant_get_fixed_array(gids, &n, sizeof(guint32));
                /* the first is the primary group */
                for (gsize i = 0; i < n; i++) {
                        gid_t g = v[i];
                        if (i == 0)
                                who->gid = g;
                        g_array_append_val(who->groups, g);
                }
        } else if (pid) {
                g_autofree char *path = g_strdup_printf("/proc/%u", pid);
                struct stat st;
                if (stat(path, &st) == 0)
                        who->gid = st.st_gid;
                proc_groups((pid_t)pid, who->groups);
        }
        return who;
}

/* Checking access as the kernel would for @who, ACLs included: a thread
 * of ours takes on the caller's filesystem identity (per thread, so raw
 * system calls, not glibc's process-wide wrappers) and asks faccessat(). */
struct access_job {
        const struct caller *who;
        const char *const *paths;
        gboolean *allowed;
        guint n;
        int error;   /* 0, or why the identity could not be taken */
};

static gpointer access_thread(gpointer userdata)
{
        struct access_job *job = userdata;
        const struct caller *who = job->who;

        if (syscall(SYS_setgroups, (size_t)who->groups->len, (const gid_t *)who->groups->data) < 0) {
                job->error = errno;
                return NULL;
        }
        syscall(SYS_setfsgid, who->gid == (gid_t)-1 ? (gid_t)who->uid : who->gid);
        syscall(SYS_setfsuid, who->uid);
        if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != who->uid) {
                job->error = EPERM;
                return NULL;
        }
        for (guint i = 0; i < job->n; i++)
                job->allowed[i] = faccessat(AT_FDCWD, job->paths[i], R_OK | W_OK, AT_EACCESS) == 0;
        return NULL;   /* the thread's credentials end with it */
}

/* Without the privilege to take on another identity (after --runas): the
 * mode bits, with the caller's real groups; ACLs are not seen. */
static gboolean mode_permits(const struct caller *who, const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return FALSE;
        if (st.st_uid == who->uid)
                return (st.st_mode & 0600) == 0600;
        gboolean member = st.st_gid == who->gid;
        for (guint i = 0; !member && i < who->groups->len; i++)
                member = g_array_index(who->groups, gid_t, i) == st.st_gid;
        if (member)
                return (st.st_mode & 060) == 060;
        return (st.st_mode & 06) == 06;
}

/* For each of @devices: may @who reach it?  Root and the daemon's user
 * may; anyone else only where the node itself lets them read and write. */
static void permitted_many(const struct caller *who, struct ck_device *const *devices, guint n, gboolean *allowed)
{
        if (who && (who->uid == 0 || who->uid == geteuid())) {
                for (guint i = 0; i < n; i++)
                        allowed[i] = TRUE;
                return;
        }
        memset(allowed, 0, n * sizeof(*allowed));
        if (!who || n == 0)
                return;
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < n; i++)
                g_ptr_array_add(paths, g_strdup_printf("/dev/%s", devices[i]->name));
        struct access_job job = { .who = who, .paths = (const char *const *)paths->pdata, .allowed = allowed, .n = n };
        GThread *t = g_thread_try_new("cusekit-access", access_thread, &job, NULL);
        if (t)
                g_thread_join(t);
        if (!t || job.error)
                for (guint i = 0; i < n; i++)
                        allowed[i] = mode_permits(who, paths->pdata[i]);
}

static gboolean permitted(const struct caller *who, struct ck_device *d)
{
        gboolean allowed;

        permitted_many(who, &d, 1, &allowed);
        return allowed;
}

/* Who asked for Request signals; on a bus they go to that name only. */
struct follower {
        GDBusConnection *conn;
        char *sender;             /* NULL: a peer on our socket */
        GHashTable *reaches;      /* struct ck_device * it may see, decided when it asked to follow */
        guint watch;
};

static void follower_free(struct follower *f)
{
        if (f->watch)
                g_bus_unwatch_name(f->watch);
        g_hash_table_unref(f->reaches);
        g_free(f->sender);
        g_free(f);
}

static void return_errno(GDBusMethodInvocation *inv, int error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void return_errno(GDBusMethodInvocation *inv, int error, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        const char *name = strerrorname_np(error);
        g_autofree char *dbus_name = g_strdup_printf("org.cusekit.Error.%s", name ? name : "Failed");
        g_dbus_method_invocation_return_dbus_error(inv, dbus_name, msg);
}

/* The device named by the first argument, if the caller may reach it. */
static struct ck_device *device_arg(struct ck_control *c, GDBusMethodInvocation *inv, const struct caller *who,
                                    const char *name)
{
        struct ck_device *d = find_device(c, name);

        if (!d || !permitted(who, d)) {
                /* the same answer either way: no probing for names */
                return_errno(inv, ENODEV, "no device '%s' (or not permitted)", name);
                return NULL;
        }
        return d;
}

static const struct ck_state_var *state_var(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0)
                        return v;
        }
        return NULL;
}

static int errno_from_text(const char *text)
{
        char *end;
        long n = strtol(text, &end, 10);

        if (*text && !*end)
                return n > 0 && n < 4096 ? (int)n : -1;
        for (int e = 1; e < 4096; e++) {
                const char *name = strerrorname_np(e);
                if (name && strcmp(name, text) == 0)
                        return e;
        }
        return -1;
}

static void add_fault(struct ck_control *c, GDBusMethodInvocation *inv, struct ck_device *d, const char *op,
                      GVariant *options)
{
        struct ck_fault f = { .short_read = -1, .probability = 1 };
        g_autoptr(GError) error = NULL;
        g_autofree char *ioctl_name = NULL;
        GVariantIter it;
        const char *key;
        GVariant *value;

        if (ck_fault_parse_op(d, op, &f.op, &ioctl_name, &error) < 0)
                return return_errno(inv, EINVAL, "%s", error->message);
        f.ioctl = ioctl_name;
        g_variant_iter_init(&it, options);
        while (g_variant_iter_loop(&it, "{&sv}", &key, &value)) {
                if (strcmp(key, "errno") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
                        f.error = errno_from_text(g_variant_get_string(value, NULL));
                else if (strcmp(key, "errno") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_INT32))
                        f.error = g_variant_get_int32(value) > 0 && g_variant_get_int32(value) < 4096
                                          ? g_variant_get_int32(value) : -1;
                else if (strcmp(key, "delay_ms") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
                        f.delay_ms = g_variant_get_uint32(value);
                else if (strcmp(key, "short_read") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
                        f.short_read = g_variant_get_uint32(value);
                else if (strcmp(key, "count") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
                        f.remaining = g_variant_get_uint32(value);
                else if (strcmp(key, "probability") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE))
                        f.probability = g_variant_get_double(value);
                else {
                        g_autofree char *shown = g_variant_print(value, TRUE);
                        return return_errno(inv, EINVAL,
                                            "bad fault option %s=%s (errno: s or i, delay_ms/short_read/count: u, "
                                            "probability: d)", key, shown);
                }
        }
        if (f.error < 0)
                return return_errno(inv, EINVAL, "errno must be a name such as EIO or a number 1..4095");
        if (!(f.probability > 0 && f.probability <= 1))
                return return_errno(inv, EINVAL, "probability must be in (0, 1], not %g", f.probability);
        if (f.short_read >= 0 && f.op != CK_OP_READ)
                return return_errno(inv, EINVAL, "short_read applies to read only");
        if (f.error == 0 && f.delay_ms == 0 && f.short_read < 0)
                return return_errno(inv, EINVAL, "a fault needs errno, delay_ms or short_read");
        if (f.delay_ms > 600000)
                return return_errno(inv, EINVAL, "delay_ms is at most 600000");
        guint id = ck_device_add_fault(d, &f);
        g_message("%s: fault %u on %s added", d->name, id, op);
        g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", id));
}

static GVariant *list_faults(struct ck_device *d)
{
        GVariantBuilder b;
        GPtrArray *faults = ck_device_faults(d);

        g_variant_builder_init(&b, G_VARIANT_TYPE("a(usa{sv})"));
        for (guint i = 0; faults && i < faults->len; i++) {
                const struct ck_fault *f = faults->pdata[i];
                g_autofree char *op = f->ioctl ? g_strdup_printf("ioctl:%s", f->ioctl) : g_strdup(ck_op_name(f->op));
                GVariantBuilder o;
                g_variant_builder_init(&o, G_VARIANT_TYPE_VARDICT);
                if (f->error)
                        g_variant_builder_add(&o, "{sv}", "errno", g_variant_new_string(strerrorname_np(f->error)));
                if (f->delay_ms)
                        g_variant_builder_add(&o, "{sv}", "delay_ms", g_variant_new_uint32(f->delay_ms));
                if (f->short_read >= 0)
                        g_variant_builder_add(&o, "{sv}", "short_read", g_variant_new_uint32((guint32)f->short_read));
                if (f->remaining)
                        g_variant_builder_add(&o, "{sv}", "count", g_variant_new_uint32(f->remaining));
                g_variant_builder_add(&o, "{sv}", "probability", g_variant_new_double(f->probability));
                g_variant_builder_add(&o, "{sv}", "hits", g_variant_new_uint64(f->hits));
                g_variant_builder_add(&b, "(us@a{sv})", f->id, op, g_variant_builder_end(&o));
        }
        return g_variant_builder_end(&b);
}

static void set_state(GDBusMethodInvocation *inv, struct ck_device *d, const char *name, GVariant *value)
{
        const struct ck_state_var *v = state_var(d, name);
        g_autoptr(GError) error = NULL;

        if (!v)
                return return_errno(inv, ENOENT, "%s has no state '%s'", d->name, name);
        if (!v->set)
                return return_errno(inv, EROFS, "%s: '%s' is read-only", d->name, name);
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE(v->type)))
                return return_errno(inv, EINVAL, "%s: '%s' takes type %s, not %s", d->name, name, v->type,
                                    g_variant_get_type_string(value));
        int r = v->set(d, v->userdata, value, &error);
        if (r < 0)
                return return_errno(inv, -r, "%s: %s", d->name, error ? error->message : g_strerror(-r));
        if (v->persistent)
                ck_device_state_changed(d);
        g_dbus_method_invocation_return_value(inv, NULL);
}

/* A descriptor of the device's stream @name (tty's "far"), passed to the
 * caller: the connection must carry descriptors (Unix fd passing, which a
 * peer on our socket and a bus both negotiate). */
static void open_stream(GDBusMethodInvocation *inv, struct ck_device *d, const char *name)
{
        GDBusConnection *conn = g_dbus_method_invocation_get_connection(inv);
        const struct ck_stream *s = NULL;
        g_autoptr(GError) error = NULL;

        for (guint i = 0; d->streams && i < d->streams->len && !s; i++)
                if (strcmp(g_array_index(d->streams, struct ck_stream, i).name, name) == 0)
                        s = &g_array_index(d->streams, struct ck_stream, i);
        if (!s)
                return return_errno(inv, ENOENT, "%s has no stream '%s'", d->name, name);
        if (!(g_dbus_connection_get_capabilities(conn) & G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING))
                return return_errno(inv, EOPNOTSUPP, "this connection cannot carry descriptors (no Unix fd passing)");
        int fd = s->open(d, s->userdata, &error);
        if (fd < 0)
                return return_errno(inv, -fd, "%s: %s", d->name, error ? error->message : g_strerror(-fd));
        g_autoptr(GUnixFDList) fds = g_unix_fd_list_new_from_array(&fd, 1);   /* takes it */
        g_dbus_method_invocation_return_value_with_unix_fd_list(inv, g_variant_new("(h)", 0), fds);
}

static void on_follower_vanished(GDBusConnection *conn, const char *name, gpointer userdata)
{
        struct ck_control *c = userdata;

        for (guint i = 0; i < c->followers->len; i++) {
                struct follower *f = c->followers->pdata[i];
                if (f->conn == conn && g_strcmp0(f->sender, name) == 0) {
                        g_ptr_array_remove_index(c->followers, i);
                        return;
                }
        }
}

static void follow(struct ck_control *c, GDBusConnection *conn, const char *sender, const struct caller *who)
{
        for (guint i = 0; i < c->followers->len; i++) {
                struct follower *f = c->followers->pdata[i];
                if (f->conn == conn && g_strcmp0(f->sender, sender) == 0)
                        return;
        }
        struct follower *f = g_new0(struct follower, 1);
        *f = (struct follower){ .conn = conn, .sender = g_strdup(sender), .reaches = g_hash_table_new(NULL, NULL) };
        /* decided once: a check per traced request would cost a thread each */
        g_autofree gboolean *allowed = g_new0(gboolean, MAX(c->devices->len, 1));
        permitted_many(who, (struct ck_device *const *)c->devices->pdata, c->devices->len, allowed);
        for (guint i = 0; i < c->devices->len; i++)
                if (allowed[i])
                        g_hash_table_add(f->reaches, c->devices->pdata[i]);
        if (sender)
                f->watch = g_bus_watch_name_on_connection(conn, sender, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                          on_follower_vanished, c, NULL);
        g_ptr_array_add(c->followers, f);
}

static void dispatch(struct ck_control *c, GDBusMethodInvocation *inv, const struct caller *who)
{
        GDBusConnection *conn = g_dbus_method_invocation_get_connection(inv);
        const char *sender = g_dbus_method_invocation_get_sender(inv);
        const char *method = g_dbus_method_invocation_get_method_name(inv);
        GVariant *params = g_dbus_method_invocation_get_parameters(inv);
        const char *dev_name = NULL;
        struct ck_device *d = NULL;

        /* every method whose first argument is a string names a device */
        if (g_variant_n_children(params) > 0) {
                g_autoptr(GVariant) first = g_variant_get_child_value(params, 0);
                if (g_variant_is_of_type(first, G_VARIANT_TYPE_STRING)) {
                        dev_name = g_variant_get_string(first, NULL);
                        if (!(d = device_arg(c, inv, who, dev_name)))
                                return;
                }
        }

        if (strcmp(method, "ListDevices") == 0) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssssu)"));
                g_autofree gboolean *allowed = g_new0(gboolean, MAX(c->devices->len, 1));
                permitted_many(who, (struct ck_device *const *)c->devices->pdata, c->devices->len, allowed);
                for (guint i = 0; i < c->devices->len; i++) {
                        struct ck_device *e = c->devices->pdata[i];
                        if (!allowed[i])
                                continue;
                        g_autofree char *node = g_strdup_printf("/dev/%s", e->name);
                        g_variant_builder_add(&b, "(ssssu)", e->name, e->index->type->name, node,
                                              e->index->unrestricted ? "unrestricted" : "restricted",
                                              e->open_count);
                }
                g_dbus_method_invocation_return_value(inv, g_variant_new("(a(ssssu))", &b));
        } else if (strcmp(method, "ListState") == 0) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssbbs)"));
                for (guint i = 0; d->state && i < d->state->len; i++) {
                        const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                        g_variant_builder_add(&b, "(ssbbs)", v->name, v->type, v->set != NULL, v->persistent,
                                              v->summary ? v->summary : "");
                }
                g_dbus_method_invocation_return_value(inv, g_variant_new("(a(ssbbs))", &b));
        } else if (strcmp(method, "GetState") == 0) {
                const char *name;
                g_variant_get(params, "(&s&s)", NULL, &name);
                const struct ck_state_var *v = state_var(d, name);
                if (!v)
                        return return_errno(inv, ENOENT, "%s has no state '%s'", d->name, name);
                g_dbus_method_invocation_return_value(inv, g_variant_new("(v)", v->get(d, v->userdata)));
        } else if (strcmp(method, "SetState") == 0) {
                const char *name;
                g_autoptr(GVariant) value = NULL;
                g_variant_get(params, "(&s&sv)", NULL, &name, &value);
                set_state(inv, d, name, value);
        } else if (strcmp(method, "AddFault") == 0) {
                const char *op;
                g_autoptr(GVariant) options = NULL;
                g_variant_get(params, "(&s&s@a{sv})", NULL, &op, &options);
                add_fault(c, inv, d, op, options);
        } else if (strcmp(method, "ListFaults") == 0) {
                g_dbus_method_invocation_return_value(inv, g_variant_new("(@a(usa{sv}))", list_faults(d)));
        } else if (strcmp(method, "ClearFaults") == 0) {
                guint id;
                g_variant_get(params, "(&su)", NULL, &id);
                g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", ck_device_clear_faults(d, id)));
        } else if (strcmp(method, "ListStreams") == 0) {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
                for (guint i = 0; d->streams && i < d->streams->len; i++) {
                        const struct ck_stream *s = &g_array_index(d->streams, struct ck_stream, i);
                        g_variant_builder_add(&b, "(ss)", s->name, s->summary ? s->summary : "");
                }
                g_dbus_method_invocation_return_value(inv, g_variant_new("(a(ss))", &b));
        } else if (strcmp(method, "OpenStream") == 0) {
                const char *name;
                g_variant_get(params, "(&s&s)", NULL, &name);
                open_stream(inv, d, name);
        } else if ((strcmp(method, "GetTrace") == 0 || strcmp(method, "FollowTrace") == 0) && !c->trace) {
                return_errno(inv, ENODATA, "the trace is off (cusekitd --trace-size 0)");
        } else if (strcmp(method, "GetTrace") == 0) {
                guint max;
                g_variant_get(params, "(u)", &max);
                g_autoptr(GVariant) all = g_variant_ref_sink(ck_trace_dump(c->trace, max));
                g_autoptr(GHashTable) decided = g_hash_table_new(NULL, NULL);   /* device -> 1 no, 2 yes */
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a" CK_TRACE_EVENT_TYPE));
                for (gsize i = 0; i < g_variant_n_children(all); i++) {
                        g_autoptr(GVariant) ev = g_variant_get_child_value(all, i);
                        const char *evdev;
                        g_variant_get_child(ev, 2, "&s", &evdev);
                        struct ck_device *e = find_device(c, evdev);
                        if (!e)
                                continue;
                        guint verdict = GPOINTER_TO_UINT(g_hash_table_lookup(decided, e));
                        if (!verdict) {
                                verdict = permitted(who, e) ? 2 : 1;
                                g_hash_table_insert(decided, e, GUINT_TO_POINTER(verdict));
                        }
                        if (verdict == 2)
                                g_variant_builder_add_value(&b, ev);
                }
                g_dbus_method_invocation_return_value(inv, g_variant_new("(a" CK_TRACE_EVENT_TYPE ")", &b));
        } else if (strcmp(method, "FollowTrace") == 0) {
                follow(c, conn, sender, who);
                g_dbus_method_invocation_return_value(inv, NULL);
        }
}

struct pending_call {
        struct ck_control *c;
        GDBusMethodInvocation *inv;
};

static void on_bus_credentials(GObject *source, GAsyncResult *res, gpointer userdata)
{
        struct pending_call *p = userdata;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
        g_autoptr(caller) who = reply ? bus_caller(reply) : NULL;

        if (!who)
                return_errno(p->inv, EACCES, "cannot tell who is calling: %s",
                             error ? error->message : "the bus gave no user id");
        else
                dispatch(p->c, p->inv, who);
        g_object_unref(p->inv);
        g_free(p);
}

/* A peer on our socket is known from its connection; on a bus, the bus
 * daemon says who the sender is: asked without blocking the main loop. */
static void method_call(GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                        const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer userdata)
{
        struct ck_control *c = userdata;
        const struct caller *who = g_object_get_data(G_OBJECT(conn), "cusekit-caller");

        if (who || !sender) {
                dispatch(c, inv, who);
                return;
        }
        struct pending_call *p = g_new0(struct pending_call, 1);
        *p = (struct pending_call){ .c = c, .inv = g_object_ref(inv) };
        g_dbus_connection_call(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionCredentials", g_variant_new("(s)", sender), G_VARIANT_TYPE("(a{sv})"),
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_bus_credentials, p);
}

static void bus_method_call(GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                            const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer userdata)
{
        struct ck_control *c = userdata;

        if (strcmp(method, "Hello") == 0) {
                g_autofree char *name = g_strdup_printf(":1.%u", ++c->next_peer);
                g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", name));
        } else {
                g_dbus_method_invocation_return_value(inv, NULL);   /* match rules: every signal is sent anyway */
        }
}

static void on_trace_event(const struct ck_trace_event *ev, void *userdata)
{
        struct ck_control *c = userdata;
        GVariant *event = NULL;

        for (guint i = 0; i < c->followers->len; i++) {
                struct follower *f = c->followers->pdata[i];
                if (!g_hash_table_contains(f->reaches, ev->device))
                        continue;
                if (!event)
                        event = g_variant_ref_sink(ck_trace_event_to_variant(ev));
                g_dbus_connection_emit_signal(f->conn, f->sender, CK_CONTROL_PATH, CK_CONTROL_INTERFACE, "Request",
                                              g_variant_new_tuple(&event, 1), NULL);
        }
        if (event)
                g_variant_unref(event);
}

static void on_closed(GDBusConnection *conn, gboolean remote_peer_vanished, GError *error, gpointer userdata)
{
        struct ck_control *c = userdata;

        for (guint i = 0; i < c->followers->len;) {
                struct follower *f = c->followers->pdata[i];
                if (f->conn == conn)
                        g_ptr_array_remove_index(c->followers, i);
                else
                        i++;
        }
        g_ptr_array_remove(c->connections, conn);
}

static gboolean on_new_connection(GDBusServer *server, GDBusConnection *conn, gpointer userdata)
{
        struct ck_control *c = userdata;
        static const GDBusInterfaceVTable vtable = { .method_call = method_call };
        static const GDBusInterfaceVTable bus_vtable = { .method_call = bus_method_call };
        g_autoptr(GError) error = NULL;

        /* a peer on our socket has no bus to greet: we answer for it */
        if (!g_dbus_connection_register_object(conn, CK_CONTROL_PATH, c->info->interfaces[0], &vtable, c, NULL,
                                               &error) ||
            (server && !g_dbus_connection_register_object(conn, "/org/freedesktop/DBus", c->bus_info->interfaces[0],
                                                          &bus_vtable, c, NULL, &error))) {
                g_warning("control: %s", error->message);
                return FALSE;
        }
        /* a peer of our socket: who it is, from the kernel, once */
        if (server) {
                struct caller *who = peer_caller(conn);
                if (!who) {
                        g_warning("control: a peer without credentials");
                        return FALSE;
                }
                g_object_set_data_full(G_OBJECT(conn), "cusekit-caller", who, (GDestroyNotify)caller_free);
        }
        g_signal_connect(conn, "closed", G_CALLBACK(on_closed), c);
        g_ptr_array_add(c->connections, g_object_ref(conn));
        return TRUE;
}

int ck_control_add_bus(struct ck_control *c, const char *bus, const char *name, GError **error)
{
        g_autofree char *address = NULL;

        /* a connection of our own, not the process-wide singleton */
        if (strcmp(bus, "session") == 0 || strcmp(bus, "system") == 0)
                address = g_dbus_address_get_for_bus_sync(bus[1] == 'e' ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
                                                          NULL, error);
        else
                address = g_strdup(bus);
        if (!address)
                return -EIO;
        g_autoptr(GDBusConnection) conn = g_dbus_connection_new_for_address_sync(
                address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, error);
        if (!conn)
                return -EIO;
        g_dbus_connection_set_exit_on_close(conn, FALSE);   /* the devices outlive a bus restart */

        /* ours alone, or not at all: a second daemon must not queue for it */
        g_autoptr(GVariant) r = g_dbus_connection_call_sync(
                conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                g_variant_new("(su)", name, 4u /* DBUS_NAME_FLAG_DO_NOT_QUEUE */), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
        guint32 reply = 0;
        if (!r)
                return -EACCES;
        g_variant_get(r, "(u)", &reply);
        if (reply != 1 /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */) {
                g_set_error(error, CK_ERROR, EADDRINUSE, "the bus name %s is taken (another cusekitd?)", name);
                return -EADDRINUSE;
        }
        if (!on_new_connection(NULL, conn, c)) {
                g_set_error(error, CK_ERROR, EIO, "cannot export the control object on the %s bus", bus);
                return -EIO;
        }
        return 0;
}

/* Only peers whose credentials the kernel vouches for; per-device checks follow. */
static gboolean on_authorize(GDBusAuthObserver *observer, GIOStream *stream, GCredentials *cred, gpointer userdata)
{
        return cred != NULL && g_credentials_get_unix_user(cred, NULL) != (uid_t)-1;
}

/* Only a socket nobody listens on (a daemon that died) may be replaced:
 * anything else at @path stays, and start-up stops. */
static int clear_stale_socket(const char *path, GError **error)
{
        struct stat st;

        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                int e = errno;
                g_set_error(error, CK_ERROR, e, "control socket %s: %s", path, g_strerror(e));
                return -e;
        }
        if (!S_ISSOCK(st.st_mode)) {
                g_set_error(error, CK_ERROR, EEXIST, "control socket %s: something else is there (not a socket); "
                            "not removing it", path);
                return -EEXIST;
        }
        g_autoptr(GSocket) probe = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
        g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
        g_autoptr(GError) local = NULL;
        if (!probe)
                return -ENOMEM;
        if (g_socket_connect(probe, addr, NULL, &local)) {
                g_set_error(error, CK_ERROR, EADDRINUSE, "control socket %s is in use by another cusekitd", path);
                return -EADDRINUSE;
        }
        if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)) {
                g_set_error(error, CK_ERROR, EEXIST, "control socket %s: %s; not removing it", path, local->message);
                return -EEXIST;
        }
        if (unlink(path) < 0 && errno != ENOENT) {
                int e = errno;
                g_set_error(error, CK_ERROR, e, "control socket %s: removing the stale socket: %s", path,
                            g_strerror(e));
                return -e;
        }
        return 0;
}

int ck_control_new(const char *path, mode_t mode, uid_t owner, GPtrArray *devices, struct ck_trace *trace,
                   struct ck_control **ret, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *guid = g_dbus_generate_guid();
        g_autofree char *address = NULL;

        if (g_mkdir_with_parents(dir, 0755) < 0) {
                g_set_error(error, CK_ERROR, errno, "cannot create %s: %s", dir, g_strerror(errno));
                return -errno;
        }
        int r = clear_stale_socket(path, error);
        if (r < 0)
                return r;
        g_autofree char *escaped = g_dbus_address_escape_value(path);
        address = g_strdup_printf("unix:path=%s", escaped);

        struct ck_control *c = g_new0(struct ck_control, 1);
        c->devices = g_ptr_array_ref(devices);
        c->trace = trace;
        c->path = g_strdup(path);
        c->connections = g_ptr_array_new_with_free_func(g_object_unref);
        c->followers = g_ptr_array_new_with_free_func((GDestroyNotify)follower_free);
        c->info = g_dbus_node_info_new_for_xml(introspection_xml, NULL);
        c->bus_info = g_dbus_node_info_new_for_xml(bus_xml, NULL);
        g_autoptr(GDBusAuthObserver) observer = g_dbus_auth_observer_new();
        g_signal_connect(observer, "authorize-authenticated-peer", G_CALLBACK(on_authorize), NULL);
        /* the socket is created under a umask that keeps it private until chmod */
        mode_t old_umask = umask(0177);
        c->server = g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE, guid, observer, NULL, error);
        umask(old_umask);
        if (!c->server) {
                ck_control_free(c);
                return -EIO;
        }
        if (chmod(path, mode) < 0 || (owner != (uid_t)-1 && chown(path, owner, (gid_t)-1) < 0)) {
                g_set_error(error, CK_ERROR, errno, "%s: %s", path, g_strerror(errno));
                ck_control_free(c);
                return -EIO;
        }
        g_signal_connect(c->server, "new-connection", G_CALLBACK(on_new_connection), c);
        g_dbus_server_start(c->server);
        if (trace)
                ck_trace_set_listener(trace, on_trace_event, c);
        *ret = c;
        return 0;
}

void ck_control_free(struct ck_control *c)
{
        if (!c)
                return;
        if (c->trace)
                ck_trace_set_listener(c->trace, NULL, NULL);
        if (c->server) {
                g_dbus_server_stop(c->server);
                g_object_unref(c->server);
                unlink(c->path);
        }
        g_ptr_array_unref(c->followers);
        for (guint i = 0; i < c->connections->len; i++)
                g_signal_handlers_disconnect_by_data(c->connections->pdata[i], c);
        g_ptr_array_unref(c->connections);
        if (c->info)
                g_dbus_node_info_unref(c->info);
        if (c->bus_info)
                g_dbus_node_info_unref(c->bus_info);
        g_ptr_array_unref(c->devices);
        g_free(c->path);
        g_free(c);
}
