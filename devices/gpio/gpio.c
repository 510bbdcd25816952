/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpio: a GPIO chip after drivers/gpio/gpiolib-cdev.c (the v1 and v2 uAPI).
 *
 * Each line has a level driven from outside (state "line/N", what
 * `cusekit set gpiochipN line/N 1` changes) and, when the client made it an
 * output, the level it drives.  A line request (GPIO_GET_LINEHANDLE_IOCTL,
 * GPIO_GET_LINEEVENT_IOCTL, GPIO_V2_GET_LINE_IOCTL) is a file of its own:
 * ck_call_new_file().  An input whose level changes queues edge events for
 * the requests watching it: v1, CLOCK_MONOTONIC, 16 per request and further
 * ones dropped; v2, CLOCK_MONOTONIC or CLOCK_REALTIME, sequence numbers, the
 * request's event_buffer_size with the oldest dropped; a debounced v2 line
 * (software debounce, as gpiolib-cdev does for chips that cannot) reports
 * an edge only once its level held for the period, and reads that level.
 * wire=A:B makes output A drive input B.
 */
#include "gpio-abi.h"

#include <cusekit/device.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

CK_ASSERT_KERNEL_NUMBERS(GPIO_CHIP_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(GPIO_HANDLE_IOCTLS)
CK_ASSERT_KERNEL_NUMBERS(GPIO_LINE_IOCTLS)
_Static_assert(CK_REQUEST(GPIOEVENT_GET_LINE_VALUES_IOCTL) == GPIOHANDLE_GET_LINE_VALUES_IOCTL,
               "a line event's GET_LINE_VALUES is the line handle's number");

#define GPIO_DEFAULT_LINES 8
#define GPIO_MAX_LINES 512
#define GPIO_DEFAULT_LABEL "cusekit-gpio"
#define GPIO_EVENT_QUEUE 16        /* lineevent_state's DECLARE_KFIFO(events, ..., 16) */
#define GPIO_WATCH_QUEUE 32        /* gpio_chardev_data's kfifo of line-info changes */

/* gpiolib-cdev.c's GPIOHANDLE_REQUEST_VALID_FLAGS and GPIOEVENT_REQUEST_VALID_FLAGS */
#define HANDLE_VALID_FLAGS (GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OUTPUT | GPIOHANDLE_REQUEST_ACTIVE_LOW | \
                            GPIOHANDLE_REQUEST_BIAS_PULL_UP | GPIOHANDLE_REQUEST_BIAS_PULL_DOWN |                \
                            GPIOHANDLE_REQUEST_BIAS_DISABLE | GPIOHANDLE_REQUEST_OPEN_DRAIN |                    \
                            GPIOHANDLE_REQUEST_OPEN_SOURCE)
#define EVENT_VALID_FLAGS (GPIOEVENT_REQUEST_RISING_EDGE | GPIOEVENT_REQUEST_FALLING_EDGE)
/* and the v2 ones */
#define V2_BIAS_FLAGS (GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN | GPIO_V2_LINE_FLAG_BIAS_DISABLED)
#define V2_DIRECTION_FLAGS (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT)
#define V2_DRIVE_FLAGS (GPIO_V2_LINE_FLAG_OPEN_DRAIN | GPIO_V2_LINE_FLAG_OPEN_SOURCE)
#define V2_EDGE_FLAGS (GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING)
#define V2_VALID_FLAGS (GPIO_V2_LINE_FLAG_ACTIVE_LOW | V2_DIRECTION_FLAGS | V2_DRIVE_FLAGS | V2_EDGE_FLAGS | \
                        GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME | GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE | V2_BIAS_FLAGS)

struct gpio_line {
        char *name;                    /* NULL: none */
        struct ck_file *owner;         /* the line request holding it; NULL: free */
        char consumer[GPIO_MAX_NAME_SIZE];
        guint64 flags;                 /* GPIO_V2_LINE_FLAG_* as gpio_desc_to_lineinfo() reports them */
        gboolean input_level;          /* driven from outside */
        gboolean output_level;         /* driven by the client, when an output */
        int drives;                    /* wire=: the line this one's output drives; -1: none */
        __u32 debounce_us;             /* a v2 request's debounce period; 0: none */
};

struct gpio_chip {
        struct ck_device *dev;
        char *label;
        unsigned n_lines;
        struct gpio_line *lines;
        GPtrArray *chip_files;         /* struct ck_file * of the node's opens: watchers */
        GPtrArray *event_files;        /* struct ck_file * of v1 line events */
        GPtrArray *line_files;         /* struct ck_file * of v2 line requests */
};

/* An open of the node. */
struct gpio_open {
        unsigned long *watched;        /* bitmap of n_lines */
        unsigned abi;                  /* watch_abi_version: 0 until a watch */
        struct gpio_v2_line_info_changed changes[GPIO_WATCH_QUEUE];
        unsigned n_changes, first_change;
};

/* A line handle. */
struct gpio_handle {
        struct gpio_chip *chip;
        unsigned n;
        __u32 offsets[GPIOHANDLES_MAX];
};

/* A v2 line request. */
struct gpio_linereq;
struct gpio_req_line {
        struct gpio_linereq *req;
        __u32 offset;
        guint64 edflags;               /* GPIO_V2_LINE_EDGE_FLAGS it watches */
        __u32 line_seqno;
        __u32 debounce_us;             /* 0: edges as they come */
        gboolean level;                /* debounced: the raw level that held for the period */
        guint debounce_timer;          /* debounce_work_func() pending */
};

struct gpio_linereq {
        struct gpio_chip *chip;
        unsigned n;
        struct gpio_req_line lines[GPIO_V2_LINES_MAX];
        __u32 seqno;
        struct gpio_v2_line_event *queue;
        unsigned capacity, n_queued, first;
};

/* A line event. */
struct gpio_event {
        struct gpio_chip *chip;
        __u32 offset;
        __u32 eflags;
        struct gpioevent_data queue[GPIO_EVENT_QUEUE];
        unsigned n_queued, first;
};

