/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tty: an emulated UART behind the serial core and the N_TTY line
 * discipline, /dev/NAME (ttyCK0, ...):
 *
 *   --device tty:ttyCK0,peer=ttyCK1 --device tty:ttyCK1      a null-modem pair
 *   --device tty:ttyCK2,loopback=1                           a loopback adapter
 *   --device tty:ttyCK3                                      the far end is the control interface
 *   --device tty:ttyCK4,far=unix:/run/ck4.sock               ... and a stream a script connects to
 *
 * What the far end is: peer=NAME crosses two ports like a null-modem cable
 * (TX to RX, RTS to CTS, DTR to DSR and DCD); loopback=1 wires a port to
 * itself (TX to RX, RTS to CTS, DTR to DSR, DCD and RI), as pyserial's
 * loopback adapter; otherwise the control interface plays it: far/cts,
 * far/dsr, far/dcd, far/ri set the input lines, far/send and far/break
 * deliver bytes and breaks, far/frame-error and far/parity-error a byte
 * with that error, far/received holds what the port sent.  far=unix:PATH
 * adds a Unix stream socket at PATH: one connection at a time, whose bytes
 * arrive at the port and which gets what the port sends (a far end that
 * does not read loses bytes, as on a line without flow control).  The
 * device stream "far" (the control interface's OpenStream, which
 * `cusekit serial NAME` uses) is such a connection without a path.
 *
 * The line discipline does what n_tty.c does for the flags serial programs
 * use: non-canonical reads with VMIN/VTIME, O_NONBLOCK and poll; ICANON
 * lines with VERASE, VKILL, VEOF, VEOL, VEOL2; ISTRIP, IGNCR, ICRNL, INLCR,
 * IXON/IXANY (VSTOP/VSTART stop and restart output), IGNBRK/BRKINT/PARMRK/
 * INPCK/IGNPAR for breaks and bad bytes; ECHO, ECHOE, ECHOK, ECHONL; OPOST
 * with ONLCR and OCRNL.  ISIG characters are dropped (there is no
 * controlling terminal to signal).  Hardware flow control: with CRTSCTS,
 * bytes stay queued (TIOCOUTQ) while CTS is low.
 *
 * TIOCSTI and TIOCSLCKTRMIOS ask the caller's capabilities, as the kernel
 * does for a tty that is not the caller's controlling terminal.
 *
 * Time on the line: the transmitter sends one character per character
 * time (start bit, CSIZE data bits, PARENB's parity bit, CSTOPB's stop
 * bits at the port's rate: BOTHER, spd_ flags and custom divisor
 * included), from a GLib timer that wakes at most once a millisecond and
 * sends what is due.  So TIOCOUTQ counts what has not left, write() fills
 * the serial core's 4096-byte buffer and a blocking writer waits for room
 * for the rest (.write_all: it returns the whole count, or after a signal
 * what went; O_NONBLOCK: what fit, or EAGAIN), and the calls that wait
 * until the output has left (tcdrain = TCSBRK with 1, TCSETSW/TCSETSF and
 * the termio and termios2 forms, TCSBRK/TCSBRKP/TIOCSBRK before a break,
 * TIOCSETD) wait through ck_call_wait(), as does TIOCMIWAIT for a change
 * of the lines it asks for (uart_wait_modem_status()).  Every far end
 * (peer, loopback plug, control interface, far=unix) gets a byte when it
 * has left; bytes from the control interface or the socket arrive at once.
 * A last close lets what was written drain (the kernel's close waits for
 * it) unless hardware flow control holds it, which drops it.
 *
 * Two ends that disagree (peer=): a byte sent with rates more than 5 %
 * apart, other data bits or other stop bits arrives as a framing error
 * whose value is the byte inverted; with other parity settings (on or
 * off, odd or even, mark/space) as a parity error; either way counted in
 * TIOCGICOUNT and delivered as INPCK, IGNPAR and PARMRK say.  Only the
 * receiver's data bits arrive (CS7 both ends: the eighth bit never travels).
 *
 * A break (TCSBRK with 0, TCSBRKP) reaches the far end as it begins; the
 * call returns when it is over (250 ms, or TCSBRKP's tenths of a second).
 * While a break lasts (those, or TIOCSBRK until TIOCCBRK) the transmitter
 * is held in the spacing state: nothing is sent, bytes written meanwhile
 * wait (TIOCOUTQ) and go when it ends.  A timed break ends on time even
 * when a signal ends its call (the kernel's ends early then).
 *
 * TIOCEXCL: a second open gets EBUSY unless the opener has CAP_SYS_ADMIN
 * (tty_reopen(); ck_file_capable()).
 *
 * Not modelled: the 16550's FIFO (TIOCOUTQ counts every byte not yet on
 * the line).  Under `cusekit run` a signal after part of a blocking write
 * cannot return that count: a restarted (SA_RESTART) or retried write of
 * the same buffer goes on where it stopped, an EINTR the client gives up
 * on leaves those bytes sent.
 */
#include "tty-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <linux/serial_core.h>
#include <linux/capability.h>
#include <linux/tty.h>
#include <glib-unix.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define RX_BUF_SIZE 4096              /* N_TTY_BUF_SIZE */
#define THRESHOLD_THROTTLE 128        /* n_tty: throttle with less room than this */
#define THRESHOLD_UNTHROTTLE 128      /* ... and unthrottle at this much or less */
#define TX_BUF_SIZE 4096              /* the serial core's circular buffer, a page */
#define RECEIVED_MAX 65536            /* far/received keeps the last this many bytes */
#define BAUD_BASE 4000000             /* the fastest rate of this UART: uartclk / 16 */
#define TIOCM_OUTPUTS (TIOCM_DTR | TIOCM_RTS | TIOCM_OUT1 | TIOCM_OUT2 | TIOCM_LOOP)

/* One UART with its line discipline and its end of the cable. */
struct tty_port {
        struct ck_device *dev;
        char *name;
        char *peer_name;
        struct tty_port *peer;        /* peer=: the other end of a null-modem cable */
        bool loopback;

        struct termios2 termios;
        struct termios2 locked;       /* TIOCSLCKTRMIOS: bits and c_cc TCSETS may not change */
        struct winsize winsize;
        struct serial_struct serial;
        struct serial_icounter_struct icount;
        unsigned mctrl;               /* TIOCM_DTR/RTS/OUT1/OUT2/LOOP as set */
        unsigned far_lines;           /* TIOCM_CTS/DSR/CAR/RNG the control interface set */
        unsigned lines_in;            /* the input lines as last seen, for the counters */
        bool exclusive;
        unsigned opens;

        /* the line discipline: readable bytes, complete lines (ICANON) */
        GByteArray *rx;
        GArray *lines;                /* gsize: lengths of the lines at the start of rx */
        GByteArray *edit;             /* ICANON: the line being typed */
        bool stopped;                 /* IXON: VSTOP received (or TCOOFF) */
        bool throttled;               /* the input buffer nearly full: RTS down / VSTOP sent */
        gint64 last_rx_us;            /* VMIN > 0 && VTIME > 0: the inter-byte timer */
        guint vtime_source;
        guint wake_source;            /* a waiting call's deadline (a break's end) ... */
        gint64 wake_due_us;           /* ... the earliest one */

        GByteArray *tx;               /* written, not yet on the line (the serial core's buffer) */
        guint tx_source;              /* the transmitter: when the next byte has left */
        bool transmitting;            /* in tx_tick(): bytes sent make more to send, for later */
        bool breaking;                /* a break holds the line: nothing is transmitted */
        guint break_source;           /* a timed break's end */
        gint64 tx_anchor_us;          /* when the transmitter last started ... */
        guint64 tx_sent;              /* ... and the bytes it sent since */
        GByteArray *received;         /* what the far end got, when the control interface is it */

        /* far=unix:PATH */
        char *far_path;
        int far_listen_fd;            /* -1: none */
        guint far_listen_source;
        int far_fd;                   /* the connected far end; -1: none */
        guint far_source;
};

struct tty_open {
        gint64 read_started_us;       /* a parked read's start, for VMIN == 0 && VTIME > 0; 0: none */
};

static GHashTable *ports_by_name;     /* char * -> struct tty_port *, for peer= */

static struct tty_port *port_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

CK_IOCTL_TABLE(tty_ioctls, TTY_IOCTLS);

/* --- speeds: tty_baudrate.c --- */

static const speed_t baud_table[] = {
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000,
        2000000, 2500000, 3000000, 3500000, 4000000,
};
static const tcflag_t baud_bits[] = {
        B0, B50, B75, B110, B134, B150, B200, B300, B600, B1200, B1800, B2400, B4800, B9600, B19200,
        B38400, B57600, B115200, B230400, B460800, B500000, B576000, B921600, B1000000, B1152000,
        B1500000, B2000000, B2500000, B3000000, B3500000, B4000000,
};

static speed_t cbaud_rate(unsigned cbaud, speed_t other)
{
        if (cbaud == BOTHER)
                return other;
        if (cbaud & CBAUDEX) {
                cbaud &= ~CBAUDEX;
                cbaud += 15;
        }
        return cbaud >= G_N_ELEMENTS(baud_table) ? 0 : baud_table[cbaud];
}

static speed_t termios_baud_rate(const struct termios2 *t)
{
        return cbaud_rate(t->c_cflag & CBAUD, t->c_ospeed);
}

static speed_t termios_input_baud_rate(const struct termios2 *t)
{
        unsigned cbaud = (t->c_cflag >> IBSHIFT) & CBAUD;

        if (cbaud == B0)
                return termios_baud_rate(t);
        return cbaud_rate(cbaud, t->c_ispeed);
}

static void termios_encode_baud_rate(struct termios2 *t, speed_t ibaud, speed_t obaud)
{
        int ifound = -1, ofound = -1;
        speed_t iclose = ibaud / 50, oclose = obaud / 50;
        bool ibinput = false;

        if (obaud == 0)
                ibaud = 0;
        t->c_ispeed = ibaud;
        t->c_ospeed = obaud;
        if (((t->c_cflag >> IBSHIFT) & CBAUD) != B0)
                ibinput = true;
        if ((t->c_cflag & CBAUD) == BOTHER) {
                oclose = 0;
                if (!ibinput)
                        iclose = 0;
        }
        if (((t->c_cflag >> IBSHIFT) & CBAUD) == BOTHER)
                iclose = 0;
        t->c_cflag &= ~CBAUD;
        t->c_cflag &= ~(CBAUD << IBSHIFT);
        for (int i = 0; i < (int)G_N_ELEMENTS(baud_table); i++) {
                if (obaud - oclose <= baud_table[i] && obaud + oclose >= baud_table[i]) {
                        t->c_cflag |= baud_bits[i];
                        ofound = i;
                }
                if (ibaud - iclose <= baud_table[i] && ibaud + iclose >= baud_table[i]) {
                        ifound = i;
                        if (!(ofound == i && !ibinput))
                                t->c_cflag |= baud_bits[i] << IBSHIFT;
                }
        }
        if (ofound == -1)
                t->c_cflag |= BOTHER;
        if (ifound == -1 && (ibaud != obaud || ibinput))
                t->c_cflag |= BOTHER << IBSHIFT;
}

/* uart_get_baud_rate() with serial8250_get_baud_rate()'s range: B38400
 * means setserial's spd_ rate (spd_cust keeps 38400: the divisor does
 * it); a rate out of range falls back to the old one, or is clipped. */
#define BAUD_MIN (BAUD_BASE / 0xffff)

static speed_t uart_baud_rate(const struct tty_port *p, struct termios2 *t, const struct termios2 *old)
{
        speed_t altbaud;

        switch (p->serial.flags & ASYNC_SPD_MASK) {
        case ASYNC_SPD_HI: altbaud = 57600; break;
        case ASYNC_SPD_VHI: altbaud = 115200; break;
        case ASYNC_SPD_SHI: altbaud = 230400; break;
        case ASYNC_SPD_WARP: altbaud = 460800; break;
        default: altbaud = 38400; break;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
                speed_t baud = termios_baud_rate(t);
                bool hung_up = false;
                if (attempt == 0 && baud == 38400)
                        baud = altbaud;
                if (baud == 0) {
                        hung_up = true;
                        baud = 9600;
                }
                if (baud >= BAUD_MIN && baud <= BAUD_BASE)
                        return baud;
                t->c_cflag &= ~CBAUD;
                if (old) {
                        baud = termios_baud_rate(old);
                        if (!hung_up)
                                termios_encode_baud_rate(t, baud, baud);
                        old = NULL;
                        continue;
                }
                if (!hung_up) {
                        if (baud <= BAUD_MIN)
                                termios_encode_baud_rate(t, BAUD_MIN + 1, BAUD_MIN + 1);
                        else
                                termios_encode_baud_rate(t, BAUD_BASE - 1, BAUD_BASE - 1);
                }
        }
        return termios_baud_rate(t);
}

/* --- the wires --- */

static struct tty_port *far_port(struct tty_port *p)
{
        return p->loopback ? p : p->peer;
}

/* The input lines, from the other end's outputs or the control interface. */
static unsigned input_lines(const struct tty_port *p)
{
        if (p->loopback) {
                unsigned out = p->mctrl;
                return ((out & TIOCM_RTS) ? TIOCM_CTS : 0) |
                       ((out & TIOCM_DTR) ? TIOCM_DSR | TIOCM_CAR | TIOCM_RNG : 0);
        }
        if (p->peer) {
                unsigned out = p->peer->mctrl;
                return ((out & TIOCM_RTS) ? TIOCM_CTS : 0) | ((out & TIOCM_DTR) ? TIOCM_DSR | TIOCM_CAR : 0);
        }
        return p->far_lines;
}

static void flush_tx(struct tty_port *p);
static gboolean tx_tick(gpointer userdata);

/* The input lines may have moved: count the changes as the UART's delta
 * bits do (RI on its trailing edge), and restart output CTS held back. */
static void lines_changed(struct tty_port *p)
{
        unsigned now = input_lines(p), was = p->lines_in, delta = now ^ was;

        if (delta & TIOCM_CTS)
                p->icount.cts++;
        if (delta & TIOCM_DSR)
                p->icount.dsr++;
        if (delta & TIOCM_CAR)
                p->icount.dcd++;
        if ((delta & TIOCM_RNG) && !(now & TIOCM_RNG))
                p->icount.rng++;
        p->lines_in = now;
        if (delta & TIOCM_CTS)
                flush_tx(p);
        if (delta)
                ck_device_notify(p->dev);
}

static void set_mctrl(struct tty_port *p, unsigned set, unsigned clear)
{
        p->mctrl = (p->mctrl & ~clear) | set;
        lines_changed(p);
        if (p->peer)
                lines_changed(p->peer);
}

/* --- receiving: n_tty_receive_buf() --- */

enum rx_flag {
        RX_NORMAL,
        RX_BREAK,
        RX_FRAME,
        RX_PARITY,
};

static void transmit(struct tty_port *p, const uint8_t *bytes, size_t n);

static bool canonical(const struct tty_port *p)
{
        return p->termios.c_lflag & ICANON;
}

static size_t lines_total(const struct tty_port *p)
{
        size_t sum = 0;

        for (guint i = 0; i < p->lines->len; i++)
                sum += g_array_index(p->lines, gsize, i);
        return sum;
}

static size_t rx_used(const struct tty_port *p)
{
        return p->rx->len + p->edit->len;
}

static void put_rx(struct tty_port *p, uint8_t c)
{
        if (rx_used(p) >= RX_BUF_SIZE - 1) {
                p->icount.buf_overrun++;   /* n_tty drops what does not fit */
                return;
        }
        g_byte_array_append(canonical(p) ? p->edit : p->rx, &c, 1);
}

static size_t output_char(const struct tty_port *p, uint8_t c, uint8_t out[2]);
static void deliver(struct tty_port *p, const uint8_t *bytes, size_t n);
static void set_mctrl(struct tty_port *p, unsigned set, unsigned clear);

/* uart_throttle()/uart_unthrottle(): with CRTSCTS RTS goes down and up,
 * with IXOFF VSTOP and VSTART go out ahead of the queue. */
static void throttle(struct tty_port *p, bool on)
{
        uint8_t ch = p->termios.c_cc[on ? VSTOP : VSTART];

        if (p->throttled == on)
                return;
        p->throttled = on;
        if ((p->termios.c_iflag & IXOFF) && ch != _POSIX_VDISABLE)
                deliver(p, &ch, 1);
        if (p->termios.c_cflag & CRTSCTS)
                set_mctrl(p, on ? 0 : TIOCM_RTS, on ? TIOCM_RTS : 0);
}

static void check_throttle(struct tty_port *p)
{
        /* n_tty_check_throttle(): a line still being typed must be able to end */
        if (canonical(p) && !p->lines->len && !p->throttled)
                return;
        if (!p->throttled && RX_BUF_SIZE - 1 - rx_used(p) < THRESHOLD_THROTTLE)
                throttle(p, true);
        else if (p->throttled && rx_used(p) <= THRESHOLD_UNTHROTTLE)
                throttle(p, false);
}

/* Echoes go out through OPOST like written bytes (n_tty's do_output_char). */
static void echo(struct tty_port *p, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                uint8_t out[2];
                transmit(p, out, output_char(p, (uint8_t)s[i], out));
        }
}

