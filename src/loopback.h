/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loopback transport: one open of a device driven in-process the way
 * the kernel's FUSE ioctl path drives a CUSE server (fs/fuse/ioctl.c), over
 * a fake client memory that only knows the ranges a test exposed.  For
 * unit tests, the fuzzer and benchmarks.
 */
#pragma once

#include "cusekit-private.h"

struct ck_loopback;
typedef struct ck_loopback ck_loopback;

/* Called before each round's copy-in; a test may change client memory. */
typedef void (*ck_loopback_round_fn)(struct ck_loopback *lb, unsigned round, void *userdata);

int ck_loopback_new(struct ck_device *d, int open_flags, struct ck_loopback **ret);
void ck_loopback_free(struct ck_loopback *lb);
/* A file one of @lb's ioctls created, by the number the ioctl wrote (files
 * nobody takes are closed with @lb): a loopback of its own.  -EBADF: no such file. */
int ck_loopback_take_file(struct ck_loopback *lb, int fd, struct ck_loopback **ret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_loopback, ck_loopback_free)

/* Makes [ptr, ptr+size) client memory; addresses are the pointers. */
void ck_loopback_expose(struct ck_loopback *lb, void *ptr, size_t size);
void ck_loopback_set_unrestricted(struct ck_loopback *lb, bool unrestricted);
void ck_loopback_set_tid(struct ck_loopback *lb, pid_t tid);
void ck_loopback_set_round_hook(struct ck_loopback *lb, ck_loopback_round_fn fn, void *userdata);

/* The ioctl's result or -errno, as the client would see it.  A call that
 * waits (ck_call_wait(): TIOCMIWAIT, tcdrain) returns -EAGAIN and stays
 * parked: the same @cmd and @arg again go on with it (its wait state kept),
 * any other call or ck_loopback_cancel() (a signal) ends it. */
int ck_loopback_ioctl(struct ck_loopback *lb, unsigned int cmd, uint64_t arg);
/* The last ioctl waits. */
bool ck_loopback_waiting(const struct ck_loopback *lb);
void ck_loopback_cancel(struct ck_loopback *lb);
/* A signal for the call that waits: it ends, with what the client would
 * get (a write that has taken bytes: their count; otherwise -EINTR). */
ssize_t ck_loopback_interrupt(struct ck_loopback *lb);
/* Rounds the last ioctl took (1 = no retry). */
unsigned ck_loopback_rounds(const struct ck_loopback *lb);
ssize_t ck_loopback_read(struct ck_loopback *lb, void *buf, size_t size);
/* To a type with .write_all, a blocking write that does not fit returns
 * -EAGAIN and waits (ck_loopback_waiting()): the same @buf and @size
 * again go on with it, until it returns @size. */
ssize_t ck_loopback_write(struct ck_loopback *lb, const void *buf, size_t size);
unsigned ck_loopback_poll(struct ck_loopback *lb);
struct ck_file *ck_loopback_file(struct ck_loopback *lb);
