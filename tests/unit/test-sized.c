/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rows whose size or nr the caller chooses, through the loopback transport
 * in both CUSE modes, on a device type of this test only: evdev's
 * EVIOCGNAME(len), EVIOCGBIT(ev, len) and EVIOCGABS(abs), checked against
 * <linux/input.h>, and one made-up read-write row of structs. */
#include "loopback.h"
#include "pipeline.h"

#include <cusekit/device.h>

#include <errno.h>
#include <linux/input.h>
#include <string.h>

struct t_pair {
        uint32_t a, b, sum;
};

#define T_NAME "cusekit sized rows"
#define T_BITS_MAX 96            /* (KEY_MAX + 1) / 8: this test's own limit */

#define T_EVDEV_IOCTLS(IOC, RAW)                                                                         \
        IOC(EVIOCGVERSION, IOR,                     'E', 0x01, OUT, int,                  FLAT, HONEST) \
        IOC(EVIOCGNAME,    IOR_N(_IOC_SIZEMASK),    'E', 0x06, OUT, char,                 FLAT, HONEST) \
        IOC(EVIOCGBIT,     IOR_AT_N(0x3f, T_BITS_MAX), 'E', 0x20, OUT, unsigned char,     FLAT, HONEST) \
        IOC(EVIOCGABS,     IOR_AT(0x7f),            'E', 0x40, OUT, struct input_absinfo, FLAT, HONEST)
#define T_IOCTLS(IOC, RAW)                                                                               \
        T_EVDEV_IOCTLS(IOC, RAW)                                                                         \
        IOC(T_SUM,         IOWR_N(8),               'E', 0xa0, INOUT, struct t_pair,      FLAT, HONEST)