static void echo_char(struct tty_port *p, uint8_t c)
{
        if ((p->termios.c_lflag & ECHOCTL) && c < 0x20 && c != '\t' && c != '\n') {
                char s[2] = { '^', (char)(c + 0x40) };
                echo(p, s, 2);
        } else {
                echo(p, (const char *)&c, 1);
        }
}

static void end_line(struct tty_port *p)
{
        gsize n = p->edit->len;

        /* n_tty's buffer holds N_TTY_BUF_SIZE: a line (even an empty one: an
         * EOF takes a slot there) that does not fit is dropped, as there */
        if (p->rx->len + n >= RX_BUF_SIZE || p->lines->len >= RX_BUF_SIZE) {
                g_byte_array_set_size(p->edit, 0);
                return;
        }
        g_byte_array_append(p->rx, p->edit->data, p->edit->len);
        g_byte_array_set_size(p->edit, 0);
        g_array_append_val(p->lines, n);
}

static void receive_canonical(struct tty_port *p, uint8_t c)
{
        const cc_t *cc = p->termios.c_cc;
        tcflag_t lflag = p->termios.c_lflag;

        if (c == cc[VERASE] && c != _POSIX_VDISABLE) {
                if (p->edit->len) {
                        g_byte_array_set_size(p->edit, p->edit->len - 1);
                        if ((lflag & ECHO) && (lflag & ECHOE))
                                echo(p, "\b \b", 3);
                }
                return;
        }
        if (c == cc[VKILL] && c != _POSIX_VDISABLE) {
                size_t n = p->edit->len;
                g_byte_array_set_size(p->edit, 0);
                if ((lflag & ECHO) && (lflag & ECHOKE)) {
                        for (size_t i = 0; i < n; i++)
                                echo(p, "\b \b", 3);
                } else if ((lflag & ECHO) && (lflag & ECHOK)) {
                        echo_char(p, c);
                        echo(p, "\n", 1);
                }
                return;
        }
        if (c == cc[VEOF] && c != _POSIX_VDISABLE) {
                end_line(p);                   /* the EOF character itself is not data */
                return;
        }
        if (c == '\n' || (c == cc[VEOL] && c != _POSIX_VDISABLE) || (c == cc[VEOL2] && c != _POSIX_VDISABLE)) {
                if ((lflag & ECHO) || (c == '\n' && (lflag & ECHONL)))
                        echo_char(p, c);
                put_rx(p, c);
                end_line(p);
                return;
        }
        if (lflag & ECHO)
                echo_char(p, c);
        put_rx(p, c);
}

