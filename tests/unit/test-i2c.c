/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The i2c adapter and its chips through the loopback transport: every
 * ioctl, the chips' register models, and i2c-dev's errors for bad input,
 * including lengths a racing client changes between fetch rounds. */
#include "i2c/i2c-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define EEPROM 0x50
#define SENSOR 0x48

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        /* client memory: every address the tests pass lies in here */
        struct {
                struct i2c_rdwr_ioctl_data rdwr;
                struct i2c_smbus_ioctl_data smbus;
                union i2c_smbus_data data;
                unsigned long funcs;
                struct i2c_msg msgs[I2C_RDWR_IOCTL_MAX_MSGS + 2];
                guint8 buf[20][CK_I2C_MSG_MAX + 8];
        } *mem;
};

/* @chips: "a;b" as in a config file, joined as the spec parser joins them. */
static struct ck_device *new_device(const char *chips, GError **error)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autofree char *joined = chips ? g_strdelimit(g_strdup(chips), ";", CK_LIST_SEPARATOR[0]) : NULL;
        struct ck_device *d = NULL;

        if (chips)
                g_hash_table_insert(params, "chip", joined);
        ck_device_new("i2c", "i2c-7", params, &d, error);
        return d;
}

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        fx->dev = new_device("24c02@0x50;lm75@0x48:temp=42500", &error);
        g_assert_no_error(error);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int lb_ioctl(struct fixture *fx, unsigned long request, uint64_t arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, arg);
}

static uint64_t ptr(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

static int slave(struct fixture *fx, unsigned long addr)
{
        return lb_ioctl(fx, CK_REQUEST(I2C_SLAVE), addr);
}

/* One SMBus transaction at the I2C_SLAVE address, data in fx->mem->data. */
static int smbus(struct fixture *fx, uint8_t read_write, uint8_t command, uint32_t size)
{
        fx->mem->smbus = (struct i2c_smbus_ioctl_data){
                .read_write = read_write, .command = command, .size = size, .data = &fx->mem->data,
        };
        return lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus));
}

static int write_byte_data(struct fixture *fx, uint8_t reg, uint8_t value)
{
        fx->mem->data.byte = value;
        return smbus(fx, I2C_SMBUS_WRITE, reg, I2C_SMBUS_BYTE_DATA);
}

static int read_byte_data(struct fixture *fx, uint8_t reg)
{
        fx->mem->data.word = 0xeeee;
        int r = smbus(fx, I2C_SMBUS_READ, reg, I2C_SMBUS_BYTE_DATA);
        return r < 0 ? r : fx->mem->data.byte;
}

static int read_word_data(struct fixture *fx, uint8_t reg)
{
        int r = smbus(fx, I2C_SMBUS_READ, reg, I2C_SMBUS_WORD_DATA);
        return r < 0 ? r : fx->mem->data.word;
}

/* I2C_RDWR over msgs[0..n), as set up by the caller. */
static int rdwr(struct fixture *fx, unsigned n)
{
        fx->mem->rdwr = (struct i2c_rdwr_ioctl_data){ .msgs = fx->mem->msgs, .nmsgs = n };
        return lb_ioctl(fx, CK_REQUEST(I2C_RDWR), ptr(&fx->mem->rdwr));
}

static void msg(struct fixture *fx, unsigned i, uint16_t addr, uint16_t flags, uint16_t len, const void *bytes)
{
        fx->mem->msgs[i] = (struct i2c_msg){ .addr = addr, .flags = flags, .len = len, .buf = fx->mem->buf[i] };
        if (bytes)
                memcpy(fx->mem->buf[i], bytes, len);
        else
                memset(fx->mem->buf[i], 0xee, len);
}

static void test_funcs(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_FUNCS), ptr(&fx->mem->funcs)), ==, 0);
        g_assert_cmphex(fx->mem->funcs, ==, I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL_ALL);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_FUNCS), 0), ==, -EFAULT);
        g_assert_cmpint(lb_ioctl(fx, 0x0709, 0), ==, -ENOTTY);
}

