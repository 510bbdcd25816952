/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gpio chip through the loopback transport: chip and line info, line
 * requests as files of their own (ck_call_new_file), their values and
 * config, edge events, EBUSY, the kernel's errnos, and what a transport
 * that cannot create descriptors (CUSE) gets. */
#include "gpio/gpio-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

struct mem {
        struct gpiochip_info chip;
        struct gpioline_info line;
        struct gpiohandle_request handle;
        struct gpioevent_request event;
        struct gpiohandle_data data;
        struct gpiohandle_config config;
        __u32 offset;
};

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct mem *mem;
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;

        g_hash_table_insert(params, (gpointer) "lines", (gpointer) "8");
        g_hash_table_insert(params, (gpointer) "names", (gpointer) "reset:led");
        g_hash_table_insert(params, (gpointer) "wire", (gpointer) "6:7");
        g_assert_cmpint(ck_device_new("gpio", "gpiochip7", params, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        g_assert_cmpint(ck_loopback_new(fx->dev, O_RDWR, &fx->lb), ==, 0);
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int ioc(struct ck_loopback *lb, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

/* The external level of a line, as `cusekit set gpiochip7 line/N` sets it. */
static void set_line(struct ck_device *d, unsigned offset, gboolean level)
{
        g_autofree char *name = g_strdup_printf("line/%u", offset);

        for (guint i = 0; i < d->state->len; i++) {
                const struct ck_state_var *v = &g_array_index(d->state, struct ck_state_var, i);
                if (strcmp(v->name, name) == 0) {
                        g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_new_boolean(level));
                        g_assert_cmpint(v->set(d, v->userdata, value, NULL), ==, 0);
                        return;
                }
        }
        g_assert_not_reached();
}

static struct gpioline_info *line_info(struct fixture *fx, unsigned offset)
{
        memset(&fx->mem->line, 0, sizeof(fx->mem->line));
        fx->mem->line.line_offset = offset;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_IOCTL, &fx->mem->line), ==, 0);
        return &fx->mem->line;
}

static void test_info(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_CHIPINFO_IOCTL, &fx->mem->chip), ==, 0);
        g_assert_cmpstr(fx->mem->chip.name, ==, "gpiochip7");
        g_assert_cmpstr(fx->mem->chip.label, ==, "cusekit-gpio");
        g_assert_cmpuint(fx->mem->chip.lines, ==, 8);

        struct gpioline_info *li = line_info(fx, 1);
        g_assert_cmpuint(li->line_offset, ==, 1);
        g_assert_cmpstr(li->name, ==, "led");
        g_assert_cmpstr(li->consumer, ==, "");
        g_assert_cmphex(li->flags, ==, 0);
        g_assert_cmpstr(line_info(fx, 5)->name, ==, "");

        /* gpiochip_get_desc()'s range check; the driver's default for unknown numbers */
        fx->mem->line.line_offset = 8;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_IOCTL, &fx->mem->line), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, _IOR(0xB4, 0x30, int), &fx->mem->offset), ==, -EINVAL);
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_CHIPINFO_IOCTL, (void *)8), ==, -EFAULT);
}

static struct ck_loopback *request_lines(struct fixture *fx, __u32 flags, const char *label, unsigned n,
                                         const __u32 *offsets, const __u8 *values, int expect)
{
        struct gpiohandle_request *rq = &fx->mem->handle;
        struct ck_loopback *h = NULL;

        memset(rq, 0, sizeof(*rq));
        rq->flags = flags;
        rq->lines = n;
        g_strlcpy(rq->consumer_label, label, sizeof(rq->consumer_label));
        for (unsigned i = 0; i < n; i++) {
                rq->lineoffsets[i] = offsets[i];
                rq->default_values[i] = values ? values[i] : 0;
        }
        rq->fd = -1;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEHANDLE_IOCTL, rq), ==, expect);
        if (expect < 0)
                return NULL;
        g_assert_cmpint(rq->fd, >=, 1000);
        g_assert_cmpint(ck_loopback_take_file(fx->lb, rq->fd, &h), ==, 0);
        ck_loopback_expose(h, fx->mem, sizeof(*fx->mem));
        return h;
}

