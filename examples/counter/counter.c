/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The counter family: validators, handlers, the type and its registration.
 * Built as a module (counter.so) for cusekitd --module, and linked into its
 * own unit test. */
#include "counter-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <string.h>

struct counter {
        guint64 value;
};

static struct counter *counter_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static int handle_COUNTER_GET(struct ck_call *c, struct counter_value *out)
{
        out->value = counter_of(c)->value;
        return 0;
}

static int validate_COUNTER_SET(struct ck_call *c, const struct ck_untrusted *u, struct counter_value *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_COUNTER_SET(struct ck_call *c, const struct counter_value *in)
{
        counter_of(c)->value = in->value;
        ck_device_state_changed(ck_call_device(c));
        return 0;
}

static int handle_COUNTER_RESET(struct ck_call *c)
{
        counter_of(c)->value = 0;
        return 0;
}

/* The header first; its steps are fetched in the next round, from the
 * pointer and count just validated. */
static int validate_COUNTER_ADD_BATCH(struct ck_call *c, const struct ck_untrusted *u, struct counter_batch *ret)
{
        struct counter_batch b;
        const struct ck_untrusted *steps;
        int r = ck_untrusted_copy(u, &b, sizeof(b));
        if (r < 0)
                return r;
        if (b.count == 0 || b.count > COUNTER_BATCH_MAX || b.reserved)
                return -EINVAL;
        r = ck_call_fetch(c, b.steps, (size_t)b.count * sizeof(__u64), &steps);
        if (r != 0)
                return r;     /* CK_NEED_ROUND, or an error */
        r = ck_untrusted_accept(c, steps);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

/* All steps or none: a sum that would wrap is EOVERFLOW. */
static int handle_COUNTER_ADD_BATCH(struct ck_call *c, const struct counter_batch *in)
{
        struct counter *ctr = counter_of(c);
        size_t len;
        const __u64 *steps = ck_call_input(c, 0, &len);
        guint64 sum = ctr->value;

        for (__u32 i = 0; i < in->count; i++) {
                __u64 step;
                memcpy(&step, steps + i, sizeof(step));   /* no alignment promised */
                if (__builtin_add_overflow(sum, step, &sum))
                        return -EOVERFLOW;
        }
        ctr->value = sum;
        return 0;
}

CK_IOCTL_TABLE(counter_ioctls, COUNTER_IOCTLS);

CK_STRUCT_DESC(counter_value_desc, struct counter_value,
               CK_FIELD(struct counter_value, value, UINT));
CK_STRUCT_DESC(counter_batch_desc, struct counter_batch,
               CK_FIELD(struct counter_batch, steps, PTR),
               CK_FIELD(struct counter_batch, count, UINT),
               CK_FIELD(struct counter_batch, reserved, HEX));
static const struct ck_struct_desc *const counter_structs[] = {
        &counter_value_desc, &counter_batch_desc, NULL,
};

/* What `cusekit get/set DEVICE value` reads and writes. */
static GVariant *get_value(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint64(((struct counter *)ck_device_priv(d))->value);
}

static int set_value(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        ((struct counter *)ck_device_priv(d))->value = g_variant_get_uint64(value);
        return 0;
}

static int counter_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct counter *ctr = ck_device_priv(d);
        const char *start = g_hash_table_lookup(params, "value");

        if (start && !g_ascii_string_to_unsigned(start, 10, 0, G_MAXUINT64, &ctr->value, NULL)) {
                g_set_error(error, CK_ERROR, EINVAL, "value=%s is not a number", start);
                return -EINVAL;
        }
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "value", .summary = "the count", .type = "t", .persistent = TRUE,
                .get = get_value, .set = set_value,
        });
        return 0;
}

static const char *const counter_params[] = { "value", NULL };

static const struct ck_device_type counter_type = {
        .name = "counter",
        .summary = "a 64-bit counter (the out-of-tree example family)",
        .ioctls = counter_ioctls,
        .n_ioctls = G_N_ELEMENTS(counter_ioctls),
        .params = counter_params,
        .structs = counter_structs,
        .priv_size = sizeof(struct counter),
        .init = counter_init,
};
CK_DEVICE_TYPE_REGISTER(counter_type);