CK_DECLARE_IOCTLS(T_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(T_EVDEV_IOCTLS)

CK_IOCTL_TABLE(t_ioctls, T_IOCTLS);

static int handle_EVIOCGVERSION(struct ck_call *c, int *out)
{
        *out = EV_VERSION;
        return 0;
}

/* evdev's str_to_user(): as much of the name as fits, its length back. */
static int handle_EVIOCGNAME(struct ck_call *c, char *out)
{
        unsigned n = MIN(ck_call_count(c), (unsigned)sizeof(T_NAME));

        memcpy(out, T_NAME, n);
        ck_call_set_output_len(c, n);
        return (int)n;
}

/* Event type ev's bitmap: bit i set for every i that is a multiple of ev + 1. */
static int handle_EVIOCGBIT(struct ck_call *c, unsigned char *out)
{
        unsigned ev = ck_call_index(c), n = ck_call_count(c);

        for (unsigned bit = 0; bit < n * 8; bit++)
                if (bit % (ev + 1) == 0)
                        out[bit / 8] |= (unsigned char)(1u << (bit % 8));
        return (int)n;
}

static int handle_EVIOCGABS(struct ck_call *c, struct input_absinfo *out)
{
        *out = (struct input_absinfo){ .value = (int)ck_call_index(c) * 10, .maximum = 1023 };
        return 0;
}

static int validate_T_SUM(struct ck_call *c, const struct ck_untrusted *u, struct t_pair *ret)
{
        unsigned n = ck_call_count(c);

        g_assert_cmpuint(ck_untrusted_size(u), ==, n * sizeof(struct t_pair));
        return ck_untrusted_copy(u, ret, n * sizeof(struct t_pair));
}

static int handle_T_SUM(struct ck_call *c, struct t_pair *io)
{
        unsigned n = ck_call_count(c);

        for (unsigned i = 0; i < n; i++)
                io[i].sum = io[i].a + io[i].b;
        return (int)n;
}

static const struct ck_device_type t_type = {
        .name = "test-sized",
        .summary = "rows whose size or nr is the caller's",
        .ioctls = t_ioctls,
        .n_ioctls = G_N_ELEMENTS(t_ioctls),
};
CK_DEVICE_TYPE_REGISTER(t_type);

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct {
                char name[64];
                unsigned char bits[T_BITS_MAX + 8];
                struct input_absinfo abs;
                struct t_pair pairs[9];
                int version;
        } *mem;
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_device_new("test-sized", "sized0", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        /* the fixture runs once per mode */
        ck_loopback_set_unrestricted(fx->lb, GPOINTER_TO_INT(data));
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int lb_ioctl(struct fixture *fx, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static void test_numbers(void)
{
        const struct ck_type_index *t = ck_registry_find("test-sized");

        g_assert_cmphex(CK_REQUEST_N(EVIOCGNAME, 64), ==, EVIOCGNAME(64));
        g_assert_cmphex(CK_REQUEST_AT_N(EVIOCGBIT, EV_KEY, 96), ==, EVIOCGBIT(EV_KEY, 96));
        g_assert_cmphex(CK_REQUEST_AT_N(EVIOCGABS, ABS_Y, 1), ==, EVIOCGABS(ABS_Y));
        g_assert_cmphex(CK_REQUEST(EVIOCGNAME), ==, EVIOCGNAME(0));
        /* the lookup: direction, group and nr range; any size for a sized row */
        g_assert_true(ck_type_index_lookup(t, EVIOCGNAME(1)) == ck_type_index_lookup(t, EVIOCGNAME(4000)));
        g_assert_cmpstr(ck_type_index_lookup(t, EVIOCGBIT(0x1f, 3))->name, ==, "EVIOCGBIT");
        g_assert_cmpstr(ck_type_index_lookup(t, EVIOCGABS(ABS_MAX))->name, ==, "EVIOCGABS");
        g_assert_null(ck_type_index_lookup(t, _IOC(_IOC_WRITE, 'E', 0x06, 64)));      /* other direction */
        g_assert_null(ck_type_index_lookup(t, _IOC(_IOC_READ, 'F', 0x06, 64)));       /* other group */
        g_assert_null(ck_type_index_lookup(t, _IOC(_IOC_READ, 'E', 0x07, 64)));       /* other nr */
        g_assert_null(ck_type_index_lookup(t, _IOR('E', 0x40, int)));                 /* a fixed size, not it */
        g_assert_null(ck_type_index_lookup(t, _IOC(_IOC_READ, 'E', 0x80, sizeof(struct input_absinfo))));
        /* every row flat and honest: restricted CUSE mode carries them all */
        g_assert_false(t->unrestricted);
        g_assert_cmpuint(t_ioctls[1].count_max, ==, _IOC_SIZEMASK);
        g_assert_cmpuint(t_ioctls[2].nr_span, ==, 0x1f);
}

static void test_name(struct fixture *fx, gconstpointer data)
{
        memset(fx->mem->name, 'x', sizeof(fx->mem->name));
        g_assert_cmpint(lb_ioctl(fx, EVIOCGNAME(sizeof(fx->mem->name)), fx->mem->name), ==, sizeof(T_NAME));
        g_assert_cmpstr(fx->mem->name, ==, T_NAME);
        /* the handler copied its length only (ck_call_set_output_len()): the rest is the client's */
        for (size_t i = sizeof(T_NAME); i < sizeof(fx->mem->name); i++)
                g_assert_cmpint(fx->mem->name[i], ==, 'x');
        /* a short buffer gets what fits, no more */
        memset(fx->mem->name, 'x', sizeof(fx->mem->name));
        g_assert_cmpint(lb_ioctl(fx, EVIOCGNAME(4), fx->mem->name), ==, 4);
        g_assert_cmpmem(fx->mem->name, 5, "cusex", 5);
        /* count 0: nothing flows, not even a round */
        g_assert_cmpint(lb_ioctl(fx, EVIOCGNAME(0), NULL), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        g_assert_cmpint(lb_ioctl(fx, EVIOCGVERSION, &fx->mem->version), ==, 0);
        g_assert_cmphex(fx->mem->version, ==, EV_VERSION);
}

static void test_index_and_count(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(lb_ioctl(fx, EVIOCGBIT(2, 4), fx->mem->bits), ==, 4);
        /* bits 0, 3, 6, ..., 30 */
        g_assert_cmphex(fx->mem->bits[0], ==, 0x49);
        g_assert_cmphex(fx->mem->bits[1], ==, 0x92);
        g_assert_cmphex(fx->mem->bits[4], ==, 0);     /* past the count: untouched */
        g_assert_cmpint(lb_ioctl(fx, EVIOCGBIT(0x1f, T_BITS_MAX), fx->mem->bits), ==, T_BITS_MAX);
        g_assert_cmphex(fx->mem->bits[4], ==, 0x01);   /* bit 32 */
        g_assert_cmpint(lb_ioctl(fx, EVIOCGBIT(0, T_BITS_MAX + 1), fx->mem->bits), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, EVIOCGABS(ABS_MAX), &fx->mem->abs), ==, 0);
        g_assert_cmpint(fx->mem->abs.value, ==, ABS_MAX * 10);
        g_assert_cmpint(fx->mem->abs.maximum, ==, 1023);
        g_assert_cmpint(lb_ioctl(fx, _IOC(_IOC_READ, 'E', 0x41, 4), &fx->mem->abs), ==, -ENOTTY);
}

static void test_read_write_structs(struct fixture *fx, gconstpointer data)
{
        for (unsigned i = 0; i < 8; i++)
                fx->mem->pairs[i] = (struct t_pair){ .a = i, .b = 100 * i };
        fx->mem->pairs[8] = (struct t_pair){ .a = 1, .b = 1, .sum = 77 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST_N(T_SUM, 8), fx->mem->pairs), ==, 8);
        for (unsigned i = 0; i < 8; i++)
                g_assert_cmpuint(fx->mem->pairs[i].sum, ==, 101 * i);
        g_assert_cmpuint(fx->mem->pairs[8].sum, ==, 77);
        /* more than K, or not a whole number of structs: EINVAL */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST_N(T_SUM, 9), fx->mem->pairs), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, _IOC(_IOC_READ | _IOC_WRITE, 'E', 0xa0, 13), fx->mem->pairs), ==, -EINVAL);
        /* memory the client does not have */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST_N(T_SUM, 2), (char *)fx->mem + sizeof(*fx->mem) - 4), ==, -EFAULT);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sized/numbers-and-lookup", test_numbers);
        for (int unrestricted = 0; unrestricted <= 1; unrestricted++) {
                const char *mode = unrestricted ? "unrestricted" : "restricted";
                g_autofree char *p1 = g_strdup_printf("/sized/%s/name", mode);
                g_autofree char *p2 = g_strdup_printf("/sized/%s/index-and-count", mode);
                g_autofree char *p3 = g_strdup_printf("/sized/%s/read-write-structs", mode);
                g_test_add(p1, struct fixture, GINT_TO_POINTER(unrestricted), setup, test_name, teardown);
                g_test_add(p2, struct fixture, GINT_TO_POINTER(unrestricted), setup, test_index_and_count, teardown);
                g_test_add(p3, struct fixture, GINT_TO_POINTER(unrestricted), setup, test_read_write_structs,
                           teardown);
        }
        return g_test_run();
}
