/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtc: the kernel's RTC character-device ABI (<linux/rtc.h>, served by
 * drivers/rtc/dev.c), with the kernel's own argument structs.
 *
 * Three rows say what their encoding does not: RTC_IRQP_SET and
 * RTC_EPOCH_SET are encoded _IOW(unsigned long) but take the value itself
 * as the argument, and RTC_PARAM_GET is encoded _IOW but copies the
 * parameter back out.
 */
#pragma once

#include <cusekit/ioctl.h>
#include <linux/rtc.h>

#define RTC_IOC_GROUP 'p'

#define RTC_IOCTLS(IOC, RAW)                                                                        \
        IOC(RTC_AIE_ON,     IO,   RTC_IOC_GROUP, 0x01, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_AIE_OFF,    IO,   RTC_IOC_GROUP, 0x02, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_UIE_ON,     IO,   RTC_IOC_GROUP, 0x03, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_UIE_OFF,    IO,   RTC_IOC_GROUP, 0x04, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_PIE_ON,     IO,   RTC_IOC_GROUP, 0x05, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_PIE_OFF,    IO,   RTC_IOC_GROUP, 0x06, NONE,  void,             FLAT, HONEST)        \
        IOC(RTC_ALM_SET,    IOW,  RTC_IOC_GROUP, 0x07, IN,    struct rtc_time,  FLAT, HONEST)        \
        IOC(RTC_ALM_READ,   IOR,  RTC_IOC_GROUP, 0x08, OUT,   struct rtc_time,  FLAT, HONEST)        \
        IOC(RTC_RD_TIME,    IOR,  RTC_IOC_GROUP, 0x09, OUT,   struct rtc_time,  FLAT, HONEST)        \
        IOC(RTC_SET_TIME,   IOW,  RTC_IOC_GROUP, 0x0a, IN,    struct rtc_time,  FLAT, HONEST)        \
        IOC(RTC_IRQP_READ,  IOR,  RTC_IOC_GROUP, 0x0b, OUT,   unsigned long,    FLAT, HONEST)        \
        IOC(RTC_IRQP_SET,   IOW,  RTC_IOC_GROUP, 0x0c, VALUE, unsigned long,    FLAT,                \
            LIES("encoded _IOW(unsigned long), but the rate is the argument itself, not a pointer")) \
        IOC(RTC_EPOCH_READ, IOR,  RTC_IOC_GROUP, 0x0d, OUT,   unsigned long,    FLAT, HONEST)        \
        IOC(RTC_EPOCH_SET,  IOW,  RTC_IOC_GROUP, 0x0e, VALUE, unsigned long,    FLAT,                \
            LIES("encoded _IOW(unsigned long), but the epoch is the argument itself, not a pointer")) \
        IOC(RTC_WKALM_SET,  IOW,  RTC_IOC_GROUP, 0x0f, IN,    struct rtc_wkalrm, FLAT, HONEST)       \
        IOC(RTC_WKALM_RD,   IOR,  RTC_IOC_GROUP, 0x10, OUT,   struct rtc_wkalrm, FLAT, HONEST)       \
        IOC(RTC_PARAM_GET,  IOW,  RTC_IOC_GROUP, 0x13, INOUT, struct rtc_param, FLAT,                \
            LIES("encoded _IOW, but the kernel copies the parameter's value back out"))            \
        IOC(RTC_PARAM_SET,  IOW,  RTC_IOC_GROUP, 0x14, IN,    struct rtc_param, FLAT, HONEST)

CK_DECLARE_IOCTLS(RTC_IOCTLS)

