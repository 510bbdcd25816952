/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spi: an emulated spidev node, /dev/spidevB.C, one chip behind its chip
 * select, serving drivers/spi/spidev.c's ioctls, read() and write() with
 * its errors, over a controller modelled on the SPI core's rules:
 *
 *   --device spi:spidev0.0,chip=mcp3008
 *   --device spi:spidev0.1,chip=25xx:size=8192:file=/var/lib/eeprom.bin,speed=2000000
 *
 * The controller: modes CPOL, CPHA, CS_HIGH, LSB_FIRST, 3WIRE, LOOP and
 * NO_CS (dual/quad/octal are dropped quietly, as spi_setup() drops what a
 * controller lacks; anything else is EINVAL), 8, 16 or 32 bits per word,
 * at most max_speed= Hz (faster transfers are clocked at that).  Words go
 * on the wire MSB first (LSB first with SPI_LSB_FIRST); SPI_LOOP feeds
 * MOSI back to MISO.  Transfer times, delay_usecs and word delays are
 * accepted but not waited for.  SPI_IOC_MESSAGE takes two rounds of nested
 * memory (the transfers, then their buffers); the CUSE transport carries
 * at most 255 buffers per message, so a message of more gets ENOMEM where
 * spidev, bounded only by bufsiz, might take it.
 */
#include "spi-abi.h"

#include "spi-chip.h"

#include <cusekit/device.h>

#include <errno.h>
#include <limits.h>
#include <linux/spi/spi.h>
#include <stdlib.h>
#include <string.h>

/* spidev.c's SPI_MODE_MASK: what SPI_IOC_WR_MODE32 may ask for at all. */
#define SPIDEV_MODE_MASK                                                                           \
        (SPI_MODE_X_MASK | SPI_CS_HIGH | SPI_LSB_FIRST | SPI_3WIRE | SPI_LOOP | SPI_NO_CS |       \
         SPI_READY | SPI_TX_DUAL | SPI_TX_QUAD | SPI_TX_OCTAL | SPI_RX_DUAL | SPI_RX_QUAD |        \
         SPI_RX_OCTAL | SPI_RX_CPHA_FLIP)
#define CONTROLLER_MODE_BITS                                                                       \
        (SPI_CPOL | SPI_CPHA | SPI_CS_HIGH | SPI_LSB_FIRST | SPI_3WIRE | SPI_LOOP | SPI_NO_CS)
#define MULTI_WIRE_BITS (SPI_TX_DUAL | SPI_TX_QUAD | SPI_TX_OCTAL | SPI_RX_DUAL | SPI_RX_QUAD | SPI_RX_OCTAL)
/* spidev's bounce buffers hold transfers aligned to ARCH_KMALLOC_MINALIGN (8 on x86-64). */
#define SPIDEV_ALIGN 8u
#define BUFSIZ_DEFAULT 4096u
#define BUFSIZ_MAX 65536u             /* what one CUSE ioctl carries, with room to spare */
#define SPEED_DEFAULT 1000000u        /* the chip's spi-max-frequency, as a device tree would give it */
#define CONTROLLER_SPEED_DEFAULT 50000000u

extern const struct spi_chip_type *const __start_ck_spi_chips[];
extern const struct spi_chip_type *const __stop_ck_spi_chips[];

struct spi_dev {
        struct spi_chip *chip;        /* NULL: nothing behind the chip select */
        uint32_t mode;                /* spi->mode */
        uint8_t bits_per_word;        /* spi->bits_per_word, 0 read as 8 */
        uint32_t max_speed_hz;        /* spi->max_speed_hz */
        uint32_t speed_hz;            /* spidev->speed_hz: the default for transfers */
        uint32_t controller_max_hz;
        unsigned bufsiz;
        bool selected;                /* a message's last cs_change kept the chip selected */
        guint64 messages;             /* for the control interface */
};

/* One transfer, checked and with its buffers in daemon memory. */
struct spi_xfer {
        const uint8_t *tx;            /* NULL: MOSI sends zeros */
        uint8_t *rx;                  /* NULL: MISO is not kept */
        uint32_t len;
        uint8_t bits_per_word;
        bool cs_change;
};

static struct spi_dev *dev_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

CK_IOCTL_TABLE(spi_ioctls, SPI_IOCTLS);

