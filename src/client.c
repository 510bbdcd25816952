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

/* The number of a row whose size or nr is the caller's, or 0 when @index
 * or @count is beyond the row's (no valid request number is 0 here: the
 * row's direction is never _IOC_NONE). */
static unsigned long request_at_n(unsigned long base, unsigned index, unsigned nr_span, unsigned long count,
                                  unsigned count_max, unsigned unit, unsigned *ret_size)
{
        if (index > nr_span || (count_max && count > count_max) || (!count_max && count != 1))
                return 0;
        unsigned size = count_max ? (unsigned)count * unit : unit;
        *ret_size = size;
        return _IOC(_IOC_DIR(base), _IOC_TYPE(base), _IOC_NR(base) + index, count_max ? size : _IOC_SIZE(base));
}

int cusekit_ioctl_read_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span, void *ret,
                            unsigned long count, unsigned count_max, unsigned unit)
{
        unsigned size;
        unsigned long request = request_at_n(base, index, nr_span, count, count_max, unit, &size);

        if (!request)
                return -EINVAL;
        return cusekit_ioctl_read(fd, request, ret, size);
}

int cusekit_ioctl_write_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span, const void *in,
                             unsigned long count, unsigned count_max, unsigned unit)
{
        unsigned size;
        unsigned long request = request_at_n(base, index, nr_span, count, count_max, unit, &size);

        if (!request)
                return -EINVAL;
        return cusekit_ioctl_write(fd, request, in);
}

int cusekit_ioctl_write_read_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span, void *io,
                                  unsigned long count, unsigned count_max, unsigned unit)
{
        unsigned size;
        unsigned long request = request_at_n(base, index, nr_span, count, count_max, unit, &size);

        if (!request)
                return -EINVAL;
        return cusekit_ioctl_write_read(fd, request, io, size);
}