static void receive_char(struct tty_port *p, uint8_t c)
{
        const struct termios2 *t = &p->termios;
        const cc_t *cc = t->c_cc;

        if (t->c_iflag & ISTRIP)
                c &= 0x7f;
        if (t->c_iflag & IXON) {
                if (c == cc[VSTOP] && c != _POSIX_VDISABLE) {
                        p->stopped = true;
                        return;
                }
                if (c == cc[VSTART] && c != _POSIX_VDISABLE) {
                        p->stopped = false;
                        flush_tx(p);
                        return;
                }
                if (p->stopped && (t->c_iflag & IXANY)) {
                        p->stopped = false;
                        flush_tx(p);
                }
        }
        if ((t->c_lflag & ISIG) && c != _POSIX_VDISABLE &&
            (c == cc[VINTR] || c == cc[VQUIT] || c == cc[VSUSP]))
                return;                         /* no process group to signal */
        if (c == '\r') {
                if (t->c_iflag & IGNCR)
                        return;
                if (t->c_iflag & ICRNL)
                        c = '\n';
        } else if (c == '\n' && (t->c_iflag & INLCR)) {
                c = '\r';
        }
        if (canonical(p)) {
                receive_canonical(p, c);
                return;
        }
        if (t->c_lflag & ECHO)
                echo_char(p, c);
        put_rx(p, c);
}

/* A byte as the UART hands it over, with its error flag (the serial core
 * drops the flag of an error INPCK does not ask about); readers are told
 * by receive(), once for a batch. */
static void receive_one(struct tty_port *p, uint8_t c, enum rx_flag flag)
{
        const struct termios2 *t = &p->termios;

        if (!p->opens || !(t->c_cflag & CREAD))
                return;   /* a closed port's receiver is off (uart_shutdown()) */
        switch (flag) {
        case RX_NORMAL:
                p->icount.rx++;
                receive_char(p, c);
                break;
        case RX_BREAK:
                p->icount.brk++;
                if (t->c_iflag & IGNBRK)
                        break;
                if (t->c_iflag & BRKINT) {
                        /* SIGINT to nobody, but the flush happens */
                        if (!(t->c_lflag & NOFLSH)) {
                                g_byte_array_set_size(p->rx, 0);
                                g_byte_array_set_size(p->edit, 0);
                                g_array_set_size(p->lines, 0);
                        }
                        break;
                }
                if (t->c_iflag & PARMRK) {
                        put_rx(p, 0377);
                        put_rx(p, 0);
                }
                put_rx(p, 0);
                break;
        case RX_FRAME:
        case RX_PARITY:
                p->icount.rx++;
                if (flag == RX_FRAME)
                        p->icount.frame++;
                else
                        p->icount.parity++;
                if (!(t->c_iflag & INPCK)) {
                        receive_char(p, c);
                        break;
                }
                if (t->c_iflag & IGNPAR)
                        break;
                if (t->c_iflag & PARMRK) {
                        put_rx(p, 0377);
                        put_rx(p, 0);
                        put_rx(p, c);
                } else {
                        put_rx(p, 0);
                }
                break;
        }
        if (p->termios.c_cc[VMIN] && p->termios.c_cc[VTIME])
                p->last_rx_us = g_get_monotonic_time();
        check_throttle(p);
}

static void receive(struct tty_port *p, uint8_t c, enum rx_flag flag)
{
        receive_one(p, c, flag);
        ck_device_notify(p->dev);
}

/* --- transmitting --- */

/* The line's frame, as the UART sends and expects it. */
struct frame {
        speed_t baud;
        unsigned data_bits;           /* 5..8 */
        unsigned parity;              /* 0, or PARENB with PARODD/CMSPAR as set */
        unsigned stop_bits;           /* 1 or 2 */
};

/* The rate the UART runs at: the termios speed, B38400 as setserial's
 * spd_ flags make it (spd_cust: baud_base / custom_divisor), 9600 for B0. */
static speed_t line_baud(const struct tty_port *p)
{
        speed_t baud = termios_baud_rate(&p->termios);

        if (baud == 38400) {
                switch (p->serial.flags & ASYNC_SPD_MASK) {
                case ASYNC_SPD_HI: return 57600;
                case ASYNC_SPD_VHI: return 115200;
                case ASYNC_SPD_SHI: return 230400;
                case ASYNC_SPD_WARP: return 460800;
                case ASYNC_SPD_CUST:
                        if (p->serial.custom_divisor > 0)
                                return (speed_t)p->serial.baud_base / (speed_t)p->serial.custom_divisor;
                        break;
                default: break;
                }
        }
        return baud ? baud : 9600;
}

static struct frame line_frame(const struct tty_port *p)
{
        tcflag_t cf = p->termios.c_cflag;

        return (struct frame){
                .baud = line_baud(p),
                .data_bits = 5 + (unsigned)((cf & CSIZE) >> 4),
                .parity = (cf & PARENB) ? cf & (PARENB | PARODD | CMSPAR) : 0,
                .stop_bits = (cf & CSTOPB) ? 2 : 1,
        };
}

/* A character on the line: start bit, data bits, parity bit, stop bits. */
static unsigned frame_bits(const struct frame *f)
{
        return 1 + f->data_bits + (f->parity ? 1 : 0) + f->stop_bits;
}

/* What the far port's UART makes of a byte sent with @tx's frame.  A UART
 * samples each bit in the middle of its time and tolerates a few percent
 * of clock error; the rule here: rates more than 5 % apart (or different
 * data or stop bits) garble every byte into a framing error, whose value
 * is the byte inverted; different parity settings make a parity error.
 * Either way only the receiver's data bits arrive. */
static enum rx_flag frame_receive(const struct frame *tx, const struct frame *rx, uint8_t *c)
{
        uint8_t mask = (uint8_t)((1u << rx->data_bits) - 1);
        speed_t lo = MIN(tx->baud, rx->baud), hi = MAX(tx->baud, rx->baud);

        *c &= (uint8_t)((1u << tx->data_bits) - 1);
        if ((guint64)(hi - lo) * 100 > (guint64)hi * 5 || tx->data_bits != rx->data_bits ||
            tx->stop_bits != rx->stop_bits) {
                *c = (uint8_t)~*c & mask;
                return RX_FRAME;
        }
        *c &= mask;
        return tx->parity != rx->parity ? RX_PARITY : RX_NORMAL;
}

