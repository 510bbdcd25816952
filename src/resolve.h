/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution as a program under `cusekit run` sees the filesystem:
 * the host's, plus the emulated device nodes (/dev/NAME, whether or not
 * the host has such a file) and an overlay directory whose tree stands in
 * for parts of /sys (see sysfs.c).  Symlinks resolve as the kernel
 * resolves them (at most 40, then ELOOP), in the overlay or on the host.
 */
#pragma once

#include "cusekit-private.h"

enum ck_resolved_kind {
        CK_RESOLVED_HOST,       /* a host path: @real is it */
        CK_RESOLVED_DEVICE,     /* an emulated node: @device */
        CK_RESOLVED_OVERLAY,    /* an overlay object: @real is its file under the overlay root */
};

struct ck_resolved {
        enum ck_resolved_kind kind;
        char *path;             /* as the program sees it, canonical */
        char *real;             /* where it really is (HOST, OVERLAY) */
        struct ck_device *device;
        /* The walk went through the overlay: the kernel itself could not
         * repeat it, so the transport must do the call on @real itself. */
        bool via_overlay;
};

void ck_resolved_clear(struct ck_resolved *r);

struct ck_resolver;
typedef struct ck_resolver ck_resolver;

struct ck_sysfs;
/* @sysfs: the overlay (its root and host placeholders), NULL for none.
 * @devices: struct ck_device *; both outlive the resolver. */
struct ck_resolver *ck_resolver_new(const struct ck_sysfs *sysfs, GPtrArray *devices);
void ck_resolver_free(struct ck_resolver *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_resolver, ck_resolver_free)

/* Could @path (relative to the program directory @base, or absolute) be
 * ours?  FALSE only when it certainly is not: a cheap test for the many
 * opens of unrelated files.  @base: canonical, as the host names it. */
bool ck_resolver_maybe_ours(const struct ck_resolver *r, const char *base, const char *path);

/* Resolves @path against @base (canonical host path of the directory it is
 * relative to; an overlay path is mapped back to what the program sees).
 * @follow: follow a symlink in the last component.  0, -ELOOP, -ENAMETOOLONG
 * or -ENOTDIR (a device node used as a directory). */
int ck_resolver_resolve(const struct ck_resolver *r, const char *base, const char *path, bool follow,
                        struct ck_resolved *ret);
