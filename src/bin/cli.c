/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli.h"

#include <stdarg.h>

int ck_cli_fail(const char *prog, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_printerr("%s: %s\n", prog, msg);
        return status;
}
