/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The chip interface: the one emulated SPI target behind a chip select.
 *
 * A chip sees what the target sees on its pins: chip select asserted,
 * bytes clocked in on MOSI while it answers on MISO (MSB first, whatever
 * the controller's word size and bit order made of the client's buffers),
 * chip select released.  Clock polarity and phase are not modelled.  Adding
 * a chip is one file with a struct spi_chip_type and SPI_CHIP_REGISTER(),
 * plus its name in devices/spi/meson.build.
 */
#pragma once

#include <cusekit/device.h>

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What MISO reads while no chip drives it (the model's choice: pulled low). */
#define SPI_MISO_FLOATING 0x00

struct spi_chip {
        const struct spi_chip_type *type;
        struct ck_device *device;     /* for state variables and notifications */
        void *priv;                   /* type->priv_size bytes, zeroed */
};

struct spi_chip_type {
        const char *name;             /* as in chip=NAME */
        const char *summary;
        const char *const *options;   /* keys of :KEY=VALUE after the name; NULL-terminated */
        size_t priv_size;

        /* @options holds only keys from .options; errors name the bad value. */
        int (*init)(struct spi_chip *chip, GHashTable *options, GError **error);
        void (*fini)(struct spi_chip *chip);
        void (*select)(struct spi_chip *chip);
        /* @len bytes each way, full duplex; @miso starts SPI_MISO_FLOATING. */
        void (*exchange)(struct spi_chip *chip, const uint8_t *mosi, uint8_t *miso, size_t len);
        void (*deselect)(struct spi_chip *chip);
};

#define SPI_CHIP_REGISTER(type)                                                \
        static const struct spi_chip_type *const spi__register_##type          \
                __attribute__((used, section("ck_spi_chips"), aligned(sizeof(void *)))) = &(type)
