/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * atom: the tutorial device.  One bit of state, after the one-bit sysctl of
 * the Rust kernel-module walkthrough, and one ioctl for each path a request
 * can take through cusekit.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/types.h>

#define ATOM_IOC_GROUP 0xD1   /* free in the kernel's ioctl-number registry (cusekit abi --check) */

#define ATOM_FLAG_LOCK      (1u << 0)  /* SET/LOAD/FLIP/POKE fail with EPERM until RESET */
#define ATOM_FLAGS_KNOWN    ATOM_FLAG_LOCK
#define ATOM_FLIP_MAX       64
#define ATOM_BLOB_MAX       4096

struct atom_state {
        __u32 value;        /* 0 or 1 */
        __u32 flags;        /* ATOM_FLAG_* */
        __u32 reserved[2];  /* must be zero */
};

struct atom_flip {
        __u32 count;        /* in: flips to do, 1..ATOM_FLIP_MAX */
        __u32 old;          /* out: the value before */
        __u32 reserved[2];  /* must be zero */
};

struct atom_blob {
        __u64 data;         /* user pointer to the bytes */
        __u32 len;          /* in: bytes at data (SET) or room at data (GET); out: stored length (GET) */
        __u32 reserved;     /* must be zero */
};

#define ATOM_IOCTLS(IOC, RAW)                                                                  \
        IOC(ATOM_GET,      IOR,  ATOM_IOC_GROUP, 0x01, OUT,   struct atom_state, FLAT,   HONEST) \
        IOC(ATOM_SET,      IOW,  ATOM_IOC_GROUP, 0x02, IN,    struct atom_state, FLAT,   HONEST) \
        IOC(ATOM_FLIP,     IOWR, ATOM_IOC_GROUP, 0x03, INOUT, struct atom_flip,  FLAT,   HONEST) \
        IOC(ATOM_RESET,    IO,   ATOM_IOC_GROUP, 0x04, NONE,  void,              FLAT,   HONEST) \
        RAW(ATOM_POKE,     0xD105,                     VALUE, unsigned int,      FLAT,   HONEST) \
        IOC(ATOM_LOAD,     IOR,  ATOM_IOC_GROUP, 0x06, IN,    struct atom_state, FLAT,           \
            LIES("encoded _IOR like KVM_MEMORY_ENCRYPT_REG_REGION, but the state flows in"))     \
        IOC(ATOM_BLOB_SET, IOW,  ATOM_IOC_GROUP, 0x07, IN,    struct atom_blob,  NESTED, HONEST) \
        IOC(ATOM_BLOB_GET, IOWR, ATOM_IOC_GROUP, 0x08, INOUT, struct atom_blob,  NESTED, HONEST)

CK_DECLARE_IOCTLS(ATOM_IOCTLS)
