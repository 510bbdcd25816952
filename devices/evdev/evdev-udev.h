/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What udev records for an evdev node (its database entry, which libinput
 * reads to decide whether and how to use a device).
 */
#pragma once

#include <cusekit/device.h>

/* The properties systemd-udevd's input_id builtin (Debian 12: systemd 252)
 * computes from @d's capabilities: ID_INPUT=1, ID_INPUT_KEY, _KEYBOARD,
 * _MOUSE, _TOUCHPAD, _TOUCHSCREEN, _JOYSTICK, _TABLET, _TABLET_PAD,
 * _ACCELEROMETER, _POINTINGSTICK, _SWITCH, _WIDTH_MM/_HEIGHT_MM, as
 * "E:KEY=VALUE\n" lines of the database, in the builtin's order.  The
 * ck_sysfs_class .udev_properties of the evdev node. */
void evdev_udev_properties(struct ck_device *d, GString *out);
