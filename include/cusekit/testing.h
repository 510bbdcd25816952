/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit-testing a device family without a kernel: the loopback transport.
 *
 * It plays the kernel's part of a CUSE ioctl in-process (fs/fuse/ioctl.c):
 * restricted mode copies by the number's encoding, unrestricted mode in
 * rounds the family's validators ask for, at most 256 regions and 128 KiB
 * each way; client memory is only what the test exposed, so any other
 * address is EFAULT, exactly as for a real client.  A round hook runs
 * before each round's copy-in, to change client memory between rounds
 * (a racing client: the pipeline must answer EINVAL, never use both).
 *
 *   struct ck_device *d;
 *   struct ck_test *t;
 *   ck_test_device_new("counter", "counter0", NULL, &d, &error);
 *   ck_test_open(d, O_RDWR, &t);
 *   ck_test_expose(t, &mem, sizeof(mem));
 *   r = ck_test_ioctl(t, CK_REQUEST(COUNTER_ADD), &mem.add);
 *
 * Link with pkg-config cusekit-testing (it carries the device API as
 * well: link a test against it alone, not also against cusekit-device).
 */
#pragma once

#include <cusekit/device.h>

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ck_test;   /* one open of a device, driven through the loopback transport */

/* A device of a registered type (linked into the test, or loaded with
 * ck_test_load_module()).  @params: key -> value strings, or NULL. */
int ck_test_device_new(const char *type, const char *name, GHashTable *params,
                       struct ck_device **ret, GError **error);
void ck_test_device_free(struct ck_device *d);
/* Loads a module as cusekitd --module does; returns the types it registered. */
int ck_test_load_module(const char *path, GError **error);

/* An open, as the family's open hook sees it (O_RDWR, O_NONBLOCK, ...). */
int ck_test_open(struct ck_device *d, int open_flags, struct ck_test **ret);
void ck_test_close(struct ck_test *t);

/* A file an ioctl of @t created (ck_call_new_file: a GPIO line request),
 * by the descriptor number the ioctl wrote (1000, 1001, ...): an open of
 * its own, closed with ck_test_close() (files nobody takes are closed with
 * @t).  -EBADF: no such file. */
int ck_test_take_file(struct ck_test *t, int fd, struct ck_test **ret);

/* Makes [ptr, ptr+size) client memory; client addresses are the pointers. */
void ck_test_expose(struct ck_test *t, void *ptr, size_t size);
/* Rounds allowed (CUSE unrestricted mode) or not; the default is the
 * mode the family gets. */
void ck_test_set_unrestricted(struct ck_test *t, gboolean unrestricted);
/* The calling thread the pipeline keys a plan by (default: this thread). */
void ck_test_set_tid(struct ck_test *t, pid_t tid);
/* Called before each round's copy-in, round counting from 1. */
typedef void (*ck_test_round_fn)(struct ck_test *t, unsigned round, void *userdata);
void ck_test_set_round_hook(struct ck_test *t, ck_test_round_fn fn, void *userdata);

/* The result or -errno the client would see; @arg is a client address. */
int ck_test_ioctl(struct ck_test *t, unsigned long request, const void *arg);
/* For FLOW VALUE ioctls: the integer travels as the argument itself. */
int ck_test_ioctl_value(struct ck_test *t, unsigned long request, unsigned long value);
/* An ioctl that waits (its handler said ck_call_wait(): TIOCMIWAIT, tcdrain)
 * returns -EAGAIN and stays parked, as a blocked client would: calling it
 * again with the same request and argument goes on with the same call (its
 * wait state kept); any other ioctl, or ck_test_cancel() (a signal), ends it. */
void ck_test_cancel(struct ck_test *t);
/* Rounds the last ioctl took (1: no retry). */
unsigned ck_test_rounds(const struct ck_test *t);
/* -EAGAIN: nothing to read (a real client would block). */
ssize_t ck_test_read(struct ck_test *t, void *buf, size_t size);
ssize_t ck_test_write(struct ck_test *t, const void *buf, size_t size);
/* POLLIN/POLLOUT/... that hold now. */
unsigned ck_test_poll(struct ck_test *t);
struct ck_file *ck_test_file(struct ck_test *t);

#ifdef __cplusplus
}
#endif
