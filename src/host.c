/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "host.h"

#include "control.h"
#include "persist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TRACE_SIZE 4096
/* A trace event is about 200 bytes: a million of them is plenty. */
#define MAX_TRACE_SIZE 1000000
#define DEFAULT_STATE_INTERVAL_MS 100
#define MAX_STATE_INTERVAL_MS 60000

enum setting_kind { SETTING_TEXT, SETTING_PATH, SETTING_NUMBER, SETTING_MODE };

static const struct setting {
        const char *key;
        enum setting_kind kind;
        gint64 min, max;
} settings[] = {
        { .key = "state-dir", .kind = SETTING_PATH },
        { .key = "state-interval", .kind = SETTING_NUMBER, .min = 0, .max = MAX_STATE_INTERVAL_MS },
        { .key = "control-socket", .kind = SETTING_PATH },
        { .key = "control-mode", .kind = SETTING_MODE },
        { .key = "trace-size", .kind = SETTING_NUMBER, .min = 0, .max = MAX_TRACE_SIZE },
        { .key = "bus", .kind = SETTING_TEXT },
        { .key = "bus-name", .kind = SETTING_TEXT },
};

static const char *const setting_keys[] = {
        "state-dir", "state-interval", "control-socket", "control-mode", "trace-size", "bus", "bus-name", NULL,
};

struct ck_host {
        char **transport_keys;
        GHashTable *values;          /* setting key -> value */
        GPtrArray *specs;            /* struct ck_device_spec * */
        GPtrArray *devices;          /* struct ck_device *, as specs */
        struct ck_trace *trace;
        struct ck_persist *persist;
        struct ck_control *control;
        uid_t owner_uid;
        gid_t owner_gid;
        bool made_state_dir;
};

int ck_parse_integer(const char *text, gint64 min, gint64 max, gint64 *ret)
{
        gint64 n;

        if (!text || !g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &n, NULL))
                return -EINVAL;
        if (n < min || n > max)
                return -ERANGE;
        *ret = n;
        return 0;
}

gboolean ck_parse_mode(const char *text, mode_t *ret)
{
        guint64 m;

        if (!text || !g_ascii_string_to_unsigned(text, 8, 0, 07777, &m, NULL))
                return FALSE;
        *ret = (mode_t)m;
        return TRUE;
}

static const struct setting *find_setting(const char *key)
{
        for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
                if (strcmp(settings[i].key, key) == 0)
                        return &settings[i];
        return NULL;
}

gboolean ck_host_is_setting(const char *key)
{
        return find_setting(key) != NULL;
}

const char *const *ck_host_settings(void)
{
        return setting_keys;
}

int ck_host_new(const char *const *transport_keys, struct ck_host **ret)
{
        struct ck_host *h = g_new0(struct ck_host, 1);

        h->transport_keys = g_strdupv((char **)(transport_keys ? transport_keys : (const char *const[]){ NULL }));
        h->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        h->specs = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_spec_free);
        h->devices = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_free);
        h->owner_uid = (uid_t)-1;
        h->owner_gid = (gid_t)-1;
        *ret = h;
        return 0;
}

void ck_host_free(struct ck_host *h)
{
        if (!h)
                return;
        /* control first: no request may reach a device being freed */
        g_clear_pointer(&h->control, ck_control_free);
        g_clear_pointer(&h->persist, ck_persist_free);
        g_ptr_array_unref(h->devices);
        g_ptr_array_unref(h->specs);
        ck_trace_free(h->trace);
        /* made for this run and never written to: leave nothing behind */
        if (h->made_state_dir)
                (void)rmdir(ck_host_get(h, "state-dir"));
        g_hash_table_unref(h->values);
        g_strfreev(h->transport_keys);
        g_free(h);
}

/* Checks @value for @s; the message says why, for the caller to place. */
static int check_setting(const struct setting *s, const char *value, GError **error)
{
        gint64 n;
        mode_t mode;

        switch (s->kind) {
        case SETTING_NUMBER:
                if (ck_parse_integer(value, s->min, s->max, &n) < 0) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "not a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, s->min,
                                    s->max);
                        return -EINVAL;
                }
                return 0;
        case SETTING_MODE:
                if (!ck_parse_mode(value, &mode)) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "not an octal mode");
                        return -EINVAL;
                }
                return 0;
        case SETTING_PATH:
        case SETTING_TEXT:
                if (!value[0]) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "needs a value");
                        return -EINVAL;
                }
                return 0;
        }
        g_assert_not_reached();
}

