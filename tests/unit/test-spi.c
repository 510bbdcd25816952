/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The spidev node and its chips through the loopback transport: every
 * ioctl, SPI_IOC_MESSAGE(N) with its nested buffers, the chips' models,
 * and spidev's errors for bad input. */
#include "spi/spi-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <linux/spi/spi.h>
#include <string.h>

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct {
                struct spi_ioc_transfer xfer[8];
                uint8_t tx[8][5000];
                uint8_t rx[8][5000];
                uint8_t u8;
                uint32_t u32;
        } *mem;
};

static void setup_with(struct fixture *fx, const char *chip)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        g_hash_table_insert(params, "chip", (char *)chip);
        g_assert_cmpint(ck_device_new("spi", "spidev0.0", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void setup(struct fixture *fx, gconstpointer data)
{
        setup_with(fx, data);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int lb_ioctl(struct fixture *fx, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static uint64_t ptr(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

/* Transfer i: full duplex over tx[i]/rx[i]. */
static void xfer(struct fixture *fx, unsigned i, const void *tx, uint32_t len)
{
        fx->mem->xfer[i] = (struct spi_ioc_transfer){ .len = len };
        if (tx) {
                memcpy(fx->mem->tx[i], tx, len);
                fx->mem->xfer[i].tx_buf = ptr(fx->mem->tx[i]);
        }
        fx->mem->xfer[i].rx_buf = ptr(fx->mem->rx[i]);
}

static int message(struct fixture *fx, unsigned n)
{
        return lb_ioctl(fx, SPI_IOC_MESSAGE(n), fx->mem->xfer);
}

static int set_u8(struct fixture *fx, unsigned long request, uint8_t v)
{
        fx->mem->u8 = v;
        return lb_ioctl(fx, request, &fx->mem->u8);
}

static int set_u32(struct fixture *fx, unsigned long request, uint32_t v)
{
        fx->mem->u32 = v;
        return lb_ioctl(fx, request, &fx->mem->u32);
}

static uint32_t get_u32(struct fixture *fx, unsigned long request)
{
        fx->mem->u32 = 0xdeadbeef;
        g_assert_cmpint(lb_ioctl(fx, request, &fx->mem->u32), ==, 0);
        return fx->mem->u32;
}

static uint8_t get_u8(struct fixture *fx, unsigned long request)
{
        fx->mem->u8 = 0xee;
        g_assert_cmpint(lb_ioctl(fx, request, &fx->mem->u8), ==, 0);
        return fx->mem->u8;
}

static const struct ck_state_var *state_var(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++)
                if (strcmp(g_array_index(d->state, struct ck_state_var, i).name, name) == 0)
                        return &g_array_index(d->state, struct ck_state_var, i);
        g_error("no state variable %s", name);
}

static int state_set(struct fixture *fx, const char *name, GVariant *value)
{
        const struct ck_state_var *v = state_var(fx->dev, name);
        g_autoptr(GVariant) sunk = g_variant_ref_sink(value);
        g_autoptr(GError) error = NULL;

        return v->set(fx->dev, v->userdata, sunk, &error);
}

static void test_loopback_full_duplex(struct fixture *fx, gconstpointer data)
{
        static const uint8_t a[] = { 0xde, 0xad, 0xbe, 0xef }, b[] = { 1, 2, 3 };

        xfer(fx, 0, a, sizeof(a));
        xfer(fx, 1, b, sizeof(b));
        g_assert_cmpint(message(fx, 2), ==, sizeof(a) + sizeof(b));
        g_assert_cmpmem(fx->mem->rx[0], sizeof(a), a, sizeof(a));
        g_assert_cmpmem(fx->mem->rx[1], sizeof(b), b, sizeof(b));
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 3);   /* nothing, the transfers, their buffers */
        /* no transmit buffer: MOSI sends zeros */
        memset(fx->mem->rx[0], 0x55, 4);
        xfer(fx, 0, NULL, 4);
        g_assert_cmpint(message(fx, 1), ==, 4);
        g_assert_cmpmem(fx->mem->rx[0], 4, "\0\0\0\0", 4);
        /* half duplex: write() then read() */
        g_assert_cmpint(ck_loopback_write(fx->lb, "abc", 3), ==, 3);
        char buf[8] = "xxxxxxx";
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 5), ==, 5);
        g_assert_cmpmem(buf, 5, "\0\0\0\0\0", 5);
        /* 16-bit words, LSB first: still a loop */
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 16), ==, 0);
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_LSB_FIRST, 1), ==, 0);
        xfer(fx, 0, a, sizeof(a));
        g_assert_cmpint(message(fx, 1), ==, 4);
        g_assert_cmpmem(fx->mem->rx[0], sizeof(a), a, sizeof(a));
        /* SPI_IOC_MESSAGE(0): nothing at all, 0 */
        g_assert_cmpint(lb_ioctl(fx, SPI_IOC_MESSAGE(0), NULL), ==, 0);
        /* a transfer without buffers is not held to bufsiz (spidev_message()):
         * 64 MiB of clocks, served without 64 MiB of memory (the fuzzer's OOM) */
        memset(&fx->mem->xfer[0], 0, sizeof(fx->mem->xfer[0]));
        fx->mem->xfer[0].len = 64u << 20;
        g_assert_cmpint(message(fx, 1), ==, 64 << 20);
}