/* --- the chip select and the wire --- */

static void chip_select(struct spi_dev *s)
{
        if (!s->selected && s->chip && s->chip->type->select)
                s->chip->type->select(s->chip);
        s->selected = true;
}

static void chip_deselect(struct spi_dev *s)
{
        if (s->selected && s->chip && s->chip->type->deselect)
                s->chip->type->deselect(s->chip);
        s->selected = false;
}

static uint8_t reverse8(uint8_t b)
{
        b = (uint8_t)((b & 0xf0) >> 4 | (b & 0x0f) << 4);
        b = (uint8_t)((b & 0xcc) >> 2 | (b & 0x33) << 2);
        return (uint8_t)((b & 0xaa) >> 1 | (b & 0x55) << 1);
}

static unsigned word_size(uint8_t bits)
{
        return bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
}

/* Byte j of a word on the wire is byte wire_index(j) of the word in
 * memory: the most significant first (least with SPI_LSB_FIRST, and each
 * byte's bits reversed then). */
static unsigned wire_index(unsigned j, unsigned w, bool lsb_first)
{
        bool msb_at_end = G_BYTE_ORDER == G_LITTLE_ENDIAN;

        if (lsb_first)
                return msb_at_end ? j : w - 1 - j;
        return msb_at_end ? w - 1 - j : j;
}

static void to_wire(const uint8_t *mem, uint8_t *wire, size_t len, unsigned w, bool lsb_first)
{
        for (size_t o = 0; o + w <= len; o += w)
                for (unsigned j = 0; j < w; j++) {
                        uint8_t b = mem[o + wire_index(j, w, lsb_first)];
                        wire[o + j] = lsb_first ? reverse8(b) : b;
                }
}

static void from_wire(const uint8_t *wire, uint8_t *mem, size_t len, unsigned w, bool lsb_first)
{
        for (size_t o = 0; o + w <= len; o += w)
                for (unsigned j = 0; j < w; j++)
                        mem[o + wire_index(j, w, lsb_first)] = lsb_first ? reverse8(wire[o + j]) : wire[o + j];
}

/* Clocked a page at a time: a transfer without buffers may be as long as
 * INT_MAX (spidev checks only the buffered ones against bufsiz), and the
 * chip sees one stream whatever the split, as it does across transfers. */
#define SPI_CHUNK 4096u

static void run_transfer(struct spi_dev *s, const struct spi_xfer *x)
{
        unsigned w = word_size(x->bits_per_word);
        bool lsb = s->mode & SPI_LSB_FIRST;
        uint8_t mosi[SPI_CHUNK], miso[SPI_CHUNK];

        _Static_assert(SPI_CHUNK % 4 == 0, "whole words per chunk");
        for (size_t o = 0; o < x->len; o += SPI_CHUNK) {
                size_t len = MIN((size_t)x->len - o, SPI_CHUNK);
                memset(mosi, 0, len);
                if (x->tx)
                        to_wire(x->tx + o, mosi, len, w, lsb);
                memset(miso, SPI_MISO_FLOATING, len);
                if (s->chip)
                        s->chip->type->exchange(s->chip, mosi, miso, len);
                if (s->mode & SPI_LOOP)
                        memcpy(miso, mosi, len);
                if (x->rx)
                        from_wire(miso, x->rx + o, len, w, lsb);
        }
}

/* spi_transfer_one_message(): the chip select goes active for the
 * message (if a kept one is not still active), drops between transfers
 * after a cs_change, and stays active after the last one only if that
 * one has cs_change. */
static void run_message(struct spi_dev *s, const struct spi_xfer *x, unsigned n)
{
        bool keep = false;

        chip_select(s);
        for (unsigned i = 0; i < n; i++) {
                run_transfer(s, &x[i]);
                if (!x[i].cs_change)
                        continue;
                if (i + 1 == n) {
                        keep = true;
                } else {
                        chip_deselect(s);
                        chip_select(s);
                }
        }
        if (!keep)
                chip_deselect(s);
        s->messages++;
}

/* --- spi_setup(): mode and word size as the controller takes them --- */

static bool bits_supported(unsigned bits)
{
        return bits == 8 || bits == 16 || bits == 32;
}