static struct gpio_chip *chip_of(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static guint64 now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

static gboolean line_level(const struct gpio_line *l)
{
        return (l->flags & GPIO_V2_LINE_FLAG_OUTPUT) ? l->output_level : l->input_level;
}

/* gpiod_get_value(): the logical value */
static gboolean line_value(const struct gpio_line *l)
{
        return line_level(l) ^ !!(l->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
}

/* --- line info, as gpio_desc_to_lineinfo() + supinfo_to_lineinfo() --- */

static void line_info_v2(const struct gpio_chip *chip, unsigned offset, struct gpio_v2_line_info *ret)
{
        const struct gpio_line *l = &chip->lines[offset];

        memset(ret, 0, sizeof(*ret));
        ret->offset = offset;
        if (l->name)
                g_strlcpy(ret->name, l->name, sizeof(ret->name));
        if (l->owner)
                g_strlcpy(ret->consumer, l->consumer, sizeof(ret->consumer));
        ret->flags = l->flags | (l->owner ? GPIO_V2_LINE_FLAG_USED : 0);
        if (l->debounce_us) {
                ret->attrs[0].id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
                ret->attrs[0].debounce_period_us = l->debounce_us;
                ret->num_attrs = 1;
        }
}

/* gpio_v2_line_info_to_v1() */
static void info_to_v1(const struct gpio_v2_line_info *v2, struct gpioline_info *ret)
{
        guint64 f = v2->flags;

        memset(ret, 0, sizeof(*ret));
        memcpy(ret->name, v2->name, sizeof(ret->name));
        memcpy(ret->consumer, v2->consumer, sizeof(ret->consumer));
        ret->line_offset = v2->offset;
        if (f & GPIO_V2_LINE_FLAG_USED)
                ret->flags |= GPIOLINE_FLAG_KERNEL;
        if (f & GPIO_V2_LINE_FLAG_OUTPUT)
                ret->flags |= GPIOLINE_FLAG_IS_OUT;
        if (f & GPIO_V2_LINE_FLAG_ACTIVE_LOW)
                ret->flags |= GPIOLINE_FLAG_ACTIVE_LOW;
        if (f & GPIO_V2_LINE_FLAG_OPEN_DRAIN)
                ret->flags |= GPIOLINE_FLAG_OPEN_DRAIN;
        if (f & GPIO_V2_LINE_FLAG_OPEN_SOURCE)
                ret->flags |= GPIOLINE_FLAG_OPEN_SOURCE;
        if (f & GPIO_V2_LINE_FLAG_BIAS_PULL_UP)
                ret->flags |= GPIOLINE_FLAG_BIAS_PULL_UP;
        if (f & GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN)
                ret->flags |= GPIOLINE_FLAG_BIAS_PULL_DOWN;
        if (f & GPIO_V2_LINE_FLAG_BIAS_DISABLED)
                ret->flags |= GPIOLINE_FLAG_BIAS_DISABLE;
}

static void line_info_v1(const struct gpio_chip *chip, unsigned offset, struct gpioline_info *ret)
{
        struct gpio_v2_line_info v2;

        line_info_v2(chip, offset, &v2);
        info_to_v1(&v2, ret);
}

/* lineinfo_changed_notify(): every open watching the line hears of it. */
static void line_changed(struct gpio_chip *chip, unsigned offset, __u32 event_type)
{
        gboolean any = FALSE;

        for (guint i = 0; i < chip->chip_files->len; i++) {
                struct gpio_open *o = ck_file_priv(chip->chip_files->pdata[i]);
                if (!o->watched || !(o->watched[offset / (8 * sizeof(long))] & (1ul << (offset % (8 * sizeof(long))))))
                        continue;
                if (o->n_changes == GPIO_WATCH_QUEUE)
                        continue;             /* kfifo_in() of a full fifo: dropped */
                struct gpio_v2_line_info_changed *ev = &o->changes[(o->first_change + o->n_changes++) % GPIO_WATCH_QUEUE];
                memset(ev, 0, sizeof(*ev));
                line_info_v2(chip, offset, &ev->info);
                ev->timestamp_ns = now_ns();
                ev->event_type = event_type;
                any = TRUE;
        }
        if (any)
                ck_device_notify(chip->dev);
}

/* --- levels and edges --- */

static void queue_edge(struct gpio_event *e, __u32 id, guint64 ts)
{
        if (e->n_queued == GPIO_EVENT_QUEUE)
                return;                       /* "event FIFO is full - event dropped" */
        e->queue[(e->first + e->n_queued++) % GPIO_EVENT_QUEUE] = (struct gpioevent_data){ .timestamp = ts, .id = id };
}

static guint64 realtime_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

/* edge_irq_thread() + linereq_put_event(): a full buffer drops its oldest */
static void queue_line_event(struct gpio_linereq *lr, unsigned k, gboolean value, guint64 ts)
{
        if (!lr->capacity)
                return;
        if (lr->n_queued == lr->capacity) {
                lr->first = (lr->first + 1) % lr->capacity;
                lr->n_queued--;
        }
        __u32 line_seqno = ++lr->lines[k].line_seqno;
        lr->queue[(lr->first + lr->n_queued++) % lr->capacity] = (struct gpio_v2_line_event){
                .timestamp_ns = ts,
                .id = value ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE,
                .offset = lr->lines[k].offset,
                .seqno = lr->n == 1 ? line_seqno : ++lr->seqno,
                .line_seqno = line_seqno,
        };
}

/* debounce_work_func(): the level held for the period */
static gboolean debounce_done(gpointer userdata)
{
        struct gpio_req_line *rl = userdata;
        struct gpio_linereq *lr = rl->req;
        const struct gpio_line *l = &lr->chip->lines[rl->offset];
        gboolean level = line_level(l);

        rl->debounce_timer = 0;
        if (level == rl->level)
                return G_SOURCE_REMOVE;
        rl->level = level;
        gboolean value = level ^ !!(l->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        if (!(rl->edflags & (value ? GPIO_V2_LINE_FLAG_EDGE_RISING : GPIO_V2_LINE_FLAG_EDGE_FALLING)))
                return G_SOURCE_REMOVE;
        queue_line_event(lr, (unsigned)(rl - lr->lines), value,
                         l->flags & GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME ? realtime_ns() : now_ns());
        ck_device_notify(lr->chip->dev);
        return G_SOURCE_REMOVE;
}

/* debounce_irq_handler(): every raw edge starts the period again */
static void debounce_restart(struct gpio_req_line *rl)
{
        if (rl->debounce_timer)
                g_source_remove(rl->debounce_timer);
        rl->debounce_timer = g_timeout_add(MAX(1u, (rl->debounce_us + 999) / 1000), debounce_done, rl);
}

static void debounce_stop(struct gpio_req_line *rl)
{
        if (rl->debounce_timer)
                g_source_remove(rl->debounce_timer);
        rl->debounce_timer = 0;
        rl->debounce_us = 0;
}

static void set_input_level(struct gpio_chip *chip, unsigned offset, gboolean level);

/* The physical level of @offset went from @old to its present one: edges for
 * the event requests on it, and the line it is wired to follows. */
static void level_changed(struct gpio_chip *chip, unsigned offset, gboolean old)
{
        struct gpio_line *l = &chip->lines[offset];
        gboolean level = line_level(l);

        if (level == old)
                return;
        /* the irq trigger is swapped for active-low lines: edges are of the logical value */
        gboolean value = line_value(l);
        guint64 ts = now_ns();
        gboolean queued = FALSE;
        for (guint i = 0; i < chip->event_files->len; i++) {
                struct gpio_event *e = ck_file_priv(chip->event_files->pdata[i]);
                if (e->offset != offset)
                        continue;
                __u32 want = value ? GPIOEVENT_REQUEST_RISING_EDGE : GPIOEVENT_REQUEST_FALLING_EDGE;
                if (!(e->eflags & want))
                        continue;
                queue_edge(e, value ? GPIOEVENT_EVENT_RISING_EDGE : GPIOEVENT_EVENT_FALLING_EDGE, ts);
                queued = TRUE;
        }
        for (guint i = 0; i < chip->line_files->len; i++) {
                struct gpio_linereq *lr = ck_file_priv(chip->line_files->pdata[i]);
                for (unsigned k = 0; k < lr->n; k++) {
                        guint64 want = value ? GPIO_V2_LINE_FLAG_EDGE_RISING : GPIO_V2_LINE_FLAG_EDGE_FALLING;
                        if (lr->lines[k].offset != offset)
                                continue;
                        if (lr->lines[k].debounce_us) {
                                debounce_restart(&lr->lines[k]);
                                continue;
                        }
                        if (!(lr->lines[k].edflags & want))
                                continue;
                        queue_line_event(lr, k, value, l->flags & GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME ? realtime_ns() : ts);
                        queued = TRUE;
                }
        }
        if (queued)
                ck_device_notify(chip->dev);
        if (l->drives >= 0 && (l->flags & GPIO_V2_LINE_FLAG_OUTPUT))
                set_input_level(chip, (unsigned)l->drives, level);
}

static void set_input_level(struct gpio_chip *chip, unsigned offset, gboolean level)
{
        struct gpio_line *l = &chip->lines[offset];
        gboolean old = line_level(l);

        l->input_level = level;
        level_changed(chip, offset, old);
}

static void set_output(struct gpio_chip *chip, unsigned offset, gboolean value)
{
        struct gpio_line *l = &chip->lines[offset];
        gboolean old = line_level(l);

        l->output_level = value ^ !!(l->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        level_changed(chip, offset, old);
}

/* --- request flags, as linehandle_validate_flags() --- */

static int handle_flags_valid(__u32 flags)
{
        if (flags & ~HANDLE_VALID_FLAGS)
                return -EINVAL;
        if ((flags & GPIOHANDLE_REQUEST_INPUT) && (flags & GPIOHANDLE_REQUEST_OUTPUT))
                return -EINVAL;
        if ((flags & GPIOHANDLE_REQUEST_OPEN_DRAIN) && (flags & GPIOHANDLE_REQUEST_OPEN_SOURCE))
                return -EINVAL;
        if (!(flags & GPIOHANDLE_REQUEST_OUTPUT) &&
            (flags & (GPIOHANDLE_REQUEST_OPEN_DRAIN | GPIOHANDLE_REQUEST_OPEN_SOURCE)))
                return -EINVAL;
        __u32 bias = flags & (GPIOHANDLE_REQUEST_BIAS_DISABLE | GPIOHANDLE_REQUEST_BIAS_PULL_UP |
                              GPIOHANDLE_REQUEST_BIAS_PULL_DOWN);
        if (!(flags & (GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OUTPUT)) && bias)
                return -EINVAL;
        if (bias & (bias - 1))
                return -EINVAL;               /* only one bias */
        return 0;
}

/* linehandle_flags_to_desc_flags(): the direction is set apart */
static void apply_handle_flags(struct gpio_line *l, __u32 lflags)
{
        const guint64 configured = GPIO_V2_LINE_FLAG_ACTIVE_LOW | GPIO_V2_LINE_FLAG_OPEN_DRAIN |
                                   GPIO_V2_LINE_FLAG_OPEN_SOURCE | GPIO_V2_LINE_FLAG_BIAS_PULL_UP |
                                   GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN | GPIO_V2_LINE_FLAG_BIAS_DISABLED;
        guint64 f = l->flags & ~configured;

        if (lflags & GPIOHANDLE_REQUEST_ACTIVE_LOW)
                f |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
        if (lflags & GPIOHANDLE_REQUEST_OPEN_DRAIN)
                f |= GPIO_V2_LINE_FLAG_OPEN_DRAIN;
        if (lflags & GPIOHANDLE_REQUEST_OPEN_SOURCE)
                f |= GPIO_V2_LINE_FLAG_OPEN_SOURCE;
        if (lflags & GPIOHANDLE_REQUEST_BIAS_PULL_UP)
                f |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
        if (lflags & GPIOHANDLE_REQUEST_BIAS_PULL_DOWN)
                f |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
        if (lflags & GPIOHANDLE_REQUEST_BIAS_DISABLE)
                f |= GPIO_V2_LINE_FLAG_BIAS_DISABLED;
        l->flags = f;
}

static void set_direction(struct gpio_chip *chip, unsigned offset, gboolean output, gboolean value)
{
        struct gpio_line *l = &chip->lines[offset];
        gboolean old = line_level(l);

        if (output) {
                l->flags = (l->flags & ~(guint64)GPIO_V2_LINE_FLAG_INPUT) | GPIO_V2_LINE_FLAG_OUTPUT;
                l->output_level = value ^ !!(l->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        } else {
                l->flags = (l->flags & ~(guint64)GPIO_V2_LINE_FLAG_OUTPUT) | GPIO_V2_LINE_FLAG_INPUT;
        }
        level_changed(chip, offset, old);
}

/* gpiod_request_user(): -EBUSY for a line already requested */
static int claim(struct gpio_chip *chip, unsigned offset, struct ck_file *owner, const char *label)
{
        struct gpio_line *l = &chip->lines[offset];

        if (l->owner)
                return -EBUSY;
        l->owner = owner;
        /* gpiod_request_commit(): desc_set_label(desc, label ? : "?") */
        g_strlcpy(l->consumer, *label ? label : "?", sizeof(l->consumer));
        return 0;
}

/* gpiod_free_commit(): the request's flags go, the direction stays */
static void release_line(struct gpio_chip *chip, unsigned offset)
{
        struct gpio_line *l = &chip->lines[offset];

        l->owner = NULL;
        l->consumer[0] = '\0';
        l->flags &= GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_OUTPUT;
        l->debounce_us = 0;
        line_changed(chip, offset, GPIOLINE_CHANGED_RELEASED);
}

/* --- the node's ioctls --- */

static int handle_GPIO_GET_CHIPINFO_IOCTL(struct ck_call *c, struct gpiochip_info *out)
{
        struct gpio_chip *chip = chip_of(c);

        g_strlcpy(out->name, ck_device_name(ck_call_device(c)), sizeof(out->name));
        g_strlcpy(out->label, chip->label, sizeof(out->label));
        out->lines = chip->n_lines;
        return 0;
}

static int validate_GPIO_GET_LINEINFO_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                            struct gpioline_info *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        /* gpiochip_get_desc(): the range check */
        return ret->line_offset < chip_of(c)->n_lines ? 0 : -EINVAL;
}

static int handle_GPIO_GET_LINEINFO_IOCTL(struct ck_call *c, struct gpioline_info *io)
{
        line_info_v1(chip_of(c), io->line_offset, io);
        return 0;
}

static int validate_GPIO_GET_LINEINFO_WATCH_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                  struct gpioline_info *ret)
{
        return validate_GPIO_GET_LINEINFO_IOCTL(c, u, ret);
}

static unsigned long *watch_bit(struct gpio_open *o, unsigned offset, unsigned long *ret_mask)
{
        *ret_mask = 1ul << (offset % (8 * sizeof(long)));
        return &o->watched[offset / (8 * sizeof(long))];
}

static int handle_GPIO_GET_LINEINFO_WATCH_IOCTL(struct ck_call *c, struct gpioline_info *io)
{
        struct gpio_open *o = ck_file_priv(ck_call_file(c));
        unsigned long mask;

        /* lineinfo_ensure_abi_version(cdev, 1) */
        if (o->abi && o->abi != 1)
                return -EPERM;
        o->abi = 1;
        unsigned long *word = watch_bit(o, io->line_offset, &mask);
        if (*word & mask)
                return -EBUSY;
        *word |= mask;
        line_info_v1(chip_of(c), io->line_offset, io);
        return 0;
}

static int validate_GPIO_GET_LINEINFO_UNWATCH_IOCTL(struct ck_call *c, const struct ck_untrusted *u, __u32 *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_GPIO_GET_LINEINFO_UNWATCH_IOCTL(struct ck_call *c, const __u32 *in)
{
        struct gpio_open *o = ck_file_priv(ck_call_file(c));
        unsigned long mask;

        if (*in >= chip_of(c)->n_lines)
                return -EINVAL;
        unsigned long *word = watch_bit(o, *in, &mask);
        if (!(*word & mask))
                return -EBUSY;
        *word &= ~mask;
        return 0;
}

static const struct ck_device_type gpio_handle_type;
static const struct ck_device_type gpio_event_type;

static int validate_GPIO_GET_LINEHANDLE_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                              struct gpiohandle_request *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        if (ret->lines == 0 || ret->lines > GPIOHANDLES_MAX)
                return -EINVAL;
        r = handle_flags_valid(ret->flags);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < ret->lines; i++)
                if (ret->lineoffsets[i] >= chip_of(c)->n_lines)
                        return -EINVAL;
        return 0;
}

static void handle_release_lines(struct gpio_handle *h, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                release_line(h->chip, h->offsets[i]);
}

static int handle_GPIO_GET_LINEHANDLE_IOCTL(struct ck_call *c, struct gpiohandle_request *io)
{
        struct gpio_chip *chip = chip_of(c);
        struct ck_file *f;
        char label[sizeof(io->consumer_label)];

        g_strlcpy(label, io->consumer_label, sizeof(label));
        int r = ck_call_new_file(c, &gpio_handle_type, O_RDONLY | O_CLOEXEC, offsetof(struct gpiohandle_request, fd), &f);
        if (r < 0)
                return r;
        struct gpio_handle *h = ck_file_priv(f);
        h->chip = chip;
        for (unsigned i = 0; i < io->lines; i++) {
                unsigned offset = io->lineoffsets[i];
                r = claim(chip, offset, f, label);
                if (r < 0)
                        return r;             /* the file's release frees what it holds */
                h->offsets[h->n++] = offset;
                apply_handle_flags(&chip->lines[offset], io->flags);
                /* lines are set as input or output only when asked: else "as is" */
                if (io->flags & GPIOHANDLE_REQUEST_OUTPUT)
                        set_direction(chip, offset, TRUE, !!io->default_values[i]);
                else if (io->flags & GPIOHANDLE_REQUEST_INPUT)
                        set_direction(chip, offset, FALSE, FALSE);
                line_changed(chip, offset, GPIOLINE_CHANGED_REQUESTED);
        }
        io->fd = 0;                           /* the transport writes the number */
        return 0;
}

static int validate_GPIO_GET_LINEEVENT_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                             struct gpioevent_request *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        __u32 lflags = ret->handleflags;
        if (ret->lineoffset >= chip_of(c)->n_lines)
                return -EINVAL;
        if ((lflags & ~HANDLE_VALID_FLAGS) || (ret->eventflags & ~EVENT_VALID_FLAGS))
                return -EINVAL;
        if (lflags & (GPIOHANDLE_REQUEST_OUTPUT | GPIOHANDLE_REQUEST_OPEN_DRAIN | GPIOHANDLE_REQUEST_OPEN_SOURCE))
                return -EINVAL;
        __u32 bias = lflags & (GPIOHANDLE_REQUEST_BIAS_DISABLE | GPIOHANDLE_REQUEST_BIAS_PULL_UP |
                               GPIOHANDLE_REQUEST_BIAS_PULL_DOWN);
        if (bias & (bias - 1))
                return -EINVAL;
        return 0;
}

static int handle_GPIO_GET_LINEEVENT_IOCTL(struct ck_call *c, struct gpioevent_request *io)
{
        struct gpio_chip *chip = chip_of(c);
        struct ck_file *f;
        char label[sizeof(io->consumer_label)];

        g_strlcpy(label, io->consumer_label, sizeof(label));
        int r = ck_call_new_file(c, &gpio_event_type, O_RDONLY | O_CLOEXEC, offsetof(struct gpioevent_request, fd), &f);
        if (r < 0)
                return r;
        struct gpio_event *e = ck_file_priv(f);
        e->chip = chip;
        e->offset = io->lineoffset;
        r = claim(chip, io->lineoffset, f, label);
        if (r < 0) {
                e->chip = NULL;               /* holds nothing */
                return r;
        }
        e->eflags = io->eventflags;
        apply_handle_flags(&chip->lines[io->lineoffset], io->handleflags);
        set_direction(chip, io->lineoffset, FALSE, FALSE);
        line_changed(chip, io->lineoffset, GPIOLINE_CHANGED_REQUESTED);
        g_ptr_array_add(chip->event_files, f);
        io->fd = 0;
        return 0;
}

/* --- v2: line info, config, requests --- */

static gboolean all_zero(const void *p, size_t n)
{
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return FALSE;
        return TRUE;
}

static int validate_GPIO_V2_GET_LINEINFO_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                               struct gpio_v2_line_info *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        if (!all_zero(ret->padding, sizeof(ret->padding)))
                return -EINVAL;
        return ret->offset < chip_of(c)->n_lines ? 0 : -EINVAL;
}

