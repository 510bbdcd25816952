/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bare anchor server's two ioctls: int-sized, honest, flat. */
#pragma once
#include <linux/ioctl.h>

#define BARE_GET _IOR('B', 0x01, int)
#define BARE_SET _IOW('B', 0x02, int)