static void test_handle(struct fixture *fx, gconstpointer data)
{
        const __u32 offsets[] = { 1, 2 };
        const __u8 values[] = { 1, 0 };
        g_autoptr(ck_loopback) h = request_lines(fx, GPIOHANDLE_REQUEST_OUTPUT, "blink", 2, offsets, values, 0);

        struct gpioline_info *li = line_info(fx, 1);
        g_assert_cmpstr(li->consumer, ==, "blink");
        g_assert_cmphex(li->flags, ==, GPIOLINE_FLAG_KERNEL | GPIOLINE_FLAG_IS_OUT);

        g_assert_cmpint(ioc(h, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpuint(fx->mem->data.values[0], ==, 1);
        g_assert_cmpuint(fx->mem->data.values[1], ==, 0);
        memset(&fx->mem->data, 0, sizeof(fx->mem->data));
        fx->mem->data.values[0] = 0;
        fx->mem->data.values[1] = 7;          /* clamped to 1 */
        g_assert_cmpint(ioc(h, GPIOHANDLE_SET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpint(ioc(h, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpuint(fx->mem->data.values[0], ==, 0);
        g_assert_cmpuint(fx->mem->data.values[1], ==, 1);

        /* requested lines are busy, for every open; free ones are not */
        const __u32 one[] = { 2 };
        g_assert_null(request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 1, one, NULL, -EBUSY));
        const __u32 dup[] = { 3, 3 };
        g_assert_null(request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 2, dup, NULL, -EBUSY));
        g_assert_cmphex(line_info(fx, 3)->flags, ==, 0);     /* the failed request let 3 go */

        /* back to inputs, active low: values are logical */
        memset(&fx->mem->config, 0, sizeof(fx->mem->config));
        fx->mem->config.flags = GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW;
        g_assert_cmpint(ioc(h, GPIOHANDLE_SET_CONFIG_IOCTL, &fx->mem->config), ==, 0);
        g_assert_cmphex(line_info(fx, 2)->flags, ==, GPIOLINE_FLAG_KERNEL | GPIOLINE_FLAG_ACTIVE_LOW);
        set_line(fx->dev, 2, TRUE);
        g_assert_cmpint(ioc(h, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpuint(fx->mem->data.values[0], ==, 1);    /* low, active low */
        g_assert_cmpuint(fx->mem->data.values[1], ==, 0);
        /* inputs cannot be set; a config must name a direction */
        g_assert_cmpint(ioc(h, GPIOHANDLE_SET_LINE_VALUES_IOCTL, &fx->mem->data), ==, -EPERM);
        fx->mem->config.flags = GPIOHANDLE_REQUEST_ACTIVE_LOW;
        g_assert_cmpint(ioc(h, GPIOHANDLE_SET_CONFIG_IOCTL, &fx->mem->config), ==, -EINVAL);
        g_assert_cmpint(ioc(h, GPIO_GET_CHIPINFO_IOCTL, &fx->mem->chip), ==, -EINVAL);   /* not the chip's */
        /* a handle has no read(): vfs_read()'s EINVAL */
        char buf[16];
        g_assert_cmpint(ck_loopback_read(h, buf, sizeof(buf)), ==, -EINVAL);

        /* closing the request frees its lines and their flags, not the direction */
        g_clear_pointer(&h, ck_loopback_free);
        li = line_info(fx, 1);
        g_assert_cmpstr(li->consumer, ==, "");
        g_assert_cmphex(li->flags, ==, 0);
        g_autoptr(ck_loopback) again = request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 1, one, NULL, 0);
        g_assert_cmpstr(line_info(fx, 2)->consumer, ==, "?");   /* no label: gpiod_request_commit()'s "?" */
}

static void test_handle_errors(struct fixture *fx, gconstpointer data)
{
        const __u32 ok[] = { 0 }, bad[] = { 8 };

        /* linehandle_validate_flags() */
        static const __u32 invalid[] = {
                GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OUTPUT,
                GPIOHANDLE_REQUEST_OUTPUT | GPIOHANDLE_REQUEST_OPEN_DRAIN | GPIOHANDLE_REQUEST_OPEN_SOURCE,
                GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OPEN_DRAIN,
                GPIOHANDLE_REQUEST_BIAS_PULL_UP,
                GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_BIAS_PULL_UP | GPIOHANDLE_REQUEST_BIAS_PULL_DOWN,
                GPIOHANDLE_REQUEST_INPUT | (1u << 8),
        };
        for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++)
                g_assert_null(request_lines(fx, invalid[i], "", 1, ok, NULL, -EINVAL));
        g_assert_null(request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 1, bad, NULL, -EINVAL));
        g_assert_null(request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 0, ok, NULL, -EINVAL));
        fx->mem->handle.lines = GPIOHANDLES_MAX + 1;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEHANDLE_IOCTL, &fx->mem->handle), ==, -EINVAL);
        g_assert_cmphex(line_info(fx, 0)->flags, ==, 0);

        /* a request the kernel cannot read: EFAULT, nothing requested */
        g_autofree struct gpiohandle_request *rq = g_malloc0(sizeof(*rq));
        rq->lines = 1;
        rq->flags = GPIOHANDLE_REQUEST_INPUT;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEHANDLE_IOCTL, rq), ==, -EFAULT);
        g_assert_cmphex(line_info(fx, 0)->flags, ==, 0);
        g_assert_cmpstr(line_info(fx, 0)->consumer, ==, "");
        struct ck_loopback *none;
        g_assert_cmpint(ck_loopback_take_file(fx->lb, 1000, &none), ==, -EBADF);
}

