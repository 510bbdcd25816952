/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * atom: validators, handlers and the behaviour model.
 *
 * read() gives "0\n" or "1\n" once per change (the first read after open
 * returns at once, later ones wait for a change); write() takes "0" or "1".
 * "atom-flat" is the same device serving only the ioctls that restricted
 * CUSE mode can carry (one kernel round trip each).
 */
#include "atom-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

struct atom {
        struct atom_state state;
        guint64 generation;           /* bumped on every change */
        guint8 blob[ATOM_BLOB_MAX];
        guint32 blob_len;
};

struct atom_open {
        guint64 seen;                 /* generation this open last read; 0: none */
};

static struct atom *atom_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static void atom_changed(struct ck_device *d)
{
        struct atom *a = ck_device_priv(d);

        a->generation++;
        ck_device_notify(d);
        ck_device_state_changed(d);
}

static int atom_state_check(const struct atom_state *s)
{
        if (s->value > 1)
                return -EINVAL;
        if (s->flags & ~ATOM_FLAGS_KNOWN)
                return -EINVAL;
        if (s->reserved[0] || s->reserved[1])
                return -EINVAL;
        return 0;
}

static int atom_store(struct ck_call *c, const struct atom_state *s)
{
        struct atom *a = atom_of(c);

        if (a->state.flags & ATOM_FLAG_LOCK)
                return -EPERM;
        a->state = *s;
        atom_changed(ck_call_device(c));
        return 0;
}

