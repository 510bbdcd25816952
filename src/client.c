/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed calls' common bodies: the kernel never writes into the caller's
 * memory directly, so a failed call leaves it untouched. */
#include <cusekit/client.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

static int result(int r)
{
        return r < 0 ? -errno : r;
}

int cusekit_ioctl_read(int fd, unsigned long request, void *ret, unsigned size)
{
        _Alignas(max_align_t) unsigned char scratch[_IOC_SIZEMASK + 1];

        if (size > sizeof(scratch))
                return -EINVAL;
        memset(scratch, 0, size);
        int r = ioctl(fd, request, scratch);
        if (r < 0)
                return -errno;
        memcpy(ret, scratch, size);
        return r;
}

int cusekit_ioctl_write(int fd, unsigned long request, const void *in)
{
        return result(ioctl(fd, request, in));
}

int cusekit_ioctl_write_read(int fd, unsigned long request, void *io, unsigned size)
{
        _Alignas(max_align_t) unsigned char scratch[_IOC_SIZEMASK + 1];

        if (size > sizeof(scratch))
                return -EINVAL;
        memcpy(scratch, io, size);
        int r = ioctl(fd, request, scratch);
        if (r < 0)
                return -errno;
        memcpy(io, scratch, size);
        return r;
}

int cusekit_ioctl_value(int fd, unsigned long request, unsigned long value)
{
        return result(ioctl(fd, request, value));
}

int cusekit_ioctl_none(int fd, unsigned long request)
{
        return result(ioctl(fd, request, 0UL));
}
