/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tty: the ioctls the serial core and the tty layer answer for a UART
 * (drivers/tty/tty_io.c, tty_ioctl.c, serial/serial_core.c), with the
 * kernel's own argument types from <asm/termios.h> and <linux/serial.h>
 * (not the C library's struct termios, which is another layout).  Every
 * row is checked against the kernel's numbers.  FIONREAD is here by its
 * other name, TIOCINQ (the same number), as the fifo family has the first.
 */
#pragma once

#include <asm/termios.h>
#include <cusekit/ioctl.h>
#include <linux/serial.h>

#define TTY_IOCTLS(IOC, RAW)                                                                          \
        RAW(TCGETS,      0x5401, OUT,   struct termios,               FLAT, HONEST)                  \
        RAW(TCSETS,      0x5402, IN,    struct termios,               FLAT, HONEST)                  \
        RAW(TCSETSW,     0x5403, IN,    struct termios,               FLAT, HONEST)                  \
        RAW(TCSETSF,     0x5404, IN,    struct termios,               FLAT, HONEST)                  \
        RAW(TCGETA,      0x5405, OUT,   struct termio,                FLAT, HONEST)                  \
        RAW(TCSETA,      0x5406, IN,    struct termio,                FLAT, HONEST)                  \
        RAW(TCSETAW,     0x5407, IN,    struct termio,                FLAT, HONEST)                  \
        RAW(TCSETAF,     0x5408, IN,    struct termio,                FLAT, HONEST)                  \
        RAW(TCSBRK,      0x5409, VALUE, unsigned long,                FLAT, HONEST)                  \
        RAW(TCXONC,      0x540A, VALUE, unsigned long,                FLAT, HONEST)                  \
        RAW(TCFLSH,      0x540B, VALUE, unsigned long,                FLAT, HONEST)                  \
        RAW(TIOCEXCL,    0x540C, NONE,  void,                         FLAT, HONEST)                  \
        RAW(TIOCNXCL,    0x540D, NONE,  void,                         FLAT, HONEST)                  \
        RAW(TIOCOUTQ,    0x5411, OUT,   int,                          FLAT, HONEST)                  \
        RAW(TIOCSTI,     0x5412, IN,    char,                         FLAT, HONEST)                  \
        RAW(TIOCGWINSZ,  0x5413, OUT,   struct winsize,               FLAT, HONEST)                  \
        RAW(TIOCSWINSZ,  0x5414, IN,    struct winsize,               FLAT, HONEST)                  \
        RAW(TIOCMGET,    0x5415, OUT,   int,                          FLAT, HONEST)                  \
        RAW(TIOCMBIS,    0x5416, IN,    int,                          FLAT, HONEST)                  \
        RAW(TIOCMBIC,    0x5417, IN,    int,                          FLAT, HONEST)                  \
        RAW(TIOCMSET,    0x5418, IN,    int,                          FLAT, HONEST)                  \
        RAW(TIOCGSOFTCAR, 0x5419, OUT,  int,                          FLAT, HONEST)                  \
        RAW(TIOCSSOFTCAR, 0x541A, IN,   int,                          FLAT, HONEST)                  \
        RAW(TIOCINQ,     0x541B, OUT,   int,                          FLAT, HONEST)                  \
        RAW(TIOCGSERIAL, 0x541E, OUT,   struct serial_struct,         FLAT, HONEST)                  \
        RAW(TIOCSSERIAL, 0x541F, IN,    struct serial_struct,         FLAT, HONEST)                  \
        RAW(TIOCGETD,    0x5424, OUT,   int,                          FLAT, HONEST)                  \
        RAW(TIOCSETD,    0x5423, IN,    int,                          FLAT, HONEST)                  \
        RAW(TIOCSBRK,    0x5427, NONE,  void,                         FLAT, HONEST)                  \
        RAW(TIOCCBRK,    0x5428, NONE,  void,                         FLAT, HONEST)                  \
        IOC(TCGETS2,     IOR, 'T', 0x2A, OUT, struct termios2,        FLAT, HONEST)                  \
        IOC(TCSETS2,     IOW, 'T', 0x2B, IN,  struct termios2,        FLAT, HONEST)                  \
        IOC(TCSETSW2,    IOW, 'T', 0x2C, IN,  struct termios2,        FLAT, HONEST)                  \
        IOC(TCSETSF2,    IOW, 'T', 0x2D, IN,  struct termios2,        FLAT, HONEST)                  \
        RAW(TCSBRKP,     0x5425, VALUE, unsigned long,                FLAT, HONEST)                  \
        RAW(TIOCGRS485,  0x542E, OUT,   struct serial_rs485,          FLAT, HONEST)                  \
        RAW(TIOCGLCKTRMIOS, 0x5456, OUT, struct termios,              FLAT, HONEST)                  \
        RAW(TIOCSLCKTRMIOS, 0x5457, IN,  struct termios,              FLAT, HONEST)                  \
        RAW(TIOCSERGETLSR, 0x5459, OUT, unsigned int,                 FLAT, HONEST)                  \
        RAW(TIOCMIWAIT,  0x545C, VALUE, unsigned long,                FLAT, HONEST)                  \
        RAW(TIOCGICOUNT, 0x545D, OUT,   struct serial_icounter_struct, FLAT, HONEST)                 \
        IOC(TIOCGEXCL,   IOR, 'T', 0x40, OUT, int,                    FLAT, HONEST)

CK_DECLARE_IOCTLS(TTY_IOCTLS)

CK_ASSERT_KERNEL_NUMBERS(TTY_IOCTLS)
