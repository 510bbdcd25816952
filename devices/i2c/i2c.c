/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * i2c: an emulated I2C adapter, /dev/i2c-N, serving i2c-dev.c's ioctls,
 * read() and write() with its errors, over the chips of the bus:
 *
 *   --device i2c:i2c-7,chip=24c02@0x50:file=/var/lib/eeprom.bin,chip=lm75@0x48:temp=42500
 *
 * I2C_RDWR takes three rounds of nested memory (the argument, the message
 * array, the buffers); I2C_SMBUS two (the argument, the data union).  The
 * CUSE transport carries at most 128 KiB each way per ioctl, so an I2C_RDWR
 * whose buffers add up to more gets ENOMEM, where the kernel's own adapter
 * would take up to 42 x 8192 bytes.
 */
#include "i2c-abi.h"

#include "i2c-bus.h"

#include <cusekit/device.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

struct i2c_adapter {
        struct i2c_bus *bus;
        unsigned long retries;        /* kept for the asking; the emulated bus never retries */
        unsigned long timeout;        /* in 10 ms; nothing here takes that long */
};

/* What i2c-dev keeps per open in its struct i2c_client. */
struct i2c_open {
        unsigned addr;
        bool ten;
        bool pec;
};

static struct i2c_adapter *adapter_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static struct i2c_open *open_of(struct ck_call *c)
{
        return ck_file_priv(ck_call_file(c));
}

CK_IOCTL_TABLE(i2c_ioctls, I2C_IOCTLS);

/* --- settings by value --- */

static int validate_I2C_RETRIES(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        uint64_t v = ck_untrusted_value(u);

        if (v > INT_MAX)
                return -EINVAL;
        *ret = (unsigned long)v;
        return 0;
}

static int handle_I2C_RETRIES(struct ck_call *c, unsigned long value)
{
        adapter_of(c)->retries = value;
        return 0;
}

static int validate_I2C_TIMEOUT(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        uint64_t v = ck_untrusted_value(u);

        if (v > INT_MAX / 10)
                return -EINVAL;
        *ret = (unsigned long)v;
        return 0;
}

static int handle_I2C_TIMEOUT(struct ck_call *c, unsigned long value)
{
        adapter_of(c)->timeout = value;
        return 0;
}

/* Any address up to 10 bits here; whether 10 bits are on is per open. */
static int validate_address(const struct ck_untrusted *u, unsigned long *ret)
{
        uint64_t v = ck_untrusted_value(u);

        if (v > 0x3ff)
                return -EINVAL;
        *ret = (unsigned long)v;
        return 0;
}

/* No kernel driver can hold an address here, so never EBUSY. */
static int set_address(struct ck_call *c, unsigned long addr)
{
        struct i2c_open *o = open_of(c);

        if (!o->ten && addr > 0x7f)
                return -EINVAL;
        o->addr = (unsigned)addr;
        return 0;
}

static int validate_I2C_SLAVE(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        return validate_address(u, ret);
}

static int handle_I2C_SLAVE(struct ck_call *c, unsigned long value)
{
        return set_address(c, value);
}

static int validate_I2C_SLAVE_FORCE(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        return validate_address(u, ret);
}

static int handle_I2C_SLAVE_FORCE(struct ck_call *c, unsigned long value)
{
        return set_address(c, value);
}

static int validate_flag(const struct ck_untrusted *u, unsigned long *ret)
{
        *ret = ck_untrusted_value(u) != 0;
        return 0;
}

static int validate_I2C_TENBIT(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        return validate_flag(u, ret);
}

static int handle_I2C_TENBIT(struct ck_call *c, unsigned long value)
{
        open_of(c)->ten = value;
        return 0;
}

static int validate_I2C_PEC(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        return validate_flag(u, ret);
}

static int handle_I2C_PEC(struct ck_call *c, unsigned long value)
{
        open_of(c)->pec = value;
        return 0;
}

static int handle_I2C_FUNCS(struct ck_call *c, unsigned long *out)
{
        *out = I2C_BUS_FUNCS;
        return 0;
}