static void test_settings(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(slave(fx, 0x7f), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);   /* by value: no memory */
        g_assert_cmpint(slave(fx, 0x80), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SLAVE_FORCE), 0x80), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_TENBIT), 1), ==, 0);
        g_assert_cmpint(slave(fx, 0x3ff), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SLAVE_FORCE), 0x3ff), ==, 0);
        g_assert_cmpint(slave(fx, 0x400), ==, -EINVAL);
        g_assert_cmpint(slave(fx, 0x100000050ull), ==, -EINVAL);
        /* ten-bit: no chip has such an address */
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK), ==, -ENXIO);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_TENBIT), 0), ==, 0);
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK), ==, 0);

        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_RETRIES), 2147483647), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_RETRIES), 2147483648u), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_TIMEOUT), 214748364), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_TIMEOUT), 214748365), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_PEC), 1), ==, 0);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_PEC), 0), ==, 0);
}

/* What i2cdetect does: quick writes (reads of a byte in the EEPROM range). */
static void test_scan(struct fixture *fx, gconstpointer data)
{
        for (unsigned addr = 0x03; addr <= 0x77; addr++) {
                g_assert_cmpint(slave(fx, addr), ==, 0);
                int quick = smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK);
                int byte = smbus(fx, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE);
                bool present = addr == EEPROM || addr == SENSOR;
                g_assert_cmpint(quick, ==, present ? 0 : -ENXIO);
                g_assert_cmpint(byte, ==, present ? 0 : -ENXIO);
        }
        /* the data pointer of a quick transaction is not used */
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        fx->mem->smbus = (struct i2c_smbus_ioctl_data){ .read_write = I2C_SMBUS_READ, .size = I2C_SMBUS_QUICK };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus)), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);
}

