/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

/* cusekit serial NAME [options]: the far end of a tty device, through the
 * control connection @conn (@dest: the daemon's bus name, NULL on its
 * socket).  Its options and --help text for the command table; after
 * parsing, argv[0] is "serial", argv[1] the device. */
extern const GOptionEntry cusekit_serial_options[];
extern const char cusekit_serial_description[];
int cusekit_serial(GDBusConnection *conn, const char *dest, gboolean json, int argc, char **argv);