/* --- I2C_RDWR: argument, then the messages, then every message's buffer --- */

/* A length read from the target: a read whose first byte says how many
 * bytes precede the block (the count itself, and a PEC byte perhaps), with
 * room for those and a whole block. */
static int check_recv_len(const struct i2c_msg *m, const struct ck_untrusted *bytes)
{
        uint8_t buf[CK_I2C_MSG_MAX];

        if (!(m->flags & I2C_M_RD) || m->len < 1)
                return -EINVAL;
        int r = ck_untrusted_copy(bytes, buf, m->len);
        if (r < 0)
                return r;
        if (buf[0] < 1 || m->len < buf[0] + I2C_SMBUS_BLOCK_MAX)
                return -EINVAL;
        return 0;
}

/* i2cdev_ioctl_rdwr() (drivers/i2c/i2c-dev.c:248-287) checks and copies
 * message by message: message i's length, then its buffer, then its
 * I2C_M_RECV_LEN count; the first failure is the answer.  So the buffers
 * are fetched in order, and a check that comes after a buffer not yet
 * fetched waits for it (one more round): a bad buffer before a bad length
 * is EFAULT, a bad count before a bad buffer EINVAL, as in the kernel.
 * Read buffers are fetched too (i2c-dev copies those in as well) with room
 * reserved for what goes back.  Accepted: input 0 the messages, input
 * 1 + i message i's bytes; output k the k-th read message. */
