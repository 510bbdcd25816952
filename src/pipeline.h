/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline, as a transport sees it: a kernel request in, a reply out.
 * It is the same for every device and every transport.
 */
#pragma once

#include "cusekit-private.h"

#include <stddef.h>

struct ck_ioctl_request {
        unsigned int cmd;
        uint64_t arg;
        pid_t tid;             /* the calling thread: keys a plan across rounds */
        bool unrestricted;     /* rounds allowed; data only as asked for */
        const void *in;        /* what the kernel copied in this round */
        size_t in_size;
        size_t out_size;       /* what the kernel will copy back at most */
        bool files;            /* the transport can put new descriptors into the client */
        /* The transport can park the call when its handler waits
         * (ck_call_wait()): what the call keeps across its attempts, kept
         * with the parked call and zeroed before the first.  NULL: it cannot
         * (a waiting handler's call then fails with EAGAIN). */
        struct ck_wait *wait;
};

/* What a call that waits keeps between its attempts. */
#define CK_WAIT_STATE_SIZE 64
struct ck_wait {
        unsigned attempts;     /* served so far (the pipeline counts) */
        _Alignas(max_align_t) uint8_t state[CK_WAIT_STATE_SIZE];
};

enum ck_reply_kind {
        CK_REPLY_ERROR,        /* result is -errno */
        CK_REPLY_RETRY,        /* fetch regions[0..n_in) in, declare [n_in..n_in+n_out) out */
        CK_REPLY_DATA,         /* result, and data[0..size) scattered over the out regions */
        CK_REPLY_WAIT,         /* not yet: park the call, serve the same request with the same
                                  rq->wait again after the device's next notify */
};

/* Reused from call to call so that a flat ioctl allocates nothing. */
struct ck_ioctl_reply {
        enum ck_reply_kind kind;
        int result;
        guint delay_ms;        /* an injected fault asks to reply this much later */
        struct ck_region regions[CK_MAX_REGIONS];
        unsigned n_in, n_out;
        uint8_t *data;
        size_t size;
        size_t capacity;
        /* DATA: a file the call created (ck_call_new_file), now the transport's:
         * it installs it in the client and writes its number, an int, at byte
         * new_fd_offset of data after the copy-out; or closes it (ck_file_close)
         * and fails the call.  NULL: none. */
        struct ck_file *new_file;
        size_t new_fd_offset;
        int new_file_flags;
        /* the validated first-stage argument */
        _Alignas(max_align_t) uint8_t arg[_IOC_SIZEMASK + 1];
};

void ck_ioctl_reply_init(struct ck_ioctl_reply *rep);
void ck_ioctl_reply_clear(struct ck_ioctl_reply *rep);

/* Always fills @rep; never fails otherwise. */
void ck_pipeline_ioctl(struct ck_file *f, const struct ck_ioctl_request *rq, struct ck_ioctl_reply *rep);
/* Each sets *ret_delay_ms when an injected fault asks the transport to
 * answer later.  -EAGAIN from read: nothing yet (the transport waits). */
int ck_pipeline_open(struct ck_device *d, int flags, pid_t pid, struct ck_file **ret, guint *ret_delay_ms);
ssize_t ck_pipeline_read(struct ck_file *f, pid_t pid, void *buf, size_t size, guint *ret_delay_ms);
/* @faulted: @buf is what could be read of a longer buffer (ck_untrusted_faulted()). */
ssize_t ck_pipeline_write(struct ck_file *f, pid_t pid, const void *buf, size_t size, bool faulted,
                          guint *ret_delay_ms);
/* A write as a transport serves it: to a type with .write_all, unless
 * @nonblock, a write that goes on over several attempts: *@done (0 on the
 * first) counts what was taken, and -EAGAIN says park and call again with
 * the same bytes after the device notifies.  Otherwise the write's result. */
ssize_t ck_pipeline_write_on(struct ck_file *f, pid_t pid, const void *buf, size_t size, bool faulted,
                             bool nonblock, size_t *done, guint *ret_delay_ms);
unsigned ck_pipeline_poll(struct ck_file *f);
