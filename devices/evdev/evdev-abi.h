/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evdev: the /dev/input/eventN ABI of drivers/input/evdev.c, with the
 * kernel's own argument types (<linux/input.h>); every row is checked
 * against the kernel's macros.
 *
 * Rows whose size is the caller's (EVIOCGNAME(len), EVIOCGBIT(ev, len), ...)
 * take any length up to what _IOC_SIZE holds, as the kernel does, in bytes;
 * EVIOCGBIT, EVIOCGABS and EVIOCSABS also take the event type or axis in nr.
 *
 * Rows that say what their encoding does not: EVIOCGKEYCODE(_V2) read the
 * scancode in before writing the keycode out, EVIOCGMTSLOTS reads the code
 * in, EVIOCSFF writes the effect's id back, EVIOCGMASK reads its request in
 * (and writes the mask where it points), and EVIOCRMFF, EVIOCGRAB and
 * EVIOCREVOKE take their integer by value, though encoded _IOW(int).
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/input.h>
#include <linux/types.h>

#define EVDEV_GROUP 'E'
/* The most bytes _IOC_SIZE holds: the caller's length for sized rows. */
#define EVDEV_MAX_LEN _IOC_SIZEMASK

/* EVIOCGREP/EVIOCSREP's unsigned int[2]: REP_DELAY, REP_PERIOD. */
struct evdev_rep {
        unsigned int delay;
        unsigned int period;
};
/* EVIOCGKEYCODE/EVIOCSKEYCODE's unsigned int[2]. */
struct evdev_keycode {
        unsigned int scancode;
        unsigned int keycode;
};
CK__STATIC_ASSERT(sizeof(struct evdev_rep) == sizeof(unsigned int[2]), "unsigned int[2]");
CK__STATIC_ASSERT(sizeof(struct evdev_keycode) == sizeof(unsigned int[2]), "unsigned int[2]");

/* EVIOCGABS(abs) and EVIOCSABS(abs) copy min(len, sizeof(struct input_absinfo))
 * whatever length the caller encodes (a 20-byte absinfo from before
 * resolution existed too): bytes, the caller's count of them. */
#define EVDEV_ABS_IOCTLS(IOC, RAW)                                                                                   \
        IOC(EVIOCGABS,        IOR_AT_N(0x40 + ABS_MAX, EVDEV_MAX_LEN), EVDEV_GROUP, 0x40, OUT, char, FLAT, HONEST)  \
        IOC(EVIOCSABS,        IOW_AT_N(0xc0 + ABS_MAX, EVDEV_MAX_LEN), EVDEV_GROUP, 0xc0, IN,  char, FLAT, HONEST)

#define EVDEV_IOCTLS(IOC, RAW)                                                                                       \
        EVDEV_FIXED_IOCTLS(IOC, RAW)                                                                                 \
        EVDEV_ABS_IOCTLS(IOC, RAW)                                                                                   \
        EVDEV_LATER_IOCTLS(IOC, RAW)