/* Bytes that have left the port's transmitter (or jump the queue: XON/XOFF). */
static void deliver(struct tty_port *p, const uint8_t *bytes, size_t n)
{
        struct tty_port *far = far_port(p);

        p->icount.tx += (int)n;
        if (far) {
                struct frame tx = line_frame(p), rx = line_frame(far);
                for (size_t i = 0; i < n; i++) {
                        uint8_t c = bytes[i];
                        enum rx_flag flag = frame_receive(&tx, &rx, &c);
                        receive_one(far, c, flag);
                }
                ck_device_notify(far->dev);
                return;
        }
        if (p->far_fd >= 0)
                (void)!send(p->far_fd, bytes, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        g_byte_array_append(p->received, bytes, (guint)n);
        if (p->received->len > RECEIVED_MAX)
                g_byte_array_remove_range(p->received, 0, p->received->len - RECEIVED_MAX);
}

static bool tx_blocked(const struct tty_port *p)
{
        return p->stopped || p->breaking || ((p->termios.c_cflag & CRTSCTS) && !(input_lines(p) & TIOCM_CTS));
}

/* Microseconds from the anchor until @count characters have left. */
static gint64 tx_time_us(const struct tty_port *p, guint64 count)
{
        struct frame f = line_frame(p);

        return (gint64)((count * frame_bits(&f) * G_USEC_PER_SEC + f.baud - 1) / f.baud);
}

static void tx_schedule(struct tty_port *p)
{
        gint64 due = p->tx_anchor_us + tx_time_us(p, p->tx_sent + 1);
        gint64 ms = (due - g_get_monotonic_time() + 999) / 1000;

        /* at most one wakeup a millisecond: at 4 Mbaud a tick sends 400 bytes */
        p->tx_source = g_timeout_add_full(G_PRIORITY_HIGH, (guint)MAX(ms, 1), tx_tick, p, NULL);
}

/* The transmitter: what has had its time on the line reaches the far end,
 * byte by byte as flow control lets it (a byte received may stop us). */
static gboolean tx_tick(gpointer userdata)
{
        struct tty_port *p = userdata;
        struct frame f = line_frame(p);
        gint64 elapsed = g_get_monotonic_time() - p->tx_anchor_us;
        guint64 due = (guint64)MAX(elapsed, 0) * f.baud / ((guint64)frame_bits(&f) * G_USEC_PER_SEC);
        size_t n = 0;

        p->tx_source = 0;
        p->transmitting = true;
        struct tty_port *far = far_port(p);
        if (far) {
                /* one byte at a time: what it does at the far end (throttle:
                 * RTS down) may stop us before the next */
                struct frame rx = line_frame(far);
                while (n < p->tx->len && p->tx_sent < due && !tx_blocked(p)) {
                        uint8_t c = p->tx->data[n];
                        p->tx_sent++;
                        p->icount.tx++;
                        n++;
                        enum rx_flag flag = frame_receive(&f, &rx, &c);
                        receive_one(far, c, flag);
                }
                /* an echo over a loopback plug was appended meanwhile: the front goes */
                g_byte_array_remove_range(p->tx, 0, (guint)n);
                if (n)
                        ck_device_notify(far->dev);
        } else if (!tx_blocked(p)) {
                n = (size_t)MIN(due - MIN(due, p->tx_sent), (guint64)p->tx->len);
                if (n) {
                        g_autoptr(GByteArray) out = g_byte_array_sized_new((guint)n);
                        g_byte_array_append(out, p->tx->data, (guint)n);
                        g_byte_array_remove_range(p->tx, 0, (guint)n);
                        p->tx_sent += n;
                        deliver(p, out->data, n);
                }
        }
        p->transmitting = false;
        if (p->tx->len && !tx_blocked(p))
                tx_schedule(p);
        if (n)
                ck_device_notify(p->dev);   /* room to write; tcdrain() may be over */
        return G_SOURCE_REMOVE;
}

/* Starts the transmitter when there is something to send and flow control
 * lets it; the first byte leaves one character time later. */
static void flush_tx(struct tty_port *p)
{
        if (!p->tx->len || tx_blocked(p) || p->tx_source || p->transmitting)
                return;
        p->tx_anchor_us = g_get_monotonic_time();
        p->tx_sent = 0;
        tx_schedule(p);
}

/* The line's speed or frame changed: what is on its way goes at the new rate. */
static void tx_restart(struct tty_port *p)
{
        if (!p->tx_source)
                return;
        g_source_remove(p->tx_source);
        p->tx_source = 0;
        flush_tx(p);
}

static void tx_stop(struct tty_port *p)
{
        if (p->tx_source)
                g_source_remove(p->tx_source);
        p->tx_source = 0;
}

static void transmit(struct tty_port *p, const uint8_t *bytes, size_t n)
{
        /* echoes past a full buffer (output stopped, or echoing faster than
         * the line drains) are lost, as n_tty's echo buffer overflows */
        size_t room = p->tx->len < TX_BUF_SIZE ? TX_BUF_SIZE - p->tx->len : 0;

        g_byte_array_append(p->tx, bytes, (guint)MIN(n, room));
        flush_tx(p);
}

/* OPOST: what one byte written becomes on the line. */
static size_t output_char(const struct tty_port *p, uint8_t c, uint8_t out[2])
{
        tcflag_t o = p->termios.c_oflag;

        if (!(o & OPOST))
                goto plain;
        if (c == '\n' && (o & ONLCR)) {
                out[0] = '\r';
                out[1] = '\n';
                return 2;
        }
        if (c == '\r' && (o & OCRNL)) {
                out[0] = '\n';
                return 1;
        }
plain:
        out[0] = c;
        return 1;
}

/* --- read(), write(), poll() --- */

static size_t readable(const struct tty_port *p)
{
        return canonical(p) ? lines_total(p) : p->rx->len;
}

static void vtime_rearm(struct tty_port *p, gint64 deadline_us);

static ssize_t take(struct tty_port *p, void *buf, size_t size)
{
        size_t n;

        if (canonical(p)) {
                gsize *first = &g_array_index(p->lines, gsize, 0);
                n = MIN(size, *first);
                *first -= n;
                if (*first == 0)
                        g_array_remove_index(p->lines, 0);
        } else {
                n = MIN(size, p->rx->len);
        }
        if (n)      /* an empty GByteArray's data is NULL, even for 0 bytes */
                memcpy(buf, p->rx->data, n);
        g_byte_array_remove_range(p->rx, 0, (guint)n);
        check_throttle(p);
        ck_device_notify(p->dev);
        return (ssize_t)n;
}

/* n_tty_read(): -EAGAIN parks the read (or answers EAGAIN to O_NONBLOCK);
 * a VTIME timer notifies when it runs out. */
static ssize_t tty_read(struct ck_file *f, void *buf, size_t size)
{
        struct tty_port *p = ck_device_priv(ck_file_device(f));
        struct tty_open *o = ck_file_priv(f);
        unsigned vmin = p->termios.c_cc[VMIN], vtime = p->termios.c_cc[VTIME];
        gint64 now = g_get_monotonic_time();

        if (size == 0)
                return 0;
        if (canonical(p)) {
                if (p->lines->len)
                        return take(p, buf, size);
                return -EAGAIN;
        }
        size_t avail = p->rx->len;
        if (vmin == 0 && vtime == 0)
                return avail ? take(p, buf, size) : 0;
        if (vmin == 0) {
                if (avail) {
                        o->read_started_us = 0;
                        return take(p, buf, size);
                }
                if (!o->read_started_us)
                        o->read_started_us = now;
                gint64 deadline = o->read_started_us + vtime * 100000;
                if (now >= deadline) {
                        o->read_started_us = 0;
                        return 0;
                }
                vtime_rearm(p, deadline);
                return -EAGAIN;
        }
        if (avail >= MIN(vmin, size))
                return take(p, buf, size);
        if (avail && vtime) {
                gint64 deadline = p->last_rx_us + vtime * 100000;
                if (now >= deadline)
                        return take(p, buf, size);
                vtime_rearm(p, deadline);
        }
        return -EAGAIN;
}

static gboolean vtime_expired(gpointer data)
{
        struct tty_port *p = data;

        p->vtime_source = 0;
        ck_device_notify(p->dev);
        return G_SOURCE_REMOVE;
}

static void vtime_rearm(struct tty_port *p, gint64 deadline_us)
{
        if (p->vtime_source)
                g_source_remove(p->vtime_source);
        gint64 ms = (deadline_us - g_get_monotonic_time() + 999) / 1000;
        p->vtime_source = g_timeout_add_full(G_PRIORITY_HIGH, (guint)MAX(ms, 1), vtime_expired, p, NULL);
}

static ssize_t tty_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct tty_port *p = ck_device_priv(ck_file_device(f));
        size_t n = ck_untrusted_size(data);
        g_autofree uint8_t *bytes = g_malloc(MAX(n, 1));

        if (ck_untrusted_copy(data, bytes, n) < 0)
                return -EINVAL;
        size_t done = 0;
        for (; done < n; done++) {
                uint8_t out[2];
                size_t k = output_char(p, bytes[done], out);
                if (p->tx->len + k > TX_BUF_SIZE)
                        break;
                g_byte_array_append(p->tx, out, (guint)k);
        }
        flush_tx(p);
        if (done == 0 && n)
                return -EAGAIN;
        return (ssize_t)done;
}

static unsigned tty_poll(struct ck_file *f)
{
        struct tty_port *p = ck_device_priv(ck_file_device(f));
        unsigned vmin = p->termios.c_cc[VMIN], vtime = p->termios.c_cc[VTIME];
        unsigned mask = 0;
        size_t want = !canonical(p) && !vtime && vmin ? vmin : 1;

        if (canonical(p) ? p->lines->len > 0 : p->rx->len >= want)
                mask |= POLLIN | POLLRDNORM;
        if (p->tx->len < TX_BUF_SIZE / 2)
                mask |= POLLOUT | POLLWRNORM;
        return mask;
}

/* --- termios --- */

static void flush_input(struct tty_port *p)
{
        g_byte_array_set_size(p->rx, 0);
        g_byte_array_set_size(p->edit, 0);
        g_array_set_size(p->lines, 0);
        check_throttle(p);
}

/* n_tty_set_termios(): switching to ICANON makes what is there one line;
 * leaving it makes the line being typed readable. */
static void ldisc_set_termios(struct tty_port *p, const struct termios2 *old)
{
        bool was = old->c_lflag & ICANON, now = canonical(p);

        if (was && !now) {
                g_byte_array_append(p->rx, p->edit->data, p->edit->len);
                g_byte_array_set_size(p->edit, 0);
                g_array_set_size(p->lines, 0);
        } else if (!was && now) {
                g_array_set_size(p->lines, 0);
                if (p->rx->len) {
                        gsize n = p->rx->len;
                        g_array_append_val(p->lines, n);
                }
        }
        if (!(p->termios.c_iflag & IXON) && p->stopped) {
                p->stopped = false;
                flush_tx(p);
        }
}

/* tty_set_termios() and uart_set_termios(): the baud as the UART takes it,
 * DTR and RTS dropped for B0 and raised when leaving it. */
/* unset_locked_termios(): what TIOCSLCKTRMIOS locked keeps its old value. */
static void unset_locked(struct termios2 *t, const struct termios2 *old, const struct termios2 *locked)
{
        t->c_iflag = (t->c_iflag & ~locked->c_iflag) | (old->c_iflag & locked->c_iflag);
        t->c_oflag = (t->c_oflag & ~locked->c_oflag) | (old->c_oflag & locked->c_oflag);
        t->c_cflag = (t->c_cflag & ~locked->c_cflag) | (old->c_cflag & locked->c_cflag);
        t->c_lflag = (t->c_lflag & ~locked->c_lflag) | (old->c_lflag & locked->c_lflag);
        t->c_line = locked->c_line ? old->c_line : t->c_line;
        for (size_t i = 0; i < G_N_ELEMENTS(t->c_cc); i++)
                t->c_cc[i] = locked->c_cc[i] ? old->c_cc[i] : t->c_cc[i];
}

static void set_termios(struct tty_port *p, const struct termios2 *new)
{
        struct termios2 old = p->termios;

        p->termios = *new;
        unset_locked(&p->termios, &old, &p->locked);
        /* ADDRB is the RS-485 configuration's, not termios' */
        p->termios.c_cflag ^= (p->termios.c_cflag ^ old.c_cflag) & ADDRB;
        speed_t baud = uart_baud_rate(p, &p->termios, &old);
        if (termios_baud_rate(&p->termios))
                termios_encode_baud_rate(&p->termios, baud, baud);
        bool was_b0 = (old.c_cflag & CBAUD) == B0, now_b0 = (p->termios.c_cflag & CBAUD) == B0;
        if (now_b0 && !was_b0)
                set_mctrl(p, 0, TIOCM_DTR | TIOCM_RTS);
        else if (!now_b0 && was_b0)
                set_mctrl(p, TIOCM_DTR | TIOCM_RTS, 0);
        if ((old.c_cflag & CRTSCTS) && !(p->termios.c_cflag & CRTSCTS))
                flush_tx(p);
        if ((old.c_cflag ^ p->termios.c_cflag) & (CBAUD | CSIZE | CSTOPB | PARENB) ||
            old.c_ospeed != p->termios.c_ospeed)
                tx_restart(p);
        ldisc_set_termios(p, &old);
        ck_device_notify(p->dev);
}

/* tty_wait_until_sent(): a call that waits until what was written has
 * left the line (output stopped by flow control: until it restarts). */
static int wait_until_sent(struct ck_call *c)
{
        return port_of(c)->tx->len ? ck_call_wait(c) : 0;
}

/* set_termios() in tty_ioctl.c: old-style speeds become c_ispeed/c_ospeed. */
static void set_termios_from(struct tty_port *p, struct termios2 *t, bool flush)
{
        t->c_ispeed = termios_input_baud_rate(t);
        t->c_ospeed = termios_baud_rate(t);
        if (flush)
                flush_input(p);
        set_termios(p, t);
}

static struct termios2 from_termios(const struct tty_port *p, const struct termios *u)
{
        struct termios2 t = p->termios;

