/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated bus: the chips of one adapter, plain I2C transfers and
 * SMBus transactions carried as I2C messages.
 */
#pragma once

#include "i2c-chip.h"

#include <linux/i2c.h>
#include <stdbool.h>

/* What the adapter offers: plain I2C, every SMBus transaction emulated
 * over it (block reads included), PEC.  No 10-bit addressing, no mangling. */
#define I2C_BUS_FUNCS (I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL_ALL)

/* One message of a transfer, already validated. */
struct i2c_xfer {
        uint16_t addr;
        uint16_t flags;               /* I2C_M_RD, I2C_M_TEN, I2C_M_RECV_LEN; others ignored */
        uint16_t len;                 /* I2C_M_RECV_LEN: in, extra bytes (>= 1); out, bytes read */
        uint8_t *buf;                 /* room for len (RECV_LEN: len + I2C_SMBUS_BLOCK_MAX) */
};

struct i2c_bus;

/* @chips: "TYPE@ADDR[:KEY=VALUE...]" joined by CK_LIST_SEPARATOR (the chip= list), or NULL. */
int i2c_bus_new(struct ck_device *d, const char *chips, struct i2c_bus **ret, GError **error);
void i2c_bus_free(struct i2c_bus *bus);
/* The chip types, for messages: "24c02, lm75". */
char *i2c_bus_chip_names(void);

/* All messages in order, one STOP at the end.  @n or -errno: -ENXIO when
 * an address does not acknowledge; later messages are not sent. */
int i2c_bus_transfer(struct i2c_bus *bus, struct i2c_xfer *msgs, unsigned n);

/* One SMBus transaction (size and read_write already checked by the
 * caller; I2C_SMBUS_I2C_BLOCK_BROKEN already converted).  0 or -errno. */
int i2c_bus_smbus(struct i2c_bus *bus, uint16_t addr, bool ten, bool pec,
                  uint8_t read_write, uint8_t command, uint32_t size, union i2c_smbus_data *data);
