/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The udev properties of an input device, as systemd-udevd's input_id
 * builtin (src/udev/udev-builtin-input_id.c of systemd 252, Debian 12's)
 * derives them from the capability bits the kernel shows in sysfs
 * (capabilities/ev, key, rel, abs, properties, id/bustype of the parent
 * input device) and from EVIOCGABS on the node: the classification
 * libinput relies on (it ignores a device without ID_INPUT, and picks
 * keyboard, pointer and touchpad handling by ID_INPUT_*).
 */
#include "evdev-udev.h"
#include "evdev-model.h"

#include <linux/input.h>
#include <stdbool.h>

static bool has_key(struct ck_device *d, unsigned code)
{
        return evdev_model_test_bit(d, EV_KEY, code);
}

static bool has_abs(struct ck_device *d, unsigned code)
{
        return evdev_model_test_bit(d, EV_ABS, code);
}

static bool any_key(struct ck_device *d, unsigned first, unsigned end)
{
        for (unsigned code = first; code < end; code++)
                if (has_key(d, code))
                        return true;
        return false;
}

static void add(GString *out, const char *key, const char *value)
{
        g_string_append_printf(out, "E:%s=%s\n", key, value);
}

/* The builtin's test_pointers(): true when it found a pointer of some kind. */
static bool classify_pointer(struct ck_device *d, GString *out)
{
        bool keys = evdev_model_test_bit(d, 0, EV_KEY);
        bool abs_xy = has_abs(d, ABS_X) && has_abs(d, ABS_Y);

        /* three absolute axes and no keys: an accelerometer, whatever else */
        if (evdev_model_test_prop(d, INPUT_PROP_ACCELEROMETER) || (!keys && abs_xy && has_abs(d, ABS_Z))) {
                add(out, "ID_INPUT_ACCELEROMETER", "1");
                return true;
        }

        bool pointing_stick = evdev_model_test_prop(d, INPUT_PROP_POINTING_STICK);
        bool stylus = has_key(d, BTN_STYLUS);
        bool pen = has_key(d, BTN_TOOL_PEN);
        bool finger_no_pen = has_key(d, BTN_TOOL_FINGER) && !pen;
        bool mouse_button = any_key(d, BTN_MOUSE, BTN_JOYSTICK);
        bool rel_xy = evdev_model_test_bit(d, 0, EV_REL) && evdev_model_test_bit(d, EV_REL, REL_X) &&
                      evdev_model_test_bit(d, EV_REL, REL_Y);
        /* a device claiming every axis up to ABS_MT_SLOT has no real MT axes */
        bool mt = has_abs(d, ABS_MT_POSITION_X) && has_abs(d, ABS_MT_POSITION_Y) &&
                  !(has_abs(d, ABS_MT_SLOT) && has_abs(d, ABS_MT_SLOT - 1));
        bool direct = evdev_model_test_prop(d, INPUT_PROP_DIRECT);
        bool touch = has_key(d, BTN_TOUCH);
        bool pad_buttons = has_key(d, BTN_0) && stylus && !pen;

        /* a mouse with more than 16 buttons reaches into BTN_JOYSTICK: not a joystick for that */
        bool joystick_parts = false;
        if (!has_key(d, BTN_JOYSTICK - 1))
                joystick_parts = any_key(d, BTN_JOYSTICK, BTN_DIGI) ||
                                 any_key(d, BTN_TRIGGER_HAPPY1, BTN_TRIGGER_HAPPY40 + 1) ||
                                 any_key(d, BTN_DPAD_UP, BTN_DPAD_RIGHT + 1);
        for (unsigned axis = ABS_RX; axis < ABS_PRESSURE && !joystick_parts; axis++)
                joystick_parts = has_abs(d, axis);

        bool mouse = false, touchpad = false, touchscreen = false, tablet = false, joystick = false;
        if (abs_xy) {
                if (stylus || pen)
                        tablet = true;
                else if (finger_no_pen && !direct)
                        touchpad = true;
                else if (mouse_button)
                        mouse = true;         /* absolute axes and buttons, no touch: VMware's mouse */
                else if (touch || direct)
                        touchscreen = true;
                else if (joystick_parts)
                        joystick = true;
        } else if (joystick_parts) {
                joystick = true;
        }
        if (mt) {
                if (stylus || pen)
                        tablet = true;
                else if (finger_no_pen && !direct)
                        touchpad = true;
                else if (touch || direct)
                        touchscreen = true;
        }
        bool tablet_pad = tablet && pad_buttons;
        if (!tablet && !touchpad && !joystick && mouse_button && (rel_xy || !abs_xy))
                mouse = true;
        /* no mouse sits on I2C: that is a pointing stick */
        if (mouse && evdev_model_id(d)->bustype == BUS_I2C)
                pointing_stick = true;

        if (pointing_stick)
                add(out, "ID_INPUT_POINTINGSTICK", "1");
        if (mouse)
                add(out, "ID_INPUT_MOUSE", "1");
        if (touchpad)
                add(out, "ID_INPUT_TOUCHPAD", "1");
        if (touchscreen)
                add(out, "ID_INPUT_TOUCHSCREEN", "1");
        if (joystick)
                add(out, "ID_INPUT_JOYSTICK", "1");
        if (tablet)
                add(out, "ID_INPUT_TABLET", "1");
        if (tablet_pad)
                add(out, "ID_INPUT_TABLET_PAD", "1");
        return tablet || mouse || touchpad || touchscreen || joystick || pointing_stick;
}

/* The builtin's test_key(): KEY_ codes (not BTN_), and a full keyboard. */
static bool classify_keys(struct ck_device *d, GString *out)
{
        if (!evdev_model_test_bit(d, 0, EV_KEY))
                return false;
        /* below BTN_MISC KEY_RESERVED counts too: the builtin tests whole words */
        bool found = any_key(d, 0, BTN_MISC) || any_key(d, KEY_OK, BTN_DPAD_UP) ||
                     any_key(d, KEY_ALS_TOGGLE, BTN_TRIGGER_HAPPY);
        if (found)
                add(out, "ID_INPUT_KEY", "1");
        /* ESC, the digits and Q to D (codes 1 to 31): a keyboard */
        bool keyboard = true;
        for (unsigned code = KEY_ESC; code <= KEY_D && keyboard; code++)
                keyboard = has_key(d, code);
        if (keyboard)
                add(out, "ID_INPUT_KEYBOARD", "1");
        return found || keyboard;
}

void evdev_udev_properties(struct ck_device *d, GString *out)
{
        add(out, "ID_INPUT", "1");
        bool pointer = classify_pointer(d, out);
        bool key = classify_keys(d, out);
        /* a node with only a scroll wheel */
        if (!pointer && !key && evdev_model_test_bit(d, 0, EV_REL) &&
            (evdev_model_test_bit(d, EV_REL, REL_WHEEL) || evdev_model_test_bit(d, EV_REL, REL_HWHEEL)))
                add(out, "ID_INPUT_KEY", "1");
        if (evdev_model_test_bit(d, 0, EV_SW))
                add(out, "ID_INPUT_SWITCH", "1");

        /* extract_info(): the size in mm, when both axes give a resolution */
        const struct input_absinfo *x = evdev_model_absinfo(d, ABS_X);
        const struct input_absinfo *y = evdev_model_absinfo(d, ABS_Y);
        if (x && y && x->resolution > 0 && y->resolution > 0) {
                g_string_append_printf(out, "E:ID_INPUT_WIDTH_MM=%d\n", (x->maximum - x->minimum) / x->resolution);
                g_string_append_printf(out, "E:ID_INPUT_HEIGHT_MM=%d\n", (y->maximum - y->minimum) / y->resolution);
        }
}