        t.c_iflag = u->c_iflag;
        t.c_oflag = u->c_oflag;
        t.c_cflag = u->c_cflag;
        t.c_lflag = u->c_lflag;
        t.c_line = u->c_line;
        memcpy(t.c_cc, u->c_cc, sizeof(u->c_cc));
        return t;
}

/* user_termio_to_kernel_termios(): the low 16 bits of each flag word, 8 c_cc */
static struct termios2 from_termio(const struct tty_port *p, const struct termio *u)
{
        struct termios2 t = p->termios;

        t.c_iflag = (t.c_iflag & 0xffff0000u) | u->c_iflag;
        t.c_oflag = (t.c_oflag & 0xffff0000u) | u->c_oflag;
        t.c_cflag = (t.c_cflag & 0xffff0000u) | u->c_cflag;
        t.c_lflag = (t.c_lflag & 0xffff0000u) | u->c_lflag;
        t.c_line = u->c_line;
        memcpy(t.c_cc, u->c_cc, NCC);
        return t;
}

static int handle_TCGETS(struct ck_call *c, struct termios *out)
{
        const struct termios2 *t = &port_of(c)->termios;

        *out = (struct termios){ .c_iflag = t->c_iflag, .c_oflag = t->c_oflag, .c_cflag = t->c_cflag,
                                 .c_lflag = t->c_lflag, .c_line = t->c_line };
        memcpy(out->c_cc, t->c_cc, sizeof(out->c_cc));
        return 0;
}

static int handle_TCGETS2(struct ck_call *c, struct termios2 *out)
{
        *out = port_of(c)->termios;
        return 0;
}

static int handle_TCGETA(struct ck_call *c, struct termio *out)
{
        const struct termios2 *t = &port_of(c)->termios;

        *out = (struct termio){ .c_iflag = (unsigned short)t->c_iflag, .c_oflag = (unsigned short)t->c_oflag,
                                .c_cflag = (unsigned short)t->c_cflag, .c_lflag = (unsigned short)t->c_lflag,
                                .c_line = t->c_line };
        memcpy(out->c_cc, t->c_cc, NCC);
        return 0;
}

/* ...W and ...F wait until the output has left (TERMIOS_WAIT), ...F then
 * drops the input. */
#define TERMIOS_SETTERS(NAME, TYPE, CONVERT, WAIT, FLUSH)                                           \
        static int validate_##NAME(struct ck_call *c, const struct ck_untrusted *u, TYPE *ret)     \
        {                                                                                            \
                return ck_untrusted_copy(u, ret, sizeof(*ret));                                      \
        }                                                                                            \
        static int handle_##NAME(struct ck_call *c, const TYPE *in)                                  \
        {                                                                                            \
                struct tty_port *p = port_of(c);                                                     \
                int r = WAIT ? wait_until_sent(c) : 0;                                               \
                if (r < 0)                                                                           \
                        return r;                                                                    \
                struct termios2 t = CONVERT;                                                         \
                set_termios_from(p, &t, FLUSH);                                                      \
                return 0;                                                                            \
        }
TERMIOS_SETTERS(TCSETS, struct termios, from_termios(p, in), false, false)
TERMIOS_SETTERS(TCSETSW, struct termios, from_termios(p, in), true, false)
TERMIOS_SETTERS(TCSETSF, struct termios, from_termios(p, in), true, true)
TERMIOS_SETTERS(TCSETA, struct termio, from_termio(p, in), false, false)
TERMIOS_SETTERS(TCSETAW, struct termio, from_termio(p, in), true, false)
TERMIOS_SETTERS(TCSETAF, struct termio, from_termio(p, in), true, true)

/* The new-style calls bring their own speeds. */
static void set_termios2(struct tty_port *p, const struct termios2 *in, bool flush)
{
        struct termios2 t = *in;

        if (flush)
                flush_input(p);
        t.c_ispeed = termios_input_baud_rate(&t);
        t.c_ospeed = termios_baud_rate(&t);
        set_termios(p, &t);
}

#define TERMIOS2_SETTER(NAME, WAIT, FLUSH)                                                          \
        static int validate_##NAME(struct ck_call *c, const struct ck_untrusted *u, struct termios2 *ret) \
        {                                                                                            \
                return ck_untrusted_copy(u, ret, sizeof(*ret));                                      \
        }                                                                                            \
        static int handle_##NAME(struct ck_call *c, const struct termios2 *in)                       \
        {                                                                                            \
                int r = WAIT ? wait_until_sent(c) : 0;                                               \
                if (r < 0)                                                                           \
                        return r;                                                                    \
                set_termios2(port_of(c), in, FLUSH);                                                 \
                return 0;                                                                            \
        }
TERMIOS2_SETTER(TCSETS2, false, false)
TERMIOS2_SETTER(TCSETSW2, true, false)
TERMIOS2_SETTER(TCSETSF2, true, true)

/* --- modem lines --- */

static int handle_TIOCMGET(struct ck_call *c, int *out)
{
        struct tty_port *p = port_of(c);

        *out = (int)(p->mctrl | input_lines(p));
        return 0;
}