static int handle_GPIO_V2_GET_LINEINFO_IOCTL(struct ck_call *c, struct gpio_v2_line_info *io)
{
        line_info_v2(chip_of(c), io->offset, io);
        return 0;
}

static int validate_GPIO_V2_GET_LINEINFO_WATCH_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                     struct gpio_v2_line_info *ret)
{
        return validate_GPIO_V2_GET_LINEINFO_IOCTL(c, u, ret);
}

static int handle_GPIO_V2_GET_LINEINFO_WATCH_IOCTL(struct ck_call *c, struct gpio_v2_line_info *io)
{
        struct gpio_open *o = ck_file_priv(ck_call_file(c));
        unsigned long mask;

        if (o->abi && o->abi != 2)
                return -EPERM;
        o->abi = 2;
        unsigned long *word = watch_bit(o, io->offset, &mask);
        if (*word & mask)
                return -EBUSY;
        *word |= mask;
        line_info_v2(chip_of(c), io->offset, io);
        return 0;
}

/* gpio_v2_line_config_flags(), _output_value(), _debounce_period() for line @k */
static const struct gpio_v2_line_config_attribute *config_attr(const struct gpio_v2_line_config *lc, unsigned k,
                                                               __u32 id)
{
        for (unsigned i = 0; i < lc->num_attrs; i++)
                if (lc->attrs[i].attr.id == id && (lc->attrs[i].mask & (1ull << k)))
                        return &lc->attrs[i];
        return NULL;
}

