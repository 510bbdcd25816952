/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* loopback: MISO wired to MOSI, what spidev_test's loopback check expects. */
#include "spi-chip.h"

#include <string.h>

static void loopback_exchange(struct spi_chip *chip, const uint8_t *mosi, uint8_t *miso, size_t len)
{
        memcpy(miso, mosi, len);
}

static const struct spi_chip_type spi_chip_loopback = {
        .name = "loopback",
        .summary = "MISO = MOSI",
        .exchange = loopback_exchange,
};
SPI_CHIP_REGISTER(spi_chip_loopback);