static int validate_int(const struct ck_untrusted *u, int *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int validate_TIOCMBIS(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return validate_int(u, ret);
}

static int validate_TIOCMBIC(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return validate_int(u, ret);
}

static int validate_TIOCMSET(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return validate_int(u, ret);
}

static int handle_TIOCMBIS(struct ck_call *c, const int *in)
{
        set_mctrl(port_of(c), (unsigned)*in & TIOCM_OUTPUTS, 0);
        return 0;
}

static int handle_TIOCMBIC(struct ck_call *c, const int *in)
{
        set_mctrl(port_of(c), 0, (unsigned)*in & TIOCM_OUTPUTS);
        return 0;
}

static int handle_TIOCMSET(struct ck_call *c, const int *in)
{
        set_mctrl(port_of(c), (unsigned)*in & TIOCM_OUTPUTS, ~(unsigned)*in & TIOCM_OUTPUTS);
        return 0;
}

static int handle_TIOCGSOFTCAR(struct ck_call *c, int *out)
{
        *out = (port_of(c)->termios.c_cflag & CLOCAL) ? 1 : 0;
        return 0;
}

static int validate_TIOCSSOFTCAR(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return validate_int(u, ret);
}

static int handle_TIOCSSOFTCAR(struct ck_call *c, const int *in)
{
        struct tty_port *p = port_of(c);
        struct termios2 t = p->termios;

        t.c_cflag = (t.c_cflag & ~CLOCAL) | (*in ? CLOCAL : 0);
        set_termios(p, &t);
        return 0;
}

static int handle_TIOCGICOUNT(struct ck_call *c, struct serial_icounter_struct *out)
{
        *out = port_of(c)->icount;
        return 0;
}

/* --- queues, breaks, flow --- */

static int handle_TIOCINQ(struct ck_call *c, int *out)
{
        struct tty_port *p = port_of(c);

        /* n_tty: in ICANON mode only what complete lines hold */
        *out = (int)readable(p);
        return 0;
}

static int handle_TIOCOUTQ(struct ck_call *c, int *out)
{
        *out = (int)port_of(c)->tx->len;
        return 0;
}

static int handle_TIOCSERGETLSR(struct ck_call *c, unsigned int *out)
{
        struct tty_port *p = port_of(c);

        /* bytes a break holds go when it ends; flow control may hold them for good */
        *out = p->tx->len && (p->breaking || !tx_blocked(p)) ? 0 : TIOCSER_TEMT;
        return 0;
}

static int validate_TCFLSH(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        uint64_t v = ck_untrusted_value(u);

        if (v != TCIFLUSH && v != TCOFLUSH && v != TCIOFLUSH)
                return -EINVAL;
        *ret = (unsigned long)v;
        return 0;
}

static int handle_TCFLSH(struct ck_call *c, unsigned long value)
{
        struct tty_port *p = port_of(c);

        if (value == TCIFLUSH || value == TCIOFLUSH)
                flush_input(p);
        if (value == TCOFLUSH || value == TCIOFLUSH)
                g_byte_array_set_size(p->tx, 0);
        ck_device_notify(p->dev);
        return 0;
}

static int validate_TCXONC(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        uint64_t v = ck_untrusted_value(u);

        if (v > TCION)
                return -EINVAL;
        *ret = (unsigned long)v;
        return 0;
}

static int handle_TCXONC(struct ck_call *c, unsigned long value)
{
        struct tty_port *p = port_of(c);
        uint8_t ch;

        switch (value) {
        case TCOOFF:
                p->stopped = true;
                break;
        case TCOON:
                p->stopped = false;
                flush_tx(p);
                break;
        case TCIOFF:
        case TCION:
                ch = p->termios.c_cc[value == TCIOFF ? VSTOP : VSTART];
                if (ch != _POSIX_VDISABLE)
                        deliver(p, &ch, 1);   /* send_xchar() jumps the queue */
                break;
        }
        return 0;
}

/* A break on the line: the far end receives one, and the transmitter is
 * held in the spacing state (break_ctl()) until end_break(). */
static void send_break(struct tty_port *p)
{
        struct tty_port *far = far_port(p);

        p->breaking = true;
        if (far)
                receive(far, 0, RX_BREAK);
}

static void end_break(struct tty_port *p)
{
        if (p->break_source)
                g_source_remove(p->break_source);
        p->break_source = 0;
        if (!p->breaking)
                return;
        p->breaking = false;
        flush_tx(p);   /* what was written meanwhile goes now */
        ck_device_notify(p->dev);
}

static gboolean break_expired(gpointer userdata)
{
        struct tty_port *p = userdata;

        p->break_source = 0;
        end_break(p);
        return G_SOURCE_REMOVE;
}

static gboolean wake_expired(gpointer userdata)
{
        struct tty_port *p = userdata;

        p->wake_source = 0;
        ck_device_notify(p->dev);   /* the waiting calls look again; those not done re-arm */
        return G_SOURCE_REMOVE;
}

/* The device notifies at @due_us (or sooner, for an earlier deadline). */
static void wake_at(struct tty_port *p, gint64 due_us)
{
        if (p->wake_source && p->wake_due_us <= due_us)
                return;
        if (p->wake_source)
                g_source_remove(p->wake_source);
        gint64 ms = (due_us - g_get_monotonic_time() + 999) / 1000;
        p->wake_due_us = due_us;
        p->wake_source = g_timeout_add_full(G_PRIORITY_HIGH, (guint)MAX(ms, 1), wake_expired, p, NULL);
}

/* send_break(): once the output has left, a break of @ms; the call returns
 * when it is over (a signal ends it early).  The far end gets the break as
 * it begins. */
struct break_wait {
        bool sent;
        gint64 until_us;
};

static int timed_break(struct ck_call *c, unsigned ms)
{
        struct tty_port *p = port_of(c);
        struct break_wait *w = ck_call_wait_state(c, sizeof(*w));
        gint64 now = g_get_monotonic_time();

        if (!w)
                return -EIO;
        if (!w->sent) {
                int r = wait_until_sent(c);
                if (r < 0)
                        return r;
                send_break(p);
                *w = (struct break_wait){ .sent = true, .until_us = now + (gint64)ms * 1000 };
                /* the break ends on time even if a signal ends the call (send_break()
                 * turns it off after an interrupted sleep too) */
                if (p->break_source)
                        g_source_remove(p->break_source);
                p->break_source = g_timeout_add_full(G_PRIORITY_HIGH, MAX(ms, 1), break_expired, p, NULL);
        }
        if (now >= w->until_us) {
                end_break(p);
                return 0;
        }
        wake_at(p, w->until_us);
        return ck_call_wait(c);
}

static int validate_TCSBRK(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        *ret = (unsigned long)ck_untrusted_value(u);
        return 0;
}

/* tty_ioctl(): every break call but TIOCCBRK first waits until the output
 * has left; TCSBRK with 0 then sends a break of 250 ms, otherwise it is
 * tcdrain(). */
static int handle_TCSBRK(struct ck_call *c, unsigned long value)
{
        if (value == 0)
                return timed_break(c, 250);
        return wait_until_sent(c);
}

static int validate_TCSBRKP(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        *ret = (unsigned long)ck_untrusted_value(u);
        return 0;
}

/* tcsendbreak(): tenths of a second, 0 for 250 ms (as TCSBRK's) */
static int handle_TCSBRKP(struct ck_call *c, unsigned long value)
{
        return timed_break(c, value ? (unsigned)MIN(value, 100000ul) * 100 : 250);
}

static int handle_TIOCSBRK(struct ck_call *c)
{
        int r = wait_until_sent(c);

        if (r < 0)
                return r;
        send_break(port_of(c));
        return 0;
}

/* uart_wait_modem_status(): until one of the lines asked for (RNG, DSR,
 * CD, CTS) changes, counted as TIOCGICOUNT counts (RI's trailing edge);
 * O_NONBLOCK does not matter.  As there, each look compares the counters
 * with the previous look's. */
struct modem_wait {
        bool started;
        int rng, dsr, dcd, cts;       /* the counters at the previous look */
};

static int validate_TIOCMIWAIT(struct ck_call *c, const struct ck_untrusted *u, unsigned long *ret)
{
        *ret = (unsigned long)ck_untrusted_value(u);
        return 0;
}

static int handle_TIOCMIWAIT(struct ck_call *c, unsigned long mask)
{
        const struct serial_icounter_struct *now = &port_of(c)->icount;
        struct modem_wait *w = ck_call_wait_state(c, sizeof(*w));

        if (!w)
                return -EIO;
        if (w->started && (((mask & TIOCM_RNG) && now->rng != w->rng) ||
                           ((mask & TIOCM_DSR) && now->dsr != w->dsr) ||
                           ((mask & TIOCM_CD) && now->dcd != w->dcd) ||
                           ((mask & TIOCM_CTS) && now->cts != w->cts)))
                return 0;
        *w = (struct modem_wait){ .started = true, .rng = now->rng, .dsr = now->dsr, .dcd = now->dcd,
                                  .cts = now->cts };
        return ck_call_wait(c);
}

static int handle_TIOCCBRK(struct ck_call *c)
{
        end_break(port_of(c));
        return 0;
}

/* --- TIOCSTI, locked termios, RS-485 --- */

static int validate_TIOCSTI(struct ck_call *c, const struct ck_untrusted *u, char *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

/* tiocsti(): only for the caller's controlling terminal (never this one)
 * or CAP_SYS_ADMIN; the byte goes to the line discipline as if received. */
static int handle_TIOCSTI(struct ck_call *c, const char *in)
{
        struct tty_port *p = port_of(c);

        if (!ck_call_capable(c, CAP_SYS_ADMIN))
                return -EPERM;
        receive_char(p, (uint8_t)*in);
        ck_device_notify(p->dev);
        return 0;
}

static int handle_TIOCGLCKTRMIOS(struct ck_call *c, struct termios *out)
{
        const struct termios2 *t = &port_of(c)->locked;

        *out = (struct termios){ .c_iflag = t->c_iflag, .c_oflag = t->c_oflag, .c_cflag = t->c_cflag,
                                 .c_lflag = t->c_lflag, .c_line = t->c_line };
        memcpy(out->c_cc, t->c_cc, sizeof(out->c_cc));
        return 0;
}

static int validate_TIOCSLCKTRMIOS(struct ck_call *c, const struct ck_untrusted *u, struct termios *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

/* checkpoint_restore_ns_capable(): CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE */
static int handle_TIOCSLCKTRMIOS(struct ck_call *c, const struct termios *in)
{
        struct tty_port *p = port_of(c);

        if (!ck_call_capable(c, CAP_SYS_ADMIN) && !ck_call_capable(c, CAP_CHECKPOINT_RESTORE))
                return -EPERM;
        p->locked = from_termios(p, in);   /* the speeds stay as they were: no lock applies to them */
        return 0;
}

/* uart_get_rs485_config(): a port without RS-485 has it all zero; setting
 * it is ENOTTY (no rs485_config), which the missing row answers. */
static int handle_TIOCGRS485(struct ck_call *c, struct serial_rs485 *out)
{
        *out = (struct serial_rs485){ 0 };
        return 0;
}

/* --- exclusive use, line discipline, window size, serial info --- */

static int handle_TIOCEXCL(struct ck_call *c)
{
        port_of(c)->exclusive = true;
        return 0;
}

static int handle_TIOCNXCL(struct ck_call *c)
{
        port_of(c)->exclusive = false;
        return 0;
}

static int handle_TIOCGEXCL(struct ck_call *c, int *out)
{
        *out = port_of(c)->exclusive;
        return 0;
}

static int handle_TIOCGETD(struct ck_call *c, int *out)
{
        *out = N_TTY;
        return 0;
}

static int validate_TIOCSETD(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        int r = validate_int(u, ret);

        if (r < 0)
                return r;
        return *ret < N_TTY || *ret >= NR_LDISCS ? -EINVAL : 0;
}

/* Only N_TTY is here; tty_ldisc_get() answers EINVAL for one it cannot
 * find; like the break calls, it waits until the output has left first. */
static int handle_TIOCSETD(struct ck_call *c, const int *in)
{
        int r = wait_until_sent(c);

        if (r < 0)
                return r;
        return *in == N_TTY ? 0 : -EINVAL;
}

static int handle_TIOCGWINSZ(struct ck_call *c, struct winsize *out)
{
        *out = port_of(c)->winsize;
        return 0;
}

static int validate_TIOCSWINSZ(struct ck_call *c, const struct ck_untrusted *u, struct winsize *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_TIOCSWINSZ(struct ck_call *c, const struct winsize *in)
{
        port_of(c)->winsize = *in;
        return 0;
}

static int handle_TIOCGSERIAL(struct ck_call *c, struct serial_struct *out)
{
        *out = port_of(c)->serial;
        return 0;
}

static int validate_TIOCSSERIAL(struct ck_call *c, const struct ck_untrusted *u, struct serial_struct *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

/* uart_set_info() as root sees it, for what an emulated port can change:
 * the flags, the divisor, the delays and baud_base; the hardware (type,
 * port, IRQ, FIFO) is what it is. */
static int handle_TIOCSSERIAL(struct ck_call *c, const struct serial_struct *in)
{
        struct tty_port *p = port_of(c);
        struct serial_struct *s = &p->serial;

        if (in->type != s->type || in->port != s->port || in->irq != s->irq || in->line != s->line ||
            in->xmit_fifo_size != s->xmit_fifo_size || in->io_type != s->io_type || in->hub6 != s->hub6 ||
            in->port_high != s->port_high || in->iomem_base != s->iomem_base)
                return -EINVAL;
        if (in->baud_base < 9600)
                return -EINVAL;   /* uart_set_info(): "baud_base < 9600" */
        s->flags = (s->flags & ~ASYNC_FLAGS) | (in->flags & ASYNC_FLAGS);
        s->custom_divisor = in->custom_divisor;
        s->close_delay = in->close_delay;
        s->closing_wait = in->closing_wait;
        s->baud_base = in->baud_base;
        struct termios2 t = p->termios;
        set_termios(p, &t);   /* a new spd_ rate applies now */
        return 0;
}

/* --- open and close --- */

static int tty_open(struct ck_file *f)
{
        struct tty_port *p = ck_device_priv(ck_file_device(f));

        /* tty_reopen(): CAP_SYS_ADMIN opens an exclusive tty all the same */
        if (p->exclusive && p->opens && !ck_file_capable(f, CAP_SYS_ADMIN))
                return -EBUSY;
        /* uart_port_startup(): DTR and RTS up on the first open, if a baud is set */
        if (p->opens++ == 0 && termios_baud_rate(&p->termios))
                set_mctrl(p, TIOCM_DTR | TIOCM_RTS, 0);
        return 0;
}

/* The last close: HUPCL drops DTR and RTS, TIOCEXCL ends, input goes.
 * What was written still leaves (the kernel's close waits for it, up to
 * closing_wait; here the transmitter goes on after the close), unless
 * hardware flow control holds it back: uart_shutdown() frees that. */
static void tty_release(struct ck_file *f)
{
        struct tty_port *p = ck_device_priv(ck_file_device(f));

        if (--p->opens)
                return;
        p->exclusive = false;
        p->stopped = false;
        end_break(p);                 /* serial8250_do_shutdown() clears UART_LCR_SBC */
        flush_input(p);
        if (tx_blocked(p))
                g_byte_array_set_size(p->tx, 0);
        else
                flush_tx(p);
        if (p->termios.c_cflag & HUPCL)
                set_mctrl(p, 0, TIOCM_DTR | TIOCM_RTS);
}

/* --- the control interface: the far end and what the port shows --- */

/* What the far end is when it is not for the control interface to play. */
static int no_far_end(struct tty_port *p, GError **error)
{
        if (!p->peer && !p->loopback)
                return 0;
        if (p->peer)
                g_set_error(error, CK_ERROR, EBUSY, "the far end is the peer %s (peer=): it cannot be driven",
                            p->peer->name);
        else
                g_set_error(error, CK_ERROR, EBUSY, "the far end is a loopback plug (loopback=1): it cannot be driven");
        return -EBUSY;
}

static GVariant *lines_get(struct ck_device *d, void *userdata)
{
        struct tty_port *p = ck_device_priv(d);

        return g_variant_new_boolean((input_lines(p) & GPOINTER_TO_UINT(userdata)) != 0);
}

static int lines_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        unsigned bit = GPOINTER_TO_UINT(userdata);
        int r = no_far_end(p, error);

        if (r < 0)
                return r;
        p->far_lines = g_variant_get_boolean(value) ? p->far_lines | bit : p->far_lines & ~bit;
        lines_changed(p);
        return 0;
}

static GVariant *empty_bytes(void)
{
        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, NULL, 0, 1);
}

static GVariant *send_get(struct ck_device *d, void *userdata)
{
        return empty_bytes();
}

/* userdata: the flag the bytes arrive with */
static int send_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        gsize n;
        const uint8_t *bytes = g_variant_get_fixed_array(value, &n, 1);
        int r = no_far_end(p, error);

        if (r < 0)
                return r;
        for (gsize i = 0; i < n; i++)
                receive(p, bytes[i], (enum rx_flag)GPOINTER_TO_UINT(userdata));
        return 0;
}

static GVariant *error_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_byte(0);
}

static int error_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        int r = no_far_end(p, error);

        if (r < 0)
                return r;
        receive(p, g_variant_get_byte(value), (enum rx_flag)GPOINTER_TO_UINT(userdata));
        return 0;
}