static void test_settings(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_MODE), ==, SPI_MODE_0);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_BITS_PER_WORD), ==, 8);
        g_assert_cmpuint(get_u32(fx, SPI_IOC_RD_MAX_SPEED_HZ), ==, 1000000);

        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_MODE, SPI_MODE_3 | SPI_CS_HIGH), ==, 0);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_MODE), ==, SPI_MODE_3 | SPI_CS_HIGH);
        g_assert_cmpuint(get_u32(fx, SPI_IOC_RD_MODE32), ==, SPI_MODE_3 | SPI_CS_HIGH);
        /* the controller has no SPI_READY: spi_setup() refuses, nothing changes */
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_MODE, SPI_READY), ==, -EINVAL);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_MODE), ==, SPI_MODE_3 | SPI_CS_HIGH);
        /* outside spidev's SPI_MODE_MASK (SPI_CS_WORD, bit 20): refused before setup */
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MODE32, SPI_CS_WORD), ==, -EINVAL);
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MODE32, 1u << 20), ==, -EINVAL);
        /* dual wires the controller lacks are dropped quietly */
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MODE32, SPI_MODE_1 | SPI_TX_DUAL), ==, 0);
        g_assert_cmpuint(get_u32(fx, SPI_IOC_RD_MODE32), ==, SPI_MODE_1);
        /* ... but not with three wires */
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MODE32, SPI_3WIRE | SPI_RX_QUAD), ==, -EINVAL);

        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_LSB_FIRST, 7), ==, 0);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_LSB_FIRST), ==, 1);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_MODE), ==, SPI_MODE_1 | SPI_LSB_FIRST);

        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 12), ==, -EINVAL);
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 32), ==, 0);
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_BITS_PER_WORD), ==, 32);
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 0), ==, 0);   /* 0: the default */
        g_assert_cmpuint(get_u8(fx, SPI_IOC_RD_BITS_PER_WORD), ==, 8);

        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MAX_SPEED_HZ, 0), ==, -EINVAL);
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MAX_SPEED_HZ, 123456), ==, 0);
        g_assert_cmpuint(get_u32(fx, SPI_IOC_RD_MAX_SPEED_HZ), ==, 123456);
        /* spidev keeps a speed above the controller's; transfers get clamped */
        g_assert_cmpint(set_u32(fx, SPI_IOC_WR_MAX_SPEED_HZ, 200000000), ==, 0);
        g_assert_cmpuint(get_u32(fx, SPI_IOC_RD_MAX_SPEED_HZ), ==, 200000000);
}