int ck_host_set(struct ck_host *h, const char *key, const char *value, GError **error)
{
        const struct setting *s = find_setting(key);
        g_autoptr(GError) local = NULL;

        if (!s) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unknown setting '%s'", key);
                return -ENOENT;
        }
        if (g_hash_table_contains(h->values, s->key))
                return 0;
        int r = check_setting(s, value, &local);
        if (r < 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s %s: %s", key, value,
                            local->message);
                return r;
        }
        g_hash_table_insert(h->values, (char *)s->key, g_strdup(value));
        return 0;
}

const char *ck_host_get(const struct ck_host *h, const char *key)
{
        return g_hash_table_lookup(h->values, key);
}

static gint64 setting_number(const struct ck_host *h, const char *key, gint64 fallback)
{
        const char *text = ck_host_get(h, key);
        gint64 n;

        return text && ck_parse_integer(text, G_MININT64, G_MAXINT64, &n) == 0 ? n : fallback;
}

void ck_host_set_owner(struct ck_host *h, uid_t uid, gid_t gid)
{
        h->owner_uid = uid;
        h->owner_gid = gid;
}

int ck_host_add_device(struct ck_host *h, const char *text, GError **error)
{
        g_autoptr(GError) local = NULL;
        struct ck_device_spec *spec = ck_device_spec_parse(text, &local);

        if (!spec) {
                g_propagate_prefixed_error(error, g_steal_pointer(&local), "--device: ");
                return -EINVAL;
        }
        g_ptr_array_add(h->specs, spec);
        return 0;
}

/* Where each group and key of a key file is, and what it holds twice:
 * GKeyFile merges repeated groups and keeps the last of repeated keys. */
struct config_lines {
        GHashTable *lines;   /* "group" or "group\nkey" -> line number */
        char *twice;         /* the first repeated group or key, as an error message */
};

static void config_lines_clear(struct config_lines *cl)
{
        g_clear_pointer(&cl->lines, g_hash_table_unref);
        g_clear_pointer(&cl->twice, g_free);
}

static void config_lines_scan(struct config_lines *cl, const char *path, const char *text)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autofree char *group = NULL;

        cl->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; lines[i]; i++) {
                const char *l = lines[i];
                guint line = i + 1;
                while (g_ascii_isspace(*l))
                        l++;
                if (!*l || *l == '#')
                        continue;
                g_autofree char *where = NULL;
                if (*l == '[') {
                        const char *end = strchr(l, ']');
                        if (!end)
                                continue;   /* GKeyFile says what is wrong */
                        g_free(group);
                        group = g_strndup(l + 1, (gsize)(end - l - 1));
                        where = g_strdup(group);
                } else {
                        const char *eq = strchr(l, '=');
                        if (!eq || !group)
                                continue;
                        g_autofree char *key = g_strstrip(g_strndup(l, (gsize)(eq - l)));
                        where = g_strdup_printf("%s\n%s", group, key);
                }
                gpointer first = g_hash_table_lookup(cl->lines, where);
                if (first && !cl->twice) {
                        const char *nl = strchr(where, '\n');
                        cl->twice = nl ? g_strdup_printf("%s:%u: [%s]: key '%s' is given twice (first on line %u)",
                                                         path, line, group, nl + 1, GPOINTER_TO_UINT(first))
                                       : g_strdup_printf("%s:%u: [%s] is given twice (first on line %u)", path,
                                                         line, group, GPOINTER_TO_UINT(first));
                }
                if (!first)
                        g_hash_table_insert(cl->lines, g_steal_pointer(&where), GUINT_TO_POINTER(line));
        }
}

static guint config_line(const struct config_lines *cl, const char *group, const char *key)
{
        g_autofree char *where = key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);

        return GPOINTER_TO_UINT(g_hash_table_lookup(cl->lines, where));
}

