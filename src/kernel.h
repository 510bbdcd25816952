/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's part of an ioctl, for transports that play it themselves
 * (loopback, seccomp): drive the pipeline's rounds over client memory,
 * with the limits of the kernel's FUSE ioctl path (fs/fuse/ioctl.c) and its
 * EFAULT.  Under CUSE the real kernel does this, so cuse.c does not use it.
 */
#pragma once

#include "pipeline.h"

/* Client memory as the transport reaches it.  Each returns 0, -EFAULT when
 * some byte is not there, or another -errno that ends the call (e.g. the
 * client is gone: -ENOENT). */
struct ck_client_memory {
        /* Gathers @n regions into @buf, back to back. */
        int (*read)(void *userdata, const struct ck_region *regions, unsigned n, void *buf);
        /* Scatters @size bytes of @data over @n regions, in order. */
        int (*write)(void *userdata, const struct ck_region *regions, unsigned n, const void *data, size_t size);
        /* Installs @f, a file the ioctl created, in the client as a descriptor
         * with @flags (O_CLOEXEC): its number, or -errno.  It takes @f either way
         * (on failure it closes it).  NULL: the transport cannot, and
         * ck_call_new_file() answers EOPNOTSUPP. */
        int (*install)(void *userdata, struct ck_file *f, int flags);
        /* Before each round's copy-in (1, 2, ...); NULL: none.  Tests race here. */
        void (*round)(void *userdata, unsigned round);
        void *userdata;
};

struct ck_kernel_call {
        unsigned int cmd;
        uint64_t arg;
        pid_t tid;
        /* FALSE: copy as restricted CUSE does, by _IOC_DIR/_IOC_SIZE, in one
         * round; TRUE: only what the pipeline asks for, in rounds. */
        bool unrestricted;
        /* The call's wait state when the transport can park it; then a
         * waiting handler ends the call with -EAGAIN and rep->kind
         * CK_REPLY_WAIT: the transport parks it and calls again with the
         * same @wait (the rounds start over, as memory is read afresh). */
        struct ck_wait *wait;
};

/* The ioctl's result or -errno, as the client would see it.  @rep is the
 * caller's reusable reply; *ret_rounds (may be NULL) counts the rounds and
 * *ret_delay_ms (may be NULL) what injected faults ask to wait before
 * answering. */
int ck_kernel_ioctl(struct ck_file *f, const struct ck_kernel_call *call, const struct ck_client_memory *mem,
                    struct ck_ioctl_reply *rep, unsigned *ret_rounds, guint *ret_delay_ms);
