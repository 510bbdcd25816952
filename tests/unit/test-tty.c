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
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/serial_core.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

static GPtrArray *open_ends;   /* struct end *: what settle() waits for */

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
        if (!open_ends)
                open_ends = g_ptr_array_new();
        g_ptr_array_add(open_ends, e);
}

static void end_close(struct end *e)
{
        if (!e->dev)
                return;
        g_ptr_array_remove(open_ends, e);
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

/* Hardware flow control on (or off) for @e. */
static void set_crtscts(struct end *e, bool on)
{
        g_assert_cmpint(io(e, TCGETS, &e->mem->t), ==, 0);
        if (on)
                e->mem->t.c_cflag |= CRTSCTS;
        else
                e->mem->t.c_cflag &= ~CRTSCTS;
        g_assert_cmpint(io(e, TCSETS, &e->mem->t), ==, 0);
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

/* The counters through another open (another thread): a call of @e's own
 * would end the call @e waits in. */
static int brk_count(struct end *e)
{
        struct ck_loopback *other = NULL;
        struct serial_icounter_struct ic = { 0 };

        g_assert_cmpint(ck_loopback_new(e->dev, 0, &other), ==, 0);
        ck_loopback_expose(other, &ic, sizeof(ic));
        g_assert_cmpint(ck_loopback_ioctl(other, TIOCGICOUNT, (uint64_t)(uintptr_t)&ic), ==, 0);
        ck_loopback_free(other);
        return ic.brk;
}

/* Runs the main loop (the transmitters' timers) until every open port's
 * transmitter is idle: all sent, or held by flow control. */
static void settle(void)
{
        gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

        for (;;) {
                bool busy = false;
                for (guint i = 0; open_ends && i < open_ends->len; i++) {
                        struct end *e = open_ends->pdata[i];
                        g_assert_cmpint(io(e, TIOCSERGETLSR, &e->mem->i), ==, 0);
                        busy |= !(e->mem->i & TIOCSER_TEMT);
                }
                if (!busy)
                        return;
                g_assert_cmpint(g_get_monotonic_time(), <, end);
                g_main_context_iteration(NULL, TRUE);
        }
}

static ssize_t put(struct end *e, const char *s)
{
        ssize_t r = ck_loopback_write(e->lb, s, strlen(s));

        settle();
        return r;
}

/* Reads what is there once the lines are idle (or -errno). */
static ssize_t get(struct end *e, char *buf, size_t size)
{
        settle();
        memset(buf, 0, size);
        return ck_loopback_read(e->lb, buf, size);
}

/* An ioctl that may wait, as a blocked client sees it: served again as
 * the main loop runs until it answers. */
static int io_wait(struct end *e, unsigned long request, uint64_t arg)
{
        gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
        int r;

        while ((r = ck_loopback_ioctl(e->lb, (unsigned)request, arg)) == -EAGAIN && ck_loopback_waiting(e->lb)) {
                g_assert_cmpint(g_get_monotonic_time(), <, end);
                g_main_context_iteration(NULL, TRUE);
        }
        return r;
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

        /* TIOCSTI (in-process the caller counts as privileged): input as if received */
        make_raw(a, B9600);
        set_cc(a, 0, 0);
        char injected[4] = { 0 };
        a->mem->ws.ws_row = 'Q';   /* any byte of client memory */
        g_assert_cmpint(io(a, TIOCSTI, &a->mem->ws.ws_row), ==, 0);
        g_assert_cmpint(get(a, injected, sizeof(injected)), ==, 1);
        g_assert_cmpint(injected[0], ==, 'Q');
        g_assert_cmpint(icount(a)->rx, ==, 0);                 /* not through the UART */
        /* locked termios: TCSETS leaves locked bits and c_cc alone */
        memset(&a->mem->t, 0, sizeof(a->mem->t));
        a->mem->t.c_cflag = CSTOPB;
        a->mem->t.c_cc[VMIN] = 1;
        g_assert_cmpint(io(a, TIOCSLCKTRMIOS, &a->mem->t), ==, 0);
        g_assert_cmpint(io(a, TIOCGLCKTRMIOS, &a->mem->t), ==, 0);
        g_assert_cmphex(a->mem->t.c_cflag, ==, CSTOPB);
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        a->mem->t.c_cflag |= CSTOPB;
        a->mem->t.c_cc[VMIN] = 9;
        a->mem->t.c_cc[VTIME] = 3;
        g_assert_cmpint(io(a, TCSETS, &a->mem->t), ==, 0);
        g_assert_false(get2(a)->c_cflag & CSTOPB);
        g_assert_cmpuint(get2(a)->c_cc[VMIN], ==, 0);
        g_assert_cmpuint(get2(a)->c_cc[VTIME], ==, 3);
        memset(&a->mem->t, 0, sizeof(a->mem->t));
        g_assert_cmpint(io(a, TIOCSLCKTRMIOS, &a->mem->t), ==, 0);
        /* RS-485: off, and not settable here */
        struct serial_rs485 *rs = (struct serial_rs485 *)&a->mem->ic;
        memset(rs, 0xff, sizeof(*rs));
        g_assert_cmpint(io(a, TIOCGRS485, rs), ==, 0);
        g_assert_cmphex(rs->flags, ==, 0);
        g_assert_cmpint(io(a, TIOCSRS485, rs), ==, -ENOTTY);

        /* what the tty layer refuses */
        g_assert_cmpint(value_io(a, TCFLSH, 3), ==, -EINVAL);
        g_assert_cmpint(value_io(a, TCXONC, 4), ==, -EINVAL);
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
        /* VMIN 0, VTIME 2: 0 once 0.2 s pass without a byte (parked until then) */
        set_cc(b, 0, 2);
        gint64 start = g_get_monotonic_time();
        ssize_t r;
        while ((r = get(b, buf, sizeof(buf))) == -EAGAIN)
                g_usleep(10000);
        g_assert_cmpint(r, ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 200000);
        /* VMIN 5, VTIME 5: fewer than 5 once 0.5 s pass after the last byte */
        set_cc(b, 5, 5);
        g_assert_cmpint(put(a, "xy"), ==, 2);
        start = g_get_monotonic_time();
        while ((r = get(b, buf, sizeof(buf))) == -EAGAIN)
                g_usleep(10000);
        g_assert_cmpint(r, ==, 2);
        g_assert_cmpstr(buf, ==, "xy");
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 500000 - 20000);
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

        make_raw(a, B4000000);   /* 4000 bytes below take 10 ms */
        make_raw(b, B4000000);
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
        set_crtscts(a, true);
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
        /* IXOFF and CRTSCTS on b's input: nearly full, it sends VSTOP and drops RTS;
         * read down, VSTART and RTS again */
        g_assert_cmpint(value_io(a, TCXONC, TCOON), ==, 0);
        set_crtscts(a, false);
        g_assert_cmpint(io(b, TCGETS, &b->mem->t), ==, 0);
        b->mem->t.c_iflag = (b->mem->t.c_iflag & ~IXON) | IXOFF;
        b->mem->t.c_cflag |= CRTSCTS;
        g_assert_cmpint(io(b, TCSETS, &b->mem->t), ==, 0);
        g_autofree char *big = g_malloc0(4001);
        memset(big, 'x', 4000);
        g_assert_cmpint(put(a, big), ==, 4000);
        g_assert_cmphex(mget(a) & TIOCM_CTS, ==, 0);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmphex((unsigned char)buf[0], ==, 023);
        g_autofree char *sink = g_malloc(4000);
        g_assert_cmpint(ck_loopback_read(b->lb, sink, 3800), ==, 3800);
        g_assert_cmphex(mget(a) & TIOCM_CTS, ==, 0);          /* 200 left: still throttled */
        g_assert_cmpint(ck_loopback_read(b->lb, sink, 100), ==, 100);
        g_assert_cmphex(mget(a) & TIOCM_CTS, ==, TIOCM_CTS);
        g_assert_cmpint(get(a, buf, sizeof(buf)), ==, 1);
        g_assert_cmphex((unsigned char)buf[0], ==, 021);
        g_assert_cmpint(value_io(b, TCFLSH, TCIFLUSH), ==, 0);

        /* TCOFLUSH drops what is queued */
        g_assert_cmpint(value_io(a, TCXONC, TCOOFF), ==, 0);
        g_assert_cmpint(put(a, "gone"), ==, 4);
        g_assert_cmpint(value_io(a, TCFLSH, TCOFLUSH), ==, 0);
        g_assert_cmpint(value_io(a, TCXONC, TCOON), ==, 0);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
}

/* The thread's own capabilities, as the open hook will see them. */
static bool ck_loopback_capable(int cap)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct caps[2] = { 0 };

        g_assert_cmpint(syscall(SYS_capget, &hdr, caps), ==, 0);
        return caps[cap / 32].effective >> (cap % 32) & 1;
}

