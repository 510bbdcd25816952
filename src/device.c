/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ck_device (one node) and ck_file (one open of it). */
#include "cusekit-private.h"

#include <errno.h>
#include <string.h>

int ck_device_new(const char *type_name, const char *name, GHashTable *params,
                  struct ck_device **ret, GError **error)
{
        const struct ck_type_index *index = ck_registry_find(type_name);

        if (!index) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "unknown device type '%s'", type_name);
                return -ENOENT;
        }
        if (params) {
                GHashTableIter it;
                const char *key;
                g_hash_table_iter_init(&it, params);
                while (g_hash_table_iter_next(&it, (gpointer *)&key, NULL)) {
                        const char *const *p = index->type->params;
                        while (p && *p && strcmp(*p, key) != 0)
                                p++;
                        if (!p || !*p) {
                                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                            "%s: unknown parameter '%s'", type_name, key);
                                return -EINVAL;
                        }
                        const char *value = g_hash_table_lookup(params, key);
                        if (strstr(value, CK_LIST_SEPARATOR) && !(index->type->list_params &&
                                                                  g_strv_contains(index->type->list_params, key))) {
                                g_auto(GStrv) values = g_strsplit(value, CK_LIST_SEPARATOR, -1);
                                g_autofree char *listed = g_strjoinv("', '", values);
                                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                            "%s: '%s' takes one value, but is given %u: '%s'", type_name, key,
                                            g_strv_length(values), listed);
                                return -EINVAL;
                        }
                }
        }

        g_autoptr(ck_device) d = g_new0(struct ck_device, 1);
        d->index = index;
        d->name = g_strdup(name);
        d->node = index->type->node_dir ? g_strconcat(index->type->node_dir, "/", name, NULL) : g_strdup(name);
        d->exclusive = index->type->exclusive;
        d->priv = g_malloc0(MAX(index->type->priv_size, 1));
        if (index->type->init) {
                g_autoptr(GHashTable) empty = params ? NULL : g_hash_table_new(g_str_hash, g_str_equal);
                int r = index->type->init(d, params ? params : empty, error);
                if (r < 0) {
                        /* init failed: fini must not see a half-made device */
                        g_free(d->priv);
                        d->priv = NULL;
                        g_free(d->name);
                        g_free(d->node);
                        g_free(g_steal_pointer(&d));
                        return r;
                }
        }
        *ret = g_steal_pointer(&d);
        return 0;
}

void ck_device_free(struct ck_device *d)
{
        if (!d)
                return;
        if (d->index->type->fini && d->priv)
                d->index->type->fini(d);
        if (d->state)
                g_array_unref(d->state);
        if (d->streams)
                g_array_unref(d->streams);
        if (d->faults)
                g_ptr_array_unref(d->faults);
        g_free(d->priv);
        g_free(d->name);
        g_free(d->node);
        g_free(d);
}

void ck_device_set_notify(struct ck_device *d, ck_notify_fn fn, void *userdata)
{
        d->notify = fn;
        d->notify_data = userdata;
}

void ck_device_set_state_changed(struct ck_device *d, ck_notify_fn fn, void *userdata)
{
        d->state_changed = fn;
        d->state_changed_data = userdata;
}

void ck_device_set_trace(struct ck_device *d, struct ck_trace *trace)
{
        d->trace = trace;
}

bool ck_device_unrestricted(const struct ck_device *d)
{
        return d->index->unrestricted;
}

void *ck_device_priv(struct ck_device *d)
{
        return d->priv;
}

const char *ck_device_name(struct ck_device *d)
{
        return d->name;
}

const char *ck_device_node(const struct ck_device *d)
{
        return d->node;
}

G_DEFINE_QUARK(cusekit-error-quark, ck_error)

void ck_device_add_state(struct ck_device *d, const struct ck_state_var *var)
{
        if (!d->state)
                d->state = g_array_new(FALSE, FALSE, sizeof(struct ck_state_var));
        g_array_append_val(d->state, *var);
}

void ck_device_add_stream(struct ck_device *d, const struct ck_stream *stream)
{
        if (!d->streams)
                d->streams = g_array_new(FALSE, FALSE, sizeof(struct ck_stream));
        g_array_append_val(d->streams, *stream);
}

void ck_device_state_changed(struct ck_device *d)
{
        if (d->state_changed)
                d->state_changed(d, d->state_changed_data);
}

void ck_device_set_exclusive(struct ck_device *d, gboolean exclusive)
{
        d->exclusive = exclusive;
}

void ck_device_notify(struct ck_device *d)
{
        if (d->notify)
                d->notify(d, d->notify_data);
}

int ck_file_new_of(struct ck_device *d, const struct ck_type_index *index, int flags, pid_t opener,
                   struct ck_file **ret)
{
        const struct ck_device_type *type = index->type;
        struct ck_file *f = g_new0(struct ck_file, 1);

        f->device = d;
        f->index = index;
        f->flags = flags;
        f->opener = opener;
        f->priv = g_malloc0(MAX(type->file_priv_size, 1));
        f->inflight = g_array_new(FALSE, FALSE, sizeof(struct ck_inflight *));
        if (type->open) {
                int r = type->open(f);
                if (r < 0) {
                        g_array_unref(f->inflight);
                        g_free(f->priv);
                        g_free(f);
                        return r;
                }
        }
        d->open_count++;
        *ret = f;
        return 0;
}

int ck_file_open(struct ck_device *d, int flags, pid_t opener, struct ck_file **ret)
{
        if (d->exclusive && d->open_count > 0)
                return -EBUSY;
        return ck_file_new_of(d, d->index, flags, opener, ret);
}

void ck_file_close(struct ck_file *f)
{
        if (!f)
                return;
        if (f->index->type->release)
                f->index->type->release(f);
        for (guint i = 0; i < f->inflight->len; i++)
                g_free(g_array_index(f->inflight, struct ck_inflight *, i));
        g_array_unref(f->inflight);
        f->device->open_count--;
        g_free(f->priv);
        g_free(f);
}

struct ck_device *ck_file_device(struct ck_file *f)
{
        return f->device;
}

void *ck_file_priv(struct ck_file *f)
{
        return f->priv;
}

int ck_file_flags(struct ck_file *f)
{
        return f->flags;
}
