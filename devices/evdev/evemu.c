/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an evdev device is: an evemu description (the format evemu-describe
 * writes, so any real device's can be emulated) or a built-in preset.
 *
 *   # EVEMU 1.3
 *   N: <name>
 *   I: <bustype> <vendor> <product> <version>           (hex)
 *   P: <byte> ... <byte>                               (properties, 8 bytes a line, hex)
 *   B: <type> <byte> ... <byte>                        (type 00: the EV_ bits; a type's
 *                                                       next line continues its bytes)
 *   A: <axis> <min> <max> <fuzz> <flat> [<resolution>] (axis hex, the rest decimal)
 *   L: <led> <state>    S: <switch> <state>            (hex, decimal)
 *
 * '#' starts a comment anywhere; anything else is refused with its line.
 */
#include "evdev-priv.h"

#include <cusekit/device.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int bad_line(GError **error, unsigned n, const char *line, const char *why)
{
        g_set_error(error, CK_ERROR, EINVAL, "line %u \"%s\": %s", n, line, why);
        return -EINVAL;
}

static bool hex_word(const char *text, unsigned long max, unsigned long *ret)
{
        char *end;

        errno = 0;
        unsigned long v = strtoul(text, &end, 16);
        if (errno || end == text || *end || v > max || text[0] == '-')
                return false;
        *ret = v;
        return true;
}

static bool int_word(const char *text, int *ret)
{
        char *end;

        errno = 0;
        long v = strtol(text, &end, 10);
        if (errno || end == text || *end || v < INT32_MIN || v > INT32_MAX)
                return false;
        *ret = (int)v;
        return true;
}

/* bytes of a P: or B: line into @bits (codes 0 to @maxcode) from byte @at on */
static bool set_bytes(unsigned long *bits, unsigned maxcode, size_t at, char **words, size_t n_words)
{
        for (size_t i = 0; i < n_words; i++) {
                unsigned long v;
                if (!hex_word(words[i], 0xff, &v))
                        return false;
                for (unsigned j = 0; j < 8; j++) {
                        size_t code = (at + i) * 8 + j;
                        if (!((v >> j) & 1))
                                continue;
                        if (code > maxcode)
                                return false;     /* a bit past the kernel's last code */
                        evdev_set_bit(bits, (unsigned)code);
                }
        }
        return true;
}

int evdev_parse_evemu(struct evdev_desc *desc, const char *text, GError **error)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        size_t prop_at = 0, bits_at[EV_CNT] = { 0 };
        bool have_name = false;

        for (unsigned n = 0; lines[n]; n++) {
                g_autofree char *line = g_strdup(lines[n]);
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                g_strstrip(line);
                if (!*line)
                        continue;
                g_auto(GStrv) all = g_strsplit_set(line, " \t", -1);
                g_autoptr(GPtrArray) w = g_ptr_array_new();
                for (char **p = all; *p; p++)
                        if (**p)
                                g_ptr_array_add(w, *p);
                char **words = (char **)w->pdata;
                size_t n_words = w->len;
                const char *tag = words[0];

                if (strcmp(tag, "N:") == 0) {
                        const char *name = line + 2;
                        while (*name == ' ' || *name == '\t')
                                name++;
                        g_free(desc->name);
                        desc->name = g_strdup(name);
                        have_name = true;
                } else if (strcmp(tag, "I:") == 0) {
                        unsigned long v[4];
                        if (n_words != 5)
                                return bad_line(error, n + 1, lines[n], "I: takes bustype, vendor, product, version");
                        for (int i = 0; i < 4; i++)
                                if (!hex_word(words[1 + i], 0xffff, &v[i]))
                                        return bad_line(error, n + 1, lines[n], "not a 16-bit hex number");
                        desc->id = (struct input_id){ (__u16)v[0], (__u16)v[1], (__u16)v[2], (__u16)v[3] };
                } else if (strcmp(tag, "P:") == 0) {
                        if (!set_bytes(desc->propbit, INPUT_PROP_MAX, prop_at, words + 1, n_words - 1))
                                return bad_line(error, n + 1, lines[n], "not hex bytes of known properties");
                        prop_at += n_words - 1;
                } else if (strcmp(tag, "B:") == 0) {
                        unsigned long type, max;
                        unsigned maxcode;
                        if (n_words < 2 || !hex_word(words[1], EV_MAX, &type))
                                return bad_line(error, n + 1, lines[n], "B: takes an event type and bytes");
                        unsigned long *bits = evdev_desc_bits(desc, (unsigned)type, &maxcode);
                        if (!bits) {
                                /* EV_REP, EV_PWR, ...: no codes; only zeros make sense */
                                for (size_t i = 2; i < n_words; i++)
                                        if (!hex_word(words[i], 0xff, &max) || max)
                                                return bad_line(error, n + 1, lines[n], "this type has no codes");
                                continue;
                        }
                        if (!set_bytes(bits, maxcode, bits_at[type], words + 2,
                                       n_words - 2))
                                return bad_line(error, n + 1, lines[n], "not hex bytes of known codes");
                        bits_at[type] += n_words - 2;
                } else if (strcmp(tag, "A:") == 0) {
                        unsigned long axis;
                        int v[5] = { 0 };
                        if ((n_words != 6 && n_words != 7) || !hex_word(words[1], ABS_MAX, &axis))
                                return bad_line(error, n + 1, lines[n],
                                                "A: takes an axis, min, max, fuzz, flat and a resolution");
                        for (size_t i = 2; i < n_words; i++)
                                if (!int_word(words[i], &v[i - 2]))
                                        return bad_line(error, n + 1, lines[n], "not a decimal number");
                        desc->absinfo[axis] = (struct input_absinfo){ .minimum = v[0], .maximum = v[1], .fuzz = v[2],
                                                                      .flat = v[3], .resolution = v[4] };
                } else if (strcmp(tag, "L:") == 0 || strcmp(tag, "S:") == 0) {
                        bool led = tag[0] == 'L';
                        unsigned long code;
                        int state;
                        if (n_words != 3 || !hex_word(words[1], led ? LED_MAX : SW_MAX, &code) ||
                            !int_word(words[2], &state))
                                return bad_line(error, n + 1, lines[n], "takes a code (hex) and a state");
                        if (state)
                                evdev_set_bit(led ? desc->led : desc->sw, (unsigned)code);
                } else {
                        return bad_line(error, n + 1, lines[n], "not an N:, I:, P:, B:, A:, L: or S: line");
                }
        }
        if (!have_name) {
                g_set_error(error, CK_ERROR, EINVAL, "no N: line (the device's name)");
                return -EINVAL;
        }
        /* an axis described but not in B: 03 does not exist */
        for (unsigned a = 0; a <= ABS_MAX; a++)
                if (!evdev_bit(desc->absbit, a))
                        desc->absinfo[a] = (struct input_absinfo){ 0 };
        return 0;
}

