/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace.h"

#include <stddef.h>
#include <string.h>

struct ck_trace {
        struct ck_trace_event *ring;
        guint capacity;
        guint64 count;                 /* events ever recorded */
        guint next;                    /* count % capacity */
        ck_trace_listener listener;
        void *listener_data;
};

struct ck_trace *ck_trace_new(guint capacity)
{
        struct ck_trace *t = g_new0(struct ck_trace, 1);

        t->capacity = MAX(capacity, 1);
        t->ring = g_new0(struct ck_trace_event, t->capacity);
        return t;
}

void ck_trace_free(struct ck_trace *t)
{
        if (!t)
                return;
        g_free(t->ring);
        g_free(t);
}

void ck_trace_set_listener(struct ck_trace *t, ck_trace_listener fn, void *userdata)
{
        t->listener = fn;
        t->listener_data = userdata;
}

void ck_trace_record(struct ck_trace *t, struct ck_trace_event *ev, const void *in, const void *out)
{
        struct ck_trace_event *slot = &t->ring[t->next];

        t->count++;
        if (++t->next == t->capacity)
                t->next = 0;
        /* the fixed fields, then only the argument bytes that count: @ev's
         * own copies are filled only that far */
        memcpy(slot, ev, offsetof(struct ck_trace_event, in));
        memcpy(slot->in, in ? in : ev->in, MIN(ev->in_size, CK_TRACE_BYTES));
        memcpy(slot->out, out ? out : ev->out, MIN(ev->out_size, CK_TRACE_BYTES));
        if (t->listener)
                t->listener(slot, t->listener_data);
}

GVariant *ck_trace_dump(struct ck_trace *t, guint max)
{
        GVariantBuilder b;
        guint64 n = MIN(MIN(t->count, (guint64)t->capacity), (guint64)max);

        g_variant_builder_init(&b, G_VARIANT_TYPE("a" CK_TRACE_EVENT_TYPE));
        for (guint64 i = t->count - n; i < t->count; i++)
                g_variant_builder_add_value(&b, ck_trace_event_to_variant(&t->ring[i % t->capacity]));
        return g_variant_builder_end(&b);
}

static guint64 load_uint(const guint8 *p, unsigned size)
{
        switch (size) {
        case 1: return *p;
        case 2: { guint16 v; memcpy(&v, p, 2); return v; }
        case 4: { guint32 v; memcpy(&v, p, 4); return v; }
        default: { guint64 v = 0; memcpy(&v, p, MIN(size, 8u)); return v; }
        }
}

static gint64 load_int(const guint8 *p, unsigned size)
{
        guint64 v = load_uint(p, size);
        unsigned bits = MIN(size, 8u) * 8;

        return bits < 64 && (v >> (bits - 1)) & 1 ? (gint64)(v | (~0ull << bits)) : (gint64)v;
}

static GVariant *field_value(const struct ck_field *f, const guint8 *p)
{
        switch (f->kind) {
        case CK_FIELD_UINT:
                return g_variant_new_uint64(load_uint(p, f->size));
        case CK_FIELD_INT:
                return g_variant_new_int64(load_int(p, f->size));
        case CK_FIELD_HEX:
        case CK_FIELD_PTR: {
                g_autofree char *text = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", load_uint(p, f->size));
                return g_variant_new_string(text);
        }
        case CK_FIELD_STRING: {
                g_autofree char *text = g_strndup((const char *)p, f->size * f->count);
                return g_variant_new_string(g_utf8_validate(text, -1, NULL) ? text : "");
        }
        case CK_FIELD_BYTES:
                break;
        }
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, f->size * f->count, 1);
}

