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

/* Saving off the hot path: a change marks its device, and the marked
 * devices are written together at most every @interval_ms from the main
 * loop (0: at every change), and by ck_persist_flush()/ck_persist_free().
 * A SIGKILL loses at most the last interval's changes, never a whole file. */
struct ck_persist;
typedef struct ck_persist ck_persist;

struct ck_persist *ck_persist_new(const char *dir, guint interval_ms);
/* Writes what is pending, then stops watching; the devices outlive it. */
void ck_persist_free(struct ck_persist *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_persist, ck_persist_free)
/* Saves @d's state (through @p) whenever it changes. */
void ck_persist_watch(struct ck_persist *p, struct ck_device *d);
/* Writes every pending device now: 0, or the first failure (all are tried). */
int ck_persist_flush(struct ck_persist *p, GError **error);
/* Files written so far (for tests and the log). */
guint64 ck_persist_writes(const struct ck_persist *p);
