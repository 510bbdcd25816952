/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* `cusekit run`'s options and --help text, for the command table. */
extern const GOptionEntry cusekit_run_options[];
extern const char cusekit_run_description[];
/* After option parsing: @argv[0] is "run", then PROGRAM [ARGS...].
 * Returns the exit status. */
int cusekit_run(int argc, char **argv);
