/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated bus: chips from the chip= list, I2C transfers, and SMBus
 * transactions composed as the I2C messages the SMBus specification
 * describes (an adapter without native SMBus does the same).
 */
#include "i2c-bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 7-bit addresses outside the reserved ranges (general call, CBUS,
 * high-speed codes, 10-bit prefixes): what i2cdetect scans by default. */
#define ADDR_FIRST 0x03
#define ADDR_LAST  0x77

extern const struct i2c_chip_type *const __start_ck_i2c_chips[];
extern const struct i2c_chip_type *const __stop_ck_i2c_chips[];

struct i2c_bus {
        struct ck_device *device;
        GPtrArray *chips;             /* struct i2c_chip * */
};

static const struct i2c_chip_type *chip_type_find(const char *name)
{
        for (const struct i2c_chip_type *const *t = __start_ck_i2c_chips; t < __stop_ck_i2c_chips; t++)
                if (strcmp((*t)->name, name) == 0)
                        return *t;
        return NULL;
}

char *i2c_bus_chip_names(void)
{
        GString *s = g_string_new(NULL);

        for (const struct i2c_chip_type *const *t = __start_ck_i2c_chips; t < __stop_ck_i2c_chips; t++)
                g_string_append_printf(s, "%s%s", s->len ? ", " : "", (*t)->name);
        return g_string_free(s, FALSE);
}

void i2c_chip_add_state(struct i2c_chip *chip, const char *name, const struct ck_state_var *var)
{
        char *full = g_strconcat(chip->prefix, name, NULL);
        struct ck_state_var v = *var;

        g_ptr_array_add(chip->names, full);
        v.name = full;
        v.userdata = chip;
        ck_device_add_state(chip->device, &v);
}

static void chip_free(struct i2c_chip *chip)
{
        if (!chip)
                return;
        if (chip->type->fini)
                chip->type->fini(chip);
        g_ptr_array_unref(chip->names);
        g_free(chip->prefix);
        g_free(chip->priv);
        g_free(chip);
}

static struct i2c_chip *chip_find(struct i2c_bus *bus, uint16_t addr, uint16_t flags)
{
        if (flags & I2C_M_TEN)
                return NULL;   /* every chip here has a 7-bit address */
        for (guint i = 0; i < bus->chips->len; i++) {
                struct i2c_chip *chip = g_ptr_array_index(bus->chips, i);
                if (chip->addr == addr)
                        return chip;
        }
        return NULL;
}

static int bad_chip(GError **error, const char *item, const char *why)
{
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "i2c: chip=%s: %s", item, why);
        return -EINVAL;
}

/* "TYPE@ADDR[:KEY=VALUE...]" */
static int chip_new(struct i2c_bus *bus, const char *item, struct i2c_chip **ret, GError **error)
{
        g_auto(GStrv) parts = g_strsplit(item, ":", -1);
        const char *at = parts[0] ? strchr(parts[0], '@') : NULL;   /* "" splits into nothing */

        if (!at || at == parts[0] || !at[1])
                return bad_chip(error, item, "expected TYPE@ADDRESS[:KEY=VALUE...]");
        g_autofree char *type_name = g_strndup(parts[0], (gsize)(at - parts[0]));
        const struct i2c_chip_type *type = chip_type_find(type_name);
        if (!type) {
                g_autofree char *known = i2c_bus_chip_names();
                g_autofree char *why = g_strdup_printf("unknown chip '%s' (known: %s)", type_name, known);
                return bad_chip(error, item, why);
        }
        char *end;
        errno = 0;
        unsigned long addr = strtoul(at + 1, &end, 0);
        if (errno || *end || at[1] == '-' || addr < ADDR_FIRST || addr > ADDR_LAST)
                return bad_chip(error, item, "the address must be a 7-bit address from 0x03 to 0x77");
        if (chip_find(bus, (uint16_t)addr, 0))
                return bad_chip(error, item, "another chip has that address");

        g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        for (char **p = parts + 1; *p; p++) {
                const char *eq = strchr(*p, '=');
                if (!eq || eq == *p)
                        return bad_chip(error, item, "options are KEY=VALUE");
                g_autofree char *key = g_strndup(*p, (gsize)(eq - *p));
                if (!type->options || !g_strv_contains(type->options, key)) {
                        g_autofree char *known = type->options ? g_strjoinv(", ", (char **)type->options)
                                                               : g_strdup("none");
                        g_autofree char *why = g_strdup_printf("%s has no option '%s' (options: %s)",
                                                               type->name, key, known);
                        return bad_chip(error, item, why);
                }
                if (g_hash_table_contains(options, key))
                        return bad_chip(error, item, "an option is given twice");
                g_hash_table_insert(options, g_steal_pointer(&key), g_strdup(eq + 1));
        }

        struct i2c_chip *chip = g_new0(struct i2c_chip, 1);
        chip->type = type;
        chip->device = bus->device;
        chip->addr = (uint16_t)addr;
        chip->prefix = g_strdup_printf("0x%02lx/", addr);
        chip->names = g_ptr_array_new_with_free_func(g_free);
        chip->priv = g_malloc0(MAX(type->priv_size, 1));
        int r = type->init ? type->init(chip, options, error) : 0;
        if (r < 0) {
                /* init failed: fini must not see a half-made chip */
                g_ptr_array_unref(chip->names);
                g_free(chip->prefix);
                g_free(chip->priv);
                g_free(chip);
                return r;
        }
        *ret = chip;
        return 0;
}

