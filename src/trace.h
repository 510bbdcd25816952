/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trace: a ring of every request served, with arguments kept raw and
 * decoded only when read, by the field metadata of the definitions.
 */
#pragma once

#include "fault.h"

#define CK_TRACE_BYTES 64     /* argument bytes kept per direction */

struct ck_trace_event {
        gint64 time_us;                    /* wall clock */
        pid_t pid;
        struct ck_device *device;
        enum ck_op op;
        const struct ck_ioctl *io;         /* CK_OP_IOCTL; NULL: unknown request */
        unsigned int cmd;
        int error;                         /* negative errno, or 0 */
        gint64 result;                     /* ioctl result, bytes read or written */
        guint64 latency_ns;
        guint in_size, out_size;           /* as served; the copies hold at most CK_TRACE_BYTES */
        guint8 in[CK_TRACE_BYTES], out[CK_TRACE_BYTES];
};

struct ck_trace;
typedef void (*ck_trace_listener)(const struct ck_trace_event *ev, void *userdata);

struct ck_trace *ck_trace_new(guint capacity);
void ck_trace_free(struct ck_trace *t);
void ck_trace_set_listener(struct ck_trace *t, ck_trace_listener fn, void *userdata);
/* Copies @in/@out (as much as fits) into the ring. */
void ck_trace_record(struct ck_trace *t, struct ck_trace_event *ev, const void *in, const void *out);
/* The newest @max events, oldest first, as a(tussssa{sv}a{sv}ixt). */
GVariant *ck_trace_dump(struct ck_trace *t, guint max);
/* (time_us, pid, device, op, name, dir, input, output, errno, result, latency_ns) */
GVariant *ck_trace_event_to_variant(const struct ck_trace_event *ev);
#define CK_TRACE_EVENT_TYPE "(tussssa{sv}a{sv}ixt)"

/* Field name -> value, by the argument's CK_STRUCT_DESC (or as an integer
 * when @arg_type names one, or as bytes when nothing describes it). */
GVariant *ck_decode_argument(const char *arg_type, const struct ck_struct_desc *desc, const void *bytes,
                             size_t size);
