/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Serial ports through the loopback transport: a null-modem pair, a
 * loopback adapter and a port whose far end is the control interface;
 * termios and speeds as the tty layer and the serial core keep them, modem
 * lines and their counters, the N_TTY line discipline (VMIN/VTIME, ICANON
 * editing, echo, CR/NL mapping, IXON, breaks and bad bytes), flow control,
 * and the errnos for what the kernel refuses. */
#include "tty/tty-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/serial_core.h>
#include <linux/tty.h>
#include <poll.h>
#include <string.h>

struct mem {
        struct termios t;
        struct termios2 t2;
        struct termio t1;
        struct serial_struct ss;
        struct serial_icounter_struct ic;
        struct winsize ws;
        int i;
};

struct end {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct mem *mem;
};

struct fixture {
        struct end a, b;
};

static struct ck_device *new_port(const char *name, const char *key, const char *value)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL;

        if (key)
                g_hash_table_insert(params, (char *)key, (char *)value);
        g_assert_cmpint(ck_device_new("tty", name, params, &d, &error), ==, 0);
        g_assert_no_error(error);
        return d;
}

static void end_open(struct end *e, struct ck_device *d)
{
        e->dev = d;
        g_assert_cmpint(ck_loopback_new(d, 0, &e->lb), ==, 0);
        e->mem = g_malloc0(sizeof(*e->mem));
        ck_loopback_expose(e->lb, e->mem, sizeof(*e->mem));
}

static void end_close(struct end *e)
{
        if (!e->dev)
                return;
        ck_loopback_free(e->lb);
        ck_device_free(e->dev);
        g_free(e->mem);
}

/* data: "pair", "loopback" or "alone" */
static void setup(struct fixture *fx, gconstpointer data)
{
        if (strcmp(data, "pair") == 0) {
                end_open(&fx->a, new_port("ttyCK0", "peer", "ttyCK1"));
                end_open(&fx->b, new_port("ttyCK1", NULL, NULL));
        } else if (strcmp(data, "loopback") == 0) {
                end_open(&fx->a, new_port("ttyCK2", "loopback", "1"));
        } else {
                end_open(&fx->a, new_port("ttyCK3", NULL, NULL));
        }
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        end_close(&fx->a);
        end_close(&fx->b);
}