int i2c_bus_new(struct ck_device *d, const char *chips, struct i2c_bus **ret, GError **error)
{
        struct i2c_bus *bus = g_new0(struct i2c_bus, 1);

        bus->device = d;
        bus->chips = g_ptr_array_new_with_free_func((GDestroyNotify)chip_free);
        if (chips && chips[0]) {
                g_auto(GStrv) items = g_strsplit(chips, CK_LIST_SEPARATOR, -1);
                for (char **item = items; *item; item++) {
                        struct i2c_chip *chip;
                        int r = chip_new(bus, *item, &chip, error);
                        if (r < 0) {
                                i2c_bus_free(bus);
                                return r;
                        }
                        g_ptr_array_add(bus->chips, chip);
                }
        }
        *ret = bus;
        return 0;
}

void i2c_bus_free(struct i2c_bus *bus)
{
        if (!bus)
                return;
        g_ptr_array_unref(bus->chips);
        g_free(bus);
}

/* I2C_M_RECV_LEN: the first byte read says how many follow (1..32). */
static int read_recv_len(struct i2c_chip *chip, struct i2c_xfer *m)
{
        int r = chip->type->read(chip, m->buf, 1);
        if (r < 0)
                return r;
        uint8_t count = m->buf[0];
        if (count == 0 || count > I2C_SMBUS_BLOCK_MAX)
                return -EPROTO;
        r = chip->type->read(chip, m->buf + 1, (size_t)m->len - 1 + count);
        if (r < 0)
                return r;
        m->len = (uint16_t)(m->len + count);
        return 0;
}

int i2c_bus_transfer(struct i2c_bus *bus, struct i2c_xfer *msgs, unsigned n)
{
        int r = 0;

        for (unsigned i = 0; i < n && r == 0; i++) {
                struct i2c_xfer *m = &msgs[i];
                struct i2c_chip *chip = chip_find(bus, m->addr, m->flags);
                if (!chip) {
                        r = -ENXIO;   /* nobody acknowledged the address */
                        break;
                }
                bool read = m->flags & I2C_M_RD;
                if (chip->type->start)
                        chip->type->start(chip, read);
                if (!read)
                        r = chip->type->write(chip, m->buf, m->len);
                else if (m->flags & I2C_M_RECV_LEN)
                        r = read_recv_len(chip, m);
                else
                        r = chip->type->read(chip, m->buf, m->len);
        }
        /* one STOP, seen by every target */
        for (guint i = 0; i < bus->chips->len; i++) {
                struct i2c_chip *chip = g_ptr_array_index(bus->chips, i);
                int s = chip->type->stop ? chip->type->stop(chip) : 0;
                if (s < 0 && r == 0)
                        r = s;
        }
        return r < 0 ? r : (int)n;
}

/* SMBus PEC: CRC-8, polynomial x^8 + x^2 + x + 1, over every byte on the
 * wire including the address bytes. */
static uint8_t pec_update(uint8_t crc, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                crc ^= p[i];
                for (int bit = 0; bit < 8; bit++)
                        crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
        }
        return crc;
}

static uint8_t pec_addr(uint8_t crc, uint16_t addr, bool read)
{
        uint8_t a = (uint8_t)((addr << 1) | (read ? 1 : 0));

        return pec_update(crc, &a, 1);
}