static void test_errors(struct fixture *fx, gconstpointer data)
{
        static const uint8_t a[4100] = { 0 };

        /* not a whole number of transfers */
        g_assert_cmpint(lb_ioctl(fx, _IOC(_IOC_WRITE, SPI_IOC_MAGIC, 0, 33), fx->mem->xfer), ==, -EINVAL);
        /* more than bufsiz (4096) each way */
        xfer(fx, 0, NULL, 4097);
        g_assert_cmpint(message(fx, 1), ==, -EMSGSIZE);
        xfer(fx, 0, a, 4000);
        xfer(fx, 1, a, 97);   /* 4000 + 97 rounded up to 8: over */
        g_assert_cmpint(message(fx, 2), ==, -EMSGSIZE);
        xfer(fx, 1, a, 96);
        g_assert_cmpint(message(fx, 2), ==, 4096);
        g_assert_cmpint(ck_loopback_read(fx->lb, fx->mem->rx[0], 4097), ==, -EMSGSIZE);
        g_assert_cmpint(ck_loopback_write(fx->lb, fx->mem->tx[0], 4097), ==, -EMSGSIZE);
        /* a transmit buffer outside the client's memory faults, before any size check after it */
        xfer(fx, 0, a, 4);
        fx->mem->xfer[0].tx_buf = 0x10;
        xfer(fx, 1, NULL, 5000);
        g_assert_cmpint(message(fx, 2), ==, -EFAULT);
        /* __spi_validate(): bits, word alignment, wires */
        xfer(fx, 0, a, 3);
        fx->mem->xfer[0].bits_per_word = 16;
        g_assert_cmpint(message(fx, 1), ==, -EINVAL);
        fx->mem->xfer[0].bits_per_word = 7;
        fx->mem->xfer[0].len = 4;
        g_assert_cmpint(message(fx, 1), ==, -EINVAL);
        fx->mem->xfer[0].bits_per_word = 16;
        g_assert_cmpint(message(fx, 1), ==, 4);
        fx->mem->xfer[0].tx_nbits = 2;
        g_assert_cmpint(message(fx, 1), ==, -EINVAL);
        xfer(fx, 0, a, 4);
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_MODE, SPI_3WIRE), ==, 0);
        g_assert_cmpint(message(fx, 1), ==, -EINVAL);   /* half duplex: not both buffers */
        fx->mem->xfer[0].rx_buf = 0;
        g_assert_cmpint(message(fx, 1), ==, 4);
        /* word size for read() and write() too */
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 32), ==, 0);
        g_assert_cmpint(ck_loopback_write(fx->lb, "abcdef", 6), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_write(fx->lb, "abcdefgh", 8), ==, 8);
        /* another magic is not ours */
        g_assert_cmpint(lb_ioctl(fx, _IOW('j', 0, char[32]), fx->mem->xfer), ==, -ENOTTY);
}

/* The tutorials' framing: [1, (8 + ch) << 4, 0] -> ((rx[1] & 3) << 8) | rx[2] */
static unsigned read_adc(struct fixture *fx, unsigned config)
{
        uint8_t tx[3] = { 0x01, (uint8_t)(config << 4), 0 };

        xfer(fx, 0, tx, 3);
        g_assert_cmpint(message(fx, 1), ==, 3);
        return (unsigned)(fx->mem->rx[0][1] & 3) << 8 | fx->mem->rx[0][2];
}

