/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* evdev's model, shared by evdev.c (the node) and evemu.c (descriptions, presets). */
#pragma once

#include "evdev-model.h"

#include <glib.h>
#include <linux/input.h>
#include <stdbool.h>

#define EVDEV_LONG_BITS (8 * sizeof(unsigned long))
#define EVDEV_LONGS(bits) (((bits) + EVDEV_LONG_BITS - 1) / EVDEV_LONG_BITS)
/* <linux/input/mt.h>, kernel-internal */
#define EVDEV_MT_FIRST ABS_MT_TOUCH_MAJOR
#define EVDEV_MT_LAST ABS_MT_TOOL_Y
#define EVDEV_MT_AXES (EVDEV_MT_LAST - EVDEV_MT_FIRST + 1)
#define EVDEV_MAX_SLOTS 64
#define EVDEV_MAX_KEYMAP 1024

static inline bool evdev_bit(const unsigned long *b, unsigned n)
{
        return (b[n / EVDEV_LONG_BITS] >> (n % EVDEV_LONG_BITS)) & 1;
}
static inline void evdev_set_bit(unsigned long *b, unsigned n)
{
        b[n / EVDEV_LONG_BITS] |= 1ul << (n % EVDEV_LONG_BITS);
}
static inline void evdev_clear_bit(unsigned long *b, unsigned n)
{
        b[n / EVDEV_LONG_BITS] &= ~(1ul << (n % EVDEV_LONG_BITS));
}

/* What the device is: an input_dev before input_register_device(). */
struct evdev_desc {
        char *name, *phys, *uniq;     /* NULL: none (EVIOCGPHYS answers ENOENT) */
        struct input_id id;
        unsigned long evbit[EVDEV_LONGS(EV_CNT)];
        unsigned long keybit[EVDEV_LONGS(KEY_CNT)];
        unsigned long relbit[EVDEV_LONGS(REL_CNT)];
        unsigned long absbit[EVDEV_LONGS(ABS_CNT)];
        unsigned long mscbit[EVDEV_LONGS(MSC_CNT)];
        unsigned long ledbit[EVDEV_LONGS(LED_CNT)];
        unsigned long sndbit[EVDEV_LONGS(SND_CNT)];
        unsigned long ffbit[EVDEV_LONGS(FF_CNT)];
        unsigned long swbit[EVDEV_LONGS(SW_CNT)];
        unsigned long propbit[EVDEV_LONGS(INPUT_PROP_CNT)];
        /* initial state: evemu's L: and S: lines */
        unsigned long led[EVDEV_LONGS(LED_CNT)];
        unsigned long sw[EVDEV_LONGS(SW_CNT)];
        struct input_absinfo absinfo[ABS_CNT];
        int rep[REP_CNT];             /* 0, 0: the input core's 250, 33 when EV_REP */
        unsigned keycodemax;          /* a scancode -> keycode table (atkbd's): 0 none */
        unsigned short keycode[EVDEV_MAX_KEYMAP];
        unsigned max_effects;         /* EV_FF: uploads it holds */
};

void evdev_desc_clear(struct evdev_desc *desc);
/* The bitmap of event type @type (0: the EV_ bits) and its highest code
 * (EVIOCGBIT's maxbit); NULL for a type without one. */
unsigned long *evdev_desc_bits(struct evdev_desc *desc, unsigned type, unsigned *ret_max);

/* evemu-describe's format: N: I: P: B: A: L: S: lines.  -EINVAL with the line. */
int evdev_parse_evemu(struct evdev_desc *desc, const char *text, GError **error);
int evdev_preset(struct evdev_desc *desc, const char *name, GError **error);
extern const char *const evdev_preset_names;