static void test_eeprom(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x10), ==, 0xff);   /* erased */
        g_assert_cmpint(write_byte_data(fx, 0x10, 0xab), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 3);
        g_assert_cmpint(read_byte_data(fx, 0x10), ==, 0xab);
        /* current address read continues after the byte just read */
        g_assert_cmpint(write_byte_data(fx, 0x11, 0xcd), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x10), ==, 0xab);
        fx->mem->data.byte = 0;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE), ==, 0);
        g_assert_cmpuint(fx->mem->data.byte, ==, 0xcd);

        /* a page write of 10 bytes at 0x1e wraps within the page 0x18..0x1f */
        static const guint8 ten[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        fx->mem->data.block[0] = sizeof(ten);
        memcpy(fx->mem->data.block + 1, ten, sizeof(ten));
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x1e, I2C_SMBUS_I2C_BLOCK_DATA), ==, 0);
        memset(&fx->mem->data, 0, sizeof(fx->mem->data));
        fx->mem->data.block[0] = 10;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0x18, I2C_SMBUS_I2C_BLOCK_DATA), ==, 0);
        static const guint8 page[] = { 2, 3, 4, 5, 6, 7, 8, 9, 0xff, 0xff };
        g_assert_cmpmem(fx->mem->data.block + 1, 10, page, 10);

        /* the old I2C block call reads a whole block */
        memset(&fx->mem->data, 0, sizeof(fx->mem->data));
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0x18, I2C_SMBUS_I2C_BLOCK_BROKEN), ==, 0);
        g_assert_cmpuint(fx->mem->data.block[0], ==, 32);
        g_assert_cmpmem(fx->mem->data.block + 1, 10, page, 10);

        /* random read through I2C_RDWR: set the address, then read across the end */
        msg(fx, 0, EEPROM, 0, 2, "\xfe\x42");
        g_assert_cmpint(rdwr(fx, 1), ==, 1);
        msg(fx, 0, EEPROM, 0, 1, "\xfe");
        msg(fx, 1, EEPROM, I2C_M_RD, 4, NULL);
        g_assert_cmpint(rdwr(fx, 2), ==, 2);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 4);   /* argument, messages, buffers, answer */
        g_assert_cmpmem(fx->mem->buf[1], 4, "\x42\xff\xff\xff", 4);   /* 0xfe, 0xff, then 0x00, 0x01 */

        /* a write followed by a repeated START, not a STOP, programs nothing */
        msg(fx, 0, EEPROM, 0, 2, "\x20\x77");
        msg(fx, 1, EEPROM, I2C_M_RD, 1, NULL);
        g_assert_cmpint(rdwr(fx, 2), ==, 2);
        g_assert_cmpint(read_byte_data(fx, 0x20), ==, 0xff);

        /* read() and write() go to the I2C_SLAVE address */
        g_assert_cmpint(ck_loopback_write(fx->lb, "\x30hello", 6), ==, 6);
        g_assert_cmpint(ck_loopback_write(fx->lb, "\x30", 1), ==, 1);
        char text[5];
        g_assert_cmpint(ck_loopback_read(fx->lb, text, 5), ==, 5);
        g_assert_cmpmem(text, 5, "hello", 5);
        g_assert_cmpint(slave(fx, 0x51), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, text, 5), ==, -ENXIO);
        g_assert_cmpint(ck_loopback_write(fx->lb, "\x30", 1), ==, -ENXIO);

        /* the control interface sees the bytes */
        GArray *vars = fx->dev->state;
        const struct ck_state_var *bytes = NULL;
        for (guint i = 0; vars && i < vars->len; i++)
                if (strcmp(g_array_index(vars, struct ck_state_var, i).name, "0x50/bytes") == 0)
                        bytes = &g_array_index(vars, struct ck_state_var, i);
        g_assert_nonnull(bytes);
        g_assert_cmpstr(bytes->type, ==, "ay");
        g_assert_true(bytes->persistent);
        g_autoptr(GVariant) v = g_variant_ref_sink(bytes->get(fx->dev, bytes->userdata));
        gsize n;
        const guint8 *mem = g_variant_get_fixed_array(v, &n, 1);
        g_assert_cmpuint(n, ==, 256);
        g_assert_cmpmem(mem + 0x30, 5, "hello", 5);
        guint8 all[256];
        memset(all, 0x5a, sizeof(all));
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) nv = g_variant_ref_sink(g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, all, 256, 1));
        g_assert_cmpint(bytes->set(fx->dev, bytes->userdata, nv, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x99), ==, 0x5a);
        g_autoptr(GVariant) shortv = g_variant_ref_sink(g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, all, 3, 1));
        g_assert_cmpint(bytes->set(fx->dev, bytes->userdata, shortv, &error), ==, -EINVAL);
        g_assert_error(error, CK_ERROR, EINVAL);
}

static const struct ck_state_var *state_var(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++)
                if (strcmp(g_array_index(d->state, struct ck_state_var, i).name, name) == 0)
                        return &g_array_index(d->state, struct ck_state_var, i);
        return NULL;
}

static void test_lm75(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(slave(fx, SENSOR), ==, 0);
        /* 42.5 C: 0x2a80, most significant byte first, so an SMBus word shows 0x802a */
        g_assert_cmpint(read_word_data(fx, 0), ==, 0x802a);
        g_assert_cmpint(read_word_data(fx, 2), ==, 0x004b);   /* hysteresis 75 C */
        g_assert_cmpint(read_word_data(fx, 3), ==, 0x0050);   /* over-temperature 80 C */
        g_assert_cmpint(read_byte_data(fx, 1), ==, 0);

        const struct ck_state_var *t = state_var(fx->dev, "0x48/temperature");
        g_assert_nonnull(t);
        g_assert_cmpstr(t->type, ==, "i");
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) minus = g_variant_ref_sink(g_variant_new_int32(-25300));
        g_assert_cmpint(t->set(fx->dev, t->userdata, minus, &error), ==, 0);
        g_assert_cmpint(read_word_data(fx, 0), ==, 0x80e6);   /* -25.5 C: 0xe680 */
        g_autoptr(GVariant) got = g_variant_ref_sink(t->get(fx->dev, t->userdata));
        g_assert_cmpint(g_variant_get_int32(got), ==, -25300);
        g_autoptr(GVariant) hot = g_variant_ref_sink(g_variant_new_int32(125001));
        g_assert_cmpint(t->set(fx->dev, t->userdata, hot, &error), ==, -EINVAL);
        g_assert_error(error, CK_ERROR, EINVAL);

        /* limits keep nine bits; the temperature register is read only */
        fx->mem->data.word = 0xff34;   /* on the wire 0x34 0xff: 52 C and bits that do not exist */
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 3, I2C_SMBUS_WORD_DATA), ==, 0);
        g_assert_cmpint(read_word_data(fx, 3), ==, 0x8034);
        g_assert_cmpint(write_byte_data(fx, 1, 0xff), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 1), ==, 0x1f);
        fx->mem->data.word = 0;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_WORD_DATA), ==, 0);
        g_assert_cmpint(read_word_data(fx, 0), ==, 0x80e6);
        /* a read keeps repeating the selected register */
        msg(fx, 0, SENSOR, 0, 1, "\x00");
        msg(fx, 1, SENSOR, I2C_M_RD, 4, NULL);
        g_assert_cmpint(rdwr(fx, 2), ==, 2);
        g_assert_cmpmem(fx->mem->buf[1], 4, "\xe6\x80\xe6\x80", 4);
}