/* --- presets: plausible real devices, as their kernel drivers set them up --- */

static void set_codes(struct evdev_desc *desc, unsigned type, const unsigned *codes, size_t n)
{
        unsigned max;
        unsigned long *bits = evdev_desc_bits(desc, type, &max);

        evdev_set_bit(desc->evbit, type);
        for (size_t i = 0; i < n; i++)
                evdev_set_bit(bits, codes[i]);
}
#define SET_CODES(desc, type, ...)                                                             \
        do {                                                                                   \
                static const unsigned codes_[] = { __VA_ARGS__ };                              \
                set_codes(desc, type, codes_, G_N_ELEMENTS(codes_));                           \
        } while (0)

static void set_abs(struct evdev_desc *desc, unsigned axis, int min, int max, int fuzz, int flat, int res)
{
        evdev_set_bit(desc->evbit, EV_ABS);
        evdev_set_bit(desc->absbit, axis);
        desc->absinfo[axis] = (struct input_absinfo){ .minimum = min, .maximum = max, .fuzz = fuzz, .flat = flat,
                                                      .resolution = res };
}

/* atkbd: an AT keyboard behind i8042, translated set 2, its keymap indexed by scancode */
static void preset_keyboard(struct evdev_desc *desc)
{
        desc->name = g_strdup("AT Translated Set 2 keyboard");
        desc->phys = g_strdup("isa0060/serio0/input0");
        desc->id = (struct input_id){ .bustype = BUS_I8042, .vendor = 0x0001, .product = 0x0001, .version = 0xab41 };
        evdev_set_bit(desc->evbit, EV_KEY);
        evdev_set_bit(desc->evbit, EV_REP);
        for (unsigned k = KEY_ESC; k <= KEY_MICMUTE; k++)
                evdev_set_bit(desc->keybit, k);
        SET_CODES(desc, EV_MSC, MSC_SCAN);
        SET_CODES(desc, EV_LED, LED_NUML, LED_CAPSL, LED_SCROLLL);
        desc->keycodemax = 512;
        for (unsigned s = 0; s < 256; s++)
                desc->keycode[s] = s <= KEY_MICMUTE ? (unsigned short)s : 0;
}

