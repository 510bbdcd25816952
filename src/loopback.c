/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The kernel loops while the server asks; a server that never stops
 * asking is a bug here, not a hang. */
#define LOOPBACK_MAX_ROUNDS 64

struct exposed {
        uint8_t *base;
        size_t size;
};

struct ck_loopback {
        struct ck_file *file;
        bool unrestricted;
        pid_t tid;
        GArray *exposed;          /* struct exposed */
        ck_loopback_round_fn round_fn;
        void *round_data;
        unsigned rounds;
        struct ck_ioctl_reply rep;
        GByteArray *in;
};

int ck_loopback_new(struct ck_device *d, int open_flags, struct ck_loopback **ret)
{
        struct ck_file *f;
        guint delay_ms;
        int r = ck_pipeline_open(d, open_flags, gettid(), &f, &delay_ms);
        if (delay_ms)
                g_usleep(delay_ms * 1000ul);
        if (r < 0)
                return r;

        struct ck_loopback *lb = g_new0(struct ck_loopback, 1);
        lb->file = f;
        lb->unrestricted = ck_device_unrestricted(d);
        lb->tid = gettid();
        lb->exposed = g_array_new(FALSE, FALSE, sizeof(struct exposed));
        lb->in = g_byte_array_new();
        ck_ioctl_reply_init(&lb->rep);
        *ret = lb;
        return 0;
}

void ck_loopback_free(struct ck_loopback *lb)
{
        if (!lb)
                return;
        ck_file_close(lb->file);
        g_array_unref(lb->exposed);
        g_byte_array_unref(lb->in);
        ck_ioctl_reply_clear(&lb->rep);
        g_free(lb);
}

void ck_loopback_expose(struct ck_loopback *lb, void *ptr, size_t size)
{
        struct exposed e = { .base = ptr, .size = size };

        g_array_append_val(lb->exposed, e);
}

void ck_loopback_set_unrestricted(struct ck_loopback *lb, bool unrestricted)
{
        lb->unrestricted = unrestricted;
}

void ck_loopback_set_tid(struct ck_loopback *lb, pid_t tid)
{
        lb->tid = tid;
}

void ck_loopback_set_round_hook(struct ck_loopback *lb, ck_loopback_round_fn fn, void *userdata)
{
        lb->round_fn = fn;
        lb->round_data = userdata;
}

unsigned ck_loopback_rounds(const struct ck_loopback *lb)
{
        return lb->rounds;
}

/* Host memory behind a client range, or NULL (the kernel's EFAULT). */
static uint8_t *client_mem(struct ck_loopback *lb, uint64_t addr, uint64_t len)
{
        for (guint i = 0; i < lb->exposed->len; i++) {
                const struct exposed *e = &g_array_index(lb->exposed, struct exposed, i);
                uint64_t base = (uint64_t)(uintptr_t)e->base;
                if (addr >= base && len <= e->size && addr - base <= e->size - len)
                        return e->base + (addr - base);
        }
        return NULL;
}

static int check_iovs(const struct ck_region *r, unsigned n)
{
        uint64_t max = CK_MAX_TRANSFER;

        /* fuse_verify_ioctl_iov() */
        for (unsigned i = 0; i < n; i++) {
                if (r[i].len > max)
                        return -ENOMEM;
                max -= r[i].len;
        }
        return 0;
}

int ck_loopback_ioctl(struct ck_loopback *lb, unsigned int cmd, uint64_t arg)
{
        struct ck_region iov[CK_MAX_REGIONS];
        unsigned n_in = 0, n_out = 0;
        struct ck_ioctl_reply *rep = &lb->rep;

        if (!lb->unrestricted && _IOC_SIZE(cmd)) {
                /* restricted: the encoding decides (fuse_do_ioctl) */
                struct ck_region r = { .addr = arg, .len = _IOC_SIZE(cmd) };
                if (_IOC_DIR(cmd) & _IOC_WRITE)
                        iov[n_in++] = r;
                if (_IOC_DIR(cmd) & _IOC_READ)
                        iov[n_in + n_out++] = r;
        }

        for (lb->rounds = 1;; lb->rounds++) {
                if (lb->rounds > LOOPBACK_MAX_ROUNDS)
                        g_error("loopback: ioctl 0x%x still asking after %d rounds", cmd, LOOPBACK_MAX_ROUNDS);
                if (lb->round_fn)
                        lb->round_fn(lb, lb->rounds, lb->round_data);

                uint64_t in_size = 0, out_size = 0;
                for (unsigned i = 0; i < n_in; i++)
                        in_size += iov[i].len;
                for (unsigned i = 0; i < n_out; i++)
                        out_size += iov[n_in + i].len;
                g_byte_array_set_size(lb->in, (guint)in_size);
                size_t off = 0;
                for (unsigned i = 0; i < n_in; i++) {
                        const uint8_t *src = client_mem(lb, iov[i].addr, iov[i].len);
                        if (!src)
                                return -EFAULT;
                        memcpy(lb->in->data + off, src, iov[i].len);
                        off += iov[i].len;
                }

                struct ck_ioctl_request rq = {
                        .cmd = cmd,
                        .arg = arg,
                        .tid = lb->tid,
                        .unrestricted = lb->unrestricted,
                        .in = lb->in->data,
                        .in_size = in_size,
                        .out_size = out_size,
                };
                ck_pipeline_ioctl(lb->file, &rq, rep);
                if (rep->delay_ms)      /* g_usleep(0) is still a nanosleep() syscall */
                        g_usleep(rep->delay_ms * 1000ul);

                switch (rep->kind) {
                case CK_REPLY_ERROR:
                        return rep->result;
                case CK_REPLY_RETRY:
                        if (!lb->unrestricted)
                                return -EIO;
                        if (rep->n_in + rep->n_out > CK_MAX_REGIONS)
                                return -ENOMEM;
                        if (check_iovs(rep->regions, rep->n_in) < 0 ||
                            check_iovs(rep->regions + rep->n_in, rep->n_out) < 0)
                                return -ENOMEM;
                        n_in = rep->n_in;
                        n_out = rep->n_out;
                        memcpy(iov, rep->regions, (n_in + n_out) * sizeof(iov[0]));
                        continue;
                case CK_REPLY_DATA:
                        if (rep->size > out_size)
                                return -EIO;
                        off = 0;
                        for (unsigned i = 0; i < n_out && off < rep->size; i++) {
                                size_t n = MIN(iov[n_in + i].len, rep->size - off);
                                uint8_t *dst = client_mem(lb, iov[n_in + i].addr, n);
                                if (!dst)
                                        return -EFAULT;
                                memcpy(dst, rep->data + off, n);
                                off += n;
                        }
                        return rep->result;
                }
        }
}

ssize_t ck_loopback_read(struct ck_loopback *lb, void *buf, size_t size)
{
        guint delay_ms;
        ssize_t r = ck_pipeline_read(lb->file, lb->tid, buf, size, &delay_ms);

        if (delay_ms)
                g_usleep(delay_ms * 1000ul);
        return r;
}

ssize_t ck_loopback_write(struct ck_loopback *lb, const void *buf, size_t size)
{
        guint delay_ms;
        ssize_t r = ck_pipeline_write(lb->file, lb->tid, buf, size, &delay_ms);

        if (delay_ms)
                g_usleep(delay_ms * 1000ul);
        return r;
}

unsigned ck_loopback_poll(struct ck_loopback *lb)
{
        return ck_pipeline_poll(lb->file);
}

struct ck_file *ck_loopback_file(struct ck_loopback *lb)
{
        return lb->file;
}