static guint64 config_flags(const struct gpio_v2_line_config *lc, unsigned k)
{
        const struct gpio_v2_line_config_attribute *a = config_attr(lc, k, GPIO_V2_LINE_ATTR_ID_FLAGS);

        return a ? a->attr.flags : lc->flags;
}

static gboolean config_output_value(const struct gpio_v2_line_config *lc, unsigned k)
{
        const struct gpio_v2_line_config_attribute *a = config_attr(lc, k, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);

        return a && (a->attr.values & (1ull << k));
}

/* gpio_v2_line_flags_validate(), with CONFIG_HTE off as in Debian's kernel */
static int v2_flags_valid(guint64 flags)
{
        if (flags & ~(guint64)V2_VALID_FLAGS)
                return -EINVAL;
        if (flags & GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE)
                return -EOPNOTSUPP;
        if ((flags & GPIO_V2_LINE_FLAG_INPUT) && (flags & GPIO_V2_LINE_FLAG_OUTPUT))
                return -EINVAL;
        if ((flags & V2_EDGE_FLAGS) && !(flags & GPIO_V2_LINE_FLAG_INPUT))
                return -EINVAL;
        if ((flags & GPIO_V2_LINE_FLAG_OPEN_DRAIN) && (flags & GPIO_V2_LINE_FLAG_OPEN_SOURCE))
                return -EINVAL;
        if ((flags & V2_DRIVE_FLAGS) && !(flags & GPIO_V2_LINE_FLAG_OUTPUT))
                return -EINVAL;
        if ((flags & V2_BIAS_FLAGS) && !(flags & V2_DIRECTION_FLAGS))
                return -EINVAL;
        guint64 bias = flags & V2_BIAS_FLAGS;
        if (bias & (bias - 1))
                return -EINVAL;
        return 0;
}