static int io(struct end *e, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(e->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static int value_io(struct end *e, unsigned long request, unsigned long value)
{
        return ck_loopback_ioctl(e->lb, (unsigned)request, value);
}

static struct termios2 *get2(struct end *e)
{
        g_assert_cmpint(io(e, TCGETS2, &e->mem->t2), ==, 0);
        return &e->mem->t2;
}

/* cfmakeraw(), at @speed (a B constant) */
static void make_raw(struct end *e, tcflag_t speed)
{
        struct termios *t = &e->mem->t;

        g_assert_cmpint(io(e, TCGETS, t), ==, 0);
        t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t->c_oflag &= ~OPOST;
        t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        t->c_cflag &= ~(CSIZE | PARENB | CBAUD);
        t->c_cflag |= CS8 | speed;
        t->c_cc[VMIN] = 1;
        t->c_cc[VTIME] = 0;
        g_assert_cmpint(io(e, TCSETS, t), ==, 0);
}

static void set_cc(struct end *e, unsigned vmin, unsigned vtime)
{
        struct termios *t = &e->mem->t;

        g_assert_cmpint(io(e, TCGETS, t), ==, 0);
        t->c_cc[VMIN] = (cc_t)vmin;
        t->c_cc[VTIME] = (cc_t)vtime;
        g_assert_cmpint(io(e, TCSETS, t), ==, 0);
}

static int mget(struct end *e)
{
        g_assert_cmpint(io(e, TIOCMGET, &e->mem->i), ==, 0);
        return e->mem->i;
}

static int mset(struct end *e, unsigned long request, int bits)
{
        e->mem->i = bits;
        return io(e, request, &e->mem->i);
}

static struct serial_icounter_struct *icount(struct end *e)
{
        g_assert_cmpint(io(e, TIOCGICOUNT, &e->mem->ic), ==, 0);
        return &e->mem->ic;
}

static ssize_t put(struct end *e, const char *s)
{
        return ck_loopback_write(e->lb, s, strlen(s));
}

/* Reads what is there now (or -errno). */
static ssize_t get(struct end *e, char *buf, size_t size)
{
        memset(buf, 0, size);
        return ck_loopback_read(e->lb, buf, size);
}

static const struct ck_state_var *state_var(struct ck_device *d, const char *name)
{
        for (guint i = 0; d->state && i < d->state->len; i++)
                if (strcmp(g_array_index(d->state, struct ck_state_var, i).name, name) == 0)
                        return &g_array_index(d->state, struct ck_state_var, i);
        g_error("no state variable %s", name);
}

static int state_set(struct end *e, const char *name, GVariant *value)
{
        const struct ck_state_var *v = state_var(e->dev, name);
        g_autoptr(GVariant) sunk = g_variant_ref_sink(value);
        g_autoptr(GError) error = NULL;

        return v->set(e->dev, v->userdata, sunk, &error);
}

static void test_defaults_and_speeds(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a;
        struct termios2 *t = get2(a);

        /* tty_std_termios with the serial core's cflag */
        g_assert_cmphex(t->c_cflag, ==, B9600 | CS8 | CREAD | HUPCL | CLOCAL);
        g_assert_cmphex(t->c_iflag, ==, ICRNL | IXON);
        g_assert_cmphex(t->c_oflag, ==, OPOST | ONLCR);
        g_assert_true(t->c_lflag & ICANON);
        g_assert_cmpuint(t->c_ispeed, ==, 9600);
        g_assert_cmpuint(t->c_cc[VERASE], ==, 0177);
        g_assert_cmpuint(t->c_cc[VMIN], ==, 1);

        /* an old-style speed reads back in c_ospeed */
        make_raw(a, B115200);
        t = get2(a);
        g_assert_cmphex(t->c_cflag & CBAUD, ==, B115200);
        g_assert_cmpuint(t->c_ospeed, ==, 115200);
        g_assert_cmpuint(t->c_ispeed, ==, 115200);
        /* BOTHER: an arbitrary rate, exact */
        t->c_cflag = (t->c_cflag & ~CBAUD) | BOTHER;
        t->c_ispeed = t->c_ospeed = 250000;
        g_assert_cmpint(io(a, TCSETS2, t), ==, 0);
        t = get2(a);
        g_assert_cmphex(t->c_cflag & CBAUD, ==, BOTHER);
        g_assert_cmpuint(t->c_ospeed, ==, 250000);
        /* a BOTHER rate close to a standard one becomes that B constant */
        t->c_cflag = (t->c_cflag & ~CBAUD) | BOTHER;
        t->c_ispeed = t->c_ospeed = 115200;
        g_assert_cmpint(io(a, TCSETSW2, t), ==, 0);
        g_assert_cmphex(get2(a)->c_cflag & CBAUD, ==, B115200);
        /* faster than this UART: the old rate stays */
        t = get2(a);
        t->c_cflag = (t->c_cflag & ~CBAUD) | BOTHER;
        t->c_ospeed = 5000000;
        g_assert_cmpint(io(a, TCSETS2, t), ==, 0);
        g_assert_cmpuint(get2(a)->c_ospeed, ==, 115200);
        /* the old struct termios carries no speed: TCGETS shows the bits */
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        g_assert_cmphex(a->mem->t.c_cflag & CBAUD, ==, B115200);

        /* struct termio: the low 16 bits of each word, the first 8 c_cc */
        g_assert_cmpint(io(a, TCGETA, &a->mem->t1), ==, 0);
        g_assert_cmphex(a->mem->t1.c_cflag, ==, (unsigned short)get2(a)->c_cflag);
        a->mem->t1.c_lflag |= ECHO;
        a->mem->t1.c_cc[VMIN] = 7;
        g_assert_cmpint(io(a, TCSETAF, &a->mem->t1), ==, 0);
        t = get2(a);
        g_assert_true(t->c_lflag & ECHO);
        g_assert_cmpuint(t->c_cc[VMIN], ==, 7);
        g_assert_cmpuint(t->c_ospeed, ==, 115200);

        /* setserial's view: a 16550A, and spd_hi turns B38400 into 57600 */
        g_assert_cmpint(io(a, TIOCGSERIAL, &a->mem->ss), ==, 0);
        g_assert_cmpint(a->mem->ss.type, ==, PORT_16550A);
        g_assert_cmpint(a->mem->ss.xmit_fifo_size, ==, 16);
        a->mem->ss.flags |= ASYNC_SPD_HI;
        g_assert_cmpint(io(a, TIOCSSERIAL, &a->mem->ss), ==, 0);
        make_raw(a, B38400);
        g_assert_cmpuint(get2(a)->c_ospeed, ==, 57600);
        a->mem->ss.irq = 99;
        g_assert_cmpint(io(a, TIOCSSERIAL, &a->mem->ss), ==, -EINVAL);

        /* window size, soft carrier, line discipline */
        a->mem->ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
        g_assert_cmpint(io(a, TIOCSWINSZ, &a->mem->ws), ==, 0);
        memset(&a->mem->ws, 0, sizeof(a->mem->ws));
        g_assert_cmpint(io(a, TIOCGWINSZ, &a->mem->ws), ==, 0);
        g_assert_cmpuint(a->mem->ws.ws_col, ==, 80);
        a->mem->i = 0;
        g_assert_cmpint(io(a, TIOCSSOFTCAR, &a->mem->i), ==, 0);
        g_assert_false(get2(a)->c_cflag & CLOCAL);
        g_assert_cmpint(io(a, TIOCGSOFTCAR, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 0);
        g_assert_cmpint(io(a, TIOCGETD, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, N_TTY);
        a->mem->i = N_SLIP;
        g_assert_cmpint(io(a, TIOCSETD, &a->mem->i), ==, -EINVAL);
        a->mem->i = NR_LDISCS;
        g_assert_cmpint(io(a, TIOCSETD, &a->mem->i), ==, -EINVAL);
        a->mem->i = N_TTY;
        g_assert_cmpint(io(a, TIOCSETD, &a->mem->i), ==, 0);

        /* what the tty layer refuses */
        g_assert_cmpint(value_io(a, TCFLSH, 3), ==, -EINVAL);
        g_assert_cmpint(value_io(a, TCXONC, 4), ==, -EINVAL);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -ENOTTY);   /* not served: see tty.c */
        g_assert_cmpint(value_io(a, 0x540E /* TIOCSCTTY */, 0), ==, -ENOTTY);
}

static void test_modem_lines(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;

        /* the first open raises DTR and RTS on both sides */
        g_assert_cmphex(mget(a), ==, TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CAR);
        g_assert_cmpint(mset(a, TIOCMBIC, TIOCM_RTS), ==, 0);
        g_assert_cmphex(mget(b) & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR), ==, TIOCM_DSR | TIOCM_CAR);
        g_assert_cmpint(icount(b)->cts, ==, 1);
        g_assert_cmpint(mset(a, TIOCMSET, TIOCM_RTS | TIOCM_CTS), ==, 0);   /* inputs are not set */
        g_assert_cmphex(mget(a) & (TIOCM_DTR | TIOCM_RTS), ==, TIOCM_RTS);
        g_assert_cmphex(mget(b) & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR), ==, TIOCM_CTS);
        struct serial_icounter_struct *ic = icount(b);
        g_assert_cmpint(ic->cts, ==, 2);
        g_assert_cmpint(ic->dsr, ==, 1);
        g_assert_cmpint(ic->dcd, ==, 1);
        g_assert_cmpint(ic->rng, ==, 0);
        g_assert_cmpint(mset(a, TIOCMBIS, TIOCM_DTR | TIOCM_OUT2), ==, 0);
        g_assert_cmphex(mget(a) & TIOCM_OUT2, ==, TIOCM_OUT2);
        /* B0 hangs up: DTR and RTS drop */
        make_raw(a, B0);
        g_assert_cmphex(mget(a) & (TIOCM_DTR | TIOCM_RTS), ==, 0);
        g_assert_cmphex(mget(b) & (TIOCM_CTS | TIOCM_DSR | TIOCM_CAR), ==, 0);
        make_raw(a, B9600);
        g_assert_cmphex(mget(a) & (TIOCM_DTR | TIOCM_RTS), ==, TIOCM_DTR | TIOCM_RTS);
        /* the pair's lines are not the control interface's */
        g_assert_cmpint(state_set(a, "far/cts", g_variant_new_boolean(FALSE)), ==, -EBUSY);
}

static void test_raw_reads(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[64];

        make_raw(a, B115200);
        make_raw(b, B115200);
        /* VMIN 1: block (EAGAIN here) until a byte */
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpint(put(a, "hello\n"), ==, 6);
        g_assert_cmpint(io(b, TIOCINQ, &b->mem->i), ==, 0);
        g_assert_cmpint(b->mem->i, ==, 6);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 6);
        g_assert_cmpstr(buf, ==, "hello\n");                   /* raw: no ONLCR, no ICRNL */
        g_assert_cmpint(icount(a)->tx, ==, 6);
        g_assert_cmpint(icount(b)->rx, ==, 6);
        /* VMIN 0, VTIME 0: what is there, or 0 at once */
        set_cc(b, 0, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        /* VMIN 3: until 3 bytes */
        set_cc(b, 3, 0);
        g_assert_cmpint(put(a, "ab"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpint(put(a, "cde"), ==, 3);
        g_assert_cmpint(get(b, buf, 4), ==, 4);
        g_assert_cmpmem(buf, 4, "abcd", 4);
        g_assert_cmpint(get(b, buf, 2), ==, -EAGAIN);          /* 1 byte < min(VMIN, 2) */
        g_assert_cmpint(get(b, buf, 1), ==, 1);                /* min(VMIN, count) */
        /* VMIN 0, VTIME 2: 0 after 0.2 s without a byte */
        set_cc(b, 0, 2);
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_usleep(120000);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_usleep(120000);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 200000);
        /* VMIN 5, VTIME 1: fewer than 5 once 0.1 s pass after the last byte */
        set_cc(b, 5, 1);
        g_assert_cmpint(put(a, "xy"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_usleep(150000);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 2);
        g_assert_cmpstr(buf, ==, "xy");
        /* poll: POLLIN only when a read would return */
        set_cc(b, 2, 0);
        g_assert_cmpuint(ck_loopback_poll(b->lb) & POLLIN, ==, 0);
        g_assert_cmpint(put(a, "1"), ==, 1);
        g_assert_cmpuint(ck_loopback_poll(b->lb) & POLLIN, ==, 0);
        g_assert_cmpint(put(a, "2"), ==, 1);
        g_assert_cmpuint(ck_loopback_poll(b->lb) & POLLIN, ==, POLLIN);
        g_assert_cmpuint(ck_loopback_poll(b->lb) & POLLOUT, ==, POLLOUT);
        /* TCFLSH drops what is there */
        g_assert_cmpint(value_io(b, TCFLSH, TCIFLUSH), ==, 0);
        g_assert_cmpint(io(b, TIOCINQ, &b->mem->i), ==, 0);
        g_assert_cmpint(b->mem->i, ==, 0);
}

static void test_canonical(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[64];

        /* b stays in the default cooked mode; a is raw and sees b's echo */
        make_raw(a, B9600);
        set_cc(a, 0, 0);
        g_assert_cmpint(put(a, "ab\177c"), ==, 4);             /* DEL erases */
        g_assert_cmpint(io(b, TIOCINQ, &b->mem->i), ==, 0);
        g_assert_cmpint(b->mem->i, ==, 0);                     /* no line yet */
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpuint(ck_loopback_poll(b->lb) & POLLIN, ==, 0);
        g_assert_cmpint(put(a, "\r"), ==, 1);                  /* ICRNL */
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 3);
        g_assert_cmpstr(buf, ==, "ac\n");
        /* the echo: ECHOE rubs out, ONLCR on b's output */
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 8);
        g_assert_cmpmem(buf, 8, "ab\b \bc\r\n", 8);
        /* VKILL (^U), then one read per line, VEOF (^D) ends a line without itself */
        g_assert_cmpint(put(a, "junk\025one\ntwo\004\004"), ==, 14);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 4);
        g_assert_cmpstr(buf, ==, "one\n");
        g_assert_cmpint(get(b, buf, 2), ==, 2);
        g_assert_cmpmem(buf, 2, "tw", 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 1);
        g_assert_cmpstr(buf, ==, "o");
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);      /* ^D at the start of a line: end of file */
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, -EAGAIN);
        /* leaving ICANON makes the line being typed readable */
        g_assert_cmpint(put(a, "partial"), ==, 7);
        make_raw(b, B9600);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 7);
        g_assert_cmpstr(buf, ==, "partial");
}

