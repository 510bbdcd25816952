/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

/* Prints "PROG: message" on stderr and returns @status: the one way the
 * command-line programs report an error they stop for. */
int ck_cli_fail(const char *prog, int status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A control method's reply (of @reply_type, NULL: any), or NULL with the
 * daemon's message printed as ck_cli_fail() does. */
GVariant *ck_cli_call(const char *prog, GDBusConnection *conn, const char *dest, const char *method,
                      GVariant *params, const char *reply_type);