static GVariant *break_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_boolean(FALSE);
}

static int break_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        int r = no_far_end(p, error);

        if (r < 0)
                return r;
        if (g_variant_get_boolean(value))
                receive(p, 0, RX_BREAK);
        return 0;
}

static GVariant *received_get(struct ck_device *d, void *userdata)
{
        struct tty_port *p = ck_device_priv(d);

        return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p->received->data, p->received->len, 1);
}

static int received_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct tty_port *p = ck_device_priv(d);

        if (g_variant_n_children(value) != 0) {
                g_set_error(error, CK_ERROR, EINVAL, "far/received can only be emptied ([])");
                return -EINVAL;
        }
        g_byte_array_set_size(p->received, 0);
        return 0;
}

static GVariant *outputs_get(struct ck_device *d, void *userdata)
{
        struct tty_port *p = ck_device_priv(d);

        return g_variant_new_boolean((p->mctrl & GPOINTER_TO_UINT(userdata)) != 0);
}

static GVariant *line_get(struct ck_device *d, void *userdata)
{
        struct tty_port *p = ck_device_priv(d);
        tcflag_t cf = p->termios.c_cflag;
        char parity = !(cf & PARENB) ? 'N' : (cf & CMSPAR) ? ((cf & PARODD) ? 'M' : 'S') : (cf & PARODD) ? 'O' : 'E';

        return g_variant_new_take_string(g_strdup_printf("%u %u%c%u%s", termios_baud_rate(&p->termios),
                                                         5 + (unsigned)((cf & CSIZE) >> 4), parity,
                                                         (cf & CSTOPB) ? 2 : 1, (cf & CRTSCTS) ? " crtscts" : ""));
}

static GVariant *icount_get(struct ck_device *d, void *userdata)
{
        const struct serial_icounter_struct *i = &((struct tty_port *)ck_device_priv(d))->icount;

        return g_variant_new_parsed("{'rx': %i, 'tx': %i, 'frame': %i, 'parity': %i, 'overrun': %i, 'brk': %i, "
                                    "'buf_overrun': %i, 'cts': %i, 'dsr': %i, 'rng': %i, 'dcd': %i}",
                                    i->rx, i->tx, i->frame, i->parity, i->overrun, i->brk, i->buf_overrun,
                                    i->cts, i->dsr, i->rng, i->dcd);
}

static void add_states(struct ck_device *d)
{
        static const struct { const char *name; unsigned bit; } far_lines[] = {
                { "far/cts", TIOCM_CTS }, { "far/dsr", TIOCM_DSR }, { "far/dcd", TIOCM_CAR }, { "far/ri", TIOCM_RNG },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(far_lines); i++)
                ck_device_add_state(d, &(struct ck_state_var){
                        .name = far_lines[i].name, .summary = "an input line as the far end drives it",
                        .type = "b", .get = lines_get, .set = lines_set,
                        .userdata = GUINT_TO_POINTER(far_lines[i].bit) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "far/send", .summary = "bytes the far end sends: they arrive at the port", .type = "ay",
                .get = send_get, .set = send_set, .userdata = GUINT_TO_POINTER(RX_NORMAL) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "far/frame-error", .summary = "a byte that arrives with a framing error", .type = "y",
                .get = error_get, .set = error_set, .userdata = GUINT_TO_POINTER(RX_FRAME) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "far/parity-error", .summary = "a byte that arrives with a parity error", .type = "y",
                .get = error_get, .set = error_set, .userdata = GUINT_TO_POINTER(RX_PARITY) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "far/break", .summary = "true: a break arrives", .type = "b",
                .get = break_get, .set = break_set });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "far/received", .summary = "what the port sent to the far end (the last 64 KiB)",
                .type = "ay", .get = received_get, .set = received_set });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "dtr", .summary = "the port's DTR output", .type = "b", .get = outputs_get,
                .userdata = GUINT_TO_POINTER(TIOCM_DTR) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "rts", .summary = "the port's RTS output", .type = "b", .get = outputs_get,
                .userdata = GUINT_TO_POINTER(TIOCM_RTS) });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "line", .summary = "baud, data bits, parity, stop bits", .type = "s", .get = line_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "icount", .summary = "TIOCGICOUNT's counters", .type = "a{si}", .get = icount_get });
}

/* --- far=unix:PATH --- */

static void far_disconnect(struct tty_port *p)
{
        if (p->far_source)
                g_source_remove(p->far_source);
        p->far_source = 0;
        if (p->far_fd >= 0)
                close(p->far_fd);
        p->far_fd = -1;
}

static gboolean far_on_data(gint fd, GIOCondition cond, gpointer data);

/* The far end shut down its side: still there to send to, until it closes. */
static gboolean far_on_hangup(gint fd, GIOCondition cond, gpointer data)
{
        struct tty_port *p = data;

        if (!(cond & (G_IO_HUP | G_IO_ERR)))
                return G_SOURCE_CONTINUE;
        p->far_source = 0;            /* removed by returning G_SOURCE_REMOVE */
        close(p->far_fd);
        p->far_fd = -1;
        return G_SOURCE_REMOVE;
}

static gboolean far_on_data(gint fd, GIOCondition cond, gpointer data)
{
        struct tty_port *p = data;
        uint8_t buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return G_SOURCE_CONTINUE;
        if (n == 0 && !(cond & (G_IO_HUP | G_IO_ERR))) {
                p->far_source = g_unix_fd_add(fd, G_IO_HUP | G_IO_ERR, far_on_hangup, p);
                return G_SOURCE_REMOVE;
        }
        if (n <= 0)
                return far_on_hangup(fd, G_IO_HUP, p);
        for (ssize_t i = 0; i < n; i++)
                receive(p, buf[i], RX_NORMAL);
        return G_SOURCE_CONTINUE;
}

/* @fd (non-blocking) becomes the far end: what it sends arrives at the
 * port, what the port sends goes to it. */
static void far_attach(struct tty_port *p, int fd)
{
        p->far_fd = fd;
        p->far_source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, far_on_data, p);
}

/* One far end at a time: a second connection is closed at once. */
static gboolean far_on_accept(gint fd, GIOCondition cond, gpointer data)
{
        struct tty_port *p = data;
        int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (c < 0)
                return G_SOURCE_CONTINUE;
        if (p->far_fd >= 0) {
                close(c);
                return G_SOURCE_CONTINUE;
        }
        far_attach(p, c);
        return G_SOURCE_CONTINUE;
}

/* The device stream "far" (OpenStream, `cusekit serial`): one end of a
 * socketpair served exactly as a far=unix connection, the other end the
 * caller's.  Taken while a far end is connected either way. */
static int far_stream_open(struct ck_device *d, void *userdata, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        int sv[2], r = no_far_end(p, error);

        if (r < 0)
                return r;
        if (p->far_fd >= 0) {
                g_set_error(error, CK_ERROR, EBUSY, "the far end is already attached (one at a time: another "
                            "cusekit serial or a far=unix connection)");
                return -EBUSY;
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                int e = errno;
                g_set_error(error, CK_ERROR, e, "socketpair: %s", g_strerror(e));
                return -e;
        }
        if (!g_unix_set_fd_nonblocking(sv[0], TRUE, NULL)) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                g_set_error(error, CK_ERROR, e, "O_NONBLOCK: %s", g_strerror(e));
                return -e;
        }
        far_attach(p, sv[0]);
        return sv[1];
}

static int far_listen(struct tty_port *p, const char *spec, GError **error)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct stat st;

        if (!g_str_has_prefix(spec, "unix:") || !spec[5] || strlen(spec + 5) >= sizeof(sa.sun_path)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "tty: far=%s: expected unix:PATH (at most %zu bytes)", spec, sizeof(sa.sun_path) - 1);
                return -EINVAL;
        }
        p->far_path = g_strdup(spec + 5);
        strcpy(sa.sun_path, p->far_path);
        /* a socket left by an earlier run goes; anything else at PATH stays */
        if (lstat(p->far_path, &st) == 0 && S_ISSOCK(st.st_mode))
                unlink(p->far_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "tty: far=%s: %s", spec, g_strerror(e));
                g_clear_pointer(&p->far_path, g_free);
                return -e;
        }
        p->far_listen_fd = fd;
        p->far_listen_source = g_unix_fd_add(fd, G_IO_IN, far_on_accept, p);
        return 0;
}

