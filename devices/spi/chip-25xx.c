/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 25xx: a serial EEPROM of Microchip's 25AA/25LC family (25LC640 by
 * default: 8 KiB, 32-byte pages, two address bytes).
 *
 * Instructions READ (03), WRITE (02), WRDI (04), RDSR (05), WREN (06) and
 * WRSR (01).  WREN and WRDI take effect when chip select rises.  WRITE
 * needs the write-enable latch: its bytes fill the page the address is in,
 * wrapping within it, and are programmed when chip select rises, which
 * starts a write cycle of twc microseconds: WIP reads 1 in the status
 * register, every instruction but RDSR is ignored, and the latch is reset.
 * WRSR (latch needed, a write cycle too) sets the block protection bits
 * BP1:BP0 (upper quarter, half, all) and WPEN; writes to protected pages
 * are dropped.  READ runs on through the array, wrapping at its end.  DOUT
 * floats outside a read's data phase.
 *
 * Options: size=BYTES (128 to 131072, a power of two; one address byte up
 * to 256, three above 65536), page=BYTES (a power of two up to size),
 * file=PATH (the contents, created erased when missing and rewritten after
 * every write cycle), twc=USEC (5000).
 * State: "bytes" (ay, persistent), "status" (y).
 */
#include "spi-chip.h"

#include <errno.h>
#include <string.h>

enum {
        OP_WRSR = 0x01,
        OP_WRITE = 0x02,
        OP_READ = 0x03,
        OP_WRDI = 0x04,
        OP_RDSR = 0x05,
        OP_WREN = 0x06,
};

#define SR_WIP  0x01
#define SR_WEL  0x02
#define SR_BP   0x0c
#define SR_WPEN 0x80

enum phase {
        PHASE_OP,
        PHASE_ADDR,
        PHASE_DATA,
        PHASE_IGNORE,                 /* the rest of this select is not for us */
};

struct eeprom {
        uint8_t *mem;
        unsigned size, page, addr_bytes;
        gint64 twc_us;
        char *file;
        uint8_t status;               /* WEL, BP, WPEN; WIP comes from busy_until */
        gint64 busy_until;            /* monotonic microseconds */
        enum phase phase;
        uint8_t op;
        unsigned addr_seen;
        unsigned addr;
        unsigned page_base;
        uint8_t *page_buf;
        uint8_t *latched;             /* per page byte: written in this WRITE */
        bool any_latched;
        bool wrsr_seen;
        uint8_t wrsr_value;
};

static bool busy(const struct eeprom *e)
{
        return g_get_monotonic_time() < e->busy_until;
}

static uint8_t status_now(const struct eeprom *e)
{
        return (uint8_t)(e->status | (busy(e) ? SR_WIP : 0));
}

static int eeprom_save(struct eeprom *e, GError **error)
{
        if (!e->file)
                return 0;
        if (!g_file_set_contents(e->file, (const char *)e->mem, e->size, error))
                return -EIO;
        return 0;
}

static void eeprom_select(struct spi_chip *chip)
{
        struct eeprom *e = chip->priv;

        e->phase = PHASE_OP;
        e->addr_seen = 0;
        e->addr = 0;
        e->any_latched = false;
        e->wrsr_seen = false;
        memset(e->latched, 0, e->page);
}

static void start_op(struct eeprom *e, uint8_t op)
{
        e->op = op;
        if (busy(e) && op != OP_RDSR) {
                e->phase = PHASE_IGNORE;
                return;
        }
        switch (op) {
        case OP_READ:
        case OP_WRITE:
                e->phase = PHASE_ADDR;
                break;
        case OP_RDSR:
        case OP_WRSR:
                e->phase = PHASE_DATA;
                break;
        case OP_WREN:
        case OP_WRDI:
                e->phase = PHASE_IGNORE;   /* nothing follows; acted on at deselect */
                break;
        default:
                e->op = 0;
                e->phase = PHASE_IGNORE;
        }
}