static void test_mcp3008(struct fixture *fx, gconstpointer data)
{
        static const guint16 codes[8] = { 0, 1023, 512, 100, 700, 5, 1, 1000 };

        for (unsigned ch = 0; ch < 8; ch++) {
                char name[16];
                g_snprintf(name, sizeof(name), "channel/%u", ch);
                g_assert_cmpint(state_set(fx, name, g_variant_new_uint16(codes[ch])), ==, 0);
        }
        g_assert_cmpint(state_set(fx, "channel/0", g_variant_new_uint16(1024)), ==, -EINVAL);
        for (unsigned ch = 0; ch < 8; ch++)
                g_assert_cmpuint(read_adc(fx, 8 + ch), ==, codes[ch]);
        /* differential: CH2 - CH3 and CH3 - CH2 (negative: 0) */
        g_assert_cmpuint(read_adc(fx, 2), ==, 412);
        g_assert_cmpuint(read_adc(fx, 3), ==, 0);
        g_assert_cmpuint(read_adc(fx, 4 | 1), ==, 0);     /* CH5 - CH4 */
        g_assert_cmpuint(read_adc(fx, 4), ==, 695);       /* CH4 - CH5 */
        /* Adafruit's framing: start bit first, result from bit 7 on */
        uint8_t tx[3] = { 0xc0 | 3 << 3, 0, 0 };
        xfer(fx, 0, tx, 3);
        g_assert_cmpint(message(fx, 1), ==, 3);
        uint8_t *rx = fx->mem->rx[0];
        g_assert_cmpuint((rx[0] & 1u) << 9 | (unsigned)rx[1] << 1 | rx[2] >> 7, ==, 100);
        /* 16-bit words go MSB first: the same bytes as two words */
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 16), ==, 0);
        uint16_t words[2] = { 0x0180 | 7 << 4, 0 };
        xfer(fx, 0, words, 4);
        g_assert_cmpint(message(fx, 1), ==, 4);
        uint16_t back[2];
        memcpy(back, fx->mem->rx[0], 4);
        g_assert_cmpuint((back[0] & 3u) << 8 | back[1] >> 8, ==, 1000);
        /* the conversion wants its own chip select: a second start bit in the same one is data */
        g_assert_cmpint(set_u8(fx, SPI_IOC_WR_BITS_PER_WORD, 8), ==, 0);
        uint8_t twice[6] = { 0x01, 0x90, 0, 0x01, 0x90, 0 };
        xfer(fx, 0, twice, 6);
        g_assert_cmpint(message(fx, 1), ==, 6);
        g_assert_cmpuint((fx->mem->rx[0][1] & 3u) << 8 | fx->mem->rx[0][2], ==, 1023);
        /* then B1..B9 again, LSB first, then zeros: the second start bit did nothing */
        g_assert_cmphex(fx->mem->rx[0][3], ==, 0xff);
        g_assert_cmphex(fx->mem->rx[0][4], ==, 0x80);
        g_assert_cmphex(fx->mem->rx[0][5], ==, 0);
}

/* One instruction per chip select. */
static int eeprom_cmd(struct fixture *fx, const uint8_t *bytes, uint32_t len)
{
        xfer(fx, 0, bytes, len);
        return message(fx, 1);
}

static uint8_t eeprom_status(struct fixture *fx)
{
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x05, 0 }, 2), ==, 2);
        return fx->mem->rx[0][1];
}

static void eeprom_read(struct fixture *fx, unsigned addr, unsigned n)
{
        uint8_t cmd[3 + 64] = { 0x03, (uint8_t)(addr >> 8), (uint8_t)addr };

        g_assert_cmpint(eeprom_cmd(fx, cmd, 3 + n), ==, (int)(3 + n));
}

static void wait_ready(struct fixture *fx)
{
        for (int i = 0; i < 1000 && (eeprom_status(fx) & 1); i++)
                g_usleep(1000);
        g_assert_cmpuint(eeprom_status(fx) & 1, ==, 0);
}

