/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Prints "PROG: message" on stderr and returns @status: the one way the
 * command-line programs report an error they stop for. */
int ck_cli_fail(const char *prog, int status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