static int validate_state(const struct ck_untrusted *u, struct atom_state *ret)
{
        struct atom_state s;
        int r = ck_untrusted_copy(u, &s, sizeof(s));
        if (r < 0)
                return r;
        r = atom_state_check(&s);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

static int validate_blob_header(const struct ck_untrusted *u, struct atom_blob *ret)
{
        struct atom_blob b;
        int r = ck_untrusted_copy(u, &b, sizeof(b));
        if (r < 0)
                return r;
        if (b.reserved)
                return -EINVAL;
        if (b.len > ATOM_BLOB_MAX)
                return -EINVAL;
        *ret = b;
        return 0;
}

CK_IOCTL_TABLE(atom_ioctls, ATOM_IOCTLS);
CK_IOCTL_TABLE_RESTRICTED(atom_flat_ioctls, ATOM_IOCTLS);

static int handle_ATOM_GET(struct ck_call *c, struct atom_state *out)
{
        *out = atom_of(c)->state;
        return 0;
}

static int validate_ATOM_SET(struct ck_call *c, const struct ck_untrusted *u, struct atom_state *ret)
{
        (void)c;
        return validate_state(u, ret);
}

static int handle_ATOM_SET(struct ck_call *c, const struct atom_state *in)
{
        return atom_store(c, in);
}

static int validate_ATOM_LOAD(struct ck_call *c, const struct ck_untrusted *u, struct atom_state *ret)
{
        (void)c;
        return validate_state(u, ret);
}

static int handle_ATOM_LOAD(struct ck_call *c, const struct atom_state *in)
{
        return atom_store(c, in);
}

static int validate_ATOM_FLIP(struct ck_call *c, const struct ck_untrusted *u, struct atom_flip *ret)
{
        struct atom_flip f;
        int r = ck_untrusted_copy(u, &f, sizeof(f));
        (void)c;
        if (r < 0)
                return r;
        if (f.count < 1 || f.count > ATOM_FLIP_MAX)
                return -EINVAL;
        if (f.reserved[0] || f.reserved[1])
                return -EINVAL;
        *ret = f;
        return 0;
}

static int handle_ATOM_FLIP(struct ck_call *c, struct atom_flip *io)
{
        struct atom *a = atom_of(c);

        if (a->state.flags & ATOM_FLAG_LOCK)
                return -EPERM;
        io->old = a->state.value;
        a->state.value ^= io->count & 1;
        atom_changed(ck_call_device(c));
        return 0;
}

static int handle_ATOM_RESET(struct ck_call *c)
{
        struct atom *a = atom_of(c);

        a->state = (struct atom_state){ 0 };
        a->blob_len = 0;
        atom_changed(ck_call_device(c));
        return 0;
}

static int validate_ATOM_POKE(struct ck_call *c, const struct ck_untrusted *u, unsigned int *ret)
{
        uint64_t raw = ck_untrusted_value(u);
        (void)c;
        if (raw > 1)
                return -EINVAL;
        *ret = (unsigned int)raw;
        return 0;
}

/* Returns the old value, as a classic ioctl's result. */
static int handle_ATOM_POKE(struct ck_call *c, unsigned int value)
{
        struct atom *a = atom_of(c);
        int old = (int)a->state.value;

        if (a->state.flags & ATOM_FLAG_LOCK)
                return -EPERM;
        a->state.value = value;
        atom_changed(ck_call_device(c));
        return old;
}

static int validate_ATOM_BLOB_SET(struct ck_call *c, const struct ck_untrusted *u, struct atom_blob *ret)
{
        struct atom_blob b;
        const struct ck_untrusted *bytes;
        int r = validate_blob_header(u, &b);
        if (r < 0)
                return r;
        r = ck_call_fetch(c, b.data, b.len, &bytes);
        if (r != 0)
                return r;
        r = ck_untrusted_accept(c, bytes);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

static int handle_ATOM_BLOB_SET(struct ck_call *c, const struct atom_blob *in)
{
        struct atom *a = atom_of(c);
        size_t len;
        const void *bytes = ck_call_input(c, 0, &len);

        if (!bytes || len != in->len || len > sizeof(a->blob))
                return -EIO;   /* cannot happen: the validator accepted exactly in->len bytes */
        memcpy(a->blob, bytes, len);
        a->blob_len = in->len;
        return 0;
}

static int validate_ATOM_BLOB_GET(struct ck_call *c, const struct ck_untrusted *u, struct atom_blob *ret)
{
        struct atom_blob b;
        int r = validate_blob_header(u, &b);
        if (r < 0)
                return r;
        r = ck_call_reserve_out(c, b.data, b.len);
        if (r != 0)
                return r;
        *ret = b;
        return 0;
}

/* Fills the caller's room with the blob, zero-padded; len says how much is
 * real.  A blob larger than the room gives EOVERFLOW. */
static int handle_ATOM_BLOB_GET(struct ck_call *c, struct atom_blob *io)
{
        struct atom *a = atom_of(c);
        size_t room;
        void *out = ck_call_output(c, 0, &room);

        if (a->blob_len > room)
                return -EOVERFLOW;
        if (a->blob_len)
                memcpy(out, a->blob, a->blob_len);
        io->len = a->blob_len;
        return 0;
}

/* A "0"/"1" parameter; @ret untouched when absent. */
static int param_bit(GHashTable *params, const char *key, gboolean *ret, GError **error)
{
        const char *text = g_hash_table_lookup(params, key);

        if (!text)
                return 0;
        if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "atom: %s=%s: must be 0 or 1", key, text);
                return -EINVAL;
        }
        *ret = text[0] == '1';
        return 0;
}

static GVariant *atom_value_get(struct ck_device *d, void *userdata)
{
        struct atom *a = ck_device_priv(d);

        return g_variant_new_boolean(a->state.value);
}

/* Like write(): the lock holds here too. */
static int atom_value_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct atom *a = ck_device_priv(d);

        if (a->state.flags & ATOM_FLAG_LOCK) {
                g_set_error(error, CK_ERROR, EPERM, "atom is locked (ATOM_FLAG_LOCK)");
                return -EPERM;
        }
        a->state.value = g_variant_get_boolean(value);
        atom_changed(d);
        return 0;
}

static int atom_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct atom *a = ck_device_priv(d);
        gboolean value = FALSE, exclusive = FALSE;

        if (param_bit(params, "value", &value, error) < 0 ||
            param_bit(params, "exclusive", &exclusive, error) < 0)
                return -EINVAL;
        a->state.value = value;
        ck_device_set_exclusive(d, exclusive);
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "value",
                .summary = "the bit",
                .type = "b",
                .persistent = TRUE,
                .get = atom_value_get,
                .set = atom_value_set,
        });
        a->generation = 1;
        return 0;
}