static int spi_setup(struct spi_dev *s, uint32_t mode, uint8_t bits)
{
        if ((mode & SPI_3WIRE) && (mode & MULTI_WIRE_BITS))
                return -EINVAL;
        uint32_t bad = mode & ~(CONTROLLER_MODE_BITS | SPI_CS_WORD);
        mode &= ~(bad & MULTI_WIRE_BITS);      /* "ignoring unsupported mode bits" */
        bad &= ~MULTI_WIRE_BITS;
        if (bad)
                return -EINVAL;
        if (bits == 0)
                bits = 8;
        else if (!bits_supported(bits))
                return -EINVAL;
        s->mode = mode;
        s->bits_per_word = bits;
        chip_deselect(s);                      /* spi_setup() ends with the chip select inactive */
        return 0;
}

/* --- settings --- */

static int handle_SPI_IOC_RD_MODE(struct ck_call *c, __u8 *out)
{
        *out = (__u8)(dev_of(c)->mode & SPIDEV_MODE_MASK);
        return 0;
}

static int handle_SPI_IOC_RD_MODE32(struct ck_call *c, __u32 *out)
{
        *out = dev_of(c)->mode & SPIDEV_MODE_MASK;
        return 0;
}

static int validate_SPI_IOC_WR_MODE(struct ck_call *c, const struct ck_untrusted *u, __u8 *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int validate_SPI_IOC_WR_MODE32(struct ck_call *c, const struct ck_untrusted *u, __u32 *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        return *ret & ~SPIDEV_MODE_MASK ? -EINVAL : 0;
}

static int write_mode(struct spi_dev *s, uint32_t mode)
{
        mode |= s->mode & ~SPIDEV_MODE_MASK;
        return spi_setup(s, mode & SPI_MODE_USER_MASK, s->bits_per_word);
}

static int handle_SPI_IOC_WR_MODE(struct ck_call *c, const __u8 *in)
{
        return write_mode(dev_of(c), *in);
}

static int handle_SPI_IOC_WR_MODE32(struct ck_call *c, const __u32 *in)
{
        return write_mode(dev_of(c), *in);
}

static int handle_SPI_IOC_RD_LSB_FIRST(struct ck_call *c, __u8 *out)
{
        *out = (dev_of(c)->mode & SPI_LSB_FIRST) ? 1 : 0;
        return 0;
}

static int validate_SPI_IOC_WR_LSB_FIRST(struct ck_call *c, const struct ck_untrusted *u, __u8 *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_SPI_IOC_WR_LSB_FIRST(struct ck_call *c, const __u8 *in)
{
        struct spi_dev *s = dev_of(c);
        uint32_t mode = *in ? s->mode | SPI_LSB_FIRST : s->mode & ~SPI_LSB_FIRST;

        return spi_setup(s, mode, s->bits_per_word);
}

static int handle_SPI_IOC_RD_BITS_PER_WORD(struct ck_call *c, __u8 *out)
{
        *out = dev_of(c)->bits_per_word;
        return 0;
}

static int validate_SPI_IOC_WR_BITS_PER_WORD(struct ck_call *c, const struct ck_untrusted *u, __u8 *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_SPI_IOC_WR_BITS_PER_WORD(struct ck_call *c, const __u8 *in)
{
        struct spi_dev *s = dev_of(c);

        return spi_setup(s, s->mode, *in);
}

static int handle_SPI_IOC_RD_MAX_SPEED_HZ(struct ck_call *c, __u32 *out)
{
        *out = dev_of(c)->speed_hz;
        return 0;
}

static int validate_SPI_IOC_WR_MAX_SPEED_HZ(struct ck_call *c, const struct ck_untrusted *u, __u32 *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        return *ret == 0 ? -EINVAL : 0;
}

/* spidev keeps what was asked for, faster than the controller or not;
 * transfers are clamped when they run. */
static int handle_SPI_IOC_WR_MAX_SPEED_HZ(struct ck_call *c, const __u32 *in)
{
        struct spi_dev *s = dev_of(c);
        int r = spi_setup(s, s->mode, s->bits_per_word);

        if (r == 0)
                s->speed_hz = *in;
        return r;
}

/* --- SPI_IOC_MESSAGE(N) --- */

/* spidev_message()'s first loop, in its order: a transfer that overflows
 * the bounce buffers gets EMSGSIZE, but only once the transmit buffers of
 * the transfers before it were fetched (a bad one of those faults first).
 * Accepted: the transmit buffers in order; outputs: the receive buffers
 * in order. */
static int validate_SPI_IOC_MESSAGE(struct ck_call *c, const struct ck_untrusted *u, struct spi_ioc_transfer *ret)
{
        struct spi_dev *s = dev_of(c);
        unsigned n = ck_call_count(c);
        const struct ck_untrusted *tx[CK_SPI_MAX_XFERS];
        uint64_t total = 0, tx_total = 0, rx_total = 0;
        bool need_round = false;
        int r = ck_untrusted_copy(u, ret, n * sizeof(*ret));

        if (r < 0)
                return r;
        for (unsigned i = 0; i < n; i++) {
                const struct spi_ioc_transfer *t = &ret[i];
                uint64_t aligned = ((uint64_t)t->len + SPIDEV_ALIGN - 1) / SPIDEV_ALIGN * SPIDEV_ALIGN;
                bool too_big = false;

                total += t->len;
                if (total > INT_MAX || t->len > INT_MAX)
                        too_big = true;
                if (!too_big && t->rx_buf && (rx_total += aligned) > s->bufsiz)
                        too_big = true;
                if (!too_big && t->tx_buf && (tx_total += aligned) > s->bufsiz)
                        too_big = true;
                if (too_big)
                        return need_round ? CK_NEED_ROUND : -EMSGSIZE;
                if (t->rx_buf) {
                        r = ck_call_reserve_out(c, t->rx_buf, t->len);
                        if (r < 0)
                                return r;
                        need_round |= r == CK_NEED_ROUND;
                }
                tx[i] = NULL;
                if (t->tx_buf) {
                        r = ck_call_fetch(c, t->tx_buf, t->len, &tx[i]);
                        if (r < 0)
                                return r;
                        need_round |= r == CK_NEED_ROUND;
                }
        }
        if (need_round)
                return CK_NEED_ROUND;
        for (unsigned i = 0; i < n; i++)
                if (tx[i] && (r = ck_untrusted_accept(c, tx[i])) < 0)
                        return r;
        return 0;
}

static bool nbits_ok(uint8_t nbits)
{
        /* no dual or quad wires here: spi->mode never has SPI_TX_DUAL and the like */
        return nbits == 0 || nbits == 1;   /* SPI_NBITS_SINGLE, a kernel-only name */
}

/* __spi_validate(), for this controller. */
static int check_transfer(const struct spi_dev *s, const struct spi_ioc_transfer *t, uint8_t bits)
{
        if ((s->mode & SPI_3WIRE) && t->tx_buf && t->rx_buf)
                return -EINVAL;
        if (!bits_supported(bits))
                return -EINVAL;
        if (t->len % word_size(bits))
                return -EINVAL;
        if ((t->tx_buf && !nbits_ok(t->tx_nbits)) || (t->rx_buf && !nbits_ok(t->rx_nbits)))
                return -EINVAL;
        return 0;
}

static int handle_SPI_IOC_MESSAGE(struct ck_call *c, const struct spi_ioc_transfer *in)
{
        struct spi_dev *s = dev_of(c);
        unsigned n = ck_call_count(c), n_tx = 0, n_rx = 0;
        uint64_t total = 0;

        if (n == 0)
                return 0;   /* spidev: nothing to do, and no message at all */
        g_autofree struct spi_xfer *x = g_new0(struct spi_xfer, n);
        for (unsigned i = 0; i < n; i++) {
                uint8_t bits = in[i].bits_per_word ? in[i].bits_per_word : s->bits_per_word;
                int r = check_transfer(s, &in[i], bits);
                if (r < 0)
                        return r;
                size_t len;
                x[i] = (struct spi_xfer){ .len = in[i].len, .bits_per_word = bits, .cs_change = in[i].cs_change };
                if (in[i].tx_buf)
                        x[i].tx = ck_call_input(c, n_tx++, &len);
                if (in[i].rx_buf)
                        x[i].rx = ck_call_output(c, n_rx++, &len);
                total += in[i].len;
        }
        run_message(s, x, n);
        return (int)total;
}

/* --- read() and write(): one transfer at the device's settings --- */

static ssize_t spi_read(struct ck_file *f, void *buf, size_t size)
{
        struct spi_dev *s = ck_device_priv(ck_file_device(f));

        if (size > s->bufsiz)
                return -EMSGSIZE;
        if (size % word_size(s->bits_per_word))
                return -EINVAL;
        struct spi_xfer x = { .rx = buf, .len = (uint32_t)size, .bits_per_word = s->bits_per_word };
        run_message(s, &x, 1);
        return (ssize_t)size;
}

static ssize_t spi_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct spi_dev *s = ck_device_priv(ck_file_device(f));
        size_t n = ck_untrusted_size(data);

        if (n > s->bufsiz)
                return -EMSGSIZE;
        g_autofree uint8_t *bytes = g_malloc(MAX(n, 1));
        if (ck_untrusted_copy(data, bytes, n) < 0)
                return -EINVAL;
        if (n % word_size(s->bits_per_word))
                return -EINVAL;
        struct spi_xfer x = { .tx = bytes, .len = (uint32_t)n, .bits_per_word = s->bits_per_word };
        run_message(s, &x, 1);
        return (ssize_t)n;
}

/* --- chips --- */

static const struct spi_chip_type *chip_type_find(const char *name)
{
        for (const struct spi_chip_type *const *t = __start_ck_spi_chips; t < __stop_ck_spi_chips; t++)
                if (strcmp((*t)->name, name) == 0)
                        return *t;
        return NULL;
}

static char *chip_names(void)
{
        GString *s = g_string_new(NULL);

        for (const struct spi_chip_type *const *t = __start_ck_spi_chips; t < __stop_ck_spi_chips; t++)
                g_string_append_printf(s, "%s%s", s->len ? ", " : "", (*t)->name);
        return g_string_free(s, FALSE);
}

static int bad_param(GError **error, const char *key, const char *value, const char *why)
{
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "spi: %s=%s: %s", key, value, why);
        return -EINVAL;
}

/* "TYPE[:KEY=VALUE...]" */
static int chip_new(struct ck_device *d, const char *item, struct spi_chip **ret, GError **error)
{
        g_auto(GStrv) parts = g_strsplit(item, ":", -1);

        if (!parts[0] || !parts[0][0])
                return bad_param(error, "chip", item, "expected TYPE[:KEY=VALUE...]");
        const struct spi_chip_type *type = chip_type_find(parts[0]);
        if (!type) {
                g_autofree char *known = chip_names();
                g_autofree char *why = g_strdup_printf("unknown chip '%s' (known: %s)", parts[0], known);
                return bad_param(error, "chip", item, why);
        }
        g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        for (char **p = parts + 1; *p; p++) {
                const char *eq = strchr(*p, '=');
                if (!eq || eq == *p)
                        return bad_param(error, "chip", item, "options are KEY=VALUE");
                g_autofree char *key = g_strndup(*p, (gsize)(eq - *p));
                if (!type->options || !g_strv_contains(type->options, key)) {
                        g_autofree char *known = type->options ? g_strjoinv(", ", (char **)type->options)
                                                               : g_strdup("none");
                        g_autofree char *why = g_strdup_printf("%s has no option '%s' (options: %s)",
                                                               type->name, key, known);
                        return bad_param(error, "chip", item, why);
                }
                if (g_hash_table_contains(options, key))
                        return bad_param(error, "chip", item, "an option is given twice");
                g_hash_table_insert(options, g_steal_pointer(&key), g_strdup(eq + 1));
        }
        struct spi_chip *chip = g_new0(struct spi_chip, 1);
        chip->type = type;
        chip->device = d;
        chip->priv = g_malloc0(MAX(type->priv_size, 1));
        int r = type->init ? type->init(chip, options, error) : 0;
        if (r < 0) {
                g_free(chip->priv);
                g_free(chip);
                return r;
        }
        *ret = chip;
        return 0;
}

static int parse_u32(GHashTable *params, const char *key, uint32_t min, uint32_t max, uint32_t *ret, GError **error)
{
        const char *text = g_hash_table_lookup(params, key);

        if (!text)
                return 0;
        guint64 v;
        if (!g_ascii_string_to_unsigned(text, 10, min, max, &v, NULL)) {
                g_autofree char *why = g_strdup_printf("expected a number from %u to %u", min, max);
                return bad_param(error, key, text, why);
        }
        *ret = (uint32_t)v;
        return 0;
}

static GVariant *state_mode_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint32(((struct spi_dev *)ck_device_priv(d))->mode);
}