static void test_flow_control(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[64];

        make_raw(a, B9600);
        make_raw(b, B9600);
        set_cc(a, 0, 0);
        set_cc(b, 0, 0);
        /* IXON on b: ^S from a stops b's output, ^Q restarts it */
        g_assert_cmpint(io(b, TCGETS, &b->mem->t), ==, 0);
        b->mem->t.c_iflag |= IXON;
        g_assert_cmpint(io(b, TCSETS, &b->mem->t), ==, 0);
        g_assert_cmpint(put(a, "\023"), ==, 1);
        g_assert_cmpint(put(b, "held"), ==, 4);
        g_assert_cmpint(io(b, TIOCOUTQ, &b->mem->i), ==, 0);
        g_assert_cmpint(b->mem->i, ==, 4);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);      /* the STOP character is not data */
        g_assert_cmpint(put(a, "\021"), ==, 1);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 4);
        g_assert_cmpstr(buf, ==, "held");
        /* CRTSCTS on a: nothing leaves while b holds RTS (a's CTS) low */
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        a->mem->t.c_cflag |= CRTSCTS;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_cmpint(mset(b, TIOCMBIC, TIOCM_RTS), ==, 0);
        g_assert_cmpint(put(a, "wait"), ==, 4);
        g_assert_cmpint(io(a, TIOCOUTQ, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 4);
        g_assert_cmpint(io(a, TIOCSERGETLSR, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, TIOCSER_TEMT);          /* stopped: the transmitter is idle */
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(mset(b, TIOCMBIS, TIOCM_RTS), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 4);
        g_assert_cmpstr(buf, ==, "wait");
        /* TCXONC: TCOOFF holds output, TCOON lets it go; TCIOFF sends STOP */
        g_assert_cmpint(value_io(a, TCXONC, TCOOFF), ==, 0);
        g_assert_cmpint(put(a, "z"), ==, 1);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(value_io(a, TCXONC, TCOON), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 1);
        /* TCIOFF sends STOP: b (IXON) stops its output; TCION sends START */
        g_assert_cmpint(value_io(a, TCXONC, TCIOFF), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(put(b, "q"), ==, 1);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(value_io(a, TCXONC, TCION), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmpstr(buf, ==, "q");
        /* TCOFLUSH drops what is queued */
        g_assert_cmpint(value_io(a, TCXONC, TCOOFF), ==, 0);
        g_assert_cmpint(put(a, "gone"), ==, 4);
        g_assert_cmpint(value_io(a, TCFLSH, TCOFLUSH), ==, 0);
        g_assert_cmpint(value_io(a, TCXONC, TCOON), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
}

static void test_breaks_and_errors(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a;
        char buf[64];

        make_raw(a, B9600);
        set_cc(a, 0, 0);
        /* the far end is the control interface here */
        g_assert_cmpint(state_set(a, "far/send", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, "hi", 2, 1)), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 2);
        g_assert_cmpstr(buf, ==, "hi");
        g_assert_cmpint(put(a, "out"), ==, 3);
        const struct ck_state_var *rv = state_var(a->dev, "far/received");
        g_autoptr(GVariant) got = g_variant_ref_sink(rv->get(a->dev, rv->userdata));
        gsize n;
        const char *bytes = g_variant_get_fixed_array(got, &n, 1);
        g_assert_cmpmem(bytes, n, "out", 3);
        /* a break: a NUL byte, PARMRK marks it, IGNBRK drops it */
        g_assert_cmpint(state_set(a, "far/break", g_variant_new_boolean(TRUE)), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmpint(buf[0], ==, 0);
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        a->mem->t.c_iflag |= PARMRK;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_cmpint(state_set(a, "far/break", g_variant_new_boolean(TRUE)), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 3);
        g_assert_cmpmem(buf, 3, "\377\0\0", 3);
        g_assert_cmpint(icount(a)->brk, ==, 2);
        /* a framing error: the byte as it came without INPCK; marked with INPCK and PARMRK */
        g_assert_cmpint(state_set(a, "far/frame-error", g_variant_new_byte('x')), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmpint(buf[0], ==, 'x');
        a->mem->t.c_iflag |= INPCK;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_cmpint(state_set(a, "far/parity-error", g_variant_new_byte('y')), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 3);
        g_assert_cmpmem(buf, 3, "\377\0y", 3);
        a->mem->t.c_iflag &= ~PARMRK;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_cmpint(state_set(a, "far/frame-error", g_variant_new_byte('z')), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmpint(buf[0], ==, 0);
        a->mem->t.c_iflag |= IGNPAR;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_cmpint(state_set(a, "far/frame-error", g_variant_new_byte('z')), ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 0);
        struct serial_icounter_struct *ic = icount(a);
        g_assert_cmpint(ic->frame, ==, 3);
        g_assert_cmpint(ic->parity, ==, 1);
        /* the far end's lines, RI counted on its trailing edge */
        g_assert_cmpint(state_set(a, "far/ri", g_variant_new_boolean(TRUE)), ==, 0);
        g_assert_cmpint(state_set(a, "far/cts", g_variant_new_boolean(TRUE)), ==, 0);
        g_assert_cmphex(mget(a) & (TIOCM_RNG | TIOCM_CTS), ==, TIOCM_RNG | TIOCM_CTS);
        g_assert_cmpint(icount(a)->rng, ==, 0);
        g_assert_cmpint(state_set(a, "far/ri", g_variant_new_boolean(FALSE)), ==, 0);
        ic = icount(a);
        g_assert_cmpint(ic->rng, ==, 1);
        g_assert_cmpint(ic->cts, ==, 1);
        /* TIOCEXCL: a second open gets EBUSY, until TIOCNXCL */
        g_assert_cmpint(io(a, TIOCEXCL, NULL), ==, 0);
        g_assert_cmpint(io(a, TIOCGEXCL, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 1);
        struct ck_loopback *second = NULL;
        g_assert_cmpint(ck_loopback_new(a->dev, 0, &second), ==, -EBUSY);
        g_assert_cmpint(io(a, TIOCNXCL, NULL), ==, 0);
        g_assert_cmpint(ck_loopback_new(a->dev, 0, &second), ==, 0);
        ck_loopback_free(second);
}

static void test_loopback_adapter(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a;
        char buf[16];

        make_raw(a, B115200);
        set_cc(a, 0, 0);
        g_assert_cmpint(put(a, "echo"), ==, 4);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 4);
        g_assert_cmpstr(buf, ==, "echo");
        g_assert_cmphex(mget(a), ==, TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CAR | TIOCM_RNG);
        g_assert_cmpint(mset(a, TIOCMBIC, TIOCM_DTR), ==, 0);
        g_assert_cmphex(mget(a), ==, TIOCM_RTS | TIOCM_CTS);
        g_assert_cmpint(icount(a)->rng, ==, 1);
        /* a break sent comes back */
        g_assert_cmpint(value_io(a, TCSBRK, 0), ==, 0);
        g_assert_cmpint(icount(a)->brk, ==, 1);
        g_assert_cmpint(value_io(a, TCSBRK, 1), ==, 0);      /* tcdrain() */
        g_assert_cmpint(icount(a)->brk, ==, 1);
}

static int far_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        g_assert_cmpint(fd, >=, 0);
        g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
        g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
        return fd;
}

/* Runs the main loop until @done says so (the daemon's loop, here in-process). */
static void spin_until(gboolean (*done)(gpointer), gpointer data)
{
        gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

        while (!done(data) && g_get_monotonic_time() < end)
                g_main_context_iteration(NULL, FALSE);
        g_assert_true(done(data));
}

static gboolean three_in(gpointer data)
{
        struct end *e = data;

        g_assert_cmpint(io(e, TIOCINQ, &e->mem->i), ==, 0);
        return e->mem->i == 3;
}

static void test_far_socket(void)
{
        g_autofree char *dir = g_dir_make_tmp("ck-tty-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "far.sock", NULL);
        struct end a = { 0 };
        char buf[16] = { 0 };

        g_autofree char *spec = g_strdup_printf("unix:%s", path);
        end_open(&a, new_port("ttyCK4", "far", spec));
        make_raw(&a, B115200);
        set_cc(&a, 0, 0);
        int fd = far_connect(path);
        g_assert_cmpint(write(fd, "abc", 3), ==, 3);
        spin_until(three_in, &a);
        g_assert_cmpint(get(&a, buf, sizeof(buf)), ==, 3);
        g_assert_cmpstr(buf, ==, "abc");
        g_assert_cmpint(put(&a, "xyz"), ==, 3);
        memset(buf, 0, sizeof(buf));
        g_assert_cmpint(read(fd, buf, sizeof(buf)), ==, 3);
        g_assert_cmpstr(buf, ==, "xyz");
        /* a second far end is turned away; the first one stays */
        int second = far_connect(path);
        for (int i = 0; i < 20; i++)
                g_main_context_iteration(NULL, FALSE);
        g_assert_cmpint(read(second, buf, sizeof(buf)), ==, 0);
        close(second);
        close(fd);
        end_close(&a);
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));   /* the socket goes with the port */
        g_rmdir(dir);
}

static void test_bad_params(void)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL, *e = NULL;

        g_hash_table_insert(params, "loopback", "2");
        g_assert_cmpint(ck_device_new("tty", "ttyCK9", params, &d, &error), <, 0);
        g_clear_error(&error);
        g_hash_table_insert(params, "loopback", "1");
        g_hash_table_insert(params, "peer", "ttyCK8");
        g_assert_cmpint(ck_device_new("tty", "ttyCK9", params, &d, &error), <, 0);
        g_clear_error(&error);
        g_hash_table_remove(params, "loopback");
        g_hash_table_insert(params, "far", "unix:/tmp/x.sock");
        g_assert_cmpint(ck_device_new("tty", "ttyCK9", params, &d, &error), <, 0);   /* with peer= */
        g_clear_error(&error);
        g_hash_table_remove(params, "peer");
        g_hash_table_insert(params, "far", "tcp:1234");
        g_assert_cmpint(ck_device_new("tty", "ttyCK9", params, &d, &error), <, 0);
        g_clear_error(&error);
        g_hash_table_remove(params, "far");
        /* a port can be the peer of one port only */
        d = new_port("ttyCK5", "peer", "ttyCK6");
        e = new_port("ttyCK6", NULL, NULL);
        g_hash_table_remove(params, "loopback");
        g_hash_table_insert(params, "peer", "ttyCK6");
        struct ck_device *f = NULL;
        g_assert_cmpint(ck_device_new("tty", "ttyCK7", params, &f, &error), <, 0);
        g_assert_null(f);
        ck_device_free(d);
        ck_device_free(e);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add("/tty/defaults-and-speeds", struct fixture, "alone", setup, test_defaults_and_speeds, teardown);
        g_test_add("/tty/pair/modem-lines", struct fixture, "pair", setup, test_modem_lines, teardown);
        g_test_add("/tty/pair/raw-reads", struct fixture, "pair", setup, test_raw_reads, teardown);
        g_test_add("/tty/pair/canonical", struct fixture, "pair", setup, test_canonical, teardown);
        g_test_add("/tty/pair/flow-control", struct fixture, "pair", setup, test_flow_control, teardown);
        g_test_add("/tty/far/breaks-and-errors", struct fixture, "alone", setup, test_breaks_and_errors, teardown);
        g_test_add("/tty/loopback-adapter", struct fixture, "loopback", setup, test_loopback_adapter, teardown);
        g_test_add_func("/tty/bad-params", test_bad_params);
        g_test_add_func("/tty/far-socket", test_far_socket);
        return g_test_run();
}
