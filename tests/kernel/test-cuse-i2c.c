/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run inside the test VM against a running cusekitd hosting
 *   i2c:i2c-7,chip=24c02@0x50:...,chip=lm75@0x48:temp=42500
 * real /dev node, real kernel (FUSE_IOCTL_RETRY rounds), the typed client.
 */
#include "i2c/i2c-abi.h"


#include "cuse-test.h"

#include <cusekit/client.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NODE "i2c-7"
#define EEPROM 0x50
#define SENSOR 0x48

static int rdwr(int fd, struct i2c_msg *msgs, unsigned n)
{
        struct i2c_rdwr_ioctl_data d = { .msgs = msgs, .nmsgs = n };

        return cusekit_write(fd, I2C_RDWR, &d);
}

static int smbus(int fd, uint8_t read_write, uint8_t command, uint32_t size, union i2c_smbus_data *data)
{
        struct i2c_smbus_ioctl_data d = { .read_write = read_write, .command = command, .size = size, .data = data };

        return cusekit_write(fd, I2C_SMBUS, &d);
}

static void test_every_ioctl(void)
{
        int fd = open_node(NODE, O_RDWR);
        unsigned long funcs = 0;

        g_assert_cmphex(CK_REQUEST(I2C_RDWR), ==, I2C_RDWR);
        g_assert_cmphex(CK_REQUEST(I2C_SMBUS), ==, I2C_SMBUS);
        g_assert_cmpint(cusekit_read(fd, I2C_FUNCS, &funcs), ==, 0);
        g_assert_cmphex(funcs, ==, I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL_ALL);
        g_assert_cmpint(cusekit_write_value(fd, I2C_RETRIES, 3), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_RETRIES, 1ul << 31), ==, -EINVAL);
        g_assert_cmpint(cusekit_write_value(fd, I2C_TIMEOUT, 100), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_TIMEOUT, 214748365), ==, -EINVAL);
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, 0x80), ==, -EINVAL);
        g_assert_cmpint(cusekit_write_value(fd, I2C_TENBIT, 1), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE_FORCE, 0x3ff), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, 0x400), ==, -EINVAL);
        g_assert_cmpint(smbus(fd, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK, NULL), ==, -ENXIO);
        g_assert_cmpint(cusekit_write_value(fd, I2C_TENBIT, 0), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_PEC, 0), ==, 0);
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, SENSOR), ==, 0);

        union i2c_smbus_data data = { 0 };
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0, I2C_SMBUS_WORD_DATA, &data), ==, 0);
        g_assert_cmphex(data.word, ==, 0x802a);   /* 42.5 C */

        /* a write and a read in one transfer: argument, messages, buffers */
        uint8_t set[] = { 0xa0, 's', 'e', 'n', 't' }, at[] = { 0xa0 }, got[4] = { 0 };
        struct i2c_msg wr[] = { { .addr = EEPROM, .len = sizeof(set), .buf = set } };
        g_assert_cmpint(rdwr(fd, wr, 1), ==, 1);
        struct i2c_msg rd[] = {
                { .addr = EEPROM, .len = 1, .buf = at },
                { .addr = EEPROM, .flags = I2C_M_RD, .len = sizeof(got), .buf = got },
        };
        g_assert_cmpint(rdwr(fd, rd, 2), ==, 2);
        g_assert_cmpmem(got, 4, "sent", 4);

        /* read() and write() at the I2C_SLAVE address */
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, EEPROM), ==, 0);
        g_assert_cmpint(write(fd, "\xa1", 1), ==, 1);
        char text[3];
        g_assert_cmpint(read(fd, text, 3), ==, 3);
        g_assert_cmpmem(text, 3, "ent", 3);
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, 0x51), ==, 0);
        g_assert_cmpint(read(fd, text, 1), ==, -1);
        g_assert_cmpint(errno, ==, ENXIO);
        close(fd);
}

