/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * counter: an example device family written outside the cusekit tree,
 * against the installed SDK.  A 64-bit counter: read it, set it, reset it,
 * and add a batch of steps that lives in more client memory (a nested
 * fetch, so the family runs in CUSE's unrestricted mode).
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/types.h>

#define COUNTER_IOC_GROUP 0xD3   /* free in the kernel's registry: cusekit abi counter --check */
#define COUNTER_BATCH_MAX 64

struct counter_value {
        __u64 value;
};

struct counter_batch {
        __u64 steps;        /* user pointer to count __u64 steps, added in order */
        __u32 count;        /* 1..COUNTER_BATCH_MAX */
        __u32 reserved;     /* must be zero */
};

#define COUNTER_IOCTLS(IOC, RAW)                                                                        \
        IOC(COUNTER_GET,       IOR, COUNTER_IOC_GROUP, 0x01, OUT,  struct counter_value, FLAT,   HONEST) \
        IOC(COUNTER_SET,       IOW, COUNTER_IOC_GROUP, 0x02, IN,   struct counter_value, FLAT,   HONEST) \
        IOC(COUNTER_RESET,     IO,  COUNTER_IOC_GROUP, 0x03, NONE, void,                 FLAT,   HONEST) \
        IOC(COUNTER_ADD_BATCH, IOW, COUNTER_IOC_GROUP, 0x04, IN,   struct counter_batch, NESTED, HONEST)

CK_DECLARE_IOCTLS(COUNTER_IOCTLS)
