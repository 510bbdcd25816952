/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run inside the test VM against a running cusekitd hosting
 *   spi:spidev0.0,chip=loopback  spi:spidev0.1,chip=mcp3008  spi:spidev0.2,chip=25xx
 * real /dev nodes, real kernel (FUSE_IOCTL_RETRY rounds), the typed client
 * with SPI_IOC_MESSAGE(n) through cusekit_write_n().
 */
#include "spi/spi-abi.h"

#include "cuse-test.h"

#include <cusekit/client.h>

#include <errno.h>
#include <linux/spi/spi.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static struct spi_ioc_transfer duplex(const void *tx, void *rx, uint32_t len)
{
        return (struct spi_ioc_transfer){ .tx_buf = (uintptr_t)tx, .rx_buf = (uintptr_t)rx, .len = len };
}

static void test_loopback(void)
{
        int fd = open_node("spidev0.0", O_RDWR);
        uint8_t a[64], b[3] = { 7, 8, 9 }, ra[64] = { 0 }, rb[3] = { 0 };
        for (unsigned i = 0; i < sizeof(a); i++)
                a[i] = (uint8_t)(i * 3 + 1);
        struct spi_ioc_transfer x[2] = { duplex(a, ra, sizeof(a)), duplex(b, rb, sizeof(b)) };

        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 2), ==, sizeof(a) + sizeof(b));
        g_assert_cmpmem(ra, sizeof(a), a, sizeof(a));
        g_assert_cmpmem(rb, sizeof(b), b, sizeof(b));
        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 0), ==, 0);
        /* the client refuses a count the number cannot hold, without a system call */
        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 512), ==, -EINVAL);

        uint8_t mode = SPI_MODE_3;
        g_assert_cmpint(cusekit_write(fd, SPI_IOC_WR_MODE, &mode), ==, 0);
        mode = 0;
        g_assert_cmpint(cusekit_read(fd, SPI_IOC_RD_MODE, &mode), ==, 0);
        g_assert_cmpuint(mode, ==, SPI_MODE_3);
        uint32_t speed = 250000;
        g_assert_cmpint(cusekit_write(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed), ==, 0);
        speed = 0;
        g_assert_cmpint(cusekit_read(fd, SPI_IOC_RD_MAX_SPEED_HZ, &speed), ==, 0);
        g_assert_cmpuint(speed, ==, 250000);
        g_assert_cmpint(write(fd, "hello", 5), ==, 5);
        char buf[5] = "xxxx";
        g_assert_cmpint(read(fd, buf, 4), ==, 4);
        g_assert_cmpmem(buf, 4, "\0\0\0\0", 4);
        close(fd);
}

/* spidev's errnos for what it refuses, through the real kernel */
static void test_errors(void)
{
        int fd = open_node("spidev0.0", O_RDWR);
        static uint8_t big[5000];
        struct spi_ioc_transfer x[2] = { duplex(big, big, 4097) };

        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 1), ==, -EMSGSIZE);
        g_assert_cmpint(ioctl(fd, _IOC(_IOC_WRITE, SPI_IOC_MAGIC, 0, 33), x), ==, -1);
        g_assert_cmpint(errno, ==, EINVAL);
        x[0] = duplex((void *)16, big, 4);
        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 1), ==, -EFAULT);
        x[0] = duplex(big, big, 3);
        x[0].bits_per_word = 16;
        g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 1), ==, -EINVAL);
        g_assert_cmpint(read(fd, big, 4097), ==, -1);
        g_assert_cmpint(errno, ==, EMSGSIZE);
        uint8_t mode = SPI_READY;
        g_assert_cmpint(cusekit_write(fd, SPI_IOC_WR_MODE, &mode), ==, -EINVAL);
        uint8_t bits = 12;
        g_assert_cmpint(cusekit_write(fd, SPI_IOC_WR_BITS_PER_WORD, &bits), ==, -EINVAL);
        uint32_t speed = 0;
        g_assert_cmpint(cusekit_write(fd, SPI_IOC_WR_MAX_SPEED_HZ, &speed), ==, -EINVAL);
        g_assert_cmpint(ioctl(fd, _IOW('j', 0, char[32]), x), ==, -1);
        g_assert_cmpint(errno, ==, ENOTTY);
        close(fd);
}

/* channel/N was set to 100 * N + 5 by the script before this runs */
static void test_mcp3008(void)
{
        int fd = open_node("spidev0.1", O_RDWR);

        for (unsigned ch = 0; ch < 8; ch++) {
                uint8_t tx[3] = { 1, (uint8_t)((8 + ch) << 4), 0 }, rx[3] = { 0 };
                struct spi_ioc_transfer x[1] = { duplex(tx, rx, 3) };
                g_assert_cmpint(cusekit_write_n(fd, SPI_IOC_MESSAGE, x, 1), ==, 3);
                g_assert_cmpuint((rx[1] & 3u) << 8 | rx[2], ==, 100 * ch + 5);
        }
        close(fd);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/cuse/spi/loopback-typed-message", test_loopback);
        g_test_add_func("/cuse/spi/spidev-errnos", test_errors);
        g_test_add_func("/cuse/spi/mcp3008-typed-message", test_mcp3008);
        return g_test_run();
}
