/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpio: the GPIO character-device ABI (<linux/gpio.h>, served by
 * drivers/gpio/gpiolib-cdev.c), v1 (what Debian 12's libgpiod 1.6 and its
 * tools use) and v2.
 *
 * GPIO_GET_LINEHANDLE_IOCTL, GPIO_GET_LINEEVENT_IOCTL and GPIO_V2_GET_LINE_IOCTL
 * answer with a new descriptor, a line request, whose ioctls are the other lists.
 * Only a transport that can put a descriptor into the client serves them
 * (cusekit run); under CUSE they answer EOPNOTSUPP.
 *
 * Rows that say what their encoding does not: the kernel copies
 * GPIO_GET_LINEINFO_UNWATCH_IOCTL's offset, GPIOHANDLE_SET_LINE_VALUES_IOCTL's
 * values and GPIOHANDLE_SET_CONFIG_IOCTL's config in only, and
 * GPIOHANDLE_GET_LINE_VALUES_IOCTL's values out only, though all are _IOWR;
 * likewise GPIO_V2_LINE_SET_CONFIG_IOCTL and GPIO_V2_LINE_SET_VALUES_IOCTL.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/gpio.h>

#define GPIO_GROUP 0xB4

#define GPIO_CHIP_IOCTLS(IOC, RAW)                                                                          \
        IOC(GPIO_GET_CHIPINFO_IOCTL,        IOR,  GPIO_GROUP, 0x01, OUT,   struct gpiochip_info, FLAT, HONEST)  \
        IOC(GPIO_GET_LINEINFO_IOCTL,        IOWR, GPIO_GROUP, 0x02, INOUT, struct gpioline_info, FLAT, HONEST)  \
        IOC(GPIO_GET_LINEHANDLE_IOCTL,      IOWR, GPIO_GROUP, 0x03, INOUT, struct gpiohandle_request, FLAT, HONEST) \
        IOC(GPIO_GET_LINEEVENT_IOCTL,       IOWR, GPIO_GROUP, 0x04, INOUT, struct gpioevent_request, FLAT, HONEST) \
        IOC(GPIO_GET_LINEINFO_WATCH_IOCTL,  IOWR, GPIO_GROUP, 0x0B, INOUT, struct gpioline_info, FLAT, HONEST)  \
        IOC(GPIO_GET_LINEINFO_UNWATCH_IOCTL, IOWR, GPIO_GROUP, 0x0C, IN,   __u32, FLAT,                        \
            LIES("encoded _IOWR(__u32), but the kernel only reads the offset in"))                           \
        IOC(GPIO_V2_GET_LINEINFO_IOCTL,     IOWR, GPIO_GROUP, 0x05, INOUT, struct gpio_v2_line_info, FLAT, HONEST) \
        IOC(GPIO_V2_GET_LINEINFO_WATCH_IOCTL, IOWR, GPIO_GROUP, 0x06, INOUT, struct gpio_v2_line_info, FLAT, HONEST) \
        IOC(GPIO_V2_GET_LINE_IOCTL,         IOWR, GPIO_GROUP, 0x07, INOUT, struct gpio_v2_line_request, FLAT, HONEST)

/* A v1 line handle (GPIO_GET_LINEHANDLE_IOCTL's descriptor). */
#define GPIO_HANDLE_IOCTLS(IOC, RAW)                                                                        \
        IOC(GPIOHANDLE_GET_LINE_VALUES_IOCTL, IOWR, GPIO_GROUP, 0x08, OUT, struct gpiohandle_data, FLAT,     \
            LIES("encoded _IOWR, but the kernel only writes the values out"))                              \
        IOC(GPIOHANDLE_SET_LINE_VALUES_IOCTL, IOWR, GPIO_GROUP, 0x09, IN,  struct gpiohandle_data, FLAT,     \
            LIES("encoded _IOWR, but the kernel only reads the values in"))                                \
        IOC(GPIOHANDLE_SET_CONFIG_IOCTL,      IOWR, GPIO_GROUP, 0x0A, IN,  struct gpiohandle_config, FLAT,   \
            LIES("encoded _IOWR, but the kernel only reads the config in"))

/* A v1 line event (GPIO_GET_LINEEVENT_IOCTL's descriptor): only values. */
#define GPIO_EVENT_IOCTLS(IOC, RAW)                                                                         \
        IOC(GPIOEVENT_GET_LINE_VALUES_IOCTL, IOWR, GPIO_GROUP, 0x08, OUT, struct gpiohandle_data, FLAT,      \
            LIES("encoded _IOWR, but the kernel only writes the value out"))

/* A v2 line request (GPIO_V2_GET_LINE_IOCTL's descriptor). */
#define GPIO_LINE_IOCTLS(IOC, RAW)                                                                          \
        IOC(GPIO_V2_LINE_SET_CONFIG_IOCTL, IOWR, GPIO_GROUP, 0x0D, IN, struct gpio_v2_line_config, FLAT,     \
            LIES("encoded _IOWR, but the kernel only reads the config in"))                                \
        IOC(GPIO_V2_LINE_GET_VALUES_IOCTL, IOWR, GPIO_GROUP, 0x0E, INOUT, struct gpio_v2_line_values, FLAT, HONEST) \
        IOC(GPIO_V2_LINE_SET_VALUES_IOCTL, IOWR, GPIO_GROUP, 0x0F, IN, struct gpio_v2_line_values, FLAT,     \
            LIES("encoded _IOWR, but the kernel only reads the values in"))

CK_DECLARE_IOCTLS(GPIO_CHIP_IOCTLS)
CK_DECLARE_IOCTLS(GPIO_LINE_IOCTLS)
CK_DECLARE_IOCTLS(GPIO_HANDLE_IOCTLS)
CK_DECLARE_IOCTLS(GPIO_EVENT_IOCTLS)
