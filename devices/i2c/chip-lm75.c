/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LM75: a temperature sensor with four registers behind a pointer.
 *
 * The first byte of a write selects the register (0 temperature, read
 * only; 1 configuration, 8 bits; 2 hysteresis; 3 over-temperature); the
 * bytes after it are the register's, most significant first.  Reads return
 * the selected register, and keep repeating it.  Temperatures are the
 * part's 9-bit two's complement in half degrees, left-aligned in 16 bits
 * (0x2a80 is 42.5 degrees C); an SMBus word read shows it byte-swapped.
 *
 * Options: temp=MILLIDEGREES (default 25000).  State: "ADDR/temperature"
 * (i, millidegrees C, -55000 to 125000, not persistent: a sensor measures
 * anew after a restart).
 */
#include "i2c-chip.h"

#include <errno.h>
#include <stdlib.h>

#define REG_TEMP 0
#define REG_CONF 1
#define REG_THYST 2
#define REG_TOS 3
#define CONF_MASK 0x1f                /* shutdown, mode, polarity, fault queue */
#define TEMP_MIN (-55000)
#define TEMP_MAX 125000

struct lm75 {
        int temp;                     /* millidegrees C, as set */
        uint16_t thyst, tos;          /* register format */
        uint8_t conf;
        uint8_t pointer;
        bool want_pointer;
        unsigned index;               /* bytes of this message so far, after the pointer */
        uint8_t msb;
};

/* Half degrees, rounded down as the part's converter does. */
static uint16_t temp_to_reg(int millidegrees)
{
        int halves = millidegrees >= 0 ? millidegrees / 500 : -((-millidegrees + 499) / 500);

        return (uint16_t)((unsigned)(int16_t)halves << 7);
}

static uint16_t reg16(struct lm75 *s, uint8_t pointer)
{
        switch (pointer) {
        case REG_TEMP:
                return temp_to_reg(s->temp);
        case REG_THYST:
                return s->thyst;
        default:
                return s->tos;
        }
}

static void lm75_start(struct i2c_chip *chip, bool read)
{
        struct lm75 *s = chip->priv;

        s->want_pointer = !read;
        s->index = 0;
}

static int lm75_write(struct i2c_chip *chip, const uint8_t *data, size_t len)
{
        struct lm75 *s = chip->priv;

        for (size_t i = 0; i < len; i++) {
                if (s->want_pointer) {
                        s->pointer = data[i] & 3;
                        s->want_pointer = false;
                        continue;
                }
                unsigned at = s->index++;
                if (s->pointer == REG_CONF) {
                        s->conf = data[i] & CONF_MASK;
                } else if (s->pointer != REG_TEMP) {
                        if (at % 2 == 0) {
                                s->msb = data[i];
                                continue;
                        }
                        /* nine bits: the low seven do not exist */
                        uint16_t v = (uint16_t)((s->msb << 8 | data[i]) & 0xff80);
                        if (s->pointer == REG_THYST)
                                s->thyst = v;
                        else
                                s->tos = v;
                }
        }
        return 0;
}

static int lm75_read(struct i2c_chip *chip, uint8_t *data, size_t len)
{
        struct lm75 *s = chip->priv;

        for (size_t i = 0; i < len; i++) {
                unsigned at = s->index++;
                if (s->pointer == REG_CONF) {
                        data[i] = s->conf;
                } else {
                        uint16_t v = reg16(s, s->pointer);
                        data[i] = at % 2 == 0 ? (uint8_t)(v >> 8) : (uint8_t)(v & 0xff);
                }
        }
        return 0;
}

static int temp_check(const char *prefix, long value, GQuark domain, int code, GError **error)
{
        if (value < TEMP_MIN || value > TEMP_MAX) {
                g_set_error(error, domain, code, "%stemperature: %ld: the LM75 measures %d to %d millidegrees C",
                            prefix, value, TEMP_MIN, TEMP_MAX);
                return -EINVAL;
        }
        return 0;
}

static GVariant *lm75_temp_get(struct ck_device *d, void *userdata)
{
        struct lm75 *s = ((struct i2c_chip *)userdata)->priv;

        return g_variant_new_int32(s->temp);
}

static int lm75_temp_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct i2c_chip *chip = userdata;
        struct lm75 *s = chip->priv;
        gint32 v = g_variant_get_int32(value);
        int r = temp_check(chip->prefix, v, CK_ERROR, EINVAL, error);

        if (r < 0)
                return r;
        s->temp = v;
        return 0;
}

static int lm75_init(struct i2c_chip *chip, GHashTable *options, GError **error)
{
        struct lm75 *s = chip->priv;
        const char *text = g_hash_table_lookup(options, "temp");

        /* power-up values from the data sheet */
        s->temp = 25000;
        s->tos = temp_to_reg(80000);
        s->thyst = temp_to_reg(75000);
        if (text) {
                char *end;
                long v = strtol(text, &end, 10);
                if (!text[0] || *end) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "i2c: lm75@0x%02x: temp=%s: not a number of millidegrees C", chip->addr, text);
                        return -EINVAL;
                }
                if (temp_check("", v, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, error) < 0) {
                        g_prefix_error(error, "i2c: lm75@0x%02x: ", chip->addr);
                        return -EINVAL;
                }
                s->temp = (int)v;
        }
        i2c_chip_add_state(chip, "temperature", &(struct ck_state_var){
                .summary = "the measured temperature, in millidegrees C",
                .type = "i",
                .persistent = FALSE,
                .get = lm75_temp_get,
                .set = lm75_temp_set,
        });
        return 0;
}

static const char *const lm75_options[] = { "temp", NULL };

static const struct i2c_chip_type i2c_chip_lm75 = {
        .name = "lm75",
        .summary = "temperature sensor, 9-bit, with hysteresis and over-temperature limits",
        .options = lm75_options,
        .priv_size = sizeof(struct lm75),
        .init = lm75_init,
        .start = lm75_start,
        .write = lm75_write,
        .read = lm75_read,
};
I2C_CHIP_REGISTER(i2c_chip_lm75);