static GVariant *state_speed_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint32(((struct spi_dev *)ck_device_priv(d))->speed_hz);
}

static GVariant *state_bits_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_byte(((struct spi_dev *)ck_device_priv(d))->bits_per_word);
}

static GVariant *state_messages_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint64(((struct spi_dev *)ck_device_priv(d))->messages);
}

static int spi_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct spi_dev *s = ck_device_priv(d);
        const char *chip = g_hash_table_lookup(params, "chip");
        uint32_t bufsiz = BUFSIZ_DEFAULT;
        int r;

        s->bits_per_word = 8;
        s->speed_hz = SPEED_DEFAULT;
        s->controller_max_hz = CONTROLLER_SPEED_DEFAULT;
        if ((r = parse_u32(params, "speed", 1, UINT32_MAX, &s->speed_hz, error)) < 0 ||
            (r = parse_u32(params, "max_speed", 1, UINT32_MAX, &s->controller_max_hz, error)) < 0 ||
            (r = parse_u32(params, "bufsiz", 1, BUFSIZ_MAX, &bufsiz, error)) < 0)
                return r;
        s->bufsiz = bufsiz;
        /* spi_setup() at probe clamps the device's speed to the controller's */
        s->max_speed_hz = MIN(s->speed_hz, s->controller_max_hz);
        s->speed_hz = s->max_speed_hz;
        if (chip && (r = chip_new(d, chip, &s->chip, error)) < 0)
                return r;

        ck_device_add_state(d, &(struct ck_state_var){
                .name = "mode", .summary = "spi->mode: SPI_CPHA, SPI_CPOL, SPI_LSB_FIRST, ... as set by the client",
                .type = "u", .get = state_mode_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "speed_hz", .summary = "the default transfer speed (SPI_IOC_WR_MAX_SPEED_HZ)",
                .type = "u", .get = state_speed_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "bits_per_word", .summary = "the default word size", .type = "y", .get = state_bits_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "messages", .summary = "messages run (SPI_IOC_MESSAGE, read, write)",
                .type = "t", .get = state_messages_get });
        return 0;
}

