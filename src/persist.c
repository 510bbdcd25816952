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