int i2c_bus_smbus(struct i2c_bus *bus, uint16_t addr, bool ten, bool pec,
                  uint8_t read_write, uint8_t command, uint32_t size, union i2c_smbus_data *data)
{
        /* command, count, 32 bytes, PEC */
        uint8_t w[I2C_SMBUS_BLOCK_MAX + 3] = { command };
        /* count, 32 bytes, PEC, and the RECV_LEN room */
        uint8_t rd[2 * I2C_SMBUS_BLOCK_MAX + 3] = { 0 };
        uint16_t flags = ten ? I2C_M_TEN : 0;
        size_t wlen = 1, rlen = 0;
        bool reads = read_write == I2C_SMBUS_READ, recv_len = false;

        switch (size) {
        case I2C_SMBUS_QUICK: {
                /* the read/write bit is the datum */
                struct i2c_xfer m = { .addr = addr, .flags = flags | (reads ? I2C_M_RD : 0), .buf = w };
                int r = i2c_bus_transfer(bus, &m, 1);
                return r < 0 ? r : 0;
        }
        case I2C_SMBUS_BYTE:
                if (reads) {
                        wlen = 0;
                        rlen = 1;
                }
                break;
        case I2C_SMBUS_BYTE_DATA:
                if (reads)
                        rlen = 1;
                else
                        w[wlen++] = data->byte;
                break;
        case I2C_SMBUS_WORD_DATA:
        case I2C_SMBUS_PROC_CALL:
                if (size == I2C_SMBUS_PROC_CALL || !reads) {
                        w[wlen++] = (uint8_t)(data->word & 0xff);
                        w[wlen++] = (uint8_t)(data->word >> 8);
                }
                if (size == I2C_SMBUS_PROC_CALL || reads)
                        rlen = 2;
                break;
        case I2C_SMBUS_BLOCK_DATA:
        case I2C_SMBUS_BLOCK_PROC_CALL:
                if (size == I2C_SMBUS_BLOCK_PROC_CALL || !reads) {
                        if (data->block[0] > I2C_SMBUS_BLOCK_MAX)
                                return -EINVAL;
                        memcpy(w + 1, data->block, (size_t)data->block[0] + 1);
                        wlen += (size_t)data->block[0] + 1;
                }
                if (size == I2C_SMBUS_BLOCK_PROC_CALL || reads) {
                        recv_len = true;
                        rlen = 1;     /* the count byte */
                }
                break;
        case I2C_SMBUS_I2C_BLOCK_DATA:
                if (data->block[0] > I2C_SMBUS_BLOCK_MAX)
                        return -EINVAL;
                if (reads) {
                        rlen = data->block[0];
                } else {
                        memcpy(w + 1, data->block + 1, data->block[0]);
                        wlen += data->block[0];
                }
                break;
        default:
                return -EOPNOTSUPP;
        }

        /* an I2C block read of 0 bytes is still a read message */
        bool has_read = rlen > 0 || (reads && size == I2C_SMBUS_I2C_BLOCK_DATA);
        bool wants_pec = pec && size != I2C_SMBUS_I2C_BLOCK_DATA;
        uint8_t crc = 0;
        if (wants_pec && wlen) {
                crc = pec_update(pec_addr(0, addr, false), w, wlen);
                if (!has_read)
                        w[wlen++] = crc;
        }
        if (wants_pec && has_read)
                rlen++;

        struct i2c_xfer msgs[2];
        unsigned n = 0;
        if (wlen)
                msgs[n++] = (struct i2c_xfer){ .addr = addr, .flags = flags, .len = (uint16_t)wlen, .buf = w };
        if (has_read)
                msgs[n++] = (struct i2c_xfer){ .addr = addr, .flags = flags | I2C_M_RD |
                                                                  (recv_len ? I2C_M_RECV_LEN : 0),
                                               .len = (uint16_t)rlen, .buf = rd };
        int r = i2c_bus_transfer(bus, msgs, n);
        if (r < 0)
                return r;
        if (!has_read)
                return 0;

        size_t got = msgs[n - 1].len;
        if (wants_pec) {
                crc = pec_update(pec_addr(crc, addr, true), rd, got - 1);
                if (crc != rd[got - 1])
                        return -EBADMSG;
        }
        switch (size) {
        case I2C_SMBUS_BYTE:
        case I2C_SMBUS_BYTE_DATA:
                data->byte = rd[0];
                break;
        case I2C_SMBUS_WORD_DATA:
        case I2C_SMBUS_PROC_CALL:
                data->word = (uint16_t)(rd[0] | rd[1] << 8);
                break;
        case I2C_SMBUS_BLOCK_DATA:
        case I2C_SMBUS_BLOCK_PROC_CALL:
                memcpy(data->block, rd, (size_t)rd[0] + 1);
                break;
        case I2C_SMBUS_I2C_BLOCK_DATA:
                memcpy(data->block + 1, rd, data->block[0]);
                break;
        }
        return 0;
}
