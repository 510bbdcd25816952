/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Modules the loader must refuse, one per BAD value (and BAD=0, one it
 * takes): see test-module.c. */
#include <cusekit/device.h>

#include <linux/types.h>

#include <errno.h>

#if BAD == 1
/* built against a future device API */
#undef CUSEKIT_DEVICE_API_VERSION
#define CUSEKIT_DEVICE_API_VERSION 99
#endif

struct modtest_state {
        __u32 value;
};

#define MODTEST_IOCTLS(IOC, RAW)                                                                    \
        IOC(MODTEST_GET, IOR, 0xD9, 0x01, OUT, struct modtest_state, FLAT, HONEST)                  \
        IOC(MODTEST_SET, IOW, 0xD9, 0x02, IN,  struct modtest_state, FLAT, HONEST)
CK_DECLARE_IOCTLS(MODTEST_IOCTLS)

static int handle_MODTEST_GET(struct ck_call *c, struct modtest_state *out)
{
        out->value = 7;
        return 0;
}

static int validate_MODTEST_SET(struct ck_call *c, const struct ck_untrusted *u, struct modtest_state *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_MODTEST_SET(struct ck_call *c, const struct modtest_state *in)
{
        return in->value == 7 ? 0 : -EINVAL;
}

CK_IOCTL_TABLE(modtest_ioctls, MODTEST_IOCTLS);

#if BAD == 3
/* two rows with one number: a table the compiler cannot catch */
static struct ck_ioctl twice_ioctls[2];
__attribute__((constructor(101))) static void make_twice(void)
{
        twice_ioctls[0] = modtest_ioctls[0];
        twice_ioctls[1] = modtest_ioctls[1];
        twice_ioctls[1].request = twice_ioctls[0].request;
}
#define TABLE twice_ioctls
#else
#define TABLE modtest_ioctls
#endif

static const struct ck_device_type modtest_type = {
        .name = BAD == 0 ? "modtest" : "modtest-bad",
        .summary = "a module for the loader's tests",
        .ioctls = TABLE,
        .n_ioctls = G_N_ELEMENTS(TABLE),
};
CK_DEVICE_TYPE_REGISTER(modtest_type);

#if BAD == 2
/* a second type of the same name in the same module */
static const struct ck_device_type modtest_again = {
        .name = "modtest-bad",
        .summary = "the same name again",
        .ioctls = modtest_ioctls,
        .n_ioctls = G_N_ELEMENTS(modtest_ioctls),
};
CK_DEVICE_TYPE_REGISTER(modtest_again);
#endif
