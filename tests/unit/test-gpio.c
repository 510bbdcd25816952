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
        struct gpio_v2_line_info info2;
        struct gpio_v2_line_request req2;
        struct gpio_v2_line_config config2;
        struct gpio_v2_line_values values2;
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

static struct ck_loopback *request_v2(struct fixture *fx, unsigned n, const __u32 *offsets, guint64 flags,
                                      __u32 buffer, int expect)
{
        struct gpio_v2_line_request *rq = &fx->mem->req2;
        struct ck_loopback *lr = NULL;

        memset(rq, 0, sizeof(*rq));
        for (unsigned i = 0; i < n; i++)
                rq->offsets[i] = offsets[i];
        rq->num_lines = n;
        rq->config.flags = flags;
        rq->event_buffer_size = buffer;
        g_strlcpy(rq->consumer, "v2", sizeof(rq->consumer));
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, expect);
        if (expect < 0)
                return NULL;
        g_assert_cmpint(ck_loopback_take_file(fx->lb, rq->fd, &lr), ==, 0);
        ck_loopback_expose(lr, fx->mem, sizeof(*fx->mem));
        return lr;
}

static struct gpio_v2_line_info *info_v2(struct fixture *fx, unsigned offset)
{
        memset(&fx->mem->info2, 0, sizeof(fx->mem->info2));
        fx->mem->info2.offset = offset;
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINEINFO_IOCTL, &fx->mem->info2), ==, 0);
        return &fx->mem->info2;
}

static void test_v2_request(struct fixture *fx, gconstpointer data)
{
        const __u32 offsets[] = { 1, 2, 3 };
        struct gpio_v2_line_request *rq = &fx->mem->req2;

        g_assert_cmphex(info_v2(fx, 1)->flags, ==, GPIO_V2_LINE_FLAG_INPUT);
        g_assert_cmpstr(fx->mem->info2.name, ==, "led");

        /* outputs: line 2 high through an output-values attribute, line 3 an input by a flags attribute */
        memset(rq, 0, sizeof(*rq));
        memcpy(rq->offsets, offsets, sizeof(offsets));
        rq->num_lines = 3;
        rq->config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
        rq->config.num_attrs = 3;
        rq->config.attrs[0] = (struct gpio_v2_line_config_attribute){
                .attr = { .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, .values = 1u << 1 }, .mask = 1u << 1 };
        rq->config.attrs[1] = (struct gpio_v2_line_config_attribute){
                .attr = { .id = GPIO_V2_LINE_ATTR_ID_FLAGS, .flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING },
                .mask = 1u << 2 };
        rq->config.attrs[2] = (struct gpio_v2_line_config_attribute){
                .attr = { .id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE, .debounce_period_us = 1500 }, .mask = 1u << 2 };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, 0);
        g_autoptr(ck_loopback) lr = NULL;
        g_assert_cmpint(ck_loopback_take_file(fx->lb, rq->fd, &lr), ==, 0);
        ck_loopback_expose(lr, fx->mem, sizeof(*fx->mem));

        struct gpio_v2_line_info *li = info_v2(fx, 2);
        g_assert_cmphex(li->flags, ==, GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_OUTPUT);
        g_assert_cmpstr(li->consumer, ==, "?");   /* no consumer given */
        li = info_v2(fx, 3);
        g_assert_cmphex(li->flags, ==, GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING);
        g_assert_cmpuint(li->num_attrs, ==, 1);
        g_assert_cmpuint(li->attrs[0].id, ==, GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
        g_assert_cmpuint(li->attrs[0].debounce_period_us, ==, 1500);
        g_assert_cmphex(line_info(fx, 3)->flags, ==, GPIOLINE_FLAG_KERNEL);   /* v1's view */

        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 0x7 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, 0);
        g_assert_cmphex(fx->mem->values2.bits, ==, 0x2);
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 0x1, .bits = 0x1 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_VALUES_IOCTL, &fx->mem->values2), ==, 0);
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 0x7 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, 0);
        g_assert_cmphex(fx->mem->values2.bits, ==, 0x3);
        /* an input in the mask: EPERM; an empty mask: EINVAL */
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 0x4, .bits = 0x4 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_VALUES_IOCTL, &fx->mem->values2), ==, -EPERM);
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 0 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_VALUES_IOCTL, &fx->mem->values2), ==, -EINVAL);
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, -EINVAL);
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 1u << 5 };   /* beyond num_lines */
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, -EINVAL);

        /* reconfigure: all inputs, active low; a config without a direction leaves lines alone */
        memset(&fx->mem->config2, 0, sizeof(fx->mem->config2));
        fx->mem->config2.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW;
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_CONFIG_IOCTL, &fx->mem->config2), ==, 0);
        g_assert_cmphex(info_v2(fx, 1)->flags, ==,
                        GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        fx->mem->config2.flags = 0;
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_CONFIG_IOCTL, &fx->mem->config2), ==, 0);
        g_assert_cmphex(info_v2(fx, 1)->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW, ==, GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        fx->mem->config2.padding[0] = 1;
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_CONFIG_IOCTL, &fx->mem->config2), ==, -EINVAL);
        g_assert_cmpint(ioc(lr, GPIOHANDLE_GET_LINE_VALUES_IOCTL, &fx->mem->data), ==, -EINVAL);  /* a v1 number */

        /* busy for v1 and v2 alike; released on close, debounce and flags gone */
        const __u32 two[] = { 2 };
        g_assert_null(request_v2(fx, 1, two, GPIO_V2_LINE_FLAG_INPUT, 0, -EBUSY));
        g_assert_null(request_lines(fx, GPIOHANDLE_REQUEST_INPUT, "", 1, two, NULL, -EBUSY));
        g_clear_pointer(&lr, ck_loopback_free);
        li = info_v2(fx, 3);
        g_assert_cmphex(li->flags, ==, GPIO_V2_LINE_FLAG_INPUT);
        g_assert_cmpuint(li->num_attrs, ==, 0);
}