static void test_smbus_kinds(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        /* a block read: the byte at the command is the count */
        fx->mem->data.block[0] = 4;
        memcpy(fx->mem->data.block + 1, "\x03xyz", 4);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x40, I2C_SMBUS_I2C_BLOCK_DATA), ==, 0);
        memset(&fx->mem->data, 0, sizeof(fx->mem->data));
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0x40, I2C_SMBUS_BLOCK_DATA), ==, 0);
        g_assert_cmpmem(fx->mem->data.block, 4, "\x03xyz", 4);
        /* a count beyond 32 is a protocol error */
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0x60, I2C_SMBUS_BLOCK_DATA), ==, -EPROTO);
        /* a block write sends the count first */
        fx->mem->data.block[0] = 2;
        memcpy(fx->mem->data.block + 1, "ab", 2);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x48, I2C_SMBUS_BLOCK_DATA), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x48), ==, 2);
        g_assert_cmpint(read_byte_data(fx, 0x49), ==, 'a');
        /* word data, little-endian on the wire */
        fx->mem->data.word = 0x1234;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x50, I2C_SMBUS_WORD_DATA), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x50), ==, 0x34);
        g_assert_cmpint(read_word_data(fx, 0x50), ==, 0x1234);
        /* a process call writes a word and reads one back */
        fx->mem->data.word = 0x5678;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x58, I2C_SMBUS_PROC_CALL), ==, 0);
        g_assert_cmpuint(fx->mem->data.word, ==, 0xffff);   /* the address counter ran on, unwritten */
        g_assert_cmpint(read_word_data(fx, 0x58), ==, 0xffff);   /* no STOP between: not programmed */
        /* byte write: the command is the datum */
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x49, I2C_SMBUS_BYTE), ==, 0);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE), ==, 0);
        g_assert_cmpuint(fx->mem->data.byte, ==, 'a');
        /* a block process call: count, bytes, then a counted block back */
        fx->mem->data.block[0] = 1;
        fx->mem->data.block[1] = 0x41;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x70, I2C_SMBUS_BLOCK_PROC_CALL), ==, -EPROTO);

        /* PEC: the part knows nothing of it: its byte is written as data, and reads fail the check */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_PEC), 1), ==, 0);
        g_assert_cmpint(write_byte_data(fx, 0x68, 0x11), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x68), ==, -EBADMSG);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_PEC), 0), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x68), ==, 0x11);
        /* the PEC byte, CRC-8 of 0xa0 0x68 0x11, went in as data */
        g_assert_cmpint(read_byte_data(fx, 0x69), ==, 0x62);
}