static void test_bad_input(void)
{
        int fd = open_node(NODE, O_RDWR);
        static struct i2c_msg msgs[I2C_RDWR_IOCTL_MAX_MSGS + 1];
        static uint8_t big[CK_I2C_MSG_MAX + 1];

        for (unsigned i = 0; i < G_N_ELEMENTS(msgs); i++)
                msgs[i] = (struct i2c_msg){ .addr = EEPROM, .flags = I2C_M_RD, .len = 1, .buf = big + i };
        g_assert_cmpint(rdwr(fd, msgs, I2C_RDWR_IOCTL_MAX_MSGS + 1), ==, -EINVAL);
        g_assert_cmpint(rdwr(fd, msgs, I2C_RDWR_IOCTL_MAX_MSGS), ==, I2C_RDWR_IOCTL_MAX_MSGS);
        g_assert_cmpint(rdwr(fd, msgs, 0), ==, -EINVAL);
        g_assert_cmpint(rdwr(fd, NULL, 1), ==, -EINVAL);
        g_assert_cmpint(rdwr(fd, (struct i2c_msg *)16, 1), ==, -EFAULT);
        g_assert_cmpint(cusekit_ioctl_write(fd, CK_REQUEST(I2C_RDWR), NULL), ==, -EFAULT);

        msgs[0].len = CK_I2C_MSG_MAX + 1;
        g_assert_cmpint(rdwr(fd, msgs, 1), ==, -EINVAL);
        msgs[0].len = CK_I2C_MSG_MAX;
        g_assert_cmpint(rdwr(fd, msgs, 1), ==, 1);
        msgs[0].buf = (uint8_t *)16;
        g_assert_cmpint(rdwr(fd, msgs, 1), ==, -EFAULT);
        msgs[0].buf = NULL;
        g_assert_cmpint(rdwr(fd, msgs, 1), ==, -EFAULT);
        msgs[0] = (struct i2c_msg){ .addr = EEPROM, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 8, .buf = big };
        big[0] = 1;
        g_assert_cmpint(rdwr(fd, msgs, 1), ==, -EINVAL);

        /* beyond what one CUSE ioctl carries (128 KiB each way): ENOMEM, as the kernel's FUSE says */
        static uint8_t huge[17][CK_I2C_MSG_MAX];
        struct i2c_msg many[17];
        for (unsigned i = 0; i < 17; i++)
                many[i] = (struct i2c_msg){ .addr = SENSOR, .len = CK_I2C_MSG_MAX, .buf = huge[i] };
        g_assert_cmpint(rdwr(fd, many, 17), ==, -ENOMEM);

        union i2c_smbus_data data = { 0 };
        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, EEPROM), ==, 0);
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0, 9, &data), ==, -EINVAL);
        g_assert_cmpint(smbus(fd, 2, 0, I2C_SMBUS_BYTE_DATA, &data), ==, -EINVAL);
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE_DATA, NULL), ==, -EINVAL);
        g_assert_cmpint(smbus(fd, I2C_SMBUS_WRITE, 0, I2C_SMBUS_BYTE_DATA, (union i2c_smbus_data *)16), ==, -EFAULT);
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0, I2C_SMBUS_QUICK, NULL), ==, 0);
        data.block[0] = 33;
        g_assert_cmpint(smbus(fd, I2C_SMBUS_WRITE, 0, I2C_SMBUS_I2C_BLOCK_DATA, &data), ==, -EINVAL);
        g_assert_cmpint(cusekit_ioctl_write(fd, 0x0709, NULL), ==, -ENOTTY);

        /* and the adapter still serves */
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0xa0, I2C_SMBUS_BYTE_DATA, &data), ==, 0);
        g_assert_cmpuint(data.byte, ==, 's');
        close(fd);
}

struct racer {
        struct i2c_msg *msg;
        volatile gboolean stop;
};

static void *race_len(void *data)
{
        struct racer *r = data;

        /* volatile: otherwise the compiler may keep the length in a register */
        volatile uint16_t *len = &r->msg->len;

        while (!r->stop)
                *len = *len == 2 ? 5 : 2;
        return NULL;
}