static void test_v2_errors(struct fixture *fx, gconstpointer data)
{
        const __u32 ok[] = { 0 }, bad[] = { 8 };
        static const struct { guint64 flags; int error; } cases[] = {
                { GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT, -EINVAL },
                { GPIO_V2_LINE_FLAG_EDGE_RISING, -EINVAL },                               /* edges need input */
                { GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_OPEN_DRAIN | GPIO_V2_LINE_FLAG_OPEN_SOURCE, -EINVAL },
                { GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OPEN_DRAIN, -EINVAL },      /* drive needs output */
                { GPIO_V2_LINE_FLAG_BIAS_PULL_UP, -EINVAL },                              /* bias needs a direction */
                { GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_BIAS_DISABLED, -EINVAL },
                { GPIO_V2_LINE_FLAG_INPUT | (1ull << 20), -EINVAL },
                { GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE, -EOPNOTSUPP },   /* no CONFIG_HTE */
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                g_assert_null(request_v2(fx, 1, ok, cases[i].flags, 0, cases[i].error));
        g_assert_null(request_v2(fx, 1, bad, GPIO_V2_LINE_FLAG_INPUT, 0, -EINVAL));
        g_assert_null(request_v2(fx, 0, ok, GPIO_V2_LINE_FLAG_INPUT, 0, -EINVAL));

        struct gpio_v2_line_request *rq = &fx->mem->req2;
        memset(rq, 0, sizeof(*rq));
        rq->num_lines = 1;
        rq->padding[2] = 1;
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, -EINVAL);
        rq->padding[2] = 0;
        rq->config.num_attrs = GPIO_V2_LINE_NUM_ATTRS_MAX + 1;
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, -EINVAL);
        rq->config.num_attrs = 0;
        rq->config.attrs[4].mask = 1;          /* an unused attribute that is not zero */
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, -EINVAL);
        rq->config.attrs[4].mask = 0;
        rq->config.num_attrs = 1;              /* debounce needs input */
        rq->config.attrs[0] = (struct gpio_v2_line_config_attribute){
                .attr = { .id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE, .debounce_period_us = 10 }, .mask = 1 };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, -EINVAL);
        g_assert_cmphex(info_v2(fx, 0)->flags, ==, GPIO_V2_LINE_FLAG_INPUT);

        fx->mem->info2 = (struct gpio_v2_line_info){ .offset = 0, .padding = { 0, 1 } };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINEINFO_IOCTL, &fx->mem->info2), ==, -EINVAL);
        fx->mem->info2 = (struct gpio_v2_line_info){ .offset = 8 };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINEINFO_IOCTL, &fx->mem->info2), ==, -EINVAL);
}

