/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fifo: a ring of size= bytes (default 64 KiB) that every open shares.
 *
 * write() queues what fits and returns that count; with no room at all it
 * returns -EAGAIN: the transport parks a blocking writer until a read
 * makes room (EAGAIN under O_NONBLOCK), as a pipe's.  read()
 * takes up to what is asked; on an empty fifo it returns -EAGAIN, so the
 * transport parks the read until a write (or answers EAGAIN under
 * O_NONBLOCK).  There is no end of file: like a serial line, the fifo
 * outlives its writers.
 */
#include "fifo-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

struct fifo {
        guint8 *buf;
        size_t size;
        size_t head;                  /* oldest byte */
        size_t used;
        guint64 written, read;
};

static struct fifo *fifo_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

CK_IOCTL_TABLE(fifo_ioctls, FIFO_IOCTLS);

static int handle_FIONREAD(struct ck_call *c, int *out)
{
        *out = (int)fifo_of(c)->used;
        return 0;
}

static int handle_FIFO_RESET(struct ck_call *c)
{
        struct fifo *q = fifo_of(c);

        q->head = 0;
        q->used = 0;
        ck_device_notify(ck_call_device(c));   /* writers waiting for room */
        return 0;
}

static int handle_FIFO_GET_INFO(struct ck_call *c, struct fifo_info *out)
{
        struct fifo *q = fifo_of(c);

        *out = (struct fifo_info){ .size = (__u32)q->size, .used = (__u32)q->used,
                                   .written = q->written, .read = q->read };
        return 0;
}

static ssize_t fifo_read(struct ck_file *f, void *buf, size_t size)
{
        struct ck_device *d = ck_file_device(f);
        struct fifo *q = ck_device_priv(d);
        gboolean was_full = q->used == q->size;

        if (size == 0)
                return 0;
        if (q->used == 0)
                return -EAGAIN;

        size_t n = MIN(size, q->used);
        size_t first = MIN(n, q->size - q->head);
        memcpy(buf, q->buf + q->head, first);
        memcpy((guint8 *)buf + first, q->buf, n - first);
        q->head = (q->head + n) % q->size;
        q->used -= n;
        q->read += n;
        if (q->used == 0)
                q->head = 0;
        if (was_full)
                ck_device_notify(d);    /* room again: wake POLLOUT waiters */
        return (ssize_t)n;
}

static ssize_t fifo_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct ck_device *d = ck_file_device(f);
        struct fifo *q = ck_device_priv(d);
        size_t size = ck_untrusted_size(data);

        if (size == 0)
                return 0;
        if (q->used == q->size)
                return -EAGAIN;

        /* Queued bytes are opaque to the device: taking them as they came
         * is all the validation there is.  ck_untrusted_copy() takes all or
         * nothing, so a write that wraps or only partly fits goes through a
         * scratch copy; the common one (it fits, no wrap: an emptied fifo
         * starts over at 0) lands in the ring directly. */
        size_t n = MIN(size, q->size - q->used);
        size_t tail = (q->head + q->used) % q->size;
        size_t first = MIN(n, q->size - tail);
        if (n == size && first == n) {
                if (ck_untrusted_copy(data, q->buf + tail, n) < 0)
                        return -EINVAL;
        } else {
                g_autofree guint8 *bytes = g_malloc(size);
                if (ck_untrusted_copy(data, bytes, size) < 0)
                        return -EINVAL;
                memcpy(q->buf + tail, bytes, first);
                memcpy(q->buf, bytes + first, n - first);
        }
        q->used += n;
        q->written += n;
        ck_device_notify(d);            /* parked reads and POLLIN waiters */
        return (ssize_t)n;
}

static unsigned fifo_poll(struct ck_file *f)
{
        struct fifo *q = ck_device_priv(ck_file_device(f));

        return (q->used ? POLLIN | POLLRDNORM : 0) | (q->used < q->size ? POLLOUT | POLLWRNORM : 0);
}

static GVariant *fifo_used_get(struct ck_device *d, void *userdata)
{
        struct fifo *q = ck_device_priv(d);

        return g_variant_new_uint32((guint32)q->used);
}

static int fifo_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct fifo *q = ck_device_priv(d);
        const char *text = g_hash_table_lookup(params, "size");
        guint64 size = FIFO_SIZE_DEFAULT;

        if (text && (!g_ascii_string_to_unsigned(text, 10, 1, FIFO_SIZE_MAX, &size, NULL))) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "fifo: size=%s: must be 1..%u bytes", text, FIFO_SIZE_MAX);
                return -EINVAL;
        }
        q->size = (size_t)size;
        q->buf = g_malloc(q->size);
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "used",
                .summary = "bytes queued",
                .type = "u",
                .get = fifo_used_get,
        });
        return 0;
}

static void fifo_fini(struct ck_device *d)
{
        struct fifo *q = ck_device_priv(d);

        g_clear_pointer(&q->buf, g_free);
}

static const char *const fifo_params[] = { "size", NULL };

CK_STRUCT_DESC(fifo_info_desc, struct fifo_info,
               CK_FIELD(struct fifo_info, size, UINT),
               CK_FIELD(struct fifo_info, used, UINT),
               CK_FIELD(struct fifo_info, written, UINT),
               CK_FIELD(struct fifo_info, read, UINT));
static const struct ck_struct_desc *const fifo_structs[] = { &fifo_info_desc, NULL };

const struct ck_device_type ck_device_type_fifo = {
        .name = "fifo",
        .summary = "a bounded byte queue: write() appends, read() takes (waits when empty)",
        .ioctls = fifo_ioctls,
        .n_ioctls = G_N_ELEMENTS(fifo_ioctls),
        .params = fifo_params,
        .structs = fifo_structs,
        .priv_size = sizeof(struct fifo),
        .init = fifo_init,
        .fini = fifo_fini,
        .read = fifo_read,
        .write = fifo_write,
        .poll = fifo_poll,
        .sysfs = &ck_sysfs_cuse,              /* no kernel driver: a CUSE node's */
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_fifo);
