/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mcp3008: an 8-channel 10-bit ADC, modelled bit by bit as its data
 * sheet's figure 5-1 clocks it: after chip select the first 1 on DIN is the
 * start bit, then SGL/DIFF and D2..D0 choose the input; the sample is taken
 * on the next clock, DOUT gives a null bit and the 10 result bits MSB
 * first, then B1..B9 again LSB first, then zeros.  Before the null bit
 * DOUT floats.  A new conversion needs a new chip select.  So both the
 * Raspberry Pi tutorials' [1, (8 + ch) << 4, 0] and Adafruit's
 * [0xc0 | ch << 3, 0, 0] framings read the same code.
 *
 * Differential inputs are the pairs CH0/CH1, CH2/CH3, ... with the sign
 * D0 chooses; a negative difference reads 0.
 * State: "channel/0" .. "channel/7" (q): each input's code, 0 to 1023.
 */
#include "spi-chip.h"

#include <errno.h>

#define CHANNELS 8
#define CODE_MAX 1023

struct mcp3008 {
        uint16_t code[CHANNELS];
        unsigned clocks;              /* since chip select */
        int start;                    /* the clock of the start bit; -1: none yet */
        uint8_t config;               /* SGL/DIFF, D2, D1, D0 as they arrive */
        uint16_t sample;
};

static const char *const channel_names[CHANNELS] = {
        "channel/0", "channel/1", "channel/2", "channel/3", "channel/4", "channel/5", "channel/6", "channel/7",
};

static void mcp3008_select(struct spi_chip *chip)
{
        struct mcp3008 *m = chip->priv;

        m->clocks = 0;
        m->start = -1;
        m->config = 0;
}

static uint16_t convert(const struct mcp3008 *m)
{
        unsigned d = m->config & 7;

        if (m->config & 8)            /* single-ended */
                return m->code[d];
        int diff = (int)m->code[d] - (int)m->code[d ^ 1];
        return (uint16_t)(diff < 0 ? 0 : diff);
}

/* One clock: DIN in, DOUT out (-1: floating). */
static int clock_bit(struct mcp3008 *m, int din)
{
        unsigned k = m->clocks++;

        if (m->start < 0) {
                if (din)
                        m->start = (int)k;
                return -1;
        }
        unsigned rel = k - (unsigned)m->start;
        if (rel >= 1 && rel <= 4) {
                m->config = (uint8_t)(m->config << 1 | din);
                if (rel == 4)
                        m->sample = convert(m);
                return -1;
        }
        if (rel < 6)
                return -1;
        if (rel == 6)
                return 0;                                       /* null bit */
        if (rel <= 16)
                return (m->sample >> (16 - rel)) & 1;           /* B9 .. B0 */
        if (rel <= 25)
                return (m->sample >> (rel - 16)) & 1;           /* B1 .. B9 */
        return 0;
}

static void mcp3008_exchange(struct spi_chip *chip, const uint8_t *mosi, uint8_t *miso, size_t len)
{
        struct mcp3008 *m = chip->priv;

        for (size_t i = 0; i < len; i++) {
                uint8_t out = 0;
                for (int b = 7; b >= 0; b--) {
                        int bit = clock_bit(m, (mosi[i] >> b) & 1);
                        if (bit < 0)
                                bit = (SPI_MISO_FLOATING >> b) & 1;
                        out = (uint8_t)(out | bit << b);
                }
                miso[i] = out;
        }
}

static GVariant *code_get(struct ck_device *d, void *userdata)
{
        uint16_t *code = userdata;

        return g_variant_new_uint16(*code);
}

static int code_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        uint16_t *code = userdata;
        guint16 v = g_variant_get_uint16(value);

        if (v > CODE_MAX) {
                g_set_error(error, CK_ERROR, EINVAL, "%u: the MCP3008 reads codes from 0 to %d", v, CODE_MAX);
                return -EINVAL;
        }
        *code = v;
        return 0;
}

static int mcp3008_init(struct spi_chip *chip, GHashTable *options, GError **error)
{
        struct mcp3008 *m = chip->priv;

        for (unsigned i = 0; i < CHANNELS; i++)
                ck_device_add_state(chip->device, &(struct ck_state_var){
                        .name = channel_names[i],
                        .summary = "the input's conversion result, 0 to 1023 (1023: at VREF)",
                        .type = "q",
                        .get = code_get,
                        .set = code_set,
                        .userdata = &m->code[i],
                });
        return 0;
}

static const struct spi_chip_type spi_chip_mcp3008 = {
        .name = "mcp3008",
        .summary = "8-channel 10-bit ADC, single-ended or differential",
        .priv_size = sizeof(struct mcp3008),
        .init = mcp3008_init,
        .select = mcp3008_select,
        .exchange = mcp3008_exchange,
};
SPI_CHIP_REGISTER(spi_chip_mcp3008);