static void test_v2_events(struct fixture *fx, gconstpointer data)
{
        const __u32 offsets[] = { 3, 4 };
        g_autoptr(ck_loopback) lr = request_v2(fx, 2, offsets, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                                               GPIO_V2_LINE_FLAG_EDGE_FALLING, 3, 0);
        struct gpio_v2_line_event ev[8];

        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, -EAGAIN);
        set_line(fx->dev, 3, TRUE);
        set_line(fx->dev, 4, TRUE);
        set_line(fx->dev, 3, FALSE);
        g_assert_cmpuint(ck_loopback_poll(lr) & POLLIN, ==, POLLIN);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev[0]) - 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, 3 * sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIO_V2_LINE_EVENT_RISING_EDGE);
        g_assert_cmpuint(ev[0].offset, ==, 3);
        g_assert_cmpuint(ev[0].seqno, ==, 1);
        g_assert_cmpuint(ev[0].line_seqno, ==, 1);
        g_assert_cmpuint(ev[1].offset, ==, 4);
        g_assert_cmpuint(ev[1].seqno, ==, 2);
        g_assert_cmpuint(ev[1].line_seqno, ==, 1);
        g_assert_cmpuint(ev[2].id, ==, GPIO_V2_LINE_EVENT_FALLING_EDGE);
        g_assert_cmpuint(ev[2].seqno, ==, 3);
        g_assert_cmpuint(ev[2].line_seqno, ==, 2);

        /* a buffer of 3 keeps the newest 3 */
        for (int i = 0; i < 5; i++)
                set_line(fx->dev, 3, i % 2 == 0);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, 3 * sizeof(ev[0]));
        g_assert_cmpuint(ev[0].line_seqno, ==, 5);
        g_assert_cmpuint(ev[2].line_seqno, ==, 7);

        /* CLOCK_REALTIME on request: a wall-clock timestamp */
        const __u32 five[] = { 5 };
        g_autoptr(ck_loopback) rt = request_v2(fx, 1, five, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                                               GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME, 0, 0);
        guint64 before = (guint64)g_get_real_time() * 1000;
        set_line(fx->dev, 5, TRUE);
        set_line(fx->dev, 5, FALSE);          /* falling: not watched */
        g_assert_cmpint(ck_loopback_read(rt, ev, sizeof(ev)), ==, sizeof(ev[0]));
        g_assert_cmpuint(ev[0].timestamp_ns, >=, before - 1000000);
        g_assert_cmpuint(ev[0].seqno, ==, 1);
}

static void run_main_loop_ms(unsigned ms)
{
        gint64 until = g_get_monotonic_time() + ms * 1000;

        while (g_get_monotonic_time() < until) {
                g_main_context_iteration(NULL, FALSE);
                g_usleep(200);
        }
}

/* Software debounce: an edge once the level held for the period, and reads
 * see that level meanwhile; a bounce that ends where it started is no edge. */
static void test_v2_debounce(struct fixture *fx, gconstpointer data)
{
        struct gpio_v2_line_request *rq = &fx->mem->req2;
        struct gpio_v2_line_event ev[4];
        g_autoptr(ck_loopback) lr = NULL;

        memset(rq, 0, sizeof(*rq));
        rq->offsets[0] = 3;
        rq->num_lines = 1;
        rq->config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
        rq->config.num_attrs = 1;
        rq->config.attrs[0] = (struct gpio_v2_line_config_attribute){
                .attr = { .id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE, .debounce_period_us = 20000 }, .mask = 1 };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINE_IOCTL, rq), ==, 0);
        g_assert_cmpint(ck_loopback_take_file(fx->lb, rq->fd, &lr), ==, 0);
        ck_loopback_expose(lr, fx->mem, sizeof(*fx->mem));

        set_line(fx->dev, 3, TRUE);
        set_line(fx->dev, 3, FALSE);
        set_line(fx->dev, 3, TRUE);
        fx->mem->values2 = (struct gpio_v2_line_values){ .mask = 1 };
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, 0);
        g_assert_cmphex(fx->mem->values2.bits, ==, 0);        /* not settled yet */
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, -EAGAIN);
        run_main_loop_ms(60);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIO_V2_LINE_EVENT_RISING_EDGE);
        g_assert_cmpuint(ev[0].seqno, ==, 1);
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_GET_VALUES_IOCTL, &fx->mem->values2), ==, 0);
        g_assert_cmphex(fx->mem->values2.bits, ==, 1);

        set_line(fx->dev, 3, FALSE);
        set_line(fx->dev, 3, TRUE);
        run_main_loop_ms(60);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, -EAGAIN);
        g_assert_cmpuint(info_v2(fx, 3)->attrs[0].debounce_period_us, ==, 20000);

        /* reconfigured without the attribute: no debounce, edges at once */
        memset(&fx->mem->config2, 0, sizeof(fx->mem->config2));
        fx->mem->config2.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_FALLING;
        g_assert_cmpint(ioc(lr, GPIO_V2_LINE_SET_CONFIG_IOCTL, &fx->mem->config2), ==, 0);
        g_assert_cmpuint(info_v2(fx, 3)->num_attrs, ==, 0);
        set_line(fx->dev, 3, FALSE);
        g_assert_cmpint(ck_loopback_read(lr, ev, sizeof(ev)), ==, sizeof(ev[0]));
        g_assert_cmpuint(ev[0].id, ==, GPIO_V2_LINE_EVENT_FALLING_EDGE);
}

