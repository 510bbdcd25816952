/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fault.h"

#include <string.h>

static const char *const op_names[] = {
        [CK_OP_OPEN] = "open",
        [CK_OP_READ] = "read",
        [CK_OP_WRITE] = "write",
        [CK_OP_IOCTL] = "ioctl",
};

const char *ck_op_name(enum ck_op op)
{
        return op_names[op];
}

int ck_fault_parse_op(const struct ck_device *d, const char *text, enum ck_op *ret_op, char **ret_ioctl,
                      GError **error)
{
        const char *colon = strchr(text, ':');
        g_autofree char *head = colon ? g_strndup(text, (gsize)(colon - text)) : g_strdup(text);

        for (enum ck_op op = CK_OP_OPEN; op <= CK_OP_IOCTL; op++) {
                if (strcmp(head, op_names[op]) != 0)
                        continue;
                if (colon && op != CK_OP_IOCTL)
                        break;
                if (colon) {
                        const struct ck_device_type *type = d->index->type;
                        size_t i = 0;
                        while (i < type->n_ioctls && strcmp(type->ioctls[i].name, colon + 1) != 0)
                                i++;
                        if (i == type->n_ioctls) {
                                g_set_error(error, CK_ERROR, EINVAL, "%s has no ioctl '%s'", d->name, colon + 1);
                                return -EINVAL;
                        }
                }
                *ret_op = op;
                *ret_ioctl = colon ? g_strdup(colon + 1) : NULL;
                return 0;
        }
        g_set_error(error, CK_ERROR, EINVAL,
                    "'%s' is not an operation: open, read, write, ioctl or ioctl:NAME", text);
        return -EINVAL;
}

static void fault_free(struct ck_fault *f)
{
        g_free(f->ioctl);
        g_free(f);
}

guint ck_device_add_fault(struct ck_device *d, const struct ck_fault *fault)
{
        static guint next_id = 1;
        struct ck_fault *f = g_memdup2(fault, sizeof(*f));

        f->id = next_id++;
        f->ioctl = g_strdup(fault->ioctl);
        f->hits = 0;
        if (!(f->probability > 0 && f->probability <= 1))
                f->probability = 1;
        if (!d->faults)
                d->faults = g_ptr_array_new_with_free_func((GDestroyNotify)fault_free);
        g_ptr_array_add(d->faults, f);
        return f->id;
}

guint ck_device_clear_faults(struct ck_device *d, guint id)
{
        guint n = 0;

        for (guint i = 0; d->faults && i < d->faults->len;) {
                struct ck_fault *f = d->faults->pdata[i];
                if (id == 0 || f->id == id) {
                        g_ptr_array_remove_index(d->faults, i);
                        n++;
                } else {
                        i++;
                }
        }
        return n;
}

GPtrArray *ck_device_faults(struct ck_device *d)
{
        return d->faults;
}

bool ck_device_fault_hit(struct ck_device *d, enum ck_op op, const char *ioctl_name, struct ck_fault_hit *ret)
{
        for (guint i = 0; i < d->faults->len; i++) {
                struct ck_fault *f = d->faults->pdata[i];
                if (f->op != op || (f->ioctl && (!ioctl_name || strcmp(f->ioctl, ioctl_name) != 0)))
                        continue;
                if (f->probability < 1 && g_random_double() >= f->probability)
                        continue;
                *ret = (struct ck_fault_hit){
                        .error = -f->error,
                        .delay_ms = f->delay_ms,
                        .short_read = f->short_read,
                };
                f->hits++;
                /* the first matching fault decides; a spent one goes */
                if (f->remaining && --f->remaining == 0)
                        g_ptr_array_remove_index(d->faults, i);
                return true;
        }
        return false;
}
