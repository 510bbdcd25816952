/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "persist.h"

#include <errno.h>

char *ck_persist_path(const struct ck_device *d, const char *dir)
{
        g_autofree char *escaped = g_uri_escape_string(d->name, NULL, FALSE);   /* input/event7 */
        g_autofree char *file = g_strdup_printf("%s.state", escaped);

        return g_build_filename(dir, file, NULL);
}

int ck_persist_load(struct ck_device *d, const char *dir, GError **error)
{
        g_autofree char *path = ck_persist_path(d, dir);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) local = NULL;

        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return 0;
                g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", path);
                return -EIO;
        }
        for (guint i = 0; d->state && i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (!v->persistent || !v->set)
                        continue;
                g_autofree char *text = g_key_file_get_string(kf, "state", v->name, NULL);
                if (!text)
                        continue;
                g_autoptr(GVariant) value = g_variant_parse(G_VARIANT_TYPE(v->type), text, NULL, NULL, &local);
                if (!value || v->set(d, v->userdata, value, &local) < 0) {
                        g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: %s: ", path, v->name);
                        return -EINVAL;
                }
        }
        return 0;
}

int ck_persist_save(struct ck_device *d, const char *dir, GError **error)
{
        g_autofree char *path = ck_persist_path(d, dir);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        gboolean any = FALSE;

        for (guint i = 0; d->state && i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (!v->persistent)
                        continue;
                g_autoptr(GVariant) value = g_variant_ref_sink(v->get(d, v->userdata));
                g_autofree char *text = g_variant_print(value, FALSE);
                g_key_file_set_string(kf, "state", v->name, text);
                any = TRUE;
        }
        if (!any)
                return 0;
        gsize len;
        g_autofree char *data = g_key_file_to_data(kf, &len, NULL);
        /* consistent + durable: a temporary file, fsync, rename */
        if (!g_file_set_contents_full(path, data, (gssize)len,
                                      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error))
                return -EIO;
        return 0;
}

struct ck_persist {
        char *dir;
        guint interval_ms;
        GPtrArray *pending;   /* struct ck_device *, each once */
        GPtrArray *watched;
        guint timer;
        guint64 writes;
};

struct ck_persist *ck_persist_new(const char *dir, guint interval_ms)
{
        struct ck_persist *p = g_new0(struct ck_persist, 1);

        p->dir = g_strdup(dir);
        p->interval_ms = interval_ms;
        p->pending = g_ptr_array_new();
        p->watched = g_ptr_array_new();
        return p;
}

int ck_persist_flush(struct ck_persist *p, GError **error)
{
        int first = 0;

        g_clear_handle_id(&p->timer, g_source_remove);
        /* taken first: a setter may mark its device again while saving */
        g_autoptr(GPtrArray) now = g_steal_pointer(&p->pending);
        p->pending = g_ptr_array_new();
        for (guint i = 0; i < now->len; i++) {
                struct ck_device *d = now->pdata[i];
                g_autoptr(GError) local = NULL;
                int r = ck_persist_save(d, p->dir, &local);
                if (r < 0) {
                        if (first == 0) {
                                first = r;
                                g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", d->name);
                        }
                        continue;
                }
                p->writes++;
        }
        return first;
}

static gboolean on_interval(gpointer userdata)
{
        struct ck_persist *p = userdata;
        g_autoptr(GError) error = NULL;

        p->timer = 0;
        if (ck_persist_flush(p, &error) < 0)
                g_warning("saving state: %s", error->message);
        return G_SOURCE_REMOVE;
}

static void on_state_changed(struct ck_device *d, void *userdata)
{
        struct ck_persist *p = userdata;

        if (!g_ptr_array_find(p->pending, d, NULL))
                g_ptr_array_add(p->pending, d);
        if (p->interval_ms == 0)
                on_interval(p);
        else if (!p->timer)
                p->timer = g_timeout_add(p->interval_ms, on_interval, p);
}

void ck_persist_watch(struct ck_persist *p, struct ck_device *d)
{
        ck_device_set_state_changed(d, on_state_changed, p);
        g_ptr_array_add(p->watched, d);
}

guint64 ck_persist_writes(const struct ck_persist *p)
{
        return p->writes;
}

void ck_persist_free(struct ck_persist *p)
{
        g_autoptr(GError) error = NULL;

        if (!p)
                return;
        if (ck_persist_flush(p, &error) < 0)
                g_warning("saving state: %s", error->message);
        for (guint i = 0; i < p->watched->len; i++)
                ck_device_set_state_changed(p->watched->pdata[i], NULL, NULL);
        g_ptr_array_unref(p->watched);
        g_ptr_array_unref(p->pending);
        g_free(p->dir);
        g_free(p);
}