static struct ck_loopback *request_event(struct fixture *fx, unsigned offset, __u32 hflags, __u32 eflags, int expect)
{
        struct gpioevent_request *rq = &fx->mem->event;
        struct ck_loopback *e = NULL;

        memset(rq, 0, sizeof(*rq));
        rq->lineoffset = offset;
        rq->handleflags = hflags;
        rq->eventflags = eflags;
        g_strlcpy(rq->consumer_label, "watch", sizeof(rq->consumer_label));
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEEVENT_IOCTL, rq), ==, expect);
        if (expect < 0)
                return NULL;
        g_assert_cmpint(ck_loopback_take_file(fx->lb, rq->fd, &e), ==, 0);
        ck_loopback_expose(e, fx->mem, sizeof(*fx->mem));
        return e;
}

static void test_events(struct fixture *fx, gconstpointer data)
{
        g_autoptr(ck_loopback) e = request_event(fx, 3, GPIOHANDLE_REQUEST_INPUT,
                                                 GPIOEVENT_REQUEST_RISING_EDGE | GPIOEVENT_REQUEST_FALLING_EDGE, 0);
        struct gpioevent_data ev[4];

        g_assert_cmpstr(line_info(fx, 3)->consumer, ==, "watch");
        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev)), ==, -EAGAIN);
        g_assert_cmpuint(ck_loopback_poll(e) & POLLIN, ==, 0);
        set_line(fx->dev, 3, TRUE);
        set_line(fx->dev, 3, TRUE);           /* no change, no edge */
        set_line(fx->dev, 3, FALSE);
        g_assert_cmpuint(ck_loopback_poll(e) & POLLIN, ==, POLLIN);
        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev[0]) - 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev)), ==, 2 * sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIOEVENT_EVENT_RISING_EDGE);
        g_assert_cmpuint(ev[1].id, ==, GPIOEVENT_EVENT_FALLING_EDGE);
        g_assert_cmpuint(ev[1].timestamp, >=, ev[0].timestamp);
        g_assert_cmpuint(ev[0].timestamp, >, 0);

        g_assert_cmpint(ioc(e, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpuint(fx->mem->data.values[0], ==, 0);
        g_assert_cmpint(ioc(e, GPIOHANDLE_SET_LINE_VALUES_IOCTL, &fx->mem->data), ==, -EINVAL);

        /* 16 queued at most; the rest are dropped */
        for (int i = 0; i < 20; i++)
                set_line(fx->dev, 3, i % 2 == 0);
        struct gpioevent_data many[32];
        g_assert_cmpint(ck_loopback_read(e, many, sizeof(many)), ==, 16 * sizeof(many[0]));

        /* lineevent_create()'s rules; a requested line is busy */
        g_assert_null(request_event(fx, 3, 0, GPIOEVENT_REQUEST_RISING_EDGE, -EBUSY));
        g_assert_null(request_event(fx, 4, GPIOHANDLE_REQUEST_OUTPUT, GPIOEVENT_REQUEST_RISING_EDGE, -EINVAL));
        g_assert_null(request_event(fx, 4, 0, 1u << 2, -EINVAL));
        g_assert_null(request_event(fx, 9, 0, GPIOEVENT_REQUEST_RISING_EDGE, -EINVAL));
}

/* An active-low line reports logical edges; a rising-only request only those. */
static void test_events_active_low(struct fixture *fx, gconstpointer data)
{
        g_autoptr(ck_loopback) e = request_event(fx, 4, GPIOHANDLE_REQUEST_ACTIVE_LOW, GPIOEVENT_REQUEST_RISING_EDGE, 0);
        struct gpioevent_data ev[4];

        set_line(fx->dev, 4, TRUE);           /* logical 1 -> 0: falling, not asked for */
        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev)), ==, -EAGAIN);
        set_line(fx->dev, 4, FALSE);          /* logical 0 -> 1 */
        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev)), ==, sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIOEVENT_EVENT_RISING_EDGE);
}