/* gpio_v2_line_config_validate() */
static int v2_config_valid(const struct gpio_v2_line_config *lc, unsigned n_lines)
{
        if (lc->num_attrs > GPIO_V2_LINE_NUM_ATTRS_MAX)
                return -EINVAL;
        if (!all_zero(lc->padding, sizeof(lc->padding)))
                return -EINVAL;
        for (unsigned i = 0; i < lc->num_attrs; i++)
                if (lc->attrs[i].attr.padding)
                        return -EINVAL;
        if (!all_zero(&lc->attrs[lc->num_attrs], (GPIO_V2_LINE_NUM_ATTRS_MAX - lc->num_attrs) * sizeof(lc->attrs[0])))
                return -EINVAL;
        for (unsigned k = 0; k < n_lines; k++) {
                guint64 flags = config_flags(lc, k);
                int r = v2_flags_valid(flags);
                if (r < 0)
                        return r;
                if (config_attr(lc, k, GPIO_V2_LINE_ATTR_ID_DEBOUNCE) && !(flags & GPIO_V2_LINE_FLAG_INPUT))
                        return -EINVAL;
        }
        return 0;
}

/* gpio_v2_line_config_flags_to_desc_flags(): a direction only when given */
static void apply_v2_flags(struct gpio_line *l, guint64 flags)
{
        const guint64 assigned = GPIO_V2_LINE_FLAG_ACTIVE_LOW | V2_EDGE_FLAGS | V2_DRIVE_FLAGS | V2_BIAS_FLAGS |
                                 GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME;

        l->flags = (l->flags & ~assigned) | (flags & assigned);
}

/* the direction, edges and debounce of line @k of @lr as @lc says */
static void v2_configure(struct gpio_linereq *lr, unsigned k, const struct gpio_v2_line_config *lc, guint64 flags)
{
        struct gpio_chip *chip = lr->chip;
        unsigned offset = lr->lines[k].offset;
        guint64 edflags = flags & V2_EDGE_FLAGS;

        struct gpio_req_line *rl = &lr->lines[k];

        rl->req = lr;
        apply_v2_flags(&chip->lines[offset], flags);
        if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
                debounce_stop(rl);            /* edge_detector_stop() */
                chip->lines[offset].debounce_us = 0;
                set_direction(chip, offset, TRUE, config_output_value(lc, k));
                edflags = 0;
        } else if (flags & GPIO_V2_LINE_FLAG_INPUT) {
                set_direction(chip, offset, FALSE, FALSE);
                /* debounce_setup(): the period, and the level it starts from */
                const struct gpio_v2_line_config_attribute *db = config_attr(lc, k, GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
                debounce_stop(rl);
                rl->debounce_us = db ? db->attr.debounce_period_us : 0;
                rl->level = line_level(&chip->lines[offset]);
                chip->lines[offset].debounce_us = rl->debounce_us;
        }
        rl->edflags = edflags;
}

static const struct ck_device_type gpio_line_type;

static int validate_GPIO_V2_GET_LINE_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                           struct gpio_v2_line_request *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        if (ret->num_lines == 0 || ret->num_lines > GPIO_V2_LINES_MAX)
                return -EINVAL;
        if (!all_zero(ret->padding, sizeof(ret->padding)))
                return -EINVAL;
        r = v2_config_valid(&ret->config, ret->num_lines);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < ret->num_lines; i++)
                if (ret->offsets[i] >= chip_of(c)->n_lines)
                        return -EINVAL;
        return 0;
}

static int handle_GPIO_V2_GET_LINE_IOCTL(struct ck_call *c, struct gpio_v2_line_request *io)
{
        struct gpio_chip *chip = chip_of(c);
        struct ck_file *f;
        char label[sizeof(io->consumer)];

        g_strlcpy(label, io->consumer, sizeof(label));
        int r = ck_call_new_file(c, &gpio_line_type, O_RDONLY | O_CLOEXEC, offsetof(struct gpio_v2_line_request, fd), &f);
        if (r < 0)
                return r;
        struct gpio_linereq *lr = ck_file_priv(f);
        lr->chip = chip;
        /* linereq_create(): 16 events a line unless asked, at most GPIO_V2_LINES_MAX * 16 */
        lr->capacity = io->event_buffer_size ? MIN(io->event_buffer_size, GPIO_V2_LINES_MAX * 16) : io->num_lines * 16;
        lr->queue = g_new0(struct gpio_v2_line_event, lr->capacity);
        g_ptr_array_add(chip->line_files, f);
        for (unsigned k = 0; k < io->num_lines; k++) {
                unsigned offset = io->offsets[k];
                r = claim(chip, offset, f, label);
                if (r < 0)
                        return r;
                lr->lines[lr->n++].offset = offset;
                v2_configure(lr, k, &io->config, config_flags(&io->config, k));
                line_changed(chip, offset, GPIO_V2_LINE_CHANGED_REQUESTED);
        }
        io->fd = 0;
        return 0;
}

CK_IOCTL_TABLE(gpio_chip_ioctls, GPIO_CHIP_IOCTLS);

/* --- a line handle's ioctls (linehandle_ioctl_unlocked) --- */

static struct gpio_handle *handle_of(struct ck_call *c)
{
        return ck_file_priv(ck_call_file(c));
}

static int handle_GPIOHANDLE_GET_LINE_VALUES_IOCTL(struct ck_call *c, struct gpiohandle_data *out)
{
        struct gpio_handle *h = handle_of(c);

        /* reading an output's value is fine */
        for (unsigned i = 0; i < h->n; i++)
                out->values[i] = line_value(&h->chip->lines[h->offsets[i]]);
        return 0;
}