#define EVDEV_FIXED_IOCTLS(IOC, RAW)                                                                                 \
        IOC(EVIOCGVERSION,    IOR,  EVDEV_GROUP, 0x01, OUT,   int,                  FLAT, HONEST)                    \
        IOC(EVIOCGID,         IOR,  EVDEV_GROUP, 0x02, OUT,   struct input_id,      FLAT, HONEST)                    \
        IOC(EVIOCGREP,        IOR,  EVDEV_GROUP, 0x03, OUT,   struct evdev_rep,     FLAT, HONEST)                    \
        IOC(EVIOCSREP,        IOW,  EVDEV_GROUP, 0x03, IN,    struct evdev_rep,     FLAT, HONEST)                    \
        IOC(EVIOCGKEYCODE,    IOR,  EVDEV_GROUP, 0x04, INOUT, struct evdev_keycode, FLAT,                            \
            LIES("encoded _IOR, but the kernel reads the scancode in before writing the keycode out"))             \
        IOC(EVIOCGKEYCODE_V2, IOR,  EVDEV_GROUP, 0x04, INOUT, struct input_keymap_entry, FLAT,                       \
            LIES("encoded _IOR, but the kernel reads the entry's scancode or index in"))                           \
        IOC(EVIOCSKEYCODE,    IOW,  EVDEV_GROUP, 0x04, IN,    struct evdev_keycode, FLAT, HONEST)                    \
        IOC(EVIOCSKEYCODE_V2, IOW,  EVDEV_GROUP, 0x04, IN,    struct input_keymap_entry, FLAT, HONEST)               \
        IOC(EVIOCGNAME,       IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x06, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGPHYS,       IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x07, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGUNIQ,       IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x08, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGPROP,       IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x09, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGMTSLOTS,    IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x0a, INOUT, char, FLAT,                           \
            LIES("encoded _IOR, but the kernel reads the ABS_MT_ code in first"))                                  \
        IOC(EVIOCGKEY,        IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x18, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGLED,        IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x19, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGSND,        IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x1a, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGSW,         IOR_N(EVDEV_MAX_LEN), EVDEV_GROUP, 0x1b, OUT, char,  FLAT, HONEST)                    \
        IOC(EVIOCGBIT,        IOR_AT_N(0x20 + EV_MAX, EVDEV_MAX_LEN), EVDEV_GROUP, 0x20, OUT, char, FLAT, HONEST)

#define EVDEV_LATER_IOCTLS(IOC, RAW)                                                                                 \
        IOC(EVIOCSFF,         IOW,  EVDEV_GROUP, 0x80, INOUT, struct ff_effect,     FLAT,                            \
            LIES("encoded _IOW, but the kernel writes the effect's id back"))                                      \
        IOC(EVIOCRMFF,        IOW,  EVDEV_GROUP, 0x81, VALUE, int,                  FLAT,                            \
            LIES("encoded _IOW(int), but the kernel takes the effect id by value"))                                \
        IOC(EVIOCGEFFECTS,    IOR,  EVDEV_GROUP, 0x84, OUT,   int,                  FLAT, HONEST)                    \
        IOC(EVIOCGRAB,        IOW,  EVDEV_GROUP, 0x90, VALUE, int,                  FLAT,                            \
            LIES("encoded _IOW(int), but the kernel takes grab or release by value"))                              \
        IOC(EVIOCREVOKE,      IOW,  EVDEV_GROUP, 0x91, VALUE, int,                  FLAT,                            \
            LIES("encoded _IOW(int), but the kernel takes its (zero) integer by value"))                           \
        IOC(EVIOCGMASK,       IOR,  EVDEV_GROUP, 0x92, IN,    struct input_mask,    NESTED,                          \
            LIES("encoded _IOR, but the kernel reads the request in and writes the mask where it points"))        \
        IOC(EVIOCSMASK,       IOW,  EVDEV_GROUP, 0x93, IN,    struct input_mask,    NESTED, HONEST)                  \
        IOC(EVIOCSCLOCKID,    IOW,  EVDEV_GROUP, 0xa0, IN,    int,                  FLAT, HONEST)

CK_DECLARE_IOCTLS(EVDEV_IOCTLS)

CK_ASSERT_KERNEL_NUMBERS(EVDEV_FIXED_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(EVDEV_LATER_IOCTLS)
/* the kernel's EVIOCGABS(abs) and EVIOCSABS(abs): one struct input_absinfo, at both ends */
#define EVDEV__ABS_REQ(NAME, index) \
        CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME + (index), sizeof(struct input_absinfo))
CK__STATIC_ASSERT(EVDEV__ABS_REQ(EVIOCGABS, 0) == EVIOCGABS(0) && EVDEV__ABS_REQ(EVIOCGABS, ABS_MAX) == EVIOCGABS(ABS_MAX),
                  "EVIOCGABS: not the kernel's numbers");
CK__STATIC_ASSERT(EVDEV__ABS_REQ(EVIOCSABS, 0) == EVIOCSABS(0) && EVDEV__ABS_REQ(EVIOCSABS, ABS_MAX) == EVIOCSABS(ABS_MAX),
                  "EVIOCSABS: not the kernel's numbers");