/* Another thread rewrites a message length between the kernel's fetch
 * rounds: every transfer either writes a consistent message or fails with
 * EINVAL, and nothing else happens to the bus. */
static void test_double_fetch_race(void)
{
        int fd = open_node(NODE, O_RDWR);
        static uint8_t bytes[5] = { 0xb0, '1', '2', '3', '4' };
        static uint8_t room[4];
        struct i2c_msg msgs[] = {
                { .addr = EEPROM, .len = 2, .buf = bytes },
                { .addr = SENSOR, .flags = I2C_M_RD, .len = 2, .buf = room },
        };
        struct racer r = { .msg = &msgs[0] };
        pthread_t t;
        int ok = 0, refused = 0;

        pthread_create(&t, NULL, race_len, &r);
        for (int i = 0; i < 2000; i++) {
                int rc = rdwr(fd, msgs, 2);
                g_assert_true(rc == 2 || rc == -EINVAL);
                if (rc == 2)
                        ok++;
                else
                        refused++;
        }
        r.stop = TRUE;
        pthread_join(t, NULL);

        /* the EEPROM took whole messages only */
        uint8_t at[] = { 0xb0 }, got[4] = { 0 };
        struct i2c_msg rd[] = {
                { .addr = EEPROM, .len = 1, .buf = at },
                { .addr = EEPROM, .flags = I2C_M_RD, .len = 4, .buf = got },
        };
        g_assert_cmpint(rdwr(fd, rd, 2), ==, 2);
        g_assert_cmpuint(got[0], ==, '1');
        g_test_message("race: %d transfers, %d refused with EINVAL", ok, refused);
        g_assert_cmpint(refused, >, 0);   /* the race really happened */

        close(fd);
}

static void *flip_size(void *data)
{
        struct racer *r = data;
        volatile uint32_t *size = &((struct i2c_smbus_ioctl_data *)(void *)r->msg)->size;

        while (!r->stop)
                *size = *size == I2C_SMBUS_BYTE_DATA ? I2C_SMBUS_WORD_DATA : I2C_SMBUS_BYTE_DATA;
        return NULL;
}

static void test_smbus_race(void)
{
        int fd = open_node(NODE, O_RDWR);
        static struct i2c_smbus_ioctl_data d;
        static union i2c_smbus_data data = { .word = 0x3635 };
        struct racer r = { .msg = (void *)&d };
        pthread_t t;
        int ok = 0, refused = 0;

        g_assert_cmpint(cusekit_write_value(fd, I2C_SLAVE, EEPROM), ==, 0);
        d = (struct i2c_smbus_ioctl_data){ .read_write = I2C_SMBUS_WRITE, .command = 0xc0,
                                           .size = I2C_SMBUS_BYTE_DATA, .data = &data };
        pthread_create(&t, NULL, flip_size, &r);
        for (int i = 0; i < 2000; i++) {
                int rc = cusekit_write(fd, I2C_SMBUS, &d);
                g_assert_true(rc == 0 || rc == -EINVAL);
                if (rc == 0)
                        ok++;
                else
                        refused++;
        }
        r.stop = TRUE;
        pthread_join(t, NULL);
        union i2c_smbus_data back = { 0 };
        g_assert_cmpint(smbus(fd, I2C_SMBUS_READ, 0xc0, I2C_SMBUS_BYTE_DATA, &back), ==, 0);
        g_assert_cmpuint(back.byte, ==, '5');
        g_test_message("race: %d transactions, %d refused with EINVAL", ok, refused);
        g_assert_cmpint(refused, >, 0);   /* the race really happened */
        close(fd);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/cuse/i2c/every-ioctl", test_every_ioctl);
        g_test_add_func("/cuse/i2c/bad-input", test_bad_input);
        g_test_add_func("/cuse/i2c/double-fetch-race", test_double_fetch_race);
        g_test_add_func("/cuse/i2c/smbus-race", test_smbus_race);
        return g_test_run();
}