static void test_rdwr_bad_input(struct fixture *fx, gconstpointer data)
{
        msg(fx, 0, EEPROM, 0, 1, "\x00");
        fx->mem->rdwr = (struct i2c_rdwr_ioctl_data){ .msgs = NULL, .nmsgs = 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_RDWR), ptr(&fx->mem->rdwr)), ==, -EINVAL);
        g_assert_cmpint(rdwr(fx, 0), ==, -EINVAL);
        g_assert_cmpint(rdwr(fx, I2C_RDWR_IOCTL_MAX_MSGS + 1), ==, -EINVAL);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);   /* refused before fetching */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_RDWR), 0), ==, -EFAULT);
        fx->mem->rdwr = (struct i2c_rdwr_ioctl_data){ .msgs = (struct i2c_msg *)0x10, .nmsgs = 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_RDWR), ptr(&fx->mem->rdwr)), ==, -EFAULT);

        /* 42 messages is the most */
        for (unsigned i = 0; i < I2C_RDWR_IOCTL_MAX_MSGS; i++)
                fx->mem->msgs[i] = (struct i2c_msg){ .addr = EEPROM, .flags = I2C_M_RD, .len = 1,
                                                     .buf = fx->mem->buf[i % 20] };
        g_assert_cmpint(rdwr(fx, I2C_RDWR_IOCTL_MAX_MSGS), ==, I2C_RDWR_IOCTL_MAX_MSGS);

        msg(fx, 0, EEPROM, I2C_M_RD, CK_I2C_MSG_MAX + 1, NULL);
        g_assert_cmpint(rdwr(fx, 1), ==, -EINVAL);
        msg(fx, 0, EEPROM, 0, 1, "\x00");
        msg(fx, 1, EEPROM, 0, CK_I2C_MSG_MAX + 1, NULL);
        g_assert_cmpint(rdwr(fx, 2), ==, -EINVAL);
        msg(fx, 0, EEPROM, I2C_M_RD, CK_I2C_MSG_MAX, NULL);
        g_assert_cmpint(rdwr(fx, 1), ==, 1);
        fx->mem->msgs[0].buf = NULL;
        g_assert_cmpint(rdwr(fx, 1), ==, -EFAULT);
        fx->mem->msgs[0].len = 0;
        g_assert_cmpint(rdwr(fx, 1), ==, 1);                   /* nothing to fetch: fine */
        fx->mem->msgs[0] = (struct i2c_msg){ .addr = EEPROM, .len = 4, .buf = (guint8 *)0x20 };
        g_assert_cmpint(rdwr(fx, 1), ==, -EFAULT);
        fx->mem->msgs[0] = (struct i2c_msg){ .addr = EEPROM, .flags = I2C_M_RD, .len = 4,
                                             .buf = (guint8 *)fx->mem + sizeof(*fx->mem) - 2 };
        g_assert_cmpint(rdwr(fx, 1), ==, -EFAULT);

        /* an absent address: ENXIO, and nothing copied back */
        msg(fx, 0, EEPROM, 0, 1, "\x00");
        msg(fx, 1, 0x51, I2C_M_RD, 2, NULL);
        g_assert_cmpint(rdwr(fx, 2), ==, -ENXIO);
        g_assert_cmpuint(fx->mem->buf[1][0], ==, 0xee);

        /* more than CUSE carries in one ioctl: 16 x 8 KiB + the rest */
        for (unsigned i = 0; i < 17; i++)
                msg(fx, i, EEPROM, 0, CK_I2C_MSG_MAX, NULL);
        g_assert_cmpint(rdwr(fx, 17), ==, -ENOMEM);

        /* I2C_M_RECV_LEN: a read, the first byte at least 1, room for it and a block */
        msg(fx, 0, EEPROM, I2C_M_RECV_LEN, 40, NULL);
        fx->mem->buf[0][0] = 1;
        g_assert_cmpint(rdwr(fx, 1), ==, -EINVAL);
        msg(fx, 0, EEPROM, I2C_M_RD | I2C_M_RECV_LEN, 40, NULL);
        fx->mem->buf[0][0] = 0;
        g_assert_cmpint(rdwr(fx, 1), ==, -EINVAL);
        msg(fx, 0, EEPROM, I2C_M_RD | I2C_M_RECV_LEN, 32, NULL);
        fx->mem->buf[0][0] = 1;
        g_assert_cmpint(rdwr(fx, 1), ==, -EINVAL);
        msg(fx, 0, EEPROM, I2C_M_RD | I2C_M_RECV_LEN, 0, NULL);
        g_assert_cmpint(rdwr(fx, 1), ==, -EINVAL);
        /* and a good one: count 2 at 0x80, then its two bytes */
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        fx->mem->data.block[0] = 3;
        memcpy(fx->mem->data.block + 1, "\x02pq", 3);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x80, I2C_SMBUS_I2C_BLOCK_DATA), ==, 0);
        msg(fx, 0, EEPROM, 0, 1, "\x80");
        msg(fx, 1, EEPROM, I2C_M_RD | I2C_M_RECV_LEN, 33, NULL);
        fx->mem->buf[1][0] = 1;
        memset(fx->mem->buf[1] + 1, 0xcc, 32);
        g_assert_cmpint(rdwr(fx, 2), ==, 2);
        g_assert_cmpmem(fx->mem->buf[1], 4, "\x02pq\xcc", 4);
}