static void far_close(struct tty_port *p)
{
        far_disconnect(p);
        if (p->far_listen_source)
                g_source_remove(p->far_listen_source);
        if (p->far_listen_fd >= 0) {
                close(p->far_listen_fd);
                unlink(p->far_path);
        }
        g_free(p->far_path);
}

/* --- the device type --- */

static void termios_init(struct termios2 *t)
{
        static const cc_t init_cc[] = "\003\034\177\025\004\0\1\0\021\023\032\0\022\017\027\026\0";

        /* tty_std_termios, with the serial core's B9600 | CS8 | CREAD | HUPCL | CLOCAL */
        *t = (struct termios2){
                .c_iflag = ICRNL | IXON,
                .c_oflag = OPOST | ONLCR,
                .c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL,
                .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
                .c_ispeed = 9600,
                .c_ospeed = 9600,
        };
        memcpy(t->c_cc, init_cc, MIN(sizeof(t->c_cc), sizeof(init_cc)));
}

static void tty_fini(struct ck_device *d);

static int link_peer(struct tty_port *p, struct tty_port *q, GError **error)
{
        if (q == p || q->loopback || (q->peer && q->peer != p) || (p->peer && p->peer != q)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "tty: %s: peer=%s: that port is wired to something else", p->name, q->name);
                return -EINVAL;
        }
        p->peer = q;
        q->peer = p;
        p->lines_in = input_lines(p);
        q->lines_in = input_lines(q);
        return 0;
}

static int tty_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct tty_port *p = ck_device_priv(d);
        const char *peer = g_hash_table_lookup(params, "peer");
        const char *loopback = g_hash_table_lookup(params, "loopback");
        const char *far = g_hash_table_lookup(params, "far");

        p->far_listen_fd = p->far_fd = -1;
        if (far && (peer || (loopback && strcmp(loopback, "1") == 0))) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "tty: far= is for a port without peer= or loopback=1");
                return -EINVAL;
        }

        if (loopback && strcmp(loopback, "0") != 0 && strcmp(loopback, "1") != 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "tty: loopback=%s: 0 or 1", loopback);
                return -EINVAL;
        }
        if (peer && loopback && strcmp(loopback, "1") == 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "tty: peer= and loopback=1 exclude each other");
                return -EINVAL;
        }
        if (!ports_by_name)
                ports_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        if (g_hash_table_contains(ports_by_name, ck_device_name(d))) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "tty: %s exists", ck_device_name(d));
                return -EINVAL;
        }
        p->dev = d;
        p->name = g_strdup(ck_device_name(d));
        p->peer_name = g_strdup(peer);
        p->loopback = loopback && strcmp(loopback, "1") == 0;
        /* the other end may come first or later: whoever names the other links both */
        struct tty_port *q = peer ? g_hash_table_lookup(ports_by_name, peer) : NULL;
        int r = 0;
        if (q)
                r = link_peer(p, q, error);
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init(&it, ports_by_name);
        while (r == 0 && g_hash_table_iter_next(&it, NULL, &value)) {
                struct tty_port *o = value;
                if (o->peer_name && strcmp(o->peer_name, p->name) == 0 && o != q)
                        r = link_peer(p, o, error);
        }
        if (r < 0) {
                if (p->peer)
                        p->peer->peer = NULL;
                g_free(p->name);
                g_free(p->peer_name);
                return r;
        }
        g_hash_table_insert(ports_by_name, p->name, p);

        termios_init(&p->termios);
        p->serial = (struct serial_struct){
                .type = PORT_16550A,
                .line = (int)g_hash_table_size(ports_by_name) - 1,
                .xmit_fifo_size = 16,
                .baud_base = BAUD_BASE,
                .close_delay = 50,
                .closing_wait = 3000,
                .flags = ASYNC_BOOT_AUTOCONF,
                .io_type = SERIAL_IO_PORT,
        };
        p->rx = g_byte_array_new();
        p->edit = g_byte_array_new();
        p->lines = g_array_new(FALSE, FALSE, sizeof(gsize));
        p->tx = g_byte_array_new();
        p->received = g_byte_array_new();
        p->lines_in = input_lines(p);
        add_states(d);
        ck_device_add_stream(d, &(struct ck_stream){
                .name = "far", .summary = "the far end: bytes both ways, as a far=unix connection",
                .open = far_stream_open });
        if (far && (r = far_listen(p, far, error)) < 0) {
                tty_fini(d);
                return r;
        }
        return 0;
}

static void tty_fini(struct ck_device *d)
{
        struct tty_port *p = ck_device_priv(d);

        if (p->vtime_source)
                g_source_remove(p->vtime_source);
        tx_stop(p);
        if (p->wake_source)
                g_source_remove(p->wake_source);
        if (p->break_source)
                g_source_remove(p->break_source);
        far_close(p);
        if (p->peer)
                p->peer->peer = NULL;
        g_hash_table_remove(ports_by_name, p->name);
        g_byte_array_unref(p->rx);
        g_byte_array_unref(p->edit);
        g_array_unref(p->lines);
        g_byte_array_unref(p->tx);
        g_byte_array_unref(p->received);
        g_free(p->name);
        g_free(p->peer_name);
}

static const char *const tty_params[] = { "peer", "loopback", "far", NULL };

CK_STRUCT_DESC(tty_termios_desc, struct termios,
               CK_FIELD(struct termios, c_iflag, HEX), CK_FIELD(struct termios, c_oflag, HEX),
               CK_FIELD(struct termios, c_cflag, HEX), CK_FIELD(struct termios, c_lflag, HEX),
               CK_FIELD(struct termios, c_line, UINT), CK_FIELD_ARRAY(struct termios, c_cc, BYTES));
CK_STRUCT_DESC(tty_termios2_desc, struct termios2,
               CK_FIELD(struct termios2, c_iflag, HEX), CK_FIELD(struct termios2, c_oflag, HEX),
               CK_FIELD(struct termios2, c_cflag, HEX), CK_FIELD(struct termios2, c_lflag, HEX),
               CK_FIELD(struct termios2, c_line, UINT), CK_FIELD_ARRAY(struct termios2, c_cc, BYTES),
               CK_FIELD(struct termios2, c_ispeed, UINT), CK_FIELD(struct termios2, c_ospeed, UINT));
CK_STRUCT_DESC(tty_termio_desc, struct termio,
               CK_FIELD(struct termio, c_iflag, HEX), CK_FIELD(struct termio, c_oflag, HEX),
               CK_FIELD(struct termio, c_cflag, HEX), CK_FIELD(struct termio, c_lflag, HEX),
               CK_FIELD(struct termio, c_line, UINT), CK_FIELD_ARRAY(struct termio, c_cc, BYTES));
CK_STRUCT_DESC(tty_winsize_desc, struct winsize,
               CK_FIELD(struct winsize, ws_row, UINT), CK_FIELD(struct winsize, ws_col, UINT),
               CK_FIELD(struct winsize, ws_xpixel, UINT), CK_FIELD(struct winsize, ws_ypixel, UINT));
CK_STRUCT_DESC(tty_serial_desc, struct serial_struct,
               CK_FIELD(struct serial_struct, type, INT), CK_FIELD(struct serial_struct, line, INT),
               CK_FIELD(struct serial_struct, port, HEX), CK_FIELD(struct serial_struct, irq, INT),
               CK_FIELD(struct serial_struct, flags, HEX), CK_FIELD(struct serial_struct, xmit_fifo_size, INT),
               CK_FIELD(struct serial_struct, custom_divisor, INT), CK_FIELD(struct serial_struct, baud_base, INT),
               CK_FIELD(struct serial_struct, close_delay, UINT), CK_FIELD(struct serial_struct, closing_wait, UINT));
CK_STRUCT_DESC(tty_icount_desc, struct serial_icounter_struct,
               CK_FIELD(struct serial_icounter_struct, cts, INT), CK_FIELD(struct serial_icounter_struct, dsr, INT),
               CK_FIELD(struct serial_icounter_struct, rng, INT), CK_FIELD(struct serial_icounter_struct, dcd, INT),
               CK_FIELD(struct serial_icounter_struct, rx, INT), CK_FIELD(struct serial_icounter_struct, tx, INT),
               CK_FIELD(struct serial_icounter_struct, frame, INT),
               CK_FIELD(struct serial_icounter_struct, overrun, INT),
               CK_FIELD(struct serial_icounter_struct, parity, INT), CK_FIELD(struct serial_icounter_struct, brk, INT),
               CK_FIELD(struct serial_icounter_struct, buf_overrun, INT));
CK_STRUCT_DESC(tty_rs485_desc, struct serial_rs485,
               CK_FIELD(struct serial_rs485, flags, HEX),
               CK_FIELD(struct serial_rs485, delay_rts_before_send, UINT),
               CK_FIELD(struct serial_rs485, delay_rts_after_send, UINT));
static const struct ck_struct_desc *const tty_structs[] = {
        &tty_termios_desc, &tty_termios2_desc, &tty_termio_desc, &tty_winsize_desc,
        &tty_serial_desc, &tty_icount_desc, &tty_rs485_desc, NULL,
};

const struct ck_device_type ck_device_type_tty = {
        .name = "tty",
        .summary = "a serial port (a 16550A behind the serial core, N_TTY): peer=NAME (null modem), "
                   "loopback=1, or the far end through far/... state and far=unix:PATH",
        .ioctls = tty_ioctls,
        .n_ioctls = G_N_ELEMENTS(tty_ioctls),
        .params = tty_params,
        .structs = tty_structs,
        .priv_size = sizeof(struct tty_port),
        .file_priv_size = sizeof(struct tty_open),
        .init = tty_init,
        .fini = tty_fini,
        .open = tty_open,
        .release = tty_release,
        .read = tty_read,
        .write = tty_write,
        .write_all = true,
        .poll = tty_poll,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_tty);