static int validate_I2C_RDWR(struct ck_call *c, const struct ck_untrusted *u, struct i2c_rdwr_ioctl_data *ret)
{
        struct i2c_rdwr_ioctl_data a;
        const struct ck_untrusted *um, *bufs[I2C_RDWR_IOCTL_MAX_MSGS];
        struct i2c_msg msgs[I2C_RDWR_IOCTL_MAX_MSGS];
        bool need_round = false;
        int r = ck_untrusted_copy(u, &a, sizeof(a));

        if (r < 0)
                return r;
        if (!a.msgs || a.nmsgs == 0 || a.nmsgs > I2C_RDWR_IOCTL_MAX_MSGS)
                return -EINVAL;
        size_t array_size = a.nmsgs * sizeof(struct i2c_msg);
        r = ck_call_fetch(c, (uintptr_t)a.msgs, array_size, &um);
        if (r != 0)
                return r;
        r = ck_untrusted_copy(um, msgs, array_size);
        if (r < 0)
                return r;

        for (unsigned i = 0; i < a.nmsgs; i++) {
                if (msgs[i].len > CK_I2C_MSG_MAX)
                        return need_round ? CK_NEED_ROUND : -EINVAL;
                r = ck_call_fetch(c, (uintptr_t)msgs[i].buf, msgs[i].len, &bufs[i]);
                if (r < 0)
                        return r;
                need_round |= r == CK_NEED_ROUND;
                if (msgs[i].flags & I2C_M_RD) {
                        r = ck_call_reserve_out(c, (uintptr_t)msgs[i].buf, msgs[i].len);
                        if (r < 0)
                                return r;
                        need_round |= r == CK_NEED_ROUND;
                }
                if (msgs[i].flags & I2C_M_RECV_LEN) {
                        if (need_round)
                                return CK_NEED_ROUND;
                        r = check_recv_len(&msgs[i], bufs[i]);
                        if (r < 0)
                                return r;
                }
        }
        if (need_round)
                return CK_NEED_ROUND;

        r = ck_untrusted_accept(c, um);
        for (unsigned i = 0; i < a.nmsgs && r == 0; i++)
                r = ck_untrusted_accept(c, bufs[i]);
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

static int handle_I2C_RDWR(struct ck_call *c, const struct i2c_rdwr_ioctl_data *in)
{
        struct i2c_xfer x[I2C_RDWR_IOCTL_MAX_MSGS];
        size_t size, total = 0;
        const struct i2c_msg *msgs = ck_call_input(c, 0, &size);
        unsigned out = 0;

        for (unsigned i = 0; i < in->nmsgs; i++)
                if (!(msgs[i].flags & I2C_M_RD))
                        total += msgs[i].len;
        g_autofree uint8_t *scratch = g_malloc(MAX(total, 1));
        total = 0;
        for (unsigned i = 0; i < in->nmsgs; i++) {
                size_t len, room;
                const uint8_t *bytes = ck_call_input(c, 1 + i, &len);
                uint8_t *buf;
                uint16_t xlen = msgs[i].len;

                if (msgs[i].flags & I2C_M_RD) {
                        /* bytes a short read leaves alone go back as they came */
                        buf = ck_call_output(c, out++, &room);
                        memcpy(buf, bytes, len);
                        if (msgs[i].flags & I2C_M_RECV_LEN)
                                xlen = bytes[0];
                } else {
                        buf = scratch + total;
                        memcpy(buf, bytes, len);
                        total += len;
                }
                x[i] = (struct i2c_xfer){ .addr = msgs[i].addr, .flags = msgs[i].flags, .len = xlen, .buf = buf };
        }
        return i2c_bus_transfer(adapter_of(c)->bus, x, in->nmsgs);
}

/* --- I2C_SMBUS: argument, then the data union --- */

static bool smbus_size_known(uint32_t size)
{
        switch (size) {
        case I2C_SMBUS_QUICK:
        case I2C_SMBUS_BYTE:
        case I2C_SMBUS_BYTE_DATA:
        case I2C_SMBUS_WORD_DATA:
        case I2C_SMBUS_PROC_CALL:
        case I2C_SMBUS_BLOCK_DATA:
        case I2C_SMBUS_I2C_BLOCK_BROKEN:
        case I2C_SMBUS_BLOCK_PROC_CALL:
        case I2C_SMBUS_I2C_BLOCK_DATA:
                return true;
        default:
                return false;
        }
}

static bool smbus_no_data(const struct i2c_smbus_ioctl_data *a)
{
        return a->size == I2C_SMBUS_QUICK || (a->size == I2C_SMBUS_BYTE && a->read_write == I2C_SMBUS_WRITE);
}

static size_t smbus_data_size(uint32_t size)
{
        union i2c_smbus_data d;

        switch (size) {
        case I2C_SMBUS_BYTE:
        case I2C_SMBUS_BYTE_DATA:
                return sizeof(d.byte);
        case I2C_SMBUS_WORD_DATA:
        case I2C_SMBUS_PROC_CALL:
                return sizeof(d.word);
        default:
                return sizeof(d.block);
        }
}

/* The data goes in for writes and for the calls that send before they
 * read, and comes back for reads and calls. */
static bool smbus_data_in(const struct i2c_smbus_ioctl_data *a)
{
        return a->size == I2C_SMBUS_PROC_CALL || a->size == I2C_SMBUS_BLOCK_PROC_CALL ||
               a->size == I2C_SMBUS_I2C_BLOCK_DATA || a->read_write == I2C_SMBUS_WRITE;
}

static bool smbus_data_out(const struct i2c_smbus_ioctl_data *a)
{
        return a->size == I2C_SMBUS_PROC_CALL || a->size == I2C_SMBUS_BLOCK_PROC_CALL ||
               a->read_write == I2C_SMBUS_READ;
}

/* __i2c_smbus_xfer() refuses a caller's block length of 0 or above 32
 * before the adapter sees it (drivers/i2c/i2c-core-smbus.c:570-578): I2C
 * block transfers either way, block process calls, SMBus block writes.
 * The old I2C block read is converted first, to a length of 32 (i2c-dev.c:374-380). */
static int smbus_check_block_len(const struct i2c_smbus_ioctl_data *a, const struct ck_untrusted *ud)
{
        union i2c_smbus_data data;

        if (!(a->size == I2C_SMBUS_I2C_BLOCK_DATA || a->size == I2C_SMBUS_BLOCK_PROC_CALL ||
              (a->size == I2C_SMBUS_I2C_BLOCK_BROKEN && a->read_write == I2C_SMBUS_WRITE) ||
              (a->size == I2C_SMBUS_BLOCK_DATA && a->read_write == I2C_SMBUS_WRITE)))
                return 0;
        int r = ck_untrusted_copy(ud, &data, sizeof(data));
        if (r < 0)
                return r;
        return data.block[0] == 0 || data.block[0] > I2C_SMBUS_BLOCK_MAX ? -EINVAL : 0;
}

/* Accepted: input 0 the data when it goes in; output 0 the data when it
 * comes back. */
static int validate_I2C_SMBUS(struct ck_call *c, const struct ck_untrusted *u, struct i2c_smbus_ioctl_data *ret)
{
        struct i2c_smbus_ioctl_data a;
        const struct ck_untrusted *ud = NULL;
        bool need_round = false;
        int r = ck_untrusted_copy(u, &a, sizeof(a));

        if (r < 0)
                return r;
        if (!smbus_size_known(a.size))
                return -EINVAL;
        if (a.read_write != I2C_SMBUS_READ && a.read_write != I2C_SMBUS_WRITE)
                return -EINVAL;
        if (!smbus_no_data(&a)) {
                if (!a.data)
                        return -EINVAL;
                size_t n = smbus_data_size(a.size);
                if (smbus_data_in(&a)) {
                        r = ck_call_fetch(c, (uintptr_t)a.data, n, &ud);
                        if (r < 0)
                                return r;
                        need_round |= r == CK_NEED_ROUND;
                }
                if (smbus_data_out(&a)) {
                        r = ck_call_reserve_out(c, (uintptr_t)a.data, n);
                        if (r < 0)
                                return r;
                        need_round |= r == CK_NEED_ROUND;
                }
                if (need_round)
                        return CK_NEED_ROUND;
                if (ud) {
                        r = smbus_check_block_len(&a, ud);
                        if (r == 0)
                                r = ck_untrusted_accept(c, ud);
                        if (r < 0)
                                return r;
                }
        }
        *ret = a;
        return 0;
}

static int handle_I2C_SMBUS(struct ck_call *c, const struct i2c_smbus_ioctl_data *in)
{
        struct i2c_open *o = open_of(c);
        union i2c_smbus_data data = { 0 };
        uint32_t size = in->size;

        if (smbus_no_data(in))
                return i2c_bus_smbus(adapter_of(c)->bus, (uint16_t)o->addr, o->ten, o->pec,
                                     in->read_write, in->command, size, NULL);

        size_t n = smbus_data_size(size), len;
        if (smbus_data_in(in))
                memcpy(&data, ck_call_input(c, 0, &len), n);
        if (size == I2C_SMBUS_I2C_BLOCK_BROKEN) {
                /* the old I2C block call: a read takes a whole block */
                size = I2C_SMBUS_I2C_BLOCK_DATA;
                if (in->read_write == I2C_SMBUS_READ)
                        data.block[0] = I2C_SMBUS_BLOCK_MAX;
        }
        int r = i2c_bus_smbus(adapter_of(c)->bus, (uint16_t)o->addr, o->ten, o->pec,
                              in->read_write, in->command, size, &data);
        if (r < 0)
                return r;
        if (smbus_data_out(in))
                memcpy(ck_call_output(c, 0, &len), &data, n);
        return 0;
}

/* --- read() and write(): one message to the address of I2C_SLAVE --- */

static ssize_t i2c_read(struct ck_file *f, void *buf, size_t size)
{
        struct i2c_adapter *a = ck_device_priv(ck_file_device(f));
        struct i2c_open *o = ck_file_priv(f);
        size = MIN(size, CK_I2C_MSG_MAX);
        struct i2c_xfer m = {
                .addr = (uint16_t)o->addr,
                .flags = I2C_M_RD | (o->ten ? I2C_M_TEN : 0),
                .len = (uint16_t)size,
                .buf = buf,
        };
        int r = i2c_bus_transfer(a->bus, &m, 1);

        return r < 0 ? r : (ssize_t)size;
}

static ssize_t i2c_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct i2c_adapter *a = ck_device_priv(ck_file_device(f));
        struct i2c_open *o = ck_file_priv(f);
        size_t n = ck_untrusted_size(data);
        g_autofree uint8_t *bytes = g_malloc(MAX(n, 1));

        if (ck_untrusted_copy(data, bytes, n) < 0)
                return -EINVAL;
        /* like i2c-dev: the first 8192 bytes go, and count as all that was written */
        n = MIN(n, CK_I2C_MSG_MAX);
        struct i2c_xfer m = {
                .addr = (uint16_t)o->addr,
                .flags = o->ten ? I2C_M_TEN : 0,
                .len = (uint16_t)n,
                .buf = bytes,
        };
        int r = i2c_bus_transfer(a->bus, &m, 1);

        return r < 0 ? r : (ssize_t)n;
}

