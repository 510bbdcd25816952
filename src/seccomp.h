/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp transport (`cusekit run`): a program tree runs under a
 * seccomp filter that hands its file system calls to this supervisor
 * (SECCOMP_RET_USER_NOTIF).  Opens of the device paths get a real
 * descriptor injected (SECCOMP_IOCTL_NOTIF_ADDFD) that stands for an open
 * of the device; calls on it are served through the pipeline; every other
 * call continues in the kernel untouched.  It knows no device.
 */
#pragma once

#include "cusekit-private.h"

#include <sys/types.h>

struct ck_seccomp_options {
        /* A private, empty directory this transport owns while it runs: the
         * stand-in descriptors live there. */
        const char *work_dir;
        struct ck_sysfs *sysfs;            /* the emulated /sys; NULL: none */
        unsigned major;                    /* node numbers: major:first_minor+i */
        unsigned first_minor;
};

struct ck_seccomp;
typedef struct ck_seccomp ck_seccomp;

/* The filter, built before fork(): the child only installs it. */
struct ck_seccomp_filter;
struct ck_seccomp_filter *ck_seccomp_filter_new(void);
void ck_seccomp_filter_free(struct ck_seccomp_filter *filter);
/* In the child, between fork() and exec(): async-signal-safe.  Sets
 * no_new_privs, installs the filter and returns its listener fd, or -errno
 * (-EINVAL: no seccomp user notification in this kernel; -EACCES/-EPERM:
 * refused, e.g. by a container's profile; -EBUSY: another supervisor's
 * listener is already in place). */
int ck_seccomp_filter_install(const struct ck_seccomp_filter *filter);

/* @devices: struct ck_device *, outliving the transport. */
int ck_seccomp_new(GPtrArray *devices, const struct ck_seccomp_options *options, struct ck_seccomp **ret,
                   GError **error);
/* Serves the notifications of @listener (taken over) from the default main context. */
void ck_seccomp_attach(struct ck_seccomp *s, int listener);
/* The node's mode and group as stat and open see them (default 0600 and
 * the caller's group; the owner is the caller).  -EINVAL: not ours. */
int ck_seccomp_set_node_access(struct ck_seccomp *s, struct ck_device *d, mode_t mode, gid_t gid);
/* Requests served so far (for --verbose). */
guint64 ck_seccomp_served(const struct ck_seccomp *s);
void ck_seccomp_free(struct ck_seccomp *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_seccomp, ck_seccomp_free)