static void test_smbus_bad_input(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, 9), ==, -EINVAL);
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, 0xffffffffu), ==, -EINVAL);
        g_assert_cmpint(smbus(fx, 2, 0, I2C_SMBUS_BYTE_DATA), ==, -EINVAL);
        g_assert_cmpint(smbus(fx, 2, 0, I2C_SMBUS_QUICK), ==, -EINVAL);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);

        /* NULL data: fine where no data is used, EINVAL where it is */
        fx->mem->smbus = (struct i2c_smbus_ioctl_data){ .read_write = I2C_SMBUS_WRITE, .command = 5,
                                                        .size = I2C_SMBUS_BYTE };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus)), ==, 0);
        fx->mem->smbus.read_write = I2C_SMBUS_READ;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus)), ==, -EINVAL);
        fx->mem->smbus.size = I2C_SMBUS_WORD_DATA;
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus)), ==, -EINVAL);
        /* a bad data pointer */
        fx->mem->smbus = (struct i2c_smbus_ioctl_data){ .read_write = I2C_SMBUS_WRITE, .size = I2C_SMBUS_BYTE_DATA,
                                                        .data = (union i2c_smbus_data *)0x40 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), ptr(&fx->mem->smbus)), ==, -EFAULT);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(I2C_SMBUS), 0), ==, -EFAULT);
        /* block lengths beyond 32 */
        fx->mem->data.block[0] = 33;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_I2C_BLOCK_DATA), ==, -EINVAL);
        fx->mem->data.block[0] = 33;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, I2C_SMBUS_I2C_BLOCK_DATA), ==, -EINVAL);
        fx->mem->data.block[0] = 33;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_BLOCK_DATA), ==, -EINVAL);
        fx->mem->data.block[0] = 255;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0, I2C_SMBUS_BLOCK_PROC_CALL), ==, -EINVAL);
        /* an absent address: nothing copied back */
        g_assert_cmpint(slave(fx, 0x33), ==, 0);
        fx->mem->data.word = 0x1111;
        g_assert_cmpint(smbus(fx, I2C_SMBUS_READ, 0, I2C_SMBUS_WORD_DATA), ==, -ENXIO);
        g_assert_cmpuint(fx->mem->data.word, ==, 0x1111);
}

/* A racing client thread rewrites memory between the round that fetched
 * something and the one that fetches what it points to. */
struct race {
        unsigned at_round;
        void (*change)(struct fixture *fx);
        struct fixture *fx;
};

static void race_hook(struct ck_loopback *lb, unsigned round, void *userdata)
{
        struct race *race = userdata;

        if (round == race->at_round)
                race->change(race->fx);
}

