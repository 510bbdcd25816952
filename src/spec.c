/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spec.h"

#include <string.h>

void ck_device_spec_free(struct ck_device_spec *spec)
{
        if (!spec)
                return;
        g_free(spec->type);
        g_free(spec->name);
        if (spec->params)
                g_hash_table_destroy(spec->params);
        g_free(spec);
}

gboolean ck_device_name_valid(const char *name)
{
        if (!name[0] || name[0] == '/' || name[strlen(name) - 1] == '/' || strlen(name) > 200)
                return FALSE;
        g_auto(GStrv) parts = g_strsplit(name, "/", -1);
        for (char **p = parts; *p; p++) {
                if (!(*p)[0] || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
                        return FALSE;
                for (const char *c = *p; *c; c++)
                        if (!g_ascii_isalnum(*c) && !strchr("_.-+", *c))
                                return FALSE;
        }
        return TRUE;
}

static struct ck_device_spec *spec_new(const char *type, const char *name)
{
        struct ck_device_spec *spec = g_new0(struct ck_device_spec, 1);

        spec->type = g_strdup(type);
        spec->name = g_strdup(name);
        spec->params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        return spec;
}

struct ck_device_spec *ck_device_spec_parse(const char *text, GError **error)
{
        const char *colon = strchr(text, ':');

        if (!colon || colon == text) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad device spec '%s': expected TYPE:NAME[,key=value...]", text);
                return NULL;
        }
        g_autofree char *type = g_strndup(text, (gsize)(colon - text));
        g_auto(GStrv) fields = g_strsplit(colon + 1, ",", -1);
        if (!fields[0] || !ck_device_name_valid(fields[0])) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad device spec '%s': '%s' is not a device name (letters, digits, _.-+, "
                            "and / between parts, as in input/event7)",
                            text, fields[0] ? fields[0] : "");
                return NULL;
        }
        g_autoptr(ck_device_spec) spec = spec_new(type, fields[0]);
        for (char **f = fields + 1; *f; f++) {
                const char *eq = strchr(*f, '=');
                if (!eq || eq == *f) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "bad device spec '%s': '%s' is not key=value", text, *f);
                        return NULL;
                }
                g_autofree char *key = g_strndup(*f, (gsize)(eq - *f));
                const char *before = g_hash_table_lookup(spec->params, key);
                /* a repeated key is a list, as GKeyFile writes one: a;b */
                char *value = before ? g_strconcat(before, ";", eq + 1, NULL) : g_strdup(eq + 1);
                g_hash_table_insert(spec->params, g_steal_pointer(&key), value);
        }
        return g_steal_pointer(&spec);
}

GPtrArray *ck_device_specs_from_keyfile(GKeyFile *kf, GError **error)
{
        g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func((GDestroyNotify)ck_device_spec_free);
        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

        for (char **g = groups; *g; g++) {
                if (!g_str_has_prefix(*g, "device "))
                        continue;
                const char *name = *g + strlen("device ");
                g_autofree char *type = g_key_file_get_string(kf, *g, "type", NULL);
                if (!type || !ck_device_name_valid(name)) {
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                    "[%s]: %s", *g,
                                    !type ? "needs type=TYPE" : "not a valid device name");
                        return NULL;
                }
                struct ck_device_spec *spec = spec_new(type, name);
                g_ptr_array_add(specs, spec);
                g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                for (char **k = keys; *k; k++)
                        if (strcmp(*k, "type") != 0)
                                g_hash_table_insert(spec->params, g_strdup(*k),
                                                    g_key_file_get_string(kf, *g, *k, NULL));
        }
        return g_steal_pointer(&specs);
}
