/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the in-VM test programs share. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <glib.h>

/* /dev/NAME, or the test ends here with why. */
static inline int open_node(const char *name, int flags)
{
        g_autofree char *path = g_strdup_printf("/dev/%s", name);
        int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0)
                g_error("open %s: %s", path, g_strerror(errno));
        return fd;
}
