/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loopback.h"
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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
        GHashTable *created;      /* descriptor number -> struct ck_file *: files its ioctls made */
        int next_fd;
        /* the ioctl that waits (ck_call_wait()), until it answers or is cancelled */
        bool waiting;
        unsigned int wait_cmd;
        uint64_t wait_arg;
        struct ck_wait wait;
        /* the blocking write that goes on (a type with .write_all) */
        bool writing;
        const void *write_buf;
        size_t write_size, write_done;
};

/* Numbers the loopback gives the files ioctls create: out of the way of real ones. */
#define FIRST_CREATED_FD 1000

static void close_file(gpointer f)
{
        ck_file_close(f);
}

static struct ck_loopback *loopback_of(struct ck_device *d, struct ck_file *f)
{
        struct ck_loopback *lb = g_new0(struct ck_loopback, 1);
        lb->file = f;
        lb->unrestricted = ck_device_unrestricted(d);
        lb->tid = gettid();
        lb->exposed = g_array_new(FALSE, FALSE, sizeof(struct exposed));
        lb->created = g_hash_table_new_full(NULL, NULL, NULL, close_file);
        lb->next_fd = FIRST_CREATED_FD;
        ck_ioctl_reply_init(&lb->rep);
        return lb;
}

int ck_loopback_new(struct ck_device *d, int open_flags, struct ck_loopback **ret)
{
        struct ck_file *f;
        guint delay_ms;
        int r = ck_pipeline_open(d, open_flags, gettid(), &f, &delay_ms);
        if (delay_ms)
                g_usleep(delay_ms * 1000ul);
        if (r < 0)
                return r;

        *ret = loopback_of(d, f);
        return 0;
}

int ck_loopback_take_file(struct ck_loopback *lb, int fd, struct ck_loopback **ret)
{
        struct ck_file *f;

        if (!g_hash_table_steal_extended(lb->created, GINT_TO_POINTER(fd), NULL, (gpointer *)&f))
                return -EBADF;
        *ret = loopback_of(f->device, f);
        return 0;
}

void ck_loopback_free(struct ck_loopback *lb)
{
        if (!lb)
                return;
        g_hash_table_unref(lb->created);
        ck_file_close(lb->file);
        g_array_unref(lb->exposed);
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

static int mem_read(void *userdata, const struct ck_region *r, unsigned n, void *buf)
{
        uint8_t *dst = buf;

        for (unsigned i = 0; i < n; i++) {
                const uint8_t *src = client_mem(userdata, r[i].addr, r[i].len);
                if (!src)
                        return -EFAULT;
                memcpy(dst, src, r[i].len);
                dst += r[i].len;
        }
        return 0;
}

static int mem_write(void *userdata, const struct ck_region *r, unsigned n, const void *data, size_t size)
{
        const uint8_t *src = data;

        for (unsigned i = 0; i < n && size; i++) {
                size_t len = MIN(r[i].len, size);
                uint8_t *dst = client_mem(userdata, r[i].addr, len);
                if (!dst)
                        return -EFAULT;
                memcpy(dst, src, len);
                src += len;
                size -= len;
        }
        return 0;
}

static void mem_round(void *userdata, unsigned round)
{
        struct ck_loopback *lb = userdata;

        if (lb->round_fn)
                lb->round_fn(lb, round, lb->round_data);
}

static int mem_install(void *userdata, struct ck_file *f, int flags)
{
        struct ck_loopback *lb = userdata;
        int fd = lb->next_fd++;

        g_hash_table_insert(lb->created, GINT_TO_POINTER(fd), f);
        return fd;
}

int ck_loopback_ioctl(struct ck_loopback *lb, unsigned int cmd, uint64_t arg)
{
        /* a thread has one call at a time: another one ends the wait of the last */
        if (!lb->waiting || lb->wait_cmd != cmd || lb->wait_arg != arg)
                lb->wait = (struct ck_wait){ 0 };
        lb->waiting = false;
        lb->writing = false;

        const struct ck_kernel_call call = { .cmd = cmd, .arg = arg, .tid = lb->tid, .unrestricted = lb->unrestricted,
                                             .wait = &lb->wait };
        const struct ck_client_memory mem = { .read = mem_read, .write = mem_write, .install = mem_install,
                                              .round = mem_round, .userdata = lb };
        guint delay_ms;
        int r = ck_kernel_ioctl(lb->file, &call, &mem, &lb->rep, &lb->rounds, &delay_ms);

        if (r == -EAGAIN && lb->rep.kind == CK_REPLY_WAIT) {
                lb->waiting = true;
                lb->wait_cmd = cmd;
                lb->wait_arg = arg;
        }

        if (delay_ms)      /* g_usleep(0) is still a nanosleep() syscall */
                g_usleep(delay_ms * 1000ul);
        return r;
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
        /* the same bytes again go on with the write that waits; another call ends it */
        if (!lb->writing || lb->write_buf != buf || lb->write_size != size)
                lb->write_done = 0;
        lb->writing = false;
        lb->waiting = false;

        guint delay_ms;
        bool nonblock = lb->file->flags & O_NONBLOCK;
        ssize_t r = ck_pipeline_write_on(lb->file, lb->tid, buf, size, false, nonblock, &lb->write_done, &delay_ms);
        if (r == -EAGAIN && !delay_ms && !nonblock && lb->file->index->type->write_all) {
                lb->writing = true;
                lb->write_buf = buf;
                lb->write_size = size;
        }

        if (delay_ms)
                g_usleep(delay_ms * 1000ul);
        return r;
}

bool ck_loopback_waiting(const struct ck_loopback *lb)
{
        return lb->waiting || lb->writing;
}

void ck_loopback_cancel(struct ck_loopback *lb)
{
        lb->waiting = false;
        lb->writing = false;
}

ssize_t ck_loopback_interrupt(struct ck_loopback *lb)
{
        bool wrote = lb->writing && lb->write_done;

        ck_loopback_cancel(lb);
        return wrote ? (ssize_t)lb->write_done : -EINTR;
}

unsigned ck_loopback_poll(struct ck_loopback *lb)
{
        return ck_pipeline_poll(lb->file);
}

struct ck_file *ck_loopback_file(struct ck_loopback *lb)
{
        return lb->file;
}
