/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A module whose ABI `cusekit abi --check` must flag: its group is 'T'
 * (0x54, the kernel's termios ioctls), one nr is used twice in the same
 * direction, and one row lies about its direction without saying so.  The definition language
 * refuses the last two at compile time, so this table is written by hand,
 * as a family not using CK_IOCTL_TABLE would.
 */
#include <cusekit/device.h>

#include <linux/types.h>

struct collide_state {
        __u32 value;
        __u32 flags;
};

struct collide_wide {
        __u32 value;
        __u32 flags;
        __u64 more;
};

static int handle_any(struct ck_call *c, void *arg)
{
        return 0;
}

static int validate_any(struct ck_call *c, const struct ck_untrusted *u, void *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(struct collide_state));
}

static const struct ck_ioctl collide_ioctls[] = {
        { .name = "COLLIDE_GET", .arg_type = "struct collide_state",
          .request = _IOR('T', 0x70, struct collide_state), .arg_size = sizeof(struct collide_state),
          .flow = CK_FLOW_OUT, .encoding = CK_ENC_IOR, .shape = CK_SHAPE_FLAT, .handle = handle_any },
        /* encoded _IOR, but the state flows in, and no LIES("why") */
        { .name = "COLLIDE_PUSH", .arg_type = "struct collide_state",
          .request = _IOR('T', 0x71, struct collide_state), .arg_size = sizeof(struct collide_state),
          .flow = CK_FLOW_IN, .encoding = CK_ENC_IOR, .shape = CK_SHAPE_FLAT,
          .validate = validate_any, .handle = handle_any },
        /* nr 0x70 again, in the same direction (another size) */
        { .name = "COLLIDE_GET_WIDE", .arg_type = "struct collide_wide",
          .request = _IOR('T', 0x70, struct collide_wide), .arg_size = sizeof(struct collide_wide),
          .flow = CK_FLOW_OUT, .encoding = CK_ENC_IOR, .shape = CK_SHAPE_FLAT, .handle = handle_any },
        /* nr 0x71 again in the other direction: allowed (spidev's RD/WR pairs) */
        { .name = "COLLIDE_SET", .arg_type = "struct collide_state",
          .request = _IOW('T', 0x71, struct collide_state), .arg_size = sizeof(struct collide_state),
          .flow = CK_FLOW_IN, .encoding = CK_ENC_IOW, .shape = CK_SHAPE_FLAT,
          .validate = validate_any, .handle = handle_any },
};

static const struct ck_device_type collide_type = {
        .name = "collide",
        .summary = "an ABI that collides with the kernel's (for cusekit abi --check)",
        .ioctls = collide_ioctls,
        .n_ioctls = G_N_ELEMENTS(collide_ioctls),
};
CK_DEVICE_TYPE_REGISTER(collide_type);