static int validate_GPIOHANDLE_SET_LINE_VALUES_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                     struct gpiohandle_data *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_GPIOHANDLE_SET_LINE_VALUES_IOCTL(struct ck_call *c, const struct gpiohandle_data *in)
{
        struct gpio_handle *h = handle_of(c);

        /* requested together with the same flags: the first line says */
        if (!(h->chip->lines[h->offsets[0]].flags & GPIO_V2_LINE_FLAG_OUTPUT))
                return -EPERM;
        for (unsigned i = 0; i < h->n; i++)
                set_output(h->chip, h->offsets[i], !!in->values[i]);
        return 0;
}

static int validate_GPIOHANDLE_SET_CONFIG_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                struct gpiohandle_config *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        r = handle_flags_valid(ret->flags);
        if (r < 0)
                return r;
        /* reconfigured explicitly as input or output */
        return ret->flags & (GPIOHANDLE_REQUEST_INPUT | GPIOHANDLE_REQUEST_OUTPUT) ? 0 : -EINVAL;
}

static int handle_GPIOHANDLE_SET_CONFIG_IOCTL(struct ck_call *c, const struct gpiohandle_config *in)
{
        struct gpio_handle *h = handle_of(c);

        for (unsigned i = 0; i < h->n; i++) {
                apply_handle_flags(&h->chip->lines[h->offsets[i]], in->flags);
                set_direction(h->chip, h->offsets[i], !!(in->flags & GPIOHANDLE_REQUEST_OUTPUT),
                              !!in->default_values[i]);
                line_changed(h->chip, h->offsets[i], GPIOLINE_CHANGED_CONFIG);
        }
        return 0;
}

CK_IOCTL_TABLE(gpio_handle_ioctls, GPIO_HANDLE_IOCTLS);

static void handle_release(struct ck_file *f)
{
        struct gpio_handle *h = ck_file_priv(f);

        if (h->chip)
                handle_release_lines(h, h->n);
}

/* --- a line event's --- */

static int handle_GPIOEVENT_GET_LINE_VALUES_IOCTL(struct ck_call *c, struct gpiohandle_data *out)
{
        struct gpio_event *e = ck_file_priv(ck_call_file(c));

        out->values[0] = line_value(&e->chip->lines[e->offset]);
        return 0;
}

CK_IOCTL_TABLE(gpio_event_ioctls, GPIO_EVENT_IOCTLS);

/* lineevent_read_unlocked(): whole events only, as many as fit */
static ssize_t event_read(struct ck_file *f, void *buf, size_t size)
{
        struct gpio_event *e = ck_file_priv(f);
        size_t done = 0;

        if (size < sizeof(struct gpioevent_data))
                return -EINVAL;
        if (!e->n_queued)
                return -EAGAIN;
        while (e->n_queued && size - done >= sizeof(struct gpioevent_data)) {
                memcpy((char *)buf + done, &e->queue[e->first], sizeof(struct gpioevent_data));
                e->first = (e->first + 1) % GPIO_EVENT_QUEUE;
                e->n_queued--;
                done += sizeof(struct gpioevent_data);
        }
        return (ssize_t)done;
}

static unsigned event_poll(struct ck_file *f)
{
        struct gpio_event *e = ck_file_priv(f);

        return e->n_queued ? POLLIN | POLLRDNORM : 0;
}

static void event_release(struct ck_file *f)
{
        struct gpio_event *e = ck_file_priv(f);

        if (!e->chip)
                return;
        g_ptr_array_remove_fast(e->chip->event_files, f);
        if (e->chip->lines[e->offset].owner == f)
                release_line(e->chip, e->offset);
}

/* --- a v2 line request's (linereq_ioctl_unlocked) --- */

static struct gpio_linereq *linereq_of(struct ck_call *c)
{
        return ck_file_priv(ck_call_file(c));
}

static int validate_GPIO_V2_LINE_SET_CONFIG_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                  struct gpio_v2_line_config *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));
        if (r < 0)
                return r;
        return v2_config_valid(ret, linereq_of(c)->n);
}

static int handle_GPIO_V2_LINE_SET_CONFIG_IOCTL(struct ck_call *c, const struct gpio_v2_line_config *in)
{
        struct gpio_linereq *lr = linereq_of(c);

        for (unsigned k = 0; k < lr->n; k++) {
                guint64 flags = config_flags(in, k);
                /* lines not reconfigured as input or output are left alone */
                if (!(flags & V2_DIRECTION_FLAGS))
                        continue;
                v2_configure(lr, k, in, flags);
                line_changed(lr->chip, lr->lines[k].offset, GPIO_V2_LINE_CHANGED_CONFIG);
        }
        return 0;
}

static int validate_GPIO_V2_LINE_GET_VALUES_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                  struct gpio_v2_line_values *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_GPIO_V2_LINE_GET_VALUES_IOCTL(struct ck_call *c, struct gpio_v2_line_values *io)
{
        struct gpio_linereq *lr = linereq_of(c);
        guint64 bits = 0;
        unsigned asked = 0;

        for (unsigned k = 0; k < lr->n; k++)
                if (io->mask & (1ull << k)) {
                        const struct gpio_line *l = &lr->chip->lines[lr->lines[k].offset];
                        /* debounced_value() for a debounced line */
                        gboolean value = lr->lines[k].debounce_us
                                                 ? lr->lines[k].level ^ !!(l->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW)
                                                 : line_value(l);
                        asked++;
                        if (value)
                                bits |= 1ull << k;
                }
        if (!asked)
                return -EINVAL;
        io->bits = bits;
        return 0;
}