static void test_eeprom(struct fixture *fx, gconstpointer data)
{
        uint8_t write[3 + 6] = { 0x02, 0x00, 0x1d, 'a', 'b', 'c', 'd', 'e', 'f' };

        g_assert_cmpuint(eeprom_status(fx), ==, 0);
        /* no write-enable latch: ignored */
        g_assert_cmpint(eeprom_cmd(fx, write, sizeof(write)), ==, sizeof(write));
        g_assert_cmpuint(eeprom_status(fx), ==, 0);
        eeprom_read(fx, 0x1d, 3);
        g_assert_cmpmem(fx->mem->rx[0] + 3, 3, "\xff\xff\xff", 3);

        /* WREN, then WRITE in one message: cs_change between them */
        xfer(fx, 0, (const uint8_t[]){ 0x06 }, 1);
        fx->mem->xfer[0].cs_change = 1;
        xfer(fx, 1, write, sizeof(write));
        g_assert_cmpint(message(fx, 2), ==, 1 + sizeof(write));
        /* a write cycle (twc=200000 here): busy, the latch reset, reads ignored */
        g_assert_cmpuint(eeprom_status(fx), ==, 0x01);
        eeprom_read(fx, 0x00, 4);
        g_assert_cmpmem(fx->mem->rx[0] + 3, 4, "\0\0\0\0", 4);
        wait_ready(fx);
        /* 0x1d..0x1f, then the page wraps to 0x00..0x02 */
        eeprom_read(fx, 0x1d, 3);
        g_assert_cmpmem(fx->mem->rx[0] + 3, 3, "abc", 3);
        eeprom_read(fx, 0x00, 4);
        g_assert_cmpmem(fx->mem->rx[0] + 3, 4, "def\xff", 4);
        eeprom_read(fx, 0x20, 1);
        g_assert_cmphex(fx->mem->rx[0][3], ==, 0xff);
        /* a read runs on, wrapping at the end of the array */
        eeprom_read(fx, 0x1fff, 2);
        g_assert_cmpmem(fx->mem->rx[0] + 3, 2, "\xff" "d", 2);

        /* a cs_change on the last transfer keeps the chip selected: the read goes on */
        xfer(fx, 0, (const uint8_t[]){ 0x03, 0x00, 0x1d }, 3);
        fx->mem->xfer[0].cs_change = 1;
        g_assert_cmpint(message(fx, 1), ==, 3);
        g_assert_cmpint(ck_loopback_read(fx->lb, fx->mem->rx[1], 2), ==, 2);
        g_assert_cmpmem(fx->mem->rx[1], 2, "ab", 2);

        /* WRDI resets the latch; block protection of the upper quarter */
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x06 }, 1), ==, 1);
        g_assert_cmpuint(eeprom_status(fx), ==, 0x02);
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x04 }, 1), ==, 1);
        g_assert_cmpuint(eeprom_status(fx), ==, 0x00);
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x06 }, 1), ==, 1);
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x01, 0x04 }, 2), ==, 2);
        wait_ready(fx);
        g_assert_cmpuint(eeprom_status(fx), ==, 0x04);
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x06 }, 1), ==, 1);
        g_assert_cmpint(eeprom_cmd(fx, (const uint8_t[]){ 0x02, 0x18, 0x00, 'P' }, 4), ==, 4);
        wait_ready(fx);
        eeprom_read(fx, 0x1800, 1);
        g_assert_cmphex(fx->mem->rx[0][3], ==, 0xff);     /* protected: dropped */
        g_assert_cmpuint(eeprom_status(fx) & 0x02, ==, 0);  /* the latch is reset all the same */

        /* the state the control interface shows */
        const struct ck_state_var *bytes = state_var(fx->dev, "bytes");
        g_autoptr(GVariant) v = g_variant_ref_sink(bytes->get(fx->dev, bytes->userdata));
        gsize n;
        const uint8_t *b = g_variant_get_fixed_array(v, &n, 1);
        g_assert_cmpuint(n, ==, 8192);
        g_assert_cmpmem(b + 0x1d, 3, "abc", 3);
}

static void test_bad_params(void)
{
        static const char *const bad[] = { "nosuchchip", "25xx:size=1000", "25xx:page=3", "25xx:color=red",
                                           "25xx:size=128:page=256", "loopback:x=1", "" };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) error = NULL;
                struct ck_device *d = NULL;
                g_hash_table_insert(params, "chip", (char *)bad[i]);
                g_assert_cmpint(ck_device_new("spi", "spidev9.9", params, &d, &error), <, 0);
                g_assert_nonnull(error);
                g_assert_null(d);
        }
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL;
        g_hash_table_insert(params, "bufsiz", "0");
        g_assert_cmpint(ck_device_new("spi", "spidev9.9", params, &d, &error), <, 0);
        g_assert_true(ck_registry_find("spi")->unrestricted);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add("/spi/loopback/full-duplex", struct fixture, "loopback", setup, test_loopback_full_duplex,
                   teardown);
        g_test_add("/spi/settings", struct fixture, "loopback", setup, test_settings, teardown);
        g_test_add("/spi/errors", struct fixture, "loopback", setup, test_errors, teardown);
        g_test_add("/spi/mcp3008", struct fixture, "mcp3008", setup, test_mcp3008, teardown);
        g_test_add("/spi/25xx", struct fixture, "25xx:twc=200000", setup, test_eeprom, teardown);
        g_test_add_func("/spi/bad-params", test_bad_params);
        return g_test_run();
}
