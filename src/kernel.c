/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kernel.h"

#include <errno.h>
#include <string.h>

/* The kernel loops for as long as the server asks; a pipeline that never
 * stops asking is a bug, answered EIO rather than a hang. */
#define MAX_ROUNDS 64

/* fuse_verify_ioctl_iov(): each way at most CK_MAX_TRANSFER bytes. */
static int check_iovs(const struct ck_region *r, unsigned n)
{
        uint64_t max = CK_MAX_TRANSFER;

        for (unsigned i = 0; i < n; i++) {
                if (r[i].len > max)
                        return -ENOMEM;
                max -= r[i].len;
        }
        return 0;
}

static uint64_t total(const struct ck_region *r, unsigned n)
{
        uint64_t sum = 0;

        for (unsigned i = 0; i < n; i++)
                sum += r[i].len;
        return sum;
}

/* The created file's number goes at @offset of the reply data, i.e. of
 * the out regions taken back to back: which address is that? */
static int region_at(const struct ck_region *r, unsigned n, size_t offset, size_t len, struct ck_region *ret)
{
        for (unsigned i = 0; i < n; i++) {
                if (offset < r[i].len) {
                        if (r[i].len - offset < len)
                                return -EIO;         /* split over two regions: the pipeline forbids it */
                        *ret = (struct ck_region){ .addr = r[i].addr + offset, .len = len };
                        return 0;
                }
                offset -= r[i].len;
        }
        return -EIO;
}

/* As the kernel's GPIO_GET_LINEHANDLE_IOCTL does: the reply is copied out
 * first (EFAULT: no descriptor), then the descriptor made and its number
 * written where the reply said. */
static int install_file(const struct ck_client_memory *mem, const struct ck_region *out, unsigned n_out,
                        struct ck_ioctl_reply *rep, int r)
{
        struct ck_file *f = g_steal_pointer(&rep->new_file);
        struct ck_region at;

        if (r < 0 || region_at(out, n_out, rep->new_fd_offset, sizeof(int), &at) < 0 ||
            rep->new_fd_offset + sizeof(int) > rep->size) {
                ck_file_close(f);
                return r < 0 ? r : -EIO;
        }
        int fd = mem->install(mem->userdata, f, rep->new_file_flags);
        if (fd < 0)
                return fd;
        int w = mem->write(mem->userdata, &at, 1, &fd, sizeof(fd));
        return w < 0 ? w : r;
}

int ck_kernel_ioctl(struct ck_file *f, const struct ck_kernel_call *call, const struct ck_client_memory *mem,
                    struct ck_ioctl_reply *rep, unsigned *ret_rounds, guint *ret_delay_ms)
{
        struct ck_region iov[CK_MAX_REGIONS];
        unsigned n_in = 0, n_out = 0, round = 0;
        guint delay_ms = 0;
        g_autoptr(GByteArray) in = NULL;
        uint8_t small[256];
        int r;

        if (!call->unrestricted && _IOC_SIZE(call->cmd)) {
                /* restricted: the encoding decides (fuse_do_ioctl) */
                struct ck_region one = { .addr = call->arg, .len = _IOC_SIZE(call->cmd) };
                if (_IOC_DIR(call->cmd) & _IOC_WRITE)
                        iov[n_in++] = one;
                if (_IOC_DIR(call->cmd) & _IOC_READ)
                        iov[n_in + n_out++] = one;
        }

        for (;;) {
                if (++round > MAX_ROUNDS) {
                        g_warning("%s: ioctl 0x%x still asks for memory after %d rounds",
                                  ck_device_name(f->device), call->cmd, MAX_ROUNDS);
                        r = -EIO;
                        break;
                }
                if (mem->round)
                        mem->round(mem->userdata, round);

                uint64_t in_size = total(iov, n_in), out_size = total(iov + n_in, n_out);
                uint8_t *buf = small;
                if (in_size > sizeof(small)) {
                        if (!in)
                                in = g_byte_array_new();
                        g_byte_array_set_size(in, (guint)in_size);
                        buf = in->data;
                }
                if (n_in && (r = mem->read(mem->userdata, iov, n_in, buf)) < 0)
                        break;

                const struct ck_ioctl_request rq = {
                        .cmd = call->cmd,
                        .arg = call->arg,
                        .tid = call->tid,
                        .unrestricted = call->unrestricted,
                        .in = buf,
                        .in_size = in_size,
                        .out_size = out_size,
                        .files = mem->install != NULL,
                        .wait = call->wait,
                };
                ck_pipeline_ioctl(f, &rq, rep);
                delay_ms += rep->delay_ms;

                if (rep->kind == CK_REPLY_WAIT) {
                        r = -EAGAIN;
                        break;
                }
                if (rep->kind == CK_REPLY_ERROR) {
                        r = rep->result;
                        break;
                }
                if (rep->kind == CK_REPLY_DATA) {
                        r = rep->size > out_size ? -EIO : rep->result;
                        if (r >= 0 && rep->size) {
                                int w = mem->write(mem->userdata, iov + n_in, n_out, rep->data, rep->size);
                                if (w < 0)
                                        r = w;
                        }
                        if (rep->new_file)
                                r = install_file(mem, iov + n_in, n_out, rep, r);
                        break;
                }
                /* CK_REPLY_RETRY */
                if (!call->unrestricted) {
                        r = -EIO;
                        break;
                }
                if (rep->n_in + rep->n_out > CK_MAX_REGIONS || check_iovs(rep->regions, rep->n_in) < 0 ||
                    check_iovs(rep->regions + rep->n_in, rep->n_out) < 0) {
                        r = -ENOMEM;
                        break;
                }
                n_in = rep->n_in;
                n_out = rep->n_out;
                memcpy(iov, rep->regions, (n_in + n_out) * sizeof(iov[0]));
        }
        if (ret_rounds)
                *ret_rounds = MIN(round, MAX_ROUNDS);
        if (ret_delay_ms)
                *ret_delay_ms = delay_ms;
        return r;
}