static void grow_len(struct fixture *fx) { fx->mem->msgs[1].len = 8; }
static void shrink_len(struct fixture *fx) { fx->mem->msgs[1].len = 1; }
static void oversize_len(struct fixture *fx) { fx->mem->msgs[1].len = CK_I2C_MSG_MAX + 1; }
static void move_buf(struct fixture *fx) { fx->mem->msgs[0].buf += 1; }
static void to_read(struct fixture *fx) { fx->mem->msgs[0].flags = I2C_M_RD; }
static void more_msgs(struct fixture *fx) { fx->mem->rdwr.nmsgs = 3; }
static void too_many_msgs(struct fixture *fx) { fx->mem->rdwr.nmsgs = 43; }
static void change_bytes(struct fixture *fx) { fx->mem->buf[0][1] = 0x99; }
static void smbus_size(struct fixture *fx) { fx->mem->smbus.size = I2C_SMBUS_WORD_DATA; }
static void smbus_direction(struct fixture *fx) { fx->mem->smbus.read_write = I2C_SMBUS_READ; }
static void smbus_data(struct fixture *fx) { fx->mem->smbus.data = (union i2c_smbus_data *)fx->mem->buf[3]; }

static void test_double_fetch(struct fixture *fx, gconstpointer data)
{
        static const struct {
                void (*change)(struct fixture *fx);
                unsigned at_round;
                int expect;
        } cases[] = {
                { grow_len, 4, -EINVAL },
                { shrink_len, 4, -EINVAL },
                { oversize_len, 4, -EINVAL },
                { move_buf, 4, -EINVAL },
                { to_read, 4, -EINVAL },
                { more_msgs, 3, -EINVAL },
                { more_msgs, 4, -EINVAL },
                { too_many_msgs, 4, -EINVAL },
                { change_bytes, 4, 2 },      /* fetched once, after the change: consistent */
        };

        g_assert_cmpint(slave(fx, EEPROM), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                struct race race = { .at_round = cases[i].at_round, .change = cases[i].change, .fx = fx };

                g_assert_cmpint(write_byte_data(fx, 0x90, 0x00), ==, 0);
                /* the read goes to the sensor: a repeated START to the EEPROM would abandon the write */
                msg(fx, 0, EEPROM, 0, 2, "\x90\x77");
                msg(fx, 1, SENSOR, I2C_M_RD, 4, NULL);
                msg(fx, 2, SENSOR, I2C_M_RD, 4, NULL);
                ck_loopback_set_round_hook(fx->lb, race_hook, &race);
                g_assert_cmpint(rdwr(fx, 2), ==, cases[i].expect);
                ck_loopback_set_round_hook(fx->lb, NULL, NULL);
                /* written only when consistent */
                g_assert_cmpint(read_byte_data(fx, 0x90), ==, cases[i].expect > 0 ? 0x99 : 0x00);
        }

        static const struct {
                void (*change)(struct fixture *fx);
                int expect;
        } smbus_cases[] = {
                { smbus_size, -EINVAL },
                { smbus_direction, -EINVAL },
                { smbus_data, -EINVAL },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(smbus_cases); i++) {
                struct race race = { .at_round = 3, .change = smbus_cases[i].change, .fx = fx };
                fx->mem->data.byte = 0x42;
                ck_loopback_set_round_hook(fx->lb, race_hook, &race);
                g_assert_cmpint(smbus(fx, I2C_SMBUS_WRITE, 0x91, I2C_SMBUS_BYTE_DATA), ==, smbus_cases[i].expect);
                ck_loopback_set_round_hook(fx->lb, NULL, NULL);
                g_assert_cmpint(read_byte_data(fx, 0x91), ==, 0xff);
        }
        /* and the adapter still serves */
        g_assert_cmpint(write_byte_data(fx, 0x91, 0x42), ==, 0);
        g_assert_cmpint(read_byte_data(fx, 0x91), ==, 0x42);
}

