/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device specs: "TYPE:NAME[,key=value...]" on the command line, or a
 * [device NAME] group with type=TYPE in a config file: one shape for both. */
#pragma once

#include <cusekit/device.h>
#include <glib.h>

struct ck_device_spec {
        char *type;
        char *name;
        GHashTable *params;   /* key -> value, both owned */
};

void ck_device_spec_free(struct ck_device_spec *spec);
typedef struct ck_device_spec ck_device_spec;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_device_spec, ck_device_spec_free)

/* Errors quote the whole spec.  A value holding ',' ';' or '"' is written
 * in double quotes (key="a,b;c"), with \" and \\ inside them; an unquoted
 * ';' separates list items, as in a config file (where a literal ';' is
 * \;).  Items and the values of a repeated key are joined by
 * CK_LIST_SEPARATOR; whether the device takes a list is for
 * ck_device_new() to say. */
struct ck_device_spec *ck_device_spec_parse(const char *text, GError **error);
/* A /dev-relative node name: letters, digits, "_.-+", and "/" between parts. */
gboolean ck_device_name_valid(const char *name);
/* Every [device NAME] group of @kf, in file order. */
GPtrArray *ck_device_specs_from_keyfile(GKeyFile *kf, GError **error);