GVariant *ck_decode_argument(const char *arg_type, const struct ck_struct_desc *desc, const void *bytes,
                             size_t size)
{
        GVariantBuilder b;
        const guint8 *p = bytes;

        g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
        if (!bytes || size == 0)
                return g_variant_builder_end(&b);
        if (desc && size >= desc->size) {
                for (unsigned i = 0; i < desc->n_fields; i++) {
                        const struct ck_field *f = &desc->fields[i];
                        if (f->count == 1 || f->kind == CK_FIELD_STRING || f->kind == CK_FIELD_BYTES) {
                                g_variant_builder_add(&b, "{sv}", f->name, field_value(f, p + f->offset));
                                continue;
                        }
                        GVariantBuilder arr;
                        g_variant_builder_init(&arr, G_VARIANT_TYPE("av"));
                        for (unsigned k = 0; k < f->count; k++)
                                g_variant_builder_add(&arr, "v", field_value(f, p + f->offset + k * f->size));
                        g_variant_builder_add(&b, "{sv}", f->name, g_variant_builder_end(&arr));
                }
        } else if (!desc && arg_type && size <= 8 && strncmp(arg_type, "struct ", 7) != 0) {
                /* a plain integer: unsigned unless its type says otherwise */
                gboolean is_signed = strstr(arg_type, "unsigned") == NULL && arg_type[0] != 'u' &&
                                     strncmp(arg_type, "__u", 3) != 0 && strcmp(arg_type, "size_t") != 0;
                g_variant_builder_add(&b, "{sv}", "value",
                                      is_signed ? g_variant_new_int64(load_int(p, (unsigned)size))
                                                : g_variant_new_uint64(load_uint(p, (unsigned)size)));
        } else {
                g_variant_builder_add(&b, "{sv}", "bytes",
                                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, size, 1));
        }
        return g_variant_builder_end(&b);
}

static const char *flow_name(enum ck_flow flow)
{
        static const char *const names[] = {
                [CK_FLOW_NONE] = "none", [CK_FLOW_IN] = "in", [CK_FLOW_OUT] = "out",
                [CK_FLOW_INOUT] = "inout", [CK_FLOW_VALUE] = "value",
        };
        return names[flow];
}

GVariant *ck_trace_event_to_variant(const struct ck_trace_event *ev)
{
        const struct ck_type_index *index = ev->device->index;
        const struct ck_struct_desc *desc = NULL;
        const char *arg_type = NULL;
        char name_buf[32];
        const char *name = "", *dir = "";
        GVariant *in, *out;

        switch (ev->op) {
        case CK_OP_IOCTL:
                if (ev->io) {
                        /* a row of the device's table, or of a file type's */
                        const struct ck_type_index *table = ck_type_index_of_row(index, ev->io);
                        desc = table ? table->arg_descs[ev->io - table->type->ioctls] : NULL;
                        arg_type = ev->io->arg_type;
                        name = ev->io->name;
                        dir = flow_name(ev->io->flow);
                } else {
                        g_snprintf(name_buf, sizeof(name_buf), "0x%08x", ev->cmd);
                        name = name_buf;
                }
                break;
        case CK_OP_READ:
                dir = "out";
                break;
        case CK_OP_WRITE:
                dir = "in";
                break;
        case CK_OP_OPEN:
                break;
        }
        if (ev->op == CK_OP_IOCTL) {
                in = ck_decode_argument(arg_type, desc, ev->in, MIN(ev->in_size, CK_TRACE_BYTES));
                out = ck_decode_argument(arg_type, desc, ev->out, MIN(ev->out_size, CK_TRACE_BYTES));
        } else {
                in = ck_decode_argument(NULL, NULL, ev->in, MIN(ev->in_size, CK_TRACE_BYTES));
                out = ck_decode_argument(NULL, NULL, ev->out, MIN(ev->out_size, CK_TRACE_BYTES));
        }
        return g_variant_new("(tussss@a{sv}@a{sv}ixt)", (guint64)ev->time_us, (guint32)ev->pid,
                             ev->device->name, ck_op_name(ev->op), name, dir, in, out, -ev->error,
                             ev->result, ev->latency_ns);
}
