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
 * The file is opened when the chip is made, so that it stays writable
 * after cusekitd drops privileges; one the chip created is removed again
 * if nothing was ever programmed (a start-up that failed leaves nothing).
 * A page that cannot be saved is still programmed, and said so in the log:
 * the bus saw the write succeed.
 * State: "ADDR/bytes" (ay, 256 bytes).
 */
#include "i2c-chip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        int fd;                       /* the open file=, or -1 */
        bool created;                 /* the file is ours: made by eeprom_init */
        bool programmed;              /* anything written since */
        bool save_failed;             /* logged once */
};

static int eeprom_save(struct eeprom *e, GError **error)
{
        if (e->fd < 0)
                return 0;
        /* one write of the whole part, through the descriptor opened at start-up */
        ssize_t n = pwrite(e->fd, e->mem, EEPROM_SIZE, 0);
        if (n != EEPROM_SIZE) {
                int err = n < 0 ? errno : EIO;
                g_set_error(error, CK_ERROR, err, "%s: %s", e->file, g_strerror(err));
                return -err;
        }
        return 0;
}

/* The change is made; only its copy on disk failed: log it (once), do not fail the client. */
static void eeprom_saved(struct i2c_chip *chip, struct eeprom *e)
{
        g_autoptr(GError) error = NULL;

        e->programmed = true;
        if (eeprom_save(e, &error) < 0) {
                if (!e->save_failed)
                        g_warning("%s: 24c02@0x%02x: saving file=: %s", ck_device_name(chip->device), chip->addr,
                                  error->message);
                e->save_failed = true;
        } else {
                e->save_failed = false;
        }
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
        eeprom_saved(chip, e);
        return 0;
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
        eeprom_saved(chip, e);
        return 0;
}

static int eeprom_open(struct i2c_chip *chip, struct eeprom *e, GError **error)
{
        struct stat st;

        e->fd = open(e->file, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (e->fd < 0 && errno == ENOENT) {
                /* a new part comes erased */
                e->fd = open(e->file, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
                if (e->fd >= 0) {
                        e->created = true;
                        if (eeprom_save(e, NULL) < 0)
                                goto fail;
                        return 0;
                }
        }
        if (e->fd < 0 || fstat(e->fd, &st) < 0)
                goto fail;
        if (!S_ISREG(st.st_mode)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "i2c: 24c02@0x%02x: file=%s: not a regular file", chip->addr, e->file);
                return -EINVAL;
        }
        if (st.st_size != EEPROM_SIZE) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "i2c: 24c02@0x%02x: file=%s: has %jd bytes, a 24c02 holds %d", chip->addr, e->file,
                            (intmax_t)st.st_size, EEPROM_SIZE);
                return -EINVAL;
        }
        if (pread(e->fd, e->mem, EEPROM_SIZE, 0) != EEPROM_SIZE)
                goto fail;
        return 0;
fail:;
        int err = errno ? errno : EIO;
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "i2c: 24c02@0x%02x: file=%s: %s", chip->addr,
                    e->file, g_strerror(err));
        return -EINVAL;
}

static void eeprom_close(struct eeprom *e)
{
        if (e->fd < 0)
                return;
        close(e->fd);
        e->fd = -1;
        if (e->created && !e->programmed)
                (void)unlink(e->file);
}

static int eeprom_init(struct i2c_chip *chip, GHashTable *options, GError **error)
{
        struct eeprom *e = chip->priv;
        const char *file = g_hash_table_lookup(options, "file");

        memset(e->mem, 0xff, sizeof(e->mem));
        e->fd = -1;
        if (file) {
                if (!file[0]) {
                        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                    "i2c: 24c02@0x%02x: file= needs a path", chip->addr);
                        return -EINVAL;
                }
                e->file = g_strdup(file);
                int r = eeprom_open(chip, e, error);
                if (r < 0) {
                        eeprom_close(e);
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

        eeprom_close(e);
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