/* Watches choose the ABI of the events read() returns: mixing them is EPERM. */
static void test_v2_watch(struct fixture *fx, gconstpointer data)
{
        struct gpio_v2_line_info_changed ch[2];

        fx->mem->info2 = (struct gpio_v2_line_info){ .offset = 6 };
        g_assert_cmpint(ioc(fx->lb, GPIO_V2_GET_LINEINFO_WATCH_IOCTL, &fx->mem->info2), ==, 0);
        fx->mem->line = (struct gpioline_info){ .line_offset = 5 };
        g_assert_cmpint(ioc(fx->lb, GPIO_GET_LINEINFO_WATCH_IOCTL, &fx->mem->line), ==, -EPERM);
        const __u32 six[] = { 6 };
        struct ck_loopback *lr = request_v2(fx, 1, six, GPIO_V2_LINE_FLAG_OUTPUT, 0, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(struct gpioline_info_changed)), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(ch)), ==, sizeof(ch[0]));
        g_assert_cmpuint(ch[0].event_type, ==, GPIO_V2_LINE_CHANGED_REQUESTED);
        g_assert_cmphex(ch[0].info.flags, ==, GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_OUTPUT);
        g_assert_cmpstr(ch[0].info.consumer, ==, "v2");
        ck_loopback_free(lr);
        g_assert_cmpint(ck_loopback_read(fx->lb, ch, sizeof(ch)), ==, sizeof(ch[0]));
        g_assert_cmpuint(ch[0].event_type, ==, GPIO_V2_LINE_CHANGED_RELEASED);
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

/* Bad parameters are refused with the reason (and leave nothing behind: ASan). */
static void test_params(void)
{
        static const char *const bad[][2] = {
                { "lines", "0" }, { "lines", "513" }, { "lines", "x" },
                { "names", "a:b:c:d:e:f:g:h:i" }, { "wire", "1" }, { "wire", "1:1" }, { "wire", "1:8" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
                g_autoptr(GError) error = NULL;
                struct ck_device *d = NULL;
                g_hash_table_insert(params, (gpointer)bad[i][0], (gpointer)bad[i][1]);
                g_assert_cmpint(ck_device_new("gpio", "gpiochip0", params, &d, &error), ==, -EINVAL);
                g_assert_error(error, CK_ERROR, EINVAL);
                g_assert_nonnull(strstr(error->message, bad[i][0]));
                g_assert_null(d);
        }
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define T(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
        g_test_add_func("/gpio/params", test_params);
        T("/gpio/info", test_info);
        T("/gpio/handle", test_handle);
        T("/gpio/handle-errors", test_handle_errors);
        T("/gpio/events", test_events);
        T("/gpio/events-active-low", test_events_active_low);
        T("/gpio/wire", test_wire);
        T("/gpio/watch", test_watch);
        T("/gpio/v2-request", test_v2_request);
        T("/gpio/v2-errors", test_v2_errors);
        T("/gpio/v2-events", test_v2_events);
        T("/gpio/v2-debounce", test_v2_debounce);
        T("/gpio/v2-watch", test_v2_watch);
        T("/gpio/no-descriptors", test_no_descriptors);
        return g_test_run();
}