static ssize_t atom_read(struct ck_file *f, void *buf, size_t size)
{
        struct atom *a = ck_device_priv(ck_file_device(f));
        struct atom_open *o = ck_file_priv(f);
        char text[3];

        if (o->seen == a->generation)
                return -EAGAIN;
        int n = snprintf(text, sizeof(text), "%u\n", a->state.value);
        if (size < (size_t)n)
                return -EINVAL;
        memcpy(buf, text, n);
        o->seen = a->generation;
        return n;
}

static ssize_t atom_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct ck_device *d = ck_file_device(f);
        struct atom *a = ck_device_priv(d);
        size_t n = ck_untrusted_size(data);
        char text[3] = { 0 };

        /* "0", "1", optionally followed by a newline */
        if (n < 1 || n > 2 || ck_untrusted_copy(data, text, n) < 0)
                return -EINVAL;
        if ((text[0] != '0' && text[0] != '1') || (n == 2 && text[1] != '\n'))
                return -EINVAL;
        if (a->state.flags & ATOM_FLAG_LOCK)
                return -EPERM;
        a->state.value = text[0] == '1';
        atom_changed(d);
        return (ssize_t)n;
}

static unsigned atom_poll(struct ck_file *f)
{
        struct atom *a = ck_device_priv(ck_file_device(f));
        struct atom_open *o = ck_file_priv(f);

        return POLLOUT | POLLWRNORM | (o->seen != a->generation ? POLLIN | POLLRDNORM : 0);
}

static const char *const atom_params[] = { "value", "exclusive", NULL };

CK_STRUCT_DESC(atom_state_desc, struct atom_state,
               CK_FIELD(struct atom_state, value, UINT),
               CK_FIELD(struct atom_state, flags, HEX),
               CK_FIELD_ARRAY(struct atom_state, reserved, HEX));
CK_STRUCT_DESC(atom_flip_desc, struct atom_flip,
               CK_FIELD(struct atom_flip, count, UINT),
               CK_FIELD(struct atom_flip, old, UINT),
               CK_FIELD_ARRAY(struct atom_flip, reserved, HEX));
CK_STRUCT_DESC(atom_blob_desc, struct atom_blob,
               CK_FIELD(struct atom_blob, data, PTR),
               CK_FIELD(struct atom_blob, len, UINT),
               CK_FIELD(struct atom_blob, reserved, HEX));
static const struct ck_struct_desc *const atom_structs[] = {
        &atom_state_desc, &atom_flip_desc, &atom_blob_desc, NULL,
};

/* The two types differ only in the table they serve. */
#define ATOM_TYPE(type_name, what, table)                                      \
        {                                                                      \
                .name = type_name,                                             \
                .summary = what,                                               \
                .ioctls = table,                                               \
                .n_ioctls = G_N_ELEMENTS(table),                               \
                .params = atom_params,                                         \
                .structs = atom_structs,                                       \
                .priv_size = sizeof(struct atom),                              \
                .file_priv_size = sizeof(struct atom_open),                    \
                .init = atom_init,                                             \
                .read = atom_read,                                             \
                .write = atom_write,                                           \
                .poll = atom_poll,                                             \
                .sysfs = &ck_sysfs_cuse,      /* no kernel driver: a CUSE node's */ \
        }

const struct ck_device_type ck_device_type_atom =
        ATOM_TYPE("atom", "one bit of state; the tutorial device", atom_ioctls);
CK_DEVICE_TYPE_REGISTER(ck_device_type_atom);

const struct ck_device_type ck_device_type_atom_flat =
        ATOM_TYPE("atom-flat", "atom with its honest flat ioctls only: served in restricted mode", atom_flat_ioctls);
CK_DEVICE_TYPE_REGISTER(ck_device_type_atom_flat);
