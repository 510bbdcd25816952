/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fifo: a bounded byte queue shared by every open of the node, for
 * byte-stream read()/write() (the benchmark's 4 KiB row, and any test that
 * needs a pipe-like device node).
 *
 * FIONREAD is the classic tty/pipe request (a raw number, so the type runs
 * unrestricted; read() and write() do not care).
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/types.h>

#define FIFO_IOC_GROUP 0xD2   /* free in the registry, next to atom's 0xD1 */

#define FIFO_SIZE_DEFAULT 65536
#define FIFO_SIZE_MAX     (16u << 20)

struct fifo_info {
        __u32 size;         /* capacity in bytes (the size= parameter) */
        __u32 used;         /* bytes queued now */
        __u64 written;      /* bytes ever accepted by write() */
        __u64 read;         /* bytes ever taken by read() */
};

#define FIFO_IOCTLS(IOC, RAW)                                                                   \
        RAW(FIONREAD,      0x541B,                      OUT,  int,              FLAT, HONEST)   \
        IOC(FIFO_RESET,    IO,  FIFO_IOC_GROUP, 0x01,   NONE, void,             FLAT, HONEST)   \
        IOC(FIFO_GET_INFO, IOR, FIFO_IOC_GROUP, 0x02,   OUT,  struct fifo_info, FLAT, HONEST)

CK_DECLARE_IOCTLS(FIFO_IOCTLS)