/* --- the device type --- */

static int i2c_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct i2c_adapter *a = ck_device_priv(d);

        return i2c_bus_new(d, g_hash_table_lookup(params, "chip"), &a->bus, error);
}

static void i2c_fini(struct ck_device *d)
{
        struct i2c_adapter *a = ck_device_priv(d);

        i2c_bus_free(a->bus);
}

static const char *const i2c_params[] = { "chip", NULL };
static const char *const i2c_list_params[] = { "chip", NULL };

CK_STRUCT_DESC(i2c_rdwr_desc, struct i2c_rdwr_ioctl_data,
               CK_FIELD(struct i2c_rdwr_ioctl_data, msgs, PTR),
               CK_FIELD(struct i2c_rdwr_ioctl_data, nmsgs, UINT));
CK_STRUCT_DESC(i2c_smbus_desc, struct i2c_smbus_ioctl_data,
               CK_FIELD(struct i2c_smbus_ioctl_data, read_write, UINT),
               CK_FIELD(struct i2c_smbus_ioctl_data, command, HEX),
               CK_FIELD(struct i2c_smbus_ioctl_data, size, UINT),
               CK_FIELD(struct i2c_smbus_ioctl_data, data, PTR));
static const struct ck_struct_desc *const i2c_structs[] = { &i2c_rdwr_desc, &i2c_smbus_desc, NULL };

