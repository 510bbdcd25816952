/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spi: the /dev/spidevB.C ABI of drivers/spi/spidev.c, with the kernel's
 * own argument types.  SPI_IOC_MESSAGE(N) is one row whose size is the
 * caller's: N transfers, 0 to 511 (the most _IOC_SIZE holds; the kernel's
 * SPI_MSGSIZE(512) is 0).  Every row is checked against <linux/spi/spidev.h>.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/spi/spidev.h>
#include <linux/types.h>

#define CK_SPI_MAX_XFERS 511

#define SPI_IOCTLS(IOC, RAW)                                                                                        \
        IOC(SPI_IOC_MESSAGE,          IOW_N(CK_SPI_MAX_XFERS), SPI_IOC_MAGIC, 0, IN, struct spi_ioc_transfer, NESTED, HONEST) \
        IOC(SPI_IOC_RD_MODE,          IOR, SPI_IOC_MAGIC, 1, OUT, __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_WR_MODE,          IOW, SPI_IOC_MAGIC, 1, IN,  __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_RD_LSB_FIRST,     IOR, SPI_IOC_MAGIC, 2, OUT, __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_WR_LSB_FIRST,     IOW, SPI_IOC_MAGIC, 2, IN,  __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_RD_BITS_PER_WORD, IOR, SPI_IOC_MAGIC, 3, OUT, __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_WR_BITS_PER_WORD, IOW, SPI_IOC_MAGIC, 3, IN,  __u8,  FLAT, HONEST)                           \
        IOC(SPI_IOC_RD_MAX_SPEED_HZ,  IOR, SPI_IOC_MAGIC, 4, OUT, __u32, FLAT, HONEST)                           \
        IOC(SPI_IOC_WR_MAX_SPEED_HZ,  IOW, SPI_IOC_MAGIC, 4, IN,  __u32, FLAT, HONEST)                           \
        IOC(SPI_IOC_RD_MODE32,        IOR, SPI_IOC_MAGIC, 5, OUT, __u32, FLAT, HONEST)                           \
        IOC(SPI_IOC_WR_MODE32,        IOW, SPI_IOC_MAGIC, 5, IN,  __u32, FLAT, HONEST)

CK_DECLARE_IOCTLS(SPI_IOCTLS)

CK_ASSERT_KERNEL_NUMBERS(SPI_IOCTLS)