/* wire=6:7: the client's output 6 drives its own input 7. */
static void test_wire(struct fixture *fx, gconstpointer data)
{
        g_autoptr(ck_loopback) e = request_event(fx, 7, 0, GPIOEVENT_REQUEST_RISING_EDGE, 0);
        const __u32 six[] = { 6 };
        const __u8 high[] = { 1 };
        g_autoptr(ck_loopback) h = request_lines(fx, GPIOHANDLE_REQUEST_OUTPUT, "drv", 1, six, high, 0);
        struct gpioevent_data ev[2];

        g_assert_cmpint(ck_loopback_read(e, ev, sizeof(ev)), ==, sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIOEVENT_EVENT_RISING_EDGE);
        g_assert_cmpint(ioc(e, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, 0);
        g_assert_cmpuint(fx->mem->data.values[0], ==, 1);
}

/* GPIO_GET_LINEINFO_WATCH_IOCTL: requests and releases read from the node. */
static void test_watch(struct fixture *fx, gconstpointer data)
{
        struct gpioline_info_changed ch[4];

        fx->mem->line = (struct gpioline_info){ .line_offset = 5 };
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_WATCH_IOCTL, &fx->mem->line), ==, 0);
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_WATCH_IOCTL, &fx->mem->line), ==, -EBUSY);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(ch)), ==, -EAGAIN);
        const __u32 five[] = { 5 };
        struct ck_loopback *h = request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "w", 1, five, NULL, 0);
        ck_loopback_free(h);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(ch[0]) - 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(ch)), ==, 2 * sizeof(ch[0]));
        g_assert_cmpuint(ch[0].event_type, ==, GPIOLINE_CHANGED_REQUESTED);
        g_assert_cmpstr(ch[0].info.consumer, ==, "w");
        g_assert_cmpuint(ch[1].event_type, ==, GPIOLINE_CHANGED_RELEASED);

        fx->mem->offset = 5;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &fx->mem->offset), ==, 0);
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &fx->mem->offset), ==, -EBUSY);
        fx->mem->offset = 8;
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_UNWATCH_IOCTL, &fx->mem->offset), ==, -EINVAL);
}

/* A transport that cannot put a descriptor into the client (CUSE) gets
 * EOPNOTSUPP, and the line stays free. */
static void test_no_descriptors(struct fixture *fx, gconstpointer data)
{
        struct ck_ioctl_reply rep;
        struct gpiohandle_request rq = { .lines = 1, .flags = GPIOHANDLE_REQUEST_INPUT };
        const struct ck_ioctl_request call = {
                .cmd = GPIO_GET_LINEHANDLE_IOCTL,
                .arg = 0x1000,
                .tid = 1,
                .unrestricted = true,
                .in = &rq,
                .in_size = sizeof(rq),
                .out_size = sizeof(rq),
                .files = false,
        };

        ck_ioctl_reply_init(&rep);
        ck_pipeline_ioctl(ck_loopback_file(fx->lb), &call, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_ERROR);
        g_assert_cmpint(rep.result, ==, -EOPNOTSUPP);
        g_assert_null(rep.new_file);
        ck_ioctl_reply_clear(&rep);
        g_assert_cmphex(line_info(fx, 0)->flags, ==, 0);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define T(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
        T("/gpio/info", test_info);
        T("/gpio/handle", test_handle);
        T("/gpio/handle-errors", test_handle_errors);
        T("/gpio/events", test_events);
        T("/gpio/events-active-low", test_events_active_low);
        T("/gpio/wire", test_wire);
        T("/gpio/watch", test_watch);
        T("/gpio/no-descriptors", test_no_descriptors);
        return g_test_run();
}
