/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

#include "control.h"

#include <stdarg.h>
#include <stdlib.h>

int ck_cli_fail(const char *prog, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_printerr("%s: %s\n", prog, msg);
        return status;
}

GVariant *ck_cli_call(const char *prog, GDBusConnection *conn, const char *dest, const char *method,
                      GVariant *params, const char *reply_type)
{
        g_autoptr(GError) error = NULL;
        GVariant *r = g_dbus_connection_call_sync(conn, dest, CK_CONTROL_PATH, CK_CONTROL_INTERFACE, method, params,
                                                  reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        if (!r) {
                g_dbus_error_strip_remote_error(error);
                ck_cli_fail(prog, EXIT_FAILURE, "%s", error->message);
        }
        return r;
}
