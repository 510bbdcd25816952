/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault injection: make chosen operations on a device fail, wait or come
 * back short, so that clients' error paths can be tested.  The pipeline
 * consults the faults; transports only carry out delays.
 */
#pragma once

#include "cusekit-private.h"

enum ck_op {
        CK_OP_OPEN,
        CK_OP_READ,
        CK_OP_WRITE,
        CK_OP_IOCTL,
};

struct ck_fault {
        guint id;
        enum ck_op op;
        char *ioctl;          /* CK_OP_IOCTL: one request's name; NULL: every ioctl */
        int error;            /* positive errno; 0: do not fail */
        guint delay_ms;
        gint64 short_read;    /* CK_OP_READ: at most this many bytes; -1: off */
        guint remaining;      /* calls left to hit; 0: no limit */
        double probability;   /* of hitting a matching call, (0, 1] */
        guint64 hits;
};

/* What a hit asks of the caller. */
struct ck_fault_hit {
        int error;            /* negative errno, or 0 */
        guint delay_ms;
        gint64 short_read;    /* -1: off */
};

/* "open", "read", "write", "ioctl" or "ioctl:NAME"; NAME must be one of the
 * device's ioctls.  Errors name the bad part. */
int ck_fault_parse_op(const struct ck_device *d, const char *text, enum ck_op *ret_op, char **ret_ioctl,
                      GError **error);
const char *ck_op_name(enum ck_op op);

guint ck_device_add_fault(struct ck_device *d, const struct ck_fault *fault);
/* @id 0: all.  Returns how many went. */
guint ck_device_clear_faults(struct ck_device *d, guint id);
/* struct ck_fault, in the order added (NULL when none). */
GPtrArray *ck_device_faults(struct ck_device *d);
/* Consults and counts down the faults for one call; FALSE: none hit. */
bool ck_device_fault_hit(struct ck_device *d, enum ck_op op, const char *ioctl_name,
                         struct ck_fault_hit *ret);
