/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evdev: what an emulated input device is (name, id, capability bits,
 * properties, absinfo), for code outside the ioctl handlers that shows it:
 * sysfs attributes, the udev properties input_id computes.  @d is a device
 * of type "evdev"; the pointers live as long as the device.
 */
#pragma once

#include <cusekit/device.h>
#include <linux/input.h>
#include <stdbool.h>

/* @type 0 (EV_SYN) asks the EV_ bits themselves: is event type @code
 * supported?  Otherwise: is @code of event type @type (EV_KEY, EV_ABS...)
 * supported?  Out of range: false. */
bool evdev_model_test_bit(struct ck_device *d, unsigned type, unsigned code);
/* INPUT_PROP_POINTER, INPUT_PROP_BUTTONPAD, ... (EVIOCGPROP). */
bool evdev_model_test_prop(struct ck_device *d, unsigned prop);
const struct input_id *evdev_model_id(struct ck_device *d);
/* Never NULL: "" when the device has none (EVIOCGPHYS then answers ENOENT). */
const char *evdev_model_name(struct ck_device *d);
const char *evdev_model_phys(struct ck_device *d);
const char *evdev_model_uniq(struct ck_device *d);
/* The axis's current absinfo; NULL when @code is no ABS_ axis of the device. */
const struct input_absinfo *evdev_model_absinfo(struct ck_device *d, unsigned code);
/* What input_dev_uevent() adds for the input device (the parent of the
 * eventN class device): PRODUCT=, NAME=, PHYS=, UNIQ=, PROP=, EV=, KEY=...,
 * MODALIAS=, a line each, as its sysfs `uevent` shows them.  The length
 * written into @buf (@size bytes, NUL-terminated), like snprintf. */
size_t evdev_model_uevent(struct ck_device *d, char *buf, size_t size);