static void spi_fini(struct ck_device *d)
{
        struct spi_dev *s = ck_device_priv(d);

        if (!s->chip)
                return;
        if (s->chip->type->fini)
                s->chip->type->fini(s->chip);
        g_free(s->chip->priv);
        g_free(s->chip);
}

static const char *const spi_params[] = { "chip", "speed", "max_speed", "bufsiz", NULL };

CK_STRUCT_DESC(spi_transfer_desc, struct spi_ioc_transfer,
               CK_FIELD(struct spi_ioc_transfer, tx_buf, PTR),
               CK_FIELD(struct spi_ioc_transfer, rx_buf, PTR),
               CK_FIELD(struct spi_ioc_transfer, len, UINT),
               CK_FIELD(struct spi_ioc_transfer, speed_hz, UINT),
               CK_FIELD(struct spi_ioc_transfer, delay_usecs, UINT),
               CK_FIELD(struct spi_ioc_transfer, bits_per_word, UINT),
               CK_FIELD(struct spi_ioc_transfer, cs_change, UINT),
               CK_FIELD(struct spi_ioc_transfer, tx_nbits, UINT),
               CK_FIELD(struct spi_ioc_transfer, rx_nbits, UINT),
               CK_FIELD(struct spi_ioc_transfer, word_delay_usecs, UINT));
static const struct ck_struct_desc *const spi_structs[] = { &spi_transfer_desc, NULL };

const struct ck_device_type ck_device_type_spi = {
        .name = "spi",
        .summary = "an spidev node with one emulated chip: chip=loopback, chip=25xx[:size=BYTES:page=BYTES:"
                   "file=PATH:twc=USEC], chip=mcp3008; speed=HZ, max_speed=HZ, bufsiz=BYTES",
        .ioctls = spi_ioctls,
        .n_ioctls = G_N_ELEMENTS(spi_ioctls),
        .params = spi_params,
        .structs = spi_structs,
        .priv_size = sizeof(struct spi_dev),
        .init = spi_init,
        .fini = spi_fini,
        .read = spi_read,
        .write = spi_write,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_spi);