static uint8_t data_byte(struct eeprom *e, uint8_t in)
{
        switch (e->op) {
        case OP_READ: {
                uint8_t b = e->mem[e->addr];
                e->addr = (e->addr + 1) & (e->size - 1);
                return b;
        }
        case OP_RDSR:
                return status_now(e);
        case OP_WRITE: {
                unsigned slot = e->addr & (e->page - 1);
                e->page_buf[slot] = in;
                e->latched[slot] = 1;
                e->any_latched = true;
                e->addr = e->page_base | ((slot + 1) & (e->page - 1));
                return SPI_MISO_FLOATING;
        }
        case OP_WRSR:
                if (!e->wrsr_seen) {
                        e->wrsr_value = in;
                        e->wrsr_seen = true;
                }
                return SPI_MISO_FLOATING;
        default:
                return SPI_MISO_FLOATING;
        }
}

static void eeprom_exchange(struct spi_chip *chip, const uint8_t *mosi, uint8_t *miso, size_t len)
{
        struct eeprom *e = chip->priv;

        for (size_t i = 0; i < len; i++) {
                switch (e->phase) {
                case PHASE_OP:
                        start_op(e, mosi[i]);
                        break;
                case PHASE_ADDR:
                        e->addr = (e->addr << 8 | mosi[i]) & (e->size - 1);
                        if (++e->addr_seen == e->addr_bytes) {
                                e->phase = PHASE_DATA;
                                e->page_base = e->addr & ~(e->page - 1);
                        }
                        break;
                case PHASE_DATA:
                        miso[i] = data_byte(e, mosi[i]);
                        break;
                case PHASE_IGNORE:
                        break;
                }
        }
}

/* The first protected byte for BP1:BP0. */
static unsigned protected_from(const struct eeprom *e)
{
        switch ((e->status & SR_BP) >> 2) {
        case 1:
                return e->size - e->size / 4;
        case 2:
                return e->size / 2;
        case 3:
                return 0;
        default:
                return e->size;
        }
}

static void eeprom_deselect(struct spi_chip *chip)
{
        struct eeprom *e = chip->priv;
        bool enabled = e->status & SR_WEL;

        if (e->phase == PHASE_IGNORE && e->op != OP_WREN && e->op != OP_WRDI)
                return;
        switch (e->op) {
        case OP_WREN:
                e->status |= SR_WEL;
                break;
        case OP_WRDI:
                e->status &= (uint8_t)~SR_WEL;
                break;
        case OP_WRITE:
                if (!enabled || !e->any_latched)
                        break;
                for (unsigned i = 0; i < e->page; i++)
                        if (e->latched[i] && e->page_base + i < protected_from(e))
                                e->mem[e->page_base + i] = e->page_buf[i];
                e->status &= (uint8_t)~SR_WEL;
                e->busy_until = g_get_monotonic_time() + e->twc_us;
                ck_device_state_changed(chip->device);
                eeprom_save(e, NULL);   /* the bus has no way to say "not saved" */
                break;
        case OP_WRSR:
                if (!enabled || !e->wrsr_seen)
                        break;
                e->status = (uint8_t)((e->status & ~(SR_BP | SR_WPEN)) | (e->wrsr_value & (SR_BP | SR_WPEN)));
                e->status &= (uint8_t)~SR_WEL;
                e->busy_until = g_get_monotonic_time() + e->twc_us;
                break;
        default:
                break;
        }
        e->op = 0;
}

static GVariant *bytes_get(struct ck_device *d, void *userdata)
{
        struct eeprom *e = ((struct spi_chip *)userdata)->priv;

        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, e->mem, e->size, 1);
}

static int bytes_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct eeprom *e = ((struct spi_chip *)userdata)->priv;
        gsize n;
        const uint8_t *bytes = g_variant_get_fixed_array(value, &n, 1);

        if (n != e->size) {
                g_set_error(error, CK_ERROR, EINVAL, "bytes: this 25xx holds %u bytes, not %" G_GSIZE_FORMAT,
                            e->size, n);
                return -EINVAL;
        }
        memcpy(e->mem, bytes, e->size);
        ck_device_state_changed(d);
        return eeprom_save(e, error);
}

static GVariant *status_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_byte(status_now(((struct spi_chip *)userdata)->priv));
}

static int bad_option(GError **error, const char *key, const char *value, const char *why)
{
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "spi: chip=25xx: %s=%s: %s", key, value, why);
        return -EINVAL;
}

