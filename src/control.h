/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control interface: org.cusekit.Daemon1 over peer-to-peer D-Bus on a
 * Unix socket the daemon creates.  Device state, fault injection and the
 * trace, for every device, from the devices' own definitions.
 */
#pragma once

#include "trace.h"

#define CK_CONTROL_INTERFACE "org.cusekit.Daemon1"
#define CK_CONTROL_PATH "/org/cusekit/Daemon"

struct ck_control;
typedef struct ck_control ck_control;

/* @devices: struct ck_device *, owned by the caller and outliving the
 * control object.  The socket is made @mode and owned by @owner (-1: the
 * daemon's user).  A live socket at @path is an error; a stale one goes. */
int ck_control_new(const char *path, mode_t mode, uid_t owner, GPtrArray *devices, struct ck_trace *trace,
                   struct ck_control **ret, GError **error);
/* Also serves on a message bus ("session", "system" or an address), under
 * the well-known @name; callers there are checked by their bus credentials. */
int ck_control_add_bus(struct ck_control *c, const char *bus, const char *name, GError **error);
void ck_control_free(struct ck_control *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_control, ck_control_free)