static int validate_GPIO_V2_LINE_SET_VALUES_IOCTL(struct ck_call *c, const struct ck_untrusted *u,
                                                  struct gpio_v2_line_values *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_GPIO_V2_LINE_SET_VALUES_IOCTL(struct ck_call *c, const struct gpio_v2_line_values *in)
{
        struct gpio_linereq *lr = linereq_of(c);
        unsigned asked = 0;

        for (unsigned k = 0; k < lr->n; k++)
                if (in->mask & (1ull << k)) {
                        if (!(lr->chip->lines[lr->lines[k].offset].flags & GPIO_V2_LINE_FLAG_OUTPUT))
                                return -EPERM;
                        asked++;
                }
        if (!asked)
                return -EINVAL;
        for (unsigned k = 0; k < lr->n; k++)
                if (in->mask & (1ull << k))
                        set_output(lr->chip, lr->lines[k].offset, !!(in->bits & (1ull << k)));
        return 0;
}

CK_IOCTL_TABLE(gpio_line_ioctls, GPIO_LINE_IOCTLS);

/* linereq_read_unlocked(): whole events, as many as fit */
static ssize_t line_read(struct ck_file *f, void *buf, size_t size)
{
        struct gpio_linereq *lr = ck_file_priv(f);
        size_t done = 0;

        if (size < sizeof(struct gpio_v2_line_event))
                return -EINVAL;
        if (!lr->n_queued)
                return -EAGAIN;
        while (lr->n_queued && size - done >= sizeof(struct gpio_v2_line_event)) {
                memcpy((char *)buf + done, &lr->queue[lr->first], sizeof(struct gpio_v2_line_event));
                lr->first = (lr->first + 1) % lr->capacity;
                lr->n_queued--;
                done += sizeof(struct gpio_v2_line_event);
        }
        return (ssize_t)done;
}

static unsigned line_poll(struct ck_file *f)
{
        struct gpio_linereq *lr = ck_file_priv(f);

        return lr->n_queued ? POLLIN | POLLRDNORM : 0;
}

static void line_release(struct ck_file *f)
{
        struct gpio_linereq *lr = ck_file_priv(f);

        if (lr->chip) {
                g_ptr_array_remove_fast(lr->chip->line_files, f);
                for (unsigned k = 0; k < lr->n; k++) {
                        debounce_stop(&lr->lines[k]);
                        release_line(lr->chip, lr->lines[k].offset);
                }
        }
        g_free(lr->queue);
}

CK_STRUCT_DESC(gpiochip_info_desc, struct gpiochip_info,
        CK_FIELD_ARRAY(struct gpiochip_info, name, STRING),
        CK_FIELD_ARRAY(struct gpiochip_info, label, STRING),
        CK_FIELD(struct gpiochip_info, lines, UINT));
CK_STRUCT_DESC(gpioline_info_desc, struct gpioline_info,
        CK_FIELD(struct gpioline_info, line_offset, UINT),
        CK_FIELD(struct gpioline_info, flags, HEX),
        CK_FIELD_ARRAY(struct gpioline_info, name, STRING),
        CK_FIELD_ARRAY(struct gpioline_info, consumer, STRING));
CK_STRUCT_DESC(gpiohandle_request_desc, struct gpiohandle_request,
        CK_FIELD(struct gpiohandle_request, flags, HEX),
        CK_FIELD_ARRAY(struct gpiohandle_request, consumer_label, STRING),
        CK_FIELD(struct gpiohandle_request, lines, UINT),
        CK_FIELD(struct gpiohandle_request, fd, INT));
CK_STRUCT_DESC(gpioevent_request_desc, struct gpioevent_request,
        CK_FIELD(struct gpioevent_request, lineoffset, UINT),
        CK_FIELD(struct gpioevent_request, handleflags, HEX),
        CK_FIELD(struct gpioevent_request, eventflags, HEX),
        CK_FIELD_ARRAY(struct gpioevent_request, consumer_label, STRING),
        CK_FIELD(struct gpioevent_request, fd, INT));
CK_STRUCT_DESC(gpiohandle_data_desc, struct gpiohandle_data,
        CK_FIELD_ARRAY(struct gpiohandle_data, values, BYTES));
CK_STRUCT_DESC(gpiohandle_config_desc, struct gpiohandle_config,
        CK_FIELD(struct gpiohandle_config, flags, HEX),
        CK_FIELD_ARRAY(struct gpiohandle_config, default_values, BYTES));

CK_STRUCT_DESC(gpio_v2_line_info_desc, struct gpio_v2_line_info,
        CK_FIELD_ARRAY(struct gpio_v2_line_info, name, STRING),
        CK_FIELD_ARRAY(struct gpio_v2_line_info, consumer, STRING),
        CK_FIELD(struct gpio_v2_line_info, offset, UINT),
        CK_FIELD(struct gpio_v2_line_info, num_attrs, UINT),
        CK_FIELD(struct gpio_v2_line_info, flags, HEX));
CK_STRUCT_DESC(gpio_v2_line_request_desc, struct gpio_v2_line_request,
        CK_FIELD_ARRAY(struct gpio_v2_line_request, offsets, UINT),
        CK_FIELD_ARRAY(struct gpio_v2_line_request, consumer, STRING),
        CK_FIELD(struct gpio_v2_line_request, num_lines, UINT),
        CK_FIELD(struct gpio_v2_line_request, event_buffer_size, UINT),
        CK_FIELD(struct gpio_v2_line_request, fd, INT));
CK_STRUCT_DESC(gpio_v2_line_config_desc, struct gpio_v2_line_config,
        CK_FIELD(struct gpio_v2_line_config, flags, HEX),
        CK_FIELD(struct gpio_v2_line_config, num_attrs, UINT));
CK_STRUCT_DESC(gpio_v2_line_values_desc, struct gpio_v2_line_values,
        CK_FIELD(struct gpio_v2_line_values, bits, HEX),
        CK_FIELD(struct gpio_v2_line_values, mask, HEX));

static const struct ck_struct_desc *const gpio_structs[] = {
        &gpiochip_info_desc, &gpioline_info_desc, &gpiohandle_request_desc, &gpioevent_request_desc,
        &gpio_v2_line_info_desc, &gpio_v2_line_request_desc, NULL,
};
static const struct ck_struct_desc *const gpio_line_structs[] = {
        &gpio_v2_line_config_desc, &gpio_v2_line_values_desc, NULL,
};
static const struct ck_struct_desc *const gpio_handle_structs[] = { &gpiohandle_data_desc, &gpiohandle_config_desc,
                                                                   NULL };

static const struct ck_device_type gpio_handle_type = {
        .name = "gpio-linehandle",
        .ioctls = gpio_handle_ioctls,
        .n_ioctls = G_N_ELEMENTS(gpio_handle_ioctls),
        .structs = gpio_handle_structs,
        .file_priv_size = sizeof(struct gpio_handle),
        .release = handle_release,
        .unknown_ioctl_errno = EINVAL,
};

static const struct ck_device_type gpio_line_type = {
        .name = "gpio-line",
        .ioctls = gpio_line_ioctls,
        .n_ioctls = G_N_ELEMENTS(gpio_line_ioctls),
        .structs = gpio_line_structs,
        .file_priv_size = sizeof(struct gpio_linereq),
        .read = line_read,
        .poll = line_poll,
        .release = line_release,
        .unknown_ioctl_errno = EINVAL,
};

static const struct ck_device_type gpio_event_type = {
        .name = "gpio-event",
        .ioctls = gpio_event_ioctls,
        .n_ioctls = G_N_ELEMENTS(gpio_event_ioctls),
        .structs = gpio_handle_structs,
        .file_priv_size = sizeof(struct gpio_event),
        .read = event_read,
        .poll = event_poll,
        .release = event_release,
        .unknown_ioctl_errno = EINVAL,
};

/* --- the node: opens and line-info-changed events --- */

static int chip_open(struct ck_file *f)
{
        struct gpio_chip *chip = ck_device_priv(ck_file_device(f));
        struct gpio_open *o = ck_file_priv(f);

        o->watched = g_new0(unsigned long, (chip->n_lines + 8 * sizeof(long) - 1) / (8 * sizeof(long)));
        g_ptr_array_add(chip->chip_files, f);
        return 0;
}

static void chip_release(struct ck_file *f)
{
        struct gpio_chip *chip = ck_device_priv(ck_file_device(f));
        struct gpio_open *o = ck_file_priv(f);

        g_ptr_array_remove_fast(chip->chip_files, f);
        g_free(o->watched);
}

/* lineinfo_watch_read(): blocks while empty whatever the size; the event's
 * size is the ABI the first watch chose (v1 until a v2 watch) */
static ssize_t chip_read(struct ck_file *f, void *buf, size_t size)
{
        struct gpio_open *o = ck_file_priv(f);
        size_t done = 0;

        if (!o->n_changes)
                return -EAGAIN;
        size_t event_size = o->abi == 2 ? sizeof(struct gpio_v2_line_info_changed) : sizeof(struct gpioline_info_changed);
        if (size < event_size)
                return -EINVAL;
        do {
                const struct gpio_v2_line_info_changed *ev = &o->changes[o->first_change];
                if (event_size == sizeof(*ev)) {
                        memcpy((char *)buf + done, ev, sizeof(*ev));
                } else {
                        /* gpio_v2_line_info_changed_to_v1() */
                        struct gpioline_info_changed v1 = { .timestamp = ev->timestamp_ns, .event_type = ev->event_type };
                        info_to_v1(&ev->info, &v1.info);
                        memcpy((char *)buf + done, &v1, sizeof(v1));
                }
                o->first_change = (o->first_change + 1) % GPIO_WATCH_QUEUE;
                o->n_changes--;
                done += event_size;
        } while (o->n_changes && size >= done + sizeof(struct gpio_v2_line_info_changed));
        return (ssize_t)done;
}

static unsigned chip_poll(struct ck_file *f)
{
        struct gpio_open *o = ck_file_priv(f);

        return o->n_changes ? POLLIN | POLLRDNORM : 0;
}

/* --- state: line/N is the level driven from outside --- */

static GVariant *line_get(struct ck_device *d, void *userdata)
{
        struct gpio_chip *chip = ck_device_priv(d);

        return g_variant_new_boolean(line_level(&chip->lines[GPOINTER_TO_UINT(userdata)]));
}

static int line_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        set_input_level(ck_device_priv(d), GPOINTER_TO_UINT(userdata), g_variant_get_boolean(value));
        return 0;
}