static int option_u(GHashTable *options, const char *key, guint64 min, guint64 max, bool pow2, guint64 *value,
                    GError **error)
{
        const char *text = g_hash_table_lookup(options, key);

        if (!text)
                return 0;
        guint64 v;
        if (!g_ascii_string_to_unsigned(text, 10, min, max, &v, NULL) || (pow2 && (v & (v - 1)))) {
                g_autofree char *why = g_strdup_printf("expected %sa number from %" G_GUINT64_FORMAT
                                                       " to %" G_GUINT64_FORMAT, pow2 ? "a power of two, " : "",
                                                       min, max);
                return bad_option(error, key, text, why);
        }
        *value = v;
        return 0;
}

static int eeprom_load(struct eeprom *e, GError **error)
{
        g_autoptr(GError) local = NULL;
        g_autofree char *contents = NULL;
        gsize n;

        if (!g_file_get_contents(e->file, &contents, &n, &local)) {
                if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return bad_option(error, "file", e->file, local->message);
                g_clear_error(&local);
                if (eeprom_save(e, &local) < 0)      /* a new part comes erased */
                        return bad_option(error, "file", e->file, local->message);
                return 0;
        }
        if (n != e->size) {
                g_autofree char *why = g_strdup_printf("has %" G_GSIZE_FORMAT " bytes, this 25xx holds %u", n,
                                                       e->size);
                return bad_option(error, "file", e->file, why);
        }
        memcpy(e->mem, contents, e->size);
        return 0;
}

static void eeprom_fini(struct spi_chip *chip)
{
        struct eeprom *e = chip->priv;

        g_free(e->mem);
        g_free(e->page_buf);
        g_free(e->latched);
        g_free(e->file);
}

static int eeprom_init(struct spi_chip *chip, GHashTable *options, GError **error)
{
        struct eeprom *e = chip->priv;
        guint64 size = 8192, page = 32, twc = 5000;
        const char *file = g_hash_table_lookup(options, "file");
        int r;

        if ((r = option_u(options, "size", 128, 131072, true, &size, error)) < 0 ||
            (r = option_u(options, "page", 1, size, true, &page, error)) < 0 ||
            (r = option_u(options, "twc", 0, 10000000, false, &twc, error)) < 0)
                return r;
        if (page > size)
                return bad_option(error, "page", g_hash_table_lookup(options, "page"), "larger than the array");
        if (file && !file[0])
                return bad_option(error, "file", file, "needs a path");
        e->size = (unsigned)size;
        e->page = (unsigned)page;
        e->twc_us = (gint64)twc;
        e->addr_bytes = size <= 256 ? 1 : size <= 65536 ? 2 : 3;
        e->mem = g_malloc(e->size);
        memset(e->mem, 0xff, e->size);
        e->page_buf = g_malloc0(e->page);
        e->latched = g_malloc0(e->page);
        if (file) {
                e->file = g_strdup(file);
                if ((r = eeprom_load(e, error)) < 0) {
                        eeprom_fini(chip);
                        memset(e, 0, sizeof(*e));
                        return r;
                }
        }
        ck_device_add_state(chip->device, &(struct ck_state_var){
                .name = "bytes", .summary = "the EEPROM's contents", .type = "ay", .persistent = TRUE,
                .get = bytes_get, .set = bytes_set, .userdata = chip });
        ck_device_add_state(chip->device, &(struct ck_state_var){
                .name = "status", .summary = "the status register: WIP, WEL, BP0, BP1, WPEN", .type = "y",
                .get = status_get, .userdata = chip });
        return 0;
}

static const char *const eeprom_options[] = { "size", "page", "file", "twc", NULL };

static const struct spi_chip_type spi_chip_25xx = {
        .name = "25xx",
        .summary = "SPI EEPROM (25LC640 by default: 8 KiB, 32-byte pages), write latch, block protection",
        .options = eeprom_options,
        .priv_size = sizeof(struct eeprom),
        .init = eeprom_init,
        .fini = eeprom_fini,
        .select = eeprom_select,
        .exchange = eeprom_exchange,
        .deselect = eeprom_deselect,
};
SPI_CHIP_REGISTER(spi_chip_25xx);