/* An open by a process without CAP_SYS_ADMIN (a child that dropped it):
 * 0 or the open's -errno. */
static int open_without_sys_admin(struct ck_device *d)
{
        pid_t pid = fork();

        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
                struct __user_cap_data_struct caps[2] = { 0 };
                struct ck_loopback *lb = NULL;
                if (syscall(SYS_capget, &hdr, caps) < 0)
                        _exit(100);
                caps[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
                if (syscall(SYS_capset, &hdr, caps) < 0)
                        _exit(101);
                int r = ck_loopback_new(d, 0, &lb);
                _exit(r == 0 ? 0 : r < 0 && -r < 100 ? -r : 102);
        }
        int status;
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), <, 100);
        return -WEXITSTATUS(status);
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
        /* TIOCEXCL: a second open gets EBUSY, until TIOCNXCL, unless the
         * opener has CAP_SYS_ADMIN (tty_reopen()) */
        g_assert_cmpint(io(a, TIOCEXCL, NULL), ==, 0);
        g_assert_cmpint(io(a, TIOCGEXCL, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 1);
        struct ck_loopback *second = NULL;
        g_assert_cmpint(open_without_sys_admin(a->dev), ==, -EBUSY);
        if (ck_loopback_capable(CAP_SYS_ADMIN)) {
                g_assert_cmpint(ck_loopback_new(a->dev, 0, &second), ==, 0);
                ck_loopback_free(second);
        } else {
                g_assert_cmpint(ck_loopback_new(a->dev, 0, &second), ==, -EBUSY);
        }
        g_assert_cmpint(io(a, TIOCNXCL, NULL), ==, 0);
        g_assert_cmpint(open_without_sys_admin(a->dev), ==, 0);
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
        /* a break sent comes back at once; the call returns after its 250 ms */
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(value_io(a, TCSBRK, 0), ==, -EAGAIN);
        g_assert_cmpint(brk_count(a), ==, 1);
        g_assert_cmpint(io_wait(a, TCSBRK, 0), ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 240000);
        g_assert_cmpint(icount(a)->brk, ==, 1);                /* one break, not one per look */
        /* TCSBRKP: tenths of a second */
        start = g_get_monotonic_time();
        g_assert_cmpint(io_wait(a, TCSBRKP, 1), ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - start, >=, 90000);
        g_assert_cmpint(icount(a)->brk, ==, 2);
        g_assert_cmpint(io(a, TIOCSBRK, NULL), ==, 0);         /* on until TIOCCBRK: no wait */
        g_assert_cmpint(io(a, TIOCCBRK, NULL), ==, 0);
        g_assert_cmpint(icount(a)->brk, ==, 3);
        g_assert_cmpint(value_io(a, TCSBRK, 1), ==, 0);      /* tcdrain() */
        g_assert_cmpint(icount(a)->brk, ==, 3);
}