static void test_params(void)
{
        static const struct {
                const char *chips;
                const char *error;
        } bad[] = {
                { "24c02", "TYPE@ADDRESS" },
                { "24c02@", "TYPE@ADDRESS" },
                { "24c02@0x50;", "TYPE@ADDRESS" },
                { ";", "TYPE@ADDRESS" },
                { "@0x50", "TYPE@ADDRESS" },
                { "24c04@0x50", "unknown chip '24c04' (known: " },
                { "24c02@0x78", "0x03 to 0x77" },
                { "24c02@0x02", "0x03 to 0x77" },
                { "24c02@fifty", "0x03 to 0x77" },
                { "24c02@0x50;lm75@80", "another chip has that address" },
                { "24c02@0x50:size=4", "24c02 has no option 'size' (options: file)" },
                { "24c02@0x50:file", "KEY=VALUE" },
                { "24c02@0x50:file=", "file= needs a path" },
                { "lm75@0x48:temp=hot", "temp=hot: not a number" },
                { "lm75@0x48:temp=130000", "130000" },
                { "lm75@0x48:temp=1:temp=2", "given twice" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                g_assert_null(new_device(bad[i].chips, &error));
                g_assert_nonnull(error);
                if (!strstr(error->message, bad[i].error))
                        g_error("chip=%s: '%s' lacks '%s'", bad[i].chips, error->message, bad[i].error);
        }

        /* an empty bus is a bus */
        g_autoptr(GError) error = NULL;
        struct ck_device *d = new_device(NULL, &error);
        g_assert_no_error(error);
        ck_device_free(d);

        /* "chip" repeats */
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_hash_table_insert(params, "chip", "lm75@0x48" CK_LIST_SEPARATOR "lm75@0x49");
        g_assert_cmpint(ck_device_new("i2c", "i2c-1", params, &d, &error), ==, 0);
        ck_device_free(d);
}

static void test_eeprom_file(void)
{
        g_autofree char *dir = g_dir_make_tmp("test-i2c-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "eeprom.bin", NULL);
        g_autofree char *chips = g_strdup_printf("24c02@0x50:file=%s", file);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = new_device(chips, &error);
        g_assert_no_error(error);

        /* created erased */
        g_autofree char *contents = NULL;
        gsize n;
        g_assert_true(g_file_get_contents(file, &contents, &n, NULL));
        g_assert_cmpuint(n, ==, 256);
        g_assert_cmpuint((guint8)contents[7], ==, 0xff);
        g_clear_pointer(&contents, g_free);

        struct ck_loopback *lb;
        g_assert_cmpint(ck_loopback_new(d, 0, &lb), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(I2C_SLAVE), EEPROM), ==, 0);
        g_assert_cmpint(ck_loopback_write(lb, "\x07xyz", 4), ==, 4);   /* 0x07, then wraps to 0x00 */
        ck_loopback_free(lb);
        ck_device_free(d);
        g_assert_true(g_file_get_contents(file, &contents, &n, NULL));
        g_assert_cmpmem(contents, 2, "yz", 2);
        g_assert_cmpuint((guint8)contents[7], ==, 'x');

        /* loaded again */
        d = new_device(chips, &error);
        g_assert_no_error(error);
        g_assert_cmpint(ck_loopback_new(d, 0, &lb), ==, 0);
        char buf[8];
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(I2C_SLAVE), EEPROM), ==, 0);
        g_assert_cmpint(ck_loopback_write(lb, "\x00", 1), ==, 1);
        g_assert_cmpint(ck_loopback_read(lb, buf, 8), ==, 8);
        g_assert_cmpmem(buf, 8, "yz\xff\xff\xff\xff\xffx", 8);
        ck_loopback_free(lb);
        ck_device_free(d);

        /* a file of the wrong size is refused */
        g_assert_true(g_file_set_contents(file, "short", 5, NULL));
        g_assert_null(new_device(chips, &error));
        g_assert_nonnull(strstr(error->message, "has 5 bytes"));
        g_unlink(file);
        g_rmdir(dir);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/i2c/" path, struct fixture, NULL, setup, fn, teardown)
        ADD("funcs", test_funcs);
        ADD("settings", test_settings);
        ADD("scan", test_scan);
        ADD("eeprom", test_eeprom);
        ADD("lm75", test_lm75);
        ADD("smbus-kinds", test_smbus_kinds);
        ADD("rdwr-bad-input", test_rdwr_bad_input);
        ADD("smbus-bad-input", test_smbus_bad_input);
        ADD("double-fetch", test_double_fetch);
#undef ADD
        g_test_add_func("/i2c/params", test_params);
        g_test_add_func("/i2c/eeprom-file", test_eeprom_file);
        return g_test_run();
}