int ck_host_load_config(struct ck_host *h, const char *path, const char *group, const char *const *own_keys,
                        GKeyFile **ret_kf, GError **error)
{
        __attribute__((cleanup(config_lines_clear))) struct config_lines cl = { 0 };
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) local = NULL;
        g_autofree char *text = NULL;
        gsize len;

        if (!g_file_get_contents(path, &text, &len, &local) ||
            !g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, local->message);
                return -EINVAL;
        }
        config_lines_scan(&cl, path, text);
        if (cl.twice) {
                g_set_error_literal(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, cl.twice);
                return -EINVAL;
        }

        /* modules=A.so;B.so (as --module): loaded first, their types are in the file */
        g_auto(GStrv) modules = g_key_file_get_string_list(kf, group, "modules", NULL, NULL);
        for (char **m = modules; m && *m; m++)
                if (ck_registry_load_module(*m, &local) < 0) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s:%u: modules: %s",
                                    path, config_line(&cl, group, "modules"), local->message);
                        return -EINVAL;
                }

        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++) {
                if (g_str_has_prefix(*g, "device "))
                        continue;
                if (strcmp(*g, group) != 0) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                                    "%s:%u: unknown group [%s] (groups: [%s], [device NAME])", path,
                                    config_line(&cl, *g, NULL), *g, group);
                        return -EINVAL;
                }
                g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                for (char **k = keys; *k; k++) {
                        guint line = config_line(&cl, *g, *k);
                        if ((own_keys && g_strv_contains(own_keys, *k)) || strcmp(*k, "modules") == 0)
                                continue;
                        const struct setting *s = find_setting(*k);
                        if (!s) {
                                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                            "%s:%u: [%s]: unknown key '%s'", path, line, *g, *k);
                                return -EINVAL;
                        }
                        g_autofree char *value = g_key_file_get_string(kf, *g, *k, &local);
                        if (!value) {
                                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                            "%s:%u: %s: %s", path, line, *k, local->message);
                                return -EINVAL;
                        }
                        if (g_hash_table_contains(h->values, s->key))
                                continue;   /* the command line wins */
                        if (check_setting(s, value, &local) < 0) {
                                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                            "%s:%u: %s=%s: %s", path, line, *k, value, local->message);
                                return -EINVAL;
                        }
                        g_hash_table_insert(h->values, (char *)s->key, g_steal_pointer(&value));
                }
        }

        g_autoptr(GPtrArray) from_file = ck_device_specs_from_keyfile(kf, &local);
        if (!from_file) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", path, local->message);
                return -EINVAL;
        }
        for (guint i = 0; i < from_file->len; i++) {
                struct ck_device_spec *spec = from_file->pdata[i];
                g_autofree char *g = g_strdup_printf("device %s", spec->name);
                const struct ck_type_index *index = ck_registry_find(spec->type);
                if (!index) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "%s:%u: [%s]: unknown device type '%s'", path, config_line(&cl, g, "type"),
                                    g, spec->type);
                        return -EINVAL;
                }
                GHashTableIter it;
                const char *key;
                g_hash_table_iter_init(&it, spec->params);
                while (g_hash_table_iter_next(&it, (gpointer *)&key, NULL)) {
                        const char *const *p = index->type->params;
                        if (g_strv_contains((const char *const *)h->transport_keys, key) ||
                            (p && g_strv_contains(p, key)))
                                continue;
                        g_autofree char *takes = p ? g_strjoinv(", ", (char **)p) : g_strdup("");
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                    "%s:%u: [%s]: unknown key '%s' (%s takes type%s%s)", path,
                                    config_line(&cl, g, key), g, key, spec->type, takes[0] ? ", " : "", takes);
                        return -EINVAL;
                }
        }
        for (guint i = 0; i < from_file->len; i++)
                g_ptr_array_add(h->specs, g_steal_pointer(&from_file->pdata[i]));
        if (ret_kf)
                *ret_kf = g_steal_pointer(&kf);
        return 0;
}

int ck_host_create_devices(struct ck_host *h, GError **error)
{
        if (h->specs->len == 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                            "no devices: give --device TYPE:NAME or --config FILE");
                return -ENOENT;
        }
        g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < h->specs->len; i++) {
                const struct ck_device_spec *spec = h->specs->pdata[i];
                if (!g_hash_table_add(names, spec->name)) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "device name '%s' is given twice", spec->name);
                        return -EEXIST;
                }
        }

        gint64 trace_size = setting_number(h, "trace-size", DEFAULT_TRACE_SIZE);
        if (trace_size > 0)
                h->trace = ck_trace_new((guint)trace_size);
        const char *state_dir = ck_host_get(h, "state-dir");
        for (guint i = 0; i < h->specs->len; i++) {
                const struct ck_device_spec *spec = h->specs->pdata[i];
                g_autoptr(GHashTable) model_params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) local = NULL;
                struct ck_device *device;
                GHashTableIter it;
                const char *key, *value;

                g_hash_table_iter_init(&it, spec->params);
                while (g_hash_table_iter_next(&it, (gpointer *)&key, (gpointer *)&value))
                        if (!g_strv_contains((const char *const *)h->transport_keys, key))
                                g_hash_table_insert(model_params, (char *)key, (char *)value);
                int r = ck_device_new(spec->type, spec->name, model_params, &device, &local);
                if (r < 0) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "device '%s': %s", spec->name,
                                    local->message);
                        return r;
                }
                g_ptr_array_add(h->devices, device);
                if (state_dir && (r = ck_persist_load(device, state_dir, &local)) < 0) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "device '%s': saved state: %s",
                                    spec->name, local->message);
                        return r;
                }
                if (h->trace)
                        ck_device_set_trace(device, h->trace);
        }
        /* names differ, but a type's node directory may make two nodes one path */
        g_autoptr(GHashTable) nodes = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < h->devices->len; i++) {
                struct ck_device *d = h->devices->pdata[i];
                struct ck_device *other = g_hash_table_lookup(nodes, ck_device_node(d));
                if (other) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "devices '%s' and '%s' would both be /dev/%s", ck_device_name(other),
                                    ck_device_name(d), ck_device_node(d));
                        return -EEXIST;
                }
                g_hash_table_insert(nodes, (char *)ck_device_node(d), d);
        }
        return 0;
}