static int parse_uint(const char *text, unsigned max, unsigned *ret)
{
        guint64 v;

        if (!g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL))
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

static int init_chip(struct ck_device *d, GHashTable *params, GError **error)
{
        struct gpio_chip *chip = ck_device_priv(d);
        const char *text;

        chip->dev = d;
        chip->n_lines = GPIO_DEFAULT_LINES;
        if ((text = g_hash_table_lookup(params, "lines")) && (parse_uint(text, GPIO_MAX_LINES, &chip->n_lines) < 0 ||
                                                              chip->n_lines == 0)) {
                g_set_error(error, CK_ERROR, EINVAL, "lines=%s: a number of lines from 1 to %d", text, GPIO_MAX_LINES);
                return -EINVAL;
        }
        text = g_hash_table_lookup(params, "label");
        chip->label = g_strdup(text ? text : GPIO_DEFAULT_LABEL);
        chip->lines = g_new0(struct gpio_line, chip->n_lines);
        chip->chip_files = g_ptr_array_new();
        chip->event_files = g_ptr_array_new();
        chip->line_files = g_ptr_array_new();
        for (unsigned i = 0; i < chip->n_lines; i++) {
                chip->lines[i].flags = GPIO_V2_LINE_FLAG_INPUT;
                chip->lines[i].drives = -1;
        }
        if ((text = g_hash_table_lookup(params, "names"))) {
                g_auto(GStrv) names = g_strsplit(text, ":", -1);
                if (g_strv_length(names) > chip->n_lines) {
                        g_set_error(error, CK_ERROR, EINVAL, "names=%s: %u names for %u lines", text,
                                    g_strv_length(names), chip->n_lines);
                        return -EINVAL;
                }
                for (unsigned i = 0; names[i]; i++)
                        chip->lines[i].name = *names[i] ? g_strdup(names[i]) : NULL;
        }
        if ((text = g_hash_table_lookup(params, "wire"))) {
                g_auto(GStrv) wires = g_strsplit(text, CK_LIST_SEPARATOR, -1);
                for (char **w = wires; *w; w++) {
                        g_auto(GStrv) ends = g_strsplit(*w, ":", -1);
                        unsigned from, to;
                        if (g_strv_length(ends) != 2 || parse_uint(ends[0], chip->n_lines - 1, &from) < 0 ||
                            parse_uint(ends[1], chip->n_lines - 1, &to) < 0 || from == to) {
                                g_set_error(error, CK_ERROR, EINVAL,
                                            "wire=%s: OUTPUT:INPUT, two different lines below %u", *w, chip->n_lines);
                                return -EINVAL;
                        }
                        chip->lines[from].drives = (int)to;
                }
        }
        for (unsigned i = 0; i < chip->n_lines; i++) {
                g_autofree char *name = g_strdup_printf("line/%u", i);
                ck_device_add_state(d, &(struct ck_state_var){
                        .name = g_intern_string(name),
                        .summary = "the line's level: what drives an input from outside, an output's own",
                        .type = "b",
                        .get = line_get,
                        .set = line_set,
                        .userdata = GUINT_TO_POINTER(i),
                });
        }
        return 0;
}

static void gpio_fini(struct ck_device *d)
{
        struct gpio_chip *chip = ck_device_priv(d);

        for (unsigned i = 0; chip->lines && i < chip->n_lines; i++)
                g_free(chip->lines[i].name);
        g_clear_pointer(&chip->lines, g_free);
        g_clear_pointer(&chip->label, g_free);
        g_clear_pointer(&chip->chip_files, g_ptr_array_unref);
        g_clear_pointer(&chip->event_files, g_ptr_array_unref);
        g_clear_pointer(&chip->line_files, g_ptr_array_unref);
}

/* A failed init leaves nothing behind: the device layer calls no fini then. */
static int gpio_init(struct ck_device *d, GHashTable *params, GError **error)
{
        int r = init_chip(d, params, error);

        if (r < 0)
                gpio_fini(d);
        return r;
}

/* A gpio_device on the gpio bus: libgpiod 1.6 checks
 * /sys/bus/gpio/devices/NAME/dev against the node's numbers. */
CK_SYSFS_CLASS(gpio_sysfs, "gpio",
        CK_SYSFS_LINK("/sys/bus/gpio/devices/%s", "../../../devices/virtual/gpio/%s"));

static const char *const gpio_params[] = { "lines", "label", "names", "wire", NULL };
static const char *const gpio_list_params[] = { "wire", NULL };
static const struct ck_device_type *const gpio_file_types[] = { &gpio_handle_type, &gpio_event_type,
                                                                 &gpio_line_type, NULL };

static const struct ck_device_type ck_device_type_gpio = {
        .name = "gpio",
        .summary = "a GPIO chip (gpiolib-cdev, v1 and v2 uAPI): lines=N (8), label=TEXT, names=A:B:..., "
                   "wire=OUT:IN (repeatable); line requests need cusekit run",
        .ioctls = gpio_chip_ioctls,
        .n_ioctls = G_N_ELEMENTS(gpio_chip_ioctls),
        .params = gpio_params,
        .list_params = gpio_list_params,
        .structs = gpio_structs,
        .priv_size = sizeof(struct gpio_chip),
        .file_priv_size = sizeof(struct gpio_open),
        .init = gpio_init,
        .fini = gpio_fini,
        .open = chip_open,
        .release = chip_release,
        .read = chip_read,
        .poll = chip_poll,
        .sysfs = &gpio_sysfs,
        .file_types = gpio_file_types,
        .unknown_ioctl_errno = EINVAL,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_gpio);
