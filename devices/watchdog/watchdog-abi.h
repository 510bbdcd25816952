/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watchdog: the kernel's watchdog character-device ABI (<linux/watchdog.h>,
 * served by drivers/watchdog/watchdog_dev.c).
 *
 * Three rows say what their encoding does not: WDIOC_SETOPTIONS is encoded
 * _IOR but reads the options in, WDIOC_KEEPALIVE is encoded _IOR but moves
 * no data at all, and WDIOC_SETPRETIMEOUT is encoded _IOWR but only reads.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/watchdog.h>

#define WDIOC_GROUP WATCHDOG_IOCTL_BASE

#define WATCHDOG_IOCTLS(IOC, RAW)                                                                   \
        IOC(WDIOC_GETSUPPORT,    IOR,  WDIOC_GROUP, 0,  OUT,   struct watchdog_info, FLAT, HONEST)   \
        IOC(WDIOC_GETSTATUS,     IOR,  WDIOC_GROUP, 1,  OUT,   int, FLAT, HONEST)                    \
        IOC(WDIOC_GETBOOTSTATUS, IOR,  WDIOC_GROUP, 2,  OUT,   int, FLAT, HONEST)                    \
        IOC(WDIOC_GETTEMP,       IOR,  WDIOC_GROUP, 3,  OUT,   int, FLAT, HONEST)                    \
        IOC(WDIOC_SETOPTIONS,    IOR,  WDIOC_GROUP, 4,  IN,    int, FLAT,                            \
            LIES("encoded _IOR(int), but the kernel reads the WDIOS_* options in"))                 \
        IOC(WDIOC_KEEPALIVE,     IOR,  WDIOC_GROUP, 5,  NONE,  int, FLAT,                            \
            LIES("encoded _IOR(int), but the kernel never touches the argument"))                   \
        IOC(WDIOC_SETTIMEOUT,    IOWR, WDIOC_GROUP, 6,  INOUT, int, FLAT, HONEST)                    \
        IOC(WDIOC_GETTIMEOUT,    IOR,  WDIOC_GROUP, 7,  OUT,   int, FLAT, HONEST)                    \
        IOC(WDIOC_SETPRETIMEOUT, IOWR, WDIOC_GROUP, 8,  IN,    int, FLAT,                            \
            LIES("encoded _IOWR(int), but the kernel only reads the pretimeout in"))               \
        IOC(WDIOC_GETPRETIMEOUT, IOR,  WDIOC_GROUP, 9,  OUT,   int, FLAT, HONEST)                    \
        IOC(WDIOC_GETTIMELEFT,   IOR,  WDIOC_GROUP, 10, OUT,   int, FLAT, HONEST)

CK_DECLARE_IOCTLS(WATCHDOG_IOCTLS)