static gboolean ticks(gpointer data)
{
        return G_SOURCE_CONTINUE;
}

/* TIOCMIWAIT: parked until a line asked for changes (uart_wait_modem_status) */
static void test_modem_wait(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a;
        GVariant *(*b)(gboolean) = g_variant_new_boolean;

        /* a change before the call does not count: the counters at its start do */
        g_assert_cmpint(state_set(a, "far/cts", b(TRUE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);
        g_assert_true(ck_loopback_waiting(a->lb));
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);   /* nothing changed yet */
        g_assert_cmpint(state_set(a, "far/dsr", b(TRUE)), ==, 0);            /* not asked for */
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/cts", b(FALSE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, 0);
        g_assert_false(ck_loopback_waiting(a->lb));
        /* several lines: any of them; RI counts on its trailing edge only */
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_RNG | TIOCM_CD), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/ri", b(TRUE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_RNG | TIOCM_CD), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/ri", b(FALSE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_RNG | TIOCM_CD), ==, 0);
        /* a change between two looks is seen even when the line is back (the counter moved) */
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CD), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/dcd", b(TRUE)), ==, 0);
        g_assert_cmpint(state_set(a, "far/dcd", b(FALSE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CD), ==, 0);
        /* a signal ends the wait; the next call starts afresh */
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_DSR), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/dsr", b(FALSE)), ==, 0);
        ck_loopback_cancel(a->lb);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_DSR), ==, -EAGAIN);
        /* another call of the thread ends it too */
        g_assert_cmpint(io(a, TIOCMGET, &a->mem->i), ==, 0);
        g_assert_false(ck_loopback_waiting(a->lb));
        /* no line asked for: waits for ever (until a signal), as the kernel's */
        g_assert_cmpint(value_io(a, TIOCMIWAIT, 0), ==, -EAGAIN);
        g_assert_cmpint(state_set(a, "far/cts", b(TRUE)), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, 0), ==, -EAGAIN);
        ck_loopback_cancel(a->lb);
        /* O_NONBLOCK does not make it fail with EAGAIN: it waits all the same */
        struct ck_loopback *nb = NULL;
        g_assert_cmpint(ck_loopback_new(a->dev, O_NONBLOCK, &nb), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(nb, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);
        g_assert_true(ck_loopback_waiting(nb));
        g_assert_cmpint(state_set(a, "far/cts", b(FALSE)), ==, 0);
        g_assert_cmpint(ck_loopback_ioctl(nb, TIOCMIWAIT, TIOCM_CTS), ==, 0);
        ck_loopback_free(nb);
}