/* a USB 3-button wheel mouse (hid-generic) */
static void preset_mouse(struct evdev_desc *desc)
{
        desc->name = g_strdup("Logitech USB Optical Mouse");
        desc->phys = g_strdup("usb-0000:00:14.0-1/input0");
        desc->id = (struct input_id){ .bustype = BUS_USB, .vendor = 0x046d, .product = 0xc077, .version = 0x0111 };
        SET_CODES(desc, EV_KEY, BTN_LEFT, BTN_RIGHT, BTN_MIDDLE);
        SET_CODES(desc, EV_REL, REL_X, REL_Y, REL_WHEEL, REL_WHEEL_HI_RES);
        SET_CODES(desc, EV_MSC, MSC_SCAN);
}

/* a Synaptics clickpad in multitouch mode (psmouse, synaptics.c) */
static void preset_touchpad(struct evdev_desc *desc)
{
        desc->name = g_strdup("SynPS/2 Synaptics TouchPad");
        desc->phys = g_strdup("isa0060/serio1/input0");
        desc->id = (struct input_id){ .bustype = BUS_I8042, .vendor = 0x0002, .product = 0x0007, .version = 0x01b1 };
        SET_CODES(desc, EV_KEY, BTN_LEFT, BTN_TOOL_FINGER, BTN_TOOL_QUINTTAP, BTN_TOUCH, BTN_TOOL_DOUBLETAP,
                  BTN_TOOL_TRIPLETAP, BTN_TOOL_QUADTAP);
        set_abs(desc, ABS_X, 1266, 5676, 0, 0, 45);
        set_abs(desc, ABS_Y, 1096, 4758, 0, 0, 69);
        set_abs(desc, ABS_PRESSURE, 0, 255, 0, 0, 0);
        set_abs(desc, ABS_TOOL_WIDTH, 0, 15, 0, 0, 0);
        set_abs(desc, ABS_MT_SLOT, 0, 1, 0, 0, 0);
        set_abs(desc, ABS_MT_POSITION_X, 1266, 5676, 0, 0, 45);
        set_abs(desc, ABS_MT_POSITION_Y, 1096, 4758, 0, 0, 69);
        set_abs(desc, ABS_MT_TRACKING_ID, 0, 65535, 0, 0, 0);
        set_abs(desc, ABS_MT_PRESSURE, 0, 255, 0, 0, 0);
        evdev_set_bit(desc->propbit, INPUT_PROP_POINTER);
        evdev_set_bit(desc->propbit, INPUT_PROP_BUTTONPAD);
}

/* an Xbox 360 pad (xpad), rumble through ff-memless */
static void preset_gamepad(struct evdev_desc *desc)
{
        desc->name = g_strdup("Microsoft X-Box 360 pad");
        desc->phys = g_strdup("usb-0000:00:14.0-2/input0");
        desc->id = (struct input_id){ .bustype = BUS_USB, .vendor = 0x045e, .product = 0x028e, .version = 0x0114 };
        SET_CODES(desc, EV_KEY, BTN_SOUTH, BTN_EAST, BTN_NORTH, BTN_WEST, BTN_TL, BTN_TR, BTN_SELECT, BTN_START,
                  BTN_MODE, BTN_THUMBL, BTN_THUMBR);
        set_abs(desc, ABS_X, -32768, 32767, 16, 128, 0);
        set_abs(desc, ABS_Y, -32768, 32767, 16, 128, 0);
        set_abs(desc, ABS_Z, 0, 255, 0, 0, 0);
        set_abs(desc, ABS_RX, -32768, 32767, 16, 128, 0);
        set_abs(desc, ABS_RY, -32768, 32767, 16, 128, 0);
        set_abs(desc, ABS_RZ, 0, 255, 0, 0, 0);
        set_abs(desc, ABS_HAT0X, -1, 1, 0, 0, 0);
        set_abs(desc, ABS_HAT0Y, -1, 1, 0, 0, 0);
        SET_CODES(desc, EV_FF, FF_RUMBLE, FF_PERIODIC, FF_SQUARE, FF_TRIANGLE, FF_SINE, FF_GAIN);
        desc->max_effects = 16;
}

const char *const evdev_preset_names = "keyboard, mouse, touchpad, gamepad";

int evdev_preset(struct evdev_desc *desc, const char *name, GError **error)
{
        static const struct { const char *name; void (*make)(struct evdev_desc *); } presets[] = {
                { "keyboard", preset_keyboard },
                { "mouse", preset_mouse },
                { "touchpad", preset_touchpad },
                { "gamepad", preset_gamepad },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(presets); i++)
                if (strcmp(presets[i].name, name) == 0) {
                        evdev_set_bit(desc->evbit, EV_SYN);
                        presets[i].make(desc);
                        return 0;
                }
        g_set_error(error, CK_ERROR, EINVAL, "preset=%s: one of %s", name, evdev_preset_names);
        return -EINVAL;
}
