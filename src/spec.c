/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spec.h"

#include <stdbool.h>
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

/* key=value, key="value": the value's list items (unquoted ';' separates
 * them) joined by CK_LIST_SEPARATOR. */
static char *parse_value(const char *text, GError **error)
{
        g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GString) cur = g_string_new(NULL);
        bool quoted = false;

        for (const char *c = text;; c++) {
                if (!*c || (!quoted && *c == ';')) {
                        g_ptr_array_add(items, g_string_free(g_steal_pointer(&cur), FALSE));
                        cur = g_string_new(NULL);
                        if (!*c)
                                break;
                        continue;
                }
                if (*c == '"') {
                        quoted = !quoted;
                        continue;
                }
                if (quoted && *c == '\\' && (c[1] == '"' || c[1] == '\\'))
                        c++;
                g_string_append_c(cur, *c);
        }
        if (quoted) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "a quote is not closed");
                return NULL;
        }
        g_ptr_array_add(items, NULL);
        return g_strjoinv(CK_LIST_SEPARATOR, (char **)items->pdata);
}

static bool has_control_chars(const char *text)
{
        for (const char *c = text; *c; c++)
                if ((unsigned char)*c < 0x20)
                        return true;
        return false;
}

struct ck_device_spec *ck_device_spec_parse(const char *text, GError **error)
{
        const char *colon = strchr(text, ':');
        g_autoptr(GError) local = NULL;

        if (!colon || colon == text) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad device spec '%s': expected TYPE:NAME[,key=value...]", text);
                return NULL;
        }
        if (has_control_chars(text)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad device spec '%s': control characters are not allowed", text);
                return NULL;
        }
        g_autofree char *type = g_strndup(text, (gsize)(colon - text));
        /* Splitting keeps the quotes of each field for parse_value(): only
         * the field boundaries are decided here. */
        g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);
        {
                g_autoptr(GString) cur = g_string_new(NULL);
                bool quoted = false;
                for (const char *c = colon + 1;; c++) {
                        if (!*c || (!quoted && *c == ',')) {
                                g_ptr_array_add(fields, g_string_free(g_steal_pointer(&cur), FALSE));
                                cur = g_string_new(NULL);
                                if (!*c)
                                        break;
                                continue;
                        }
                        if (*c == '"')
                                quoted = !quoted;
                        else if (quoted && *c == '\\' && (c[1] == '"' || c[1] == '\\'))
                                g_string_append_c(cur, *c++);
                        g_string_append_c(cur, *c);
                }
                if (quoted) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "bad device spec '%s': a quote is not closed", text);
                        return NULL;
                }
        }
        const char *name = fields->pdata[0];
        if (!ck_device_name_valid(name)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad device spec '%s': '%s' is not a device name (letters, digits, _.-+, "
                            "and / between parts, as in input/event7)",
                            text, name);
                return NULL;
        }
        g_autoptr(ck_device_spec) spec = spec_new(type, name);
        for (guint i = 1; i < fields->len; i++) {
                const char *f = fields->pdata[i];
                const char *eq = strchr(f, '=');
                if (!eq || eq == f || memchr(f, '"', (size_t)(eq - f))) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "bad device spec '%s': '%s' is not key=value", text, f);
                        return NULL;
                }
                g_autofree char *key = g_strndup(f, (gsize)(eq - f));
                g_autofree char *value = parse_value(eq + 1, &local);
                if (!value) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad device spec '%s': %s: %s",
                                    text, key, local->message);
                        return NULL;
                }
                const char *before = g_hash_table_lookup(spec->params, key);
                /* a repeated key is a list, as a list in a config file */
                char *joined = before ? g_strconcat(before, CK_LIST_SEPARATOR, value, NULL) : g_steal_pointer(&value);
                g_hash_table_insert(spec->params, g_steal_pointer(&key), joined);
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
                for (char **k = keys; *k; k++) {
                        if (strcmp(*k, "type") == 0)
                                continue;
                        /* GKeyFile's list syntax: a;b, with \; for a ';' in a value */
                        g_autoptr(GError) local = NULL;
                        g_auto(GStrv) items = g_key_file_get_string_list(kf, *g, *k, NULL, &local);
                        if (!items) {
                                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "[%s]: %s: %s",
                                            *g, *k, local->message);
                                return NULL;
                        }
                        g_hash_table_insert(spec->params, g_strdup(*k),
                                            g_strjoinv(CK_LIST_SEPARATOR, items[0] ? items : (char *[]){ "", NULL }));
                }
        }
        return g_steal_pointer(&specs);
}