/* Across a pair: the peer's RTS is our CTS, its DTR our DSR and DCD. */
static void test_pair_modem_wait(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;

        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);
        g_assert_cmpint(mset(b, TIOCMBIC, TIOCM_DTR), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, -EAGAIN);
        g_assert_cmpint(mset(b, TIOCMBIC, TIOCM_RTS), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_CTS), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_DSR), ==, -EAGAIN);
        g_assert_cmpint(mset(b, TIOCMBIS, TIOCM_DTR), ==, 0);
        g_assert_cmpint(value_io(a, TIOCMIWAIT, TIOCM_DSR), ==, 0);
}

static int outq(struct end *e)
{
        g_assert_cmpint(io(e, TIOCOUTQ, &e->mem->i), ==, 0);
        return e->mem->i;
}

static void set_frame(struct end *e, speed_t baud, tcflag_t frame)
{
        struct termios2 *t = get2(e);

        t->c_cflag = (t->c_cflag & ~(CBAUD | CSIZE | PARENB | PARODD | CSTOPB)) | BOTHER | frame;
        t->c_ispeed = t->c_ospeed = baud;
        g_assert_cmpint(io(e, TCSETS2, t), ==, 0);
}

static double seconds_since(gint64 start)
{
        return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* Bytes leave one character time apart: TIOCOUTQ counts what has not,
 * tcdrain() and TCSETSW wait for it, write() stops at a full buffer. */
static void test_transmission_time(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[512];

        make_raw(a, B19200);
        make_raw(b, B19200);
        set_cc(b, 0, 0);
        /* 192 bytes at 19200 8N1 (10 bits each): 0.1 s */
        memset(buf, 'u', 192);
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(ck_loopback_write(a->lb, buf, 192), ==, 192);
        g_assert_cmpint(outq(a), ==, 192);                     /* nothing has left yet */
        g_assert_cmpint(io(b, TIOCINQ, &b->mem->i), ==, 0);
        g_assert_cmpint(b->mem->i, ==, 0);
        g_assert_cmpint(io(a, TIOCSERGETLSR, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 0);                     /* the transmitter is busy */
        /* tcdrain(): waits (even with O_NONBLOCK's help: nothing to fail) */
        g_assert_cmpint(value_io(a, TCSBRK, 1), ==, -EAGAIN);
        g_assert_true(ck_loopback_waiting(a->lb));
        int seen = 192;
        bool dropped = false;
        g_autofree char *got = g_malloc0(4096);
        while (value_io(a, TCSBRK, 1) == -EAGAIN) {
                g_main_context_iteration(NULL, TRUE);
                int q = outq(a);
                g_assert_cmpint(q, <=, seen);
                dropped |= q > 0 && q < 192;
                seen = q;
                g_assert_cmpfloat(seconds_since(start), <, 10);
        }
        g_assert_cmpfloat(seconds_since(start), >=, 0.09);
        g_assert_true(dropped);                                /* the queue went down by degrees */
        g_assert_cmpint(outq(a), ==, 0);
        g_assert_cmpint(ck_loopback_read(b->lb, got, 4096), ==, 192);
        g_assert_cmpint(icount(a)->tx, ==, 192);

        /* 8E2: 12 bits a character, 20 % longer: 160 bytes at 19200, 0.1 s */
        set_frame(a, 19200, CS8 | PARENB | CSTOPB);
        set_frame(b, 19200, CS8 | PARENB | CSTOPB);
        start = g_get_monotonic_time();
        g_assert_cmpint(ck_loopback_write(a->lb, buf, 160), ==, 160);
        g_assert_cmpint(io_wait(a, TCSBRK, 1), ==, 0);
        g_assert_cmpfloat(seconds_since(start), >=, 0.09);
        g_assert_cmpint(ck_loopback_read(b->lb, got, 4096), ==, 160);

        /* TCSETSW: the new settings once the output has left; TCSETS at once */
        g_assert_cmpint(ck_loopback_write(a->lb, buf, 40), ==, 40);
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        a->mem->t.c_cc[VMIN] = 9;
        g_assert_cmpint(io(a, TCSETSW, &a->mem->t), ==, -EAGAIN);
        g_assert_cmpuint(get2(a)->c_cc[VMIN], ==, 1);          /* not yet */
        g_assert_cmpint(io_wait(a, TCSETSW, (uint64_t)(uintptr_t)&a->mem->t), ==, 0);
        g_assert_cmpint(outq(a), ==, 0);
        g_assert_cmpuint(get2(a)->c_cc[VMIN], ==, 9);
        /* TCSETSF: waits, then drops the input */
        g_assert_cmpint(ck_loopback_write(b->lb, buf, 20), ==, 20);
        settle();
        g_assert_cmpint(ck_loopback_write(a->lb, buf, 20), ==, 20);
        g_assert_cmpint(io(a, TCGETS, &a->mem->t), ==, 0);
        g_assert_cmpint(io(a, TCSETSF, &a->mem->t), ==, -EAGAIN);
        g_assert_cmpint(io(a, TIOCINQ, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 20);                    /* not dropped yet */
        g_assert_cmpint(io_wait(a, TCSETSF, (uint64_t)(uintptr_t)&a->mem->t), ==, 0);
        g_assert_cmpint(io(a, TIOCINQ, &a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 0);
        (void)ck_loopback_read(b->lb, got, 4096);

        /* write(): the serial core's 4096-byte buffer takes what fits, the
         * blocking writer waits for room for the rest; a signal then ends it
         * with the count taken (n_tty_write()), or EINTR before any byte */
        make_raw(a, B1200);
        g_autofree char *big = g_malloc0(5000);
        g_assert_cmpint(ck_loopback_write(a->lb, big, 5000), ==, -EAGAIN);
        g_assert_true(ck_loopback_waiting(a->lb));
        g_assert_cmpint(ck_loopback_interrupt(a->lb), ==, 4096);
        g_assert_cmpint(outq(a), ==, 4096);
        g_assert_cmpint(ck_loopback_write(a->lb, big, 10), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_interrupt(a->lb), ==, -EINTR);
        g_assert_cmpint(outq(a), ==, 4096);
        g_assert_cmpuint(ck_loopback_poll(a->lb) & POLLOUT, ==, 0);
        /* O_NONBLOCK: what fits, then EAGAIN */
        struct ck_loopback *nb = NULL;
        g_assert_cmpint(ck_loopback_new(a->dev, O_RDWR | O_NONBLOCK, &nb), ==, 0);
        g_assert_cmpint(ck_loopback_write(nb, big, 10), ==, -EAGAIN);
        g_assert_false(ck_loopback_waiting(nb));
        g_assert_cmpint(value_io(a, TCFLSH, TCOFLUSH), ==, 0);
        g_assert_cmpint(ck_loopback_write(nb, big, 5000), ==, 4096);
        ck_loopback_free(nb);
        g_assert_cmpint(value_io(a, TCFLSH, TCOFLUSH), ==, 0);
        g_assert_cmpint(outq(a), ==, 0);
        g_assert_cmpuint(ck_loopback_poll(a->lb) & POLLOUT, ==, POLLOUT);
        g_assert_cmpint(ck_loopback_write(a->lb, big, 10), ==, 10);
        /* output stopped: tcdrain() waits until it restarts */
        g_assert_cmpint(value_io(a, TCFLSH, TCOFLUSH), ==, 0);
        make_raw(a, B115200);
        g_assert_cmpint(value_io(a, TCXONC, TCOOFF), ==, 0);
        g_assert_cmpint(ck_loopback_write(a->lb, big, 10), ==, 10);
        g_assert_cmpint(value_io(a, TCSBRK, 1), ==, -EAGAIN);
        guint tick = g_timeout_add(5, ticks, NULL);
        for (int i = 0; i < 5; i++)
                g_main_context_iteration(NULL, TRUE);
        g_source_remove(tick);
        g_assert_cmpint(value_io(a, TCSBRK, 1), ==, -EAGAIN);
        g_assert_cmpint(outq(a), ==, 10);
        g_assert_cmpint(value_io(a, TCXONC, TCOON), ==, 0);
        g_assert_cmpint(io_wait(a, TCSBRK, 1), ==, 0);
        settle();
        (void)ck_loopback_read(b->lb, got, 4096);
        /* a break (TCSBRK 0) goes after what was written */
        set_frame(a, 115200, CS8);
        set_frame(b, 115200, CS8);
        g_assert_cmpint(ck_loopback_write(a->lb, "ab", 2), ==, 2);
        start = g_get_monotonic_time();
        g_assert_cmpint(value_io(a, TCSBRK, 0), ==, -EAGAIN);
        g_assert_cmpint(icount(b)->brk, ==, 0);                /* b's own open: a's call goes on */
        g_assert_cmpint(io_wait(a, TCSBRK, 0), ==, 0);
        g_assert_cmpfloat(seconds_since(start), >=, 0.24);
        g_assert_cmpint(icount(b)->brk, ==, 1);
        g_assert_cmpint(ck_loopback_read(b->lb, got, 4096), ==, 3);
        g_assert_cmpmem(got, 3, "ab\0", 3);
}

/* Runs the main loop for @ms without a call on any port. */
static void run_for(unsigned ms)
{
        gint64 end = g_get_monotonic_time() + ms * 1000;
        guint tick = g_timeout_add(5, ticks, NULL);

        while (g_get_monotonic_time() < end)
                g_main_context_iteration(NULL, TRUE);
        g_source_remove(tick);
}

/* A break holds the line in the spacing state (break_ctl()): bytes written
 * meanwhile wait in the buffer (TIOCOUTQ) and go when it ends. */
static void test_break_holds_line(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char got[64] = "";

        make_raw(a, B115200);
        make_raw(b, B115200);
        set_cc(b, 0, 0);
        /* TIOCSBRK until TIOCCBRK */
        g_assert_cmpint(io(a, TIOCSBRK, NULL), ==, 0);
        g_assert_cmpint(ck_loopback_write(a->lb, "xy", 2), ==, 2);
        run_for(50);                                           /* 2 bytes take 0.2 ms */
        g_assert_cmpint(outq(a), ==, 2);
        g_assert_cmpint(ck_loopback_read(b->lb, got, sizeof(got)), ==, 1);
        g_assert_cmpint(got[0], ==, 0);                        /* the break alone */
        g_assert_cmpint(io(a, TIOCCBRK, NULL), ==, 0);
        settle();
        g_assert_cmpint(outq(a), ==, 0);
        g_assert_cmpint(ck_loopback_read(b->lb, got, sizeof(got)), ==, 2);
        g_assert_cmpmem(got, 2, "xy", 2);

        /* TCSBRK 0 (250 ms): another open's write waits for its end */
        struct ck_loopback *a2 = NULL;
        g_assert_cmpint(ck_loopback_new(a->dev, O_RDWR, &a2), ==, 0);
        ck_loopback_expose(a2, a->mem, sizeof(*a->mem));
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(value_io(a, TCSBRK, 0), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_write(a2, "cd", 2), ==, 2);
        run_for(100);
        g_assert_cmpint(ck_loopback_ioctl(a2, TIOCOUTQ, (uint64_t)(uintptr_t)&a->mem->i), ==, 0);
        g_assert_cmpint(a->mem->i, ==, 2);
        g_assert_cmpint(ck_loopback_read(b->lb, got, sizeof(got)), ==, 1);
        g_assert_cmpint(io_wait(a, TCSBRK, 0), ==, 0);
        g_assert_cmpfloat(seconds_since(start), >=, 0.24);
        settle();
        g_assert_cmpint(ck_loopback_read(b->lb, got, sizeof(got)), ==, 2);
        g_assert_cmpmem(got, 2, "cd", 2);

        /* TCSBRKP 1 (100 ms) interrupted: the break still ends on time */
        g_assert_cmpint(value_io(a, TCSBRKP, 1), ==, -EAGAIN);
        g_assert_cmpint(ck_loopback_interrupt(a->lb), ==, -EINTR);
        g_assert_cmpint(ck_loopback_write(a2, "e", 1), ==, 1);
        settle();
        g_assert_cmpint(ck_loopback_read(b->lb, got, sizeof(got)), ==, 2);
        g_assert_cmpmem(got, 2, "\0e", 2);
        ck_loopback_free(a2);
}

/* A blocking write larger than the serial core's buffer returns its whole
 * size in one call, once the last byte is queued: the time the bytes past
 * the first 4096 take on the line. */
static void test_blocking_write(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        enum { SIZE = 9000 };
        g_autofree char *out = g_malloc(SIZE);
        g_autofree char *in = g_malloc0(SIZE + 1);
        size_t got = 0;

        make_raw(a, B115200);
        make_raw(b, B115200);
        set_cc(b, 0, 0);
        /* RTS/CTS: a reader the machine's load holds up overruns nothing (the
         * serial core's 4096 bytes, sent at once after a stall, are one more
         * than N_TTY keeps) */
        set_crtscts(a, true);
        set_crtscts(b, true);
        for (size_t i = 0; i < SIZE; i++)
                out[i] = (char)('a' + i % 26);
        gint64 start = g_get_monotonic_time();
        ssize_t r;
        while ((r = ck_loopback_write(a->lb, out, SIZE)) == -EAGAIN && ck_loopback_waiting(a->lb)) {
                g_assert_cmpfloat(seconds_since(start), <, 10);
                g_main_context_iteration(NULL, TRUE);
                ssize_t n = ck_loopback_read(b->lb, in + got, SIZE - got);
                if (n > 0)
                        got += (size_t)n;
        }
        double s = seconds_since(start);
        g_assert_cmpint(r, ==, SIZE);
        g_test_message("%d bytes at 115200 8N1: write() returned after %.3f s", SIZE, s);
        g_assert_cmpfloat(s, >=, (SIZE - 4096) / 11520.0 * 0.95);   /* 0.43 s */
        g_assert_cmpfloat(s, <, 5.0);
        /* the rest, read as it arrives (b's RTS holds a back while b is full) */
        for (;;) {
                ssize_t n = ck_loopback_read(b->lb, in + got, SIZE - got);
                got += n > 0 ? (size_t)n : 0;
                if (got == SIZE)
                        break;
                g_assert_cmpfloat(seconds_since(start), <, 10);
                g_main_context_iteration(NULL, TRUE);
        }
        g_assert_cmpint(io_wait(a, TCSBRK, 1), ==, 0);
        g_assert_cmpuint(got, ==, SIZE);
        g_assert_cmpmem(in, SIZE, out, SIZE);
}

/* The one measurement: 9600 8N1 moves about 960 bytes a second. */
static void test_throughput(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[480];

        make_raw(a, B9600);
        make_raw(b, B9600);
        set_cc(b, 0, 0);
        memset(buf, 'z', sizeof(buf));
        gint64 start = g_get_monotonic_time();
        g_assert_cmpint(ck_loopback_write(a->lb, buf, sizeof(buf)), ==, (int)sizeof(buf));
        g_assert_cmpint(io_wait(a, TCSBRK, 1), ==, 0);
        double s = seconds_since(start);
        g_assert_cmpint(ck_loopback_read(b->lb, buf, sizeof(buf)), ==, (int)sizeof(buf));
        g_test_message("480 bytes at 9600 8N1: %.3f s (%.0f B/s)", s, 480 / s);
        g_assert_cmpfloat(s, >=, 0.45);   /* 0.5 s */
        g_assert_cmpfloat(s, <, 3.0);     /* generous: a loaded machine */
}

/* The two ends disagree: rates more than 5 % apart, other data or stop bits
 * garble bytes into framing errors, another parity makes parity errors. */
static void test_mismatch(struct fixture *fx, gconstpointer data)
{
        struct end *a = &fx->a, *b = &fx->b;
        char buf[64];

        make_raw(a, B115200);
        make_raw(b, B115200);
        set_cc(b, 0, 0);
        /* 3 % apart: a UART copes */
        set_frame(b, 111800, CS8);
        g_assert_cmpint(put(a, "ok"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 2);
        g_assert_cmpstr(buf, ==, "ok");
        g_assert_cmpint(icount(b)->frame, ==, 0);
        /* 9600 against 115200: every byte a framing error, the value garbage;
         * INPCK|PARMRK marks each (\377 \0 byte) */
        make_raw(b, B9600);
        g_assert_cmpint(io(b, TCGETS, &b->mem->t), ==, 0);
        b->mem->t.c_iflag |= INPCK | PARMRK;
        g_assert_cmpint(io(b, TCSETS, &b->mem->t), ==, 0);
        set_cc(b, 0, 0);
        g_assert_cmpint(put(a, "abc"), ==, 3);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 9);
        for (int i = 0; i < 3; i++) {
                g_assert_cmphex((unsigned char)buf[3 * i], ==, 0377);
                g_assert_cmphex(buf[3 * i + 1], ==, 0);
                g_assert_cmphex((unsigned char)buf[3 * i + 2], !=, (unsigned char)"abc"[i]);
        }
        struct serial_icounter_struct *ic = icount(b);
        g_assert_cmpint(ic->frame, ==, 3);
        g_assert_cmpint(ic->rx, ==, 5);
        /* the same rate, parity on one end only: parity errors; IGNPAR drops them */
        make_raw(b, B115200);
        set_cc(b, 0, 0);
        set_frame(a, 115200, CS8 | PARENB);
        g_assert_cmpint(io(b, TCGETS, &b->mem->t), ==, 0);
        b->mem->t.c_iflag |= INPCK;
        g_assert_cmpint(io(b, TCSETS, &b->mem->t), ==, 0);
        g_assert_cmpint(put(a, "pq"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "\0\0", 2);                    /* INPCK without PARMRK: NULs */
        g_assert_cmpint(icount(b)->parity, ==, 2);
        b->mem->t.c_iflag |= IGNPAR;
        g_assert_cmpint(io(b, TCSETS, &b->mem->t), ==, 0);
        g_assert_cmpint(put(a, "pq"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(icount(b)->parity, ==, 4);
        /* both even parity: clean again */
        set_frame(b, 115200, CS8 | PARENB);
        g_assert_cmpint(put(a, "pq"), ==, 2);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 2);
        g_assert_cmpstr(buf, ==, "pq");
        /* odd against even: parity errors */
        set_frame(b, 115200, CS8 | PARENB | PARODD);
        g_assert_cmpint(put(a, "p"), ==, 1);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 0);
        g_assert_cmpint(icount(b)->parity, ==, 5);
        /* 7 data bits against 8, and two stop bits against one: framing errors */
        int frames = icount(b)->frame;
        set_frame(a, 115200, CS7);
        set_frame(b, 115200, CS8);
        g_assert_cmpint(put(a, "x"), ==, 1);
        g_assert_cmpint(icount(b)->frame, ==, frames + 1);
        set_frame(a, 115200, CS8 | CSTOPB);
        g_assert_cmpint(put(a, "x"), ==, 1);
        g_assert_cmpint(icount(b)->frame, ==, frames + 2);
        /* 7 bits both ends: the eighth bit never travels */
        set_frame(a, 115200, CS7);
        set_frame(b, 115200, CS7);
        (void)get(b, buf, sizeof(buf));
        g_assert_cmpint(put(a, "\xc1"), ==, 1);
        g_assert_cmpint(get(b, buf, sizeof(buf)), ==, 1);
        g_assert_cmphex((unsigned char)buf[0], ==, 0x41);
        g_assert_cmpint(icount(b)->frame, ==, frames + 2);
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
        g_test_add("/tty/far/modem-wait", struct fixture, "alone", setup, test_modem_wait, teardown);
        g_test_add("/tty/pair/modem-wait", struct fixture, "pair", setup, test_pair_modem_wait, teardown);
        g_test_add("/tty/pair/transmission-time", struct fixture, "pair", setup, test_transmission_time, teardown);
        g_test_add("/tty/pair/blocking-write", struct fixture, "pair", setup, test_blocking_write, teardown);
        g_test_add("/tty/pair/break-holds-line", struct fixture, "pair", setup, test_break_holds_line, teardown);
        g_test_add("/tty/pair/throughput", struct fixture, "pair", setup, test_throughput, teardown);
        g_test_add("/tty/pair/mismatch", struct fixture, "pair", setup, test_mismatch, teardown);
        g_test_add_func("/tty/bad-params", test_bad_params);
        g_test_add_func("/tty/far-socket", test_far_socket);
        return g_test_run();
}
