/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * i2c: the /dev/i2c-N adapter ABI of drivers/i2c/i2c-dev.c, with the
 * kernel's own argument types, so a client passes the structs it already
 * has.  Every row is a classic number; each is checked against
 * <linux/i2c-dev.h> below.
 *
 * The rows carry the kernel's names; the kernel's macros stay usable.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <linux/types.h>

/* i2c-dev.c refuses longer messages. */
#define CK_I2C_MSG_MAX 8192

/* The integers by value are unsigned long, as i2cdev_ioctl() takes them. */
#define I2C_IOCTLS(IOC, RAW)                                                                           \
        RAW(I2C_RETRIES,     0x0701, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_TIMEOUT,     0x0702, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_SLAVE,       0x0703, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_TENBIT,      0x0704, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_FUNCS,       0x0705, OUT,   unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_SLAVE_FORCE, 0x0706, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_RDWR,        0x0707, IN,    struct i2c_rdwr_ioctl_data,  NESTED, HONEST)             \
        RAW(I2C_PEC,         0x0708, VALUE, unsigned long,               FLAT,   HONEST)             \
        RAW(I2C_SMBUS,       0x0720, IN,    struct i2c_smbus_ioctl_data, NESTED, HONEST)

CK_DECLARE_IOCTLS(I2C_IOCTLS)

CK_ASSERT_KERNEL_NUMBERS(I2C_IOCTLS)
