/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent device state: one key file per device in a state directory,
 * replaced atomically (write, fsync, rename) so a killed daemon never
 * leaves a torn file. */
#pragma once

#include "cusekit-private.h"

/* Applies the saved values of @d's persistent state, if any were saved. */
int ck_persist_load(struct ck_device *d, const char *dir, GError **error);
int ck_persist_save(struct ck_device *d, const char *dir, GError **error);
char *ck_persist_path(const struct ck_device *d, const char *dir);
