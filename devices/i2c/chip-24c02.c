/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 24c02: a 2 Kbit (256 x 8) serial EEPROM.
 *
 * The first byte of a write sets the address counter; the bytes after it
 * fill the 8-byte page the counter is in, wrapping within that page, and
 * are programmed at STOP (a repeated START instead abandons them, as on
 * the part).  Reads start at the counter and run on through the whole
 * array, wrapping at the end.  Quick writes and reads just acknowledge.
 *
 * Options: file=PATH keeps the contents in a 256-byte file (created
 * erased, all 0xff, when missing; rewritten after every programmed page).
 * State: "ADDR/bytes" (ay, 256 bytes).
 */
#include "i2c-chip.h"

#include <errno.h>
#include <string.h>

#define EEPROM_SIZE 256
#define EEPROM_PAGE 8

struct eeprom {
        uint8_t mem[EEPROM_SIZE];
        uint8_t counter;              /* the address counter: wraps at 256 by its type */
        bool want_addr;               /* the next byte written is the word address */
        uint8_t page[EEPROM_PAGE];    /* bytes latched for programming at STOP */
        uint8_t latched;              /* bit i: page[i] holds a byte */
        uint8_t page_base;
        char *file;
};

static int eeprom_save(struct eeprom *e, GError **error)
{
        if (!e->file)
                return 0;
        if (!g_file_set_contents(e->file, (const char *)e->mem, EEPROM_SIZE, error))
                return -EIO;
        return 0;
}

static void eeprom_start(struct i2c_chip *chip, bool read)
{
        struct eeprom *e = chip->priv;

        e->latched = 0;
        e->want_addr = !read;
}

static int eeprom_write(struct i2c_chip *chip, const uint8_t *data, size_t len)
{
        struct eeprom *e = chip->priv;

        for (size_t i = 0; i < len; i++) {
                if (e->want_addr) {
                        e->counter = data[i];
                        e->page_base = (uint8_t)(data[i] & ~(EEPROM_PAGE - 1));
                        e->want_addr = false;
                        continue;
                }
                unsigned slot = e->counter & (EEPROM_PAGE - 1);
                e->page[slot] = data[i];
                e->latched |= (uint8_t)(1u << slot);
                e->counter = (uint8_t)(e->page_base | ((slot + 1) & (EEPROM_PAGE - 1)));
        }
        return 0;
}

static int eeprom_read(struct i2c_chip *chip, uint8_t *data, size_t len)
{
        struct eeprom *e = chip->priv;

        for (size_t i = 0; i < len; i++)
                data[i] = e->mem[e->counter++];
        return 0;
}

static int eeprom_stop(struct i2c_chip *chip)
{
        struct eeprom *e = chip->priv;

        if (!e->latched)
                return 0;
        for (unsigned i = 0; i < EEPROM_PAGE; i++)
                if (e->latched & (1u << i))
                        e->mem[e->page_base + i] = e->page[i];
        e->latched = 0;
        ck_device_state_changed(chip->device);
        /* the bus has no way to say "not saved" but an error */
        return eeprom_save(e, NULL);
}

static GVariant *eeprom_bytes_get(struct ck_device *d, void *userdata)
{
        struct eeprom *e = ((struct i2c_chip *)userdata)->priv;

        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, e->mem, EEPROM_SIZE, 1);
}

static int eeprom_bytes_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct i2c_chip *chip = userdata;
        struct eeprom *e = chip->priv;
        gsize n;
        const uint8_t *bytes = g_variant_get_fixed_array(value, &n, 1);

        if (n != EEPROM_SIZE) {
                g_set_error(error, CK_ERROR, EINVAL, "%sbytes: a 24c02 holds %d bytes, not %" G_GSIZE_FORMAT,
                            chip->prefix, EEPROM_SIZE, n);
                return -EINVAL;
        }
        memcpy(e->mem, bytes, EEPROM_SIZE);
        ck_device_state_changed(d);
        return eeprom_save(e, error);
}

static int eeprom_load(struct i2c_chip *chip, struct eeprom *e, GError **error)
{
        g_autoptr(GError) local = NULL;
        g_autofree char *contents = NULL;
        gsize n;

        if (!g_file_get_contents(e->file, &contents, &n, &local)) {
                if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "i2c: 24c02@0x%02x: file=%s: %s", chip->addr, e->file, local->message);
                        return -EINVAL;
                }
                /* a new part comes erased */
                g_clear_error(&local);
                if (eeprom_save(e, &local) < 0) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "i2c: 24c02@0x%02x: file=%s: %s", chip->addr, e->file, local->message);
                        return -EINVAL;
                }
                return 0;
        }
        if (n != EEPROM_SIZE) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "i2c: 24c02@0x%02x: file=%s: has %" G_GSIZE_FORMAT " bytes, a 24c02 holds %d",
                            chip->addr, e->file, n, EEPROM_SIZE);
                return -EINVAL;
        }
        memcpy(e->mem, contents, EEPROM_SIZE);
        return 0;
}

static int eeprom_init(struct i2c_chip *chip, GHashTable *options, GError **error)
{
        struct eeprom *e = chip->priv;
        const char *file = g_hash_table_lookup(options, "file");

        memset(e->mem, 0xff, sizeof(e->mem));
        if (file) {
                if (!file[0]) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "i2c: 24c02@0x%02x: file= needs a path", chip->addr);
                        return -EINVAL;
                }
                e->file = g_strdup(file);
                int r = eeprom_load(chip, e, error);
                if (r < 0) {
                        g_clear_pointer(&e->file, g_free);
                        return r;
                }
        }
        i2c_chip_add_state(chip, "bytes", &(struct ck_state_var){
                .summary = "the EEPROM's 256 bytes",
                .type = "ay",
                .persistent = TRUE,
                .get = eeprom_bytes_get,
                .set = eeprom_bytes_set,
        });
        return 0;
}

static void eeprom_fini(struct i2c_chip *chip)
{
        struct eeprom *e = chip->priv;

        g_free(e->file);
}

static const char *const eeprom_options[] = { "file", NULL };

static const struct i2c_chip_type i2c_chip_24c02 = {
        .name = "24c02",
        .summary = "256-byte EEPROM, 8-byte pages",
        .options = eeprom_options,
        .priv_size = sizeof(struct eeprom),
        .init = eeprom_init,
        .fini = eeprom_fini,
        .start = eeprom_start,
        .write = eeprom_write,
        .read = eeprom_read,
        .stop = eeprom_stop,
};
I2C_CHIP_REGISTER(i2c_chip_24c02);
