/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CUSE transport: one device as one CUSE session on /dev/cuse, served
 * from the GLib main loop.  It turns kernel requests into pipeline calls
 * and pipeline replies into kernel replies; it knows no device.
 */
#pragma once

#include "cusekit-private.h"

struct ck_cuse_node;
typedef struct ck_cuse_node ck_cuse_node;

/* Opens /dev/cuse (@cuse_path) and sends the device's CUSE INIT; the node
 * appears once ck_cuse_node_ready() says so.  @major 0 lets the kernel
 * pick.  -ENOENT: no CUSE in the kernel; -EACCES/-EPERM: not permitted;
 * -EMFILE/-ENFILE: out of file descriptors; -EAGAIN: out of pthread keys
 * (libfuse takes one per session); -ENOMEM; -EIO: libfuse could not take
 * the channel. */
int ck_cuse_node_new(struct ck_device *d, const char *cuse_path, unsigned major, unsigned minor,
                     struct ck_cuse_node **ret);
void ck_cuse_node_free(struct ck_cuse_node *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_cuse_node, ck_cuse_node_free)

/* Processes requests until the kernel has taken our INIT reply: 0 when it
 * accepted the device, -EEXIST when it refused it (name or major:minor
 * taken, a bad number) and aborted the channel. */
int ck_cuse_node_wait_ready(struct ck_cuse_node *n);
/* Serves from the default main context from now on. */
void ck_cuse_node_attach(struct ck_cuse_node *n);
/* FALSE once the kernel closed the channel. */
gboolean ck_cuse_node_alive(const struct ck_cuse_node *n);
