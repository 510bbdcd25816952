/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The chip interface: an emulated I2C target behind the adapter.
 *
 * A chip sees the bus as a target does: a START with its address (already
 * acknowledged), the bytes the controller writes or reads, and the STOP
 * that ends the transfer; what the chip makes
 * of them (address pointers, pages, registers) is its own model.  Adding a
 * chip is one file with a struct i2c_chip_type and I2C_CHIP_REGISTER(),
 * plus its name in devices/i2c/meson.build.
 */
#pragma once

#include <cusekit/device.h>

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct i2c_chip {
        const struct i2c_chip_type *type;
        struct ck_device *device;     /* for state variables and notifications */
        uint16_t addr;                /* 7-bit */
        char *prefix;                 /* "0x50/": state variable names start with it */
        GPtrArray *names;             /* state variable names: ck_state_var keeps pointers */
        void *priv;                   /* type->priv_size bytes, zeroed */
};

struct i2c_chip_type {
        const char *name;             /* as in chip=NAME@ADDR */
        const char *summary;
        const char *const *options;   /* keys of :KEY=VALUE after the address; NULL-terminated */
        size_t priv_size;

        /* @options holds only keys from .options; errors name the chip and the bad value. */
        int (*init)(struct i2c_chip *chip, GHashTable *options, GError **error);
        void (*fini)(struct i2c_chip *chip);
        /* A START (or repeated START) with the chip's address; optional. */
        void (*start)(struct i2c_chip *chip, bool read);
        /* Bytes the controller writes after a START (0: a quick write); a
         * message may come in more than one call.  0 or -errno. */
        int (*write)(struct i2c_chip *chip, const uint8_t *data, size_t len);
        /* Bytes the controller reads after a START, continuing. */
        int (*read)(struct i2c_chip *chip, uint8_t *data, size_t len);
        /* The STOP that ends every transfer, whoever was addressed; optional.
         * 0 or -errno (e.g. a backing file that cannot be written). */
        int (*stop)(struct i2c_chip *chip);
};

/* A state variable of this chip: @name is prefixed with its address
 * ("bytes" becomes "0x50/bytes"); userdata is the chip. */
void i2c_chip_add_state(struct i2c_chip *chip, const char *name, const struct ck_state_var *var);

/* Makes a chip type known to every i2c bus. */
#define I2C_CHIP_REGISTER(type)                                                \
        static const struct i2c_chip_type *const i2c__register_##type          \
                __attribute__((used, section("ck_i2c_chips"), aligned(sizeof(void *)))) = &(type)
