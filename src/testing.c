/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* <cusekit/testing.h>: the loopback transport for device authors, a thin
 * public face over src/loopback.h. */
#include <cusekit/testing.h>

#include "loopback.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

struct ck_test {
        struct ck_loopback *lb;
        ck_test_round_fn round_fn;
        void *round_data;
};

int ck_test_device_new(const char *type, const char *name, GHashTable *params,
                       struct ck_device **ret, GError **error)
{
        g_return_val_if_fail(type && name && ret, -EINVAL);
        return ck_device_new(type, name, params, ret, error);
}

void ck_test_device_free(struct ck_device *d)
{
        ck_device_free(d);
}

int ck_test_load_module(const char *path, GError **error)
{
        return ck_registry_load_module(path, error);
}

int ck_test_open(struct ck_device *d, int open_flags, struct ck_test **ret)
{
        g_return_val_if_fail(d && ret, -EINVAL);
        struct ck_loopback *lb;
        int r = ck_loopback_new(d, open_flags, &lb);
        if (r < 0)
                return r;
        struct ck_test *t = g_new0(struct ck_test, 1);
        t->lb = lb;
        *ret = t;
        return 0;
}

void ck_test_close(struct ck_test *t)
{
        if (!t)
                return;
        ck_loopback_free(t->lb);
        g_free(t);
}

int ck_test_take_file(struct ck_test *t, int fd, struct ck_test **ret)
{
        g_return_val_if_fail(t && ret, -EINVAL);
        struct ck_loopback *lb;
        int r = ck_loopback_take_file(t->lb, fd, &lb);
        if (r < 0)
                return r;
        struct ck_test *taken = g_new0(struct ck_test, 1);
        taken->lb = lb;
        *ret = taken;
        return 0;
}

void ck_test_expose(struct ck_test *t, void *ptr, size_t size)
{
        ck_loopback_expose(t->lb, ptr, size);
}

void ck_test_set_unrestricted(struct ck_test *t, gboolean unrestricted)
{
        ck_loopback_set_unrestricted(t->lb, unrestricted);
}

void ck_test_set_tid(struct ck_test *t, pid_t tid)
{
        ck_loopback_set_tid(t->lb, tid);
}

static void round_trampoline(struct ck_loopback *lb, unsigned round, void *userdata)
{
        struct ck_test *t = userdata;

        t->round_fn(t, round, t->round_data);
}

void ck_test_set_round_hook(struct ck_test *t, ck_test_round_fn fn, void *userdata)
{
        t->round_fn = fn;
        t->round_data = userdata;
        ck_loopback_set_round_hook(t->lb, fn ? round_trampoline : NULL, t);
}

int ck_test_ioctl(struct ck_test *t, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(t->lb, (unsigned int)request, (uint64_t)(uintptr_t)arg);
}

int ck_test_ioctl_value(struct ck_test *t, unsigned long request, unsigned long value)
{
        return ck_loopback_ioctl(t->lb, (unsigned int)request, value);
}

void ck_test_cancel(struct ck_test *t)
{
        ck_loopback_cancel(t->lb);
}

unsigned ck_test_rounds(const struct ck_test *t)
{
        return ck_loopback_rounds(t->lb);
}

ssize_t ck_test_read(struct ck_test *t, void *buf, size_t size)
{
        return ck_loopback_read(t->lb, buf, size);
}

ssize_t ck_test_write(struct ck_test *t, const void *buf, size_t size)
{
        return ck_loopback_write(t->lb, buf, size);
}

unsigned ck_test_poll(struct ck_test *t)
{
        return ck_loopback_poll(t->lb);
}

struct ck_file *ck_test_file(struct ck_test *t)
{
        return ck_loopback_file(t->lb);
}

/* Families in the test register into this library's registry; with
 * libcusekit-device loaded ahead of it they would register into that one
 * and never be found here.  Say so instead of "unknown device type". */
__attribute__((constructor)) static void check_not_shadowed(void)
{
        Dl_info mine, theirs;
        void *found = dlsym(RTLD_DEFAULT, "ck_register_device_type");

        if (found && dladdr((void *)check_not_shadowed, &mine) && dladdr(found, &theirs) &&
            mine.dli_fbase != theirs.dli_fbase && theirs.dli_fname &&
            strstr(theirs.dli_fname, "libcusekit-device"))
                g_error("cusekit-testing: %s comes first and would take this program's device types: "
                        "link the test against cusekit-testing alone", theirs.dli_fname);
}
