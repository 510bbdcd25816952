/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device types register themselves into a linker section; the registry
 * indexes each type's ioctls once, by request number. */
#include "cusekit-private.h"

#include <stdlib.h>
#include <string.h>

extern const struct ck_device_type *const __start_ck_device_types[];
extern const struct ck_device_type *const __stop_ck_device_types[];

static int compare_request(const void *a, const void *b)
{
        unsigned long ra = (*(const struct ck_ioctl *const *)a)->request;
        unsigned long rb = (*(const struct ck_ioctl *const *)b)->request;

        return ra < rb ? -1 : ra > rb;
}

/* Honest, flat and copied by the kernel from the encoding alone (the rule
 * for restricted CUSE mode). */
static bool ioctl_needs_unrestricted(const struct ck_ioctl *io)
{
        return io->lie || io->shape == CK_SHAPE_NESTED || io->encoding == CK_ENC_RAW ||
               io->flow == CK_FLOW_VALUE;
}

static struct ck_type_index *index_type(const struct ck_device_type *type)
{
        struct ck_type_index *index = g_new0(struct ck_type_index, 1);

        index->type = type;
        index->n = type->n_ioctls;
        index->by_request = g_new(const struct ck_ioctl *, type->n_ioctls);
        index->arg_descs = g_new0(const struct ck_struct_desc *, type->n_ioctls);
        index->variable = g_new0(const struct ck_ioctl *, MAX(type->n_ioctls, 1));
        for (size_t i = 0; i < type->n_ioctls; i++) {
                const struct ck_ioctl *io = &type->ioctls[i];
                /* A family's definition errors are programming errors: fail loudly at start. */
                if (io->flow == CK_FLOW_VALUE && io->shape == CK_SHAPE_NESTED)
                        g_error("%s: %s: a value ioctl cannot be nested", type->name, io->name);
                if (io->arg_size > CK_MAX_TRANSFER)
                        g_error("%s: %s: argument larger than a CUSE ioctl can carry", type->name, io->name);
                if ((io->count_max || io->nr_span) && io->encoding == CK_ENC_RAW)
                        g_error("%s: %s: a classic number has no size or nr range", type->name, io->name);
                index->by_request[i] = io;
                if (io->count_max || io->nr_span)
                        index->variable[index->n_variable++] = io;
                for (const struct ck_struct_desc *const *sd = type->structs; sd && *sd; sd++)
                        if (strcmp((*sd)->type, io->arg_type) == 0)
                                index->arg_descs[i] = *sd;
                index->unrestricted |= ioctl_needs_unrestricted(io);
        }
        qsort(index->by_request, index->n, sizeof(*index->by_request), compare_request);
        for (size_t i = 1; i < index->n; i++)
                if (index->by_request[i]->request == index->by_request[i - 1]->request)
                        g_error("%s: %s and %s have the same request number 0x%lx", type->name,
                                index->by_request[i - 1]->name, index->by_request[i]->name,
                                index->by_request[i]->request);
        return index;
}

const struct ck_type_index *const *ck_registry_all(void)
{
        static const struct ck_type_index **all;

        if (g_once_init_enter(&all)) {
                size_t n = (size_t)(__stop_ck_device_types - __start_ck_device_types);
                const struct ck_type_index **list = g_new0(const struct ck_type_index *, n + 1);
                for (size_t i = 0; i < n; i++)
                        list[i] = index_type(__start_ck_device_types[i]);
                g_once_init_leave(&all, list);
        }
        return all;
}

const struct ck_type_index *ck_registry_find(const char *type_name)
{
        for (const struct ck_type_index *const *t = ck_registry_all(); *t; t++)
                if (strcmp((*t)->type->name, type_name) == 0)
                        return *t;
        return NULL;
}

/* A row whose size or nr is the caller's matches on direction, group and
 * nr range, any size (the pipeline then checks the size). */
static bool variable_matches(const struct ck_ioctl *io, unsigned long request)
{
        unsigned nr = _IOC_NR(request), first = _IOC_NR(io->request);

        return _IOC_DIR(request) == _IOC_DIR(io->request) && _IOC_TYPE(request) == _IOC_TYPE(io->request) &&
               nr >= first && nr <= first + io->nr_span &&
               (io->count_max || _IOC_SIZE(request) == _IOC_SIZE(io->request));
}

/* An exact number first (so a fixed row wins over a range it falls in, as
 * drivers switch on the exact number before they look at ranges). */
const struct ck_ioctl *ck_type_index_lookup(const struct ck_type_index *index, unsigned long request)
{
        size_t lo = 0, hi = index->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                unsigned long r = index->by_request[mid]->request;
                if (r == request)
                        return index->by_request[mid];
                if (r < request)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = 0; i < index->n_variable; i++)
                if (variable_matches(index->variable[i], request))
                        return index->variable[i];
        return NULL;
}