/* --- sysfs: i2c-dev's class device below its adapter, an i2c bus device
 * without a parent (as i2c-stub's); new_device/delete_device, which would
 * instantiate kernel drivers, are not offered. --- */

#define I2C_ADAPTER_NAME "cusekit I2C adapter"

CK_SYSFS_CLASS_PARENT(i2c_sysfs, "i2c-dev", "%s", NULL, CK_SYSFS_ASYNC | CK_SYSFS_RPM_NO_CALLBACKS,
        CK_SYSFS_CONST("name", 0444, I2C_ADAPTER_NAME "\n"),
        CK_SYSFS_CONST("device/name", 0444, I2C_ADAPTER_NAME "\n"),
        CK_SYSFS_LINK("device/subsystem", "../../bus/i2c"),
        CK_SYSFS_LINK("/sys/bus/i2c/devices/%s", "../../../devices/%s"));

const struct ck_device_type ck_device_type_i2c = {
        .name = "i2c",
        .summary = "an I2C adapter (i2c-dev) with emulated chips: "
                   "chip=24c02@0x50[:file=PATH], chip=lm75@0x48[:temp=MILLIDEGREES], repeatable",
        .ioctls = i2c_ioctls,
        .n_ioctls = G_N_ELEMENTS(i2c_ioctls),
        .params = i2c_params,
        .list_params = i2c_list_params,
        .structs = i2c_structs,
        .priv_size = sizeof(struct i2c_adapter),
        .file_priv_size = sizeof(struct i2c_open),
        .init = i2c_init,
        .fini = i2c_fini,
        .read = i2c_read,
        .write = i2c_write,
        .sysfs = &i2c_sysfs,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_i2c);