static int make_state_dir(struct ck_host *h, const char *dir, GError **error)
{
        struct stat st;

        if (stat(dir, &st) < 0) {
                if (errno != ENOENT || g_mkdir_with_parents(dir, 0700) < 0 || stat(dir, &st) < 0) {
                        int e = errno;
                        g_set_error(error, CK_ERROR, e, "--state-dir %s: %s", dir, g_strerror(e));
                        return -e;
                }
                h->made_state_dir = true;
                /* ours from the start: the owner writes it after a privilege drop */
                if (h->owner_uid != (uid_t)-1 && chown(dir, h->owner_uid, h->owner_gid) < 0) {
                        int e = errno;
                        g_set_error(error, CK_ERROR, e, "--state-dir %s: chown: %s", dir, g_strerror(e));
                        return -e;
                }
                st.st_uid = h->owner_uid;
        }
        if (!S_ISDIR(st.st_mode)) {
                g_set_error(error, CK_ERROR, ENOTDIR, "--state-dir %s: not a directory", dir);
                return -ENOTDIR;
        }
        /* an existing directory is not ours to chown: say so now, not at every save */
        if (h->owner_uid != (uid_t)-1 && h->owner_uid != 0 && st.st_uid != h->owner_uid) {
                g_set_error(error, CK_ERROR, EACCES,
                            "--state-dir %s: owned by uid %u, but the devices are served as uid %u, "
                            "who could not save there (chown it, or let cusekitd create it)",
                            dir, (unsigned)st.st_uid, (unsigned)h->owner_uid);
                return -EACCES;
        }
        return 0;
}

int ck_host_start(struct ck_host *h, const char *default_control_socket, GError **error)
{
        const char *state_dir = ck_host_get(h, "state-dir");
        int r;

        if (state_dir) {
                r = make_state_dir(h, state_dir, error);
                if (r < 0)
                        return r;
                h->persist = ck_persist_new(state_dir, (guint)setting_number(h, "state-interval",
                                                                            DEFAULT_STATE_INTERVAL_MS));
                for (guint i = 0; i < h->devices->len; i++)
                        ck_persist_watch(h->persist, h->devices->pdata[i]);
        }

        const char *socket = ck_host_get(h, "control-socket");
        const char *bus = ck_host_get(h, "bus");
        socket = socket ? socket : default_control_socket;
        if (!socket || strcmp(socket, "none") == 0) {
                if (bus) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "--bus needs the control interface: drop --control-socket none");
                        return -EINVAL;
                }
                return 0;
        }
        mode_t mode = 0600;
        if (ck_host_get(h, "control-mode"))
                ck_parse_mode(ck_host_get(h, "control-mode"), &mode);
        g_autoptr(GError) local = NULL;
        r = ck_control_new(socket, mode, h->owner_uid, h->devices, h->trace, &h->control, &local);
        if (r < 0) {
                g_set_error(error, CK_ERROR, -r, "%s (give --control-socket PATH, or none)", local->message);
                return r;
        }
        if (bus) {
                const char *name = ck_host_get(h, "bus-name");
                r = ck_control_add_bus(h->control, bus, name ? name : "org.cusekit.Daemon", &local);
                if (r < 0) {
                        g_set_error(error, CK_ERROR, -r, "--bus %s: %s", bus, local->message);
                        return r;
                }
        }
        return 0;
}

int ck_host_flush(struct ck_host *h, GError **error)
{
        return h->persist ? ck_persist_flush(h->persist, error) : 0;
}

guint ck_host_n_devices(const struct ck_host *h)
{
        return h->devices->len;
}

struct ck_device *ck_host_device(const struct ck_host *h, guint i)
{
        return i < h->devices->len ? h->devices->pdata[i] : NULL;
}

const struct ck_device_spec *ck_host_spec(const struct ck_host *h, guint i)
{
        return i < h->specs->len ? h->specs->pdata[i] : NULL;
}

guint64 ck_host_state_writes(const struct ck_host *h)
{
        return h->persist ? ck_persist_writes(h->persist) : 0;
}
