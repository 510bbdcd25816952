/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * evdev: an input device behind drivers/input/evdev.c.
 *
 * The device is an input_dev (name, id, capability bits, absinfo, a keymap,
 * force feedback as ff-memless keeps it) and its state; events reach it as
 * input_event() does (the test, the `events` state) or input_inject_event()
 * (a client's write()), through the input core's filters
 * (input_get_disposition(): a key already down is not reported again, abs
 * fuzz, MT slots), batched per SYN_REPORT, and passed to every open (or to
 * the grabbing one) into its own ring buffer as evdev_pass_values() does:
 * SYN_DROPPED on overflow, per-open event masks and clock.
 *
 * A device with EV_REP whose description gives no delay and period repeats
 * held keys in software as the input core does (250 ms, then every 33 ms:
 * value 2, on the GLib main loop).
 *
 * Not modelled: inhibiting, compat (32-bit) callers.
 */
#include "evdev-abi.h"
#include "evdev-priv.h"
#include "evdev-udev.h"

#include <cusekit/device.h>

#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define EVDEV_MIN_BUFFER_SIZE 64u
#define EVDEV_BUF_PACKETS 8

/* input_event_dispose()'s dispositions */
#define INPUT_IGNORE_EVENT 0
#define INPUT_PASS_TO_HANDLERS 1
#define INPUT_PASS_TO_DEVICE 2
#define INPUT_SLOT 4
#define INPUT_FLUSH 8
#define INPUT_PASS_TO_ALL (INPUT_PASS_TO_HANDLERS | INPUT_PASS_TO_DEVICE)

enum { CLK_REAL, CLK_MONO, CLK_BOOT, CLK_MAX };

struct evdev_client {
        struct evdev *ev;
        unsigned head, tail, packet_head, bufsize;
        struct input_event *buffer;
        int clk_type;
        bool revoked;
        unsigned long *evmasks[EV_CNT];
};

struct evdev {
        struct ck_device *dev;
        struct evdev_desc d;
        /* state */
        unsigned long key[EVDEV_LONGS(KEY_CNT)];
        unsigned long led[EVDEV_LONGS(LED_CNT)];
        unsigned long snd[EVDEV_LONGS(SND_CNT)];
        unsigned long sw[EVDEV_LONGS(SW_CNT)];
        bool has_absinfo;
        unsigned num_slots, slot;         /* input_mt: 0 slots = none */
        int slots[EVDEV_MAX_SLOTS][EVDEV_MT_AXES];
        /* input_event_dispose()'s batch */
        struct input_value { __u16 type, code; __s32 value; } *vals;
        unsigned num_vals, max_vals, bufsize;
        /* force feedback */
        struct ff_effect *effects;
        struct evdev_client **effect_owners;
        int *playing;
        unsigned gain, autocenter;
        /* opens */
        GPtrArray *clients;
        struct evdev_client *grab;
        guint64 injected;
        /* input_enable_softrepeat() */
        bool softrepeat;
        unsigned repeat_key;
        guint repeat_timer;
};

static void input_event(struct evdev *ev, unsigned type, unsigned code, int value);
static int get_disposition(struct evdev *ev, unsigned type, unsigned code, int *pval);
static void event_dispose(struct evdev *ev, int disposition, unsigned type, unsigned code, int value);

/* --- the model's accessors (evdev-model.h) --- */

void evdev_desc_clear(struct evdev_desc *desc)
{
        g_clear_pointer(&desc->name, g_free);
        g_clear_pointer(&desc->phys, g_free);
        g_clear_pointer(&desc->uniq, g_free);
}

unsigned long *evdev_desc_bits(struct evdev_desc *desc, unsigned type, unsigned *ret_max)
{
        switch (type) {
        case 0:      *ret_max = EV_MAX;  return desc->evbit;
        case EV_KEY: *ret_max = KEY_MAX; return desc->keybit;
        case EV_REL: *ret_max = REL_MAX; return desc->relbit;
        case EV_ABS: *ret_max = ABS_MAX; return desc->absbit;
        case EV_MSC: *ret_max = MSC_MAX; return desc->mscbit;
        case EV_LED: *ret_max = LED_MAX; return desc->ledbit;
        case EV_SND: *ret_max = SND_MAX; return desc->sndbit;
        case EV_FF:  *ret_max = FF_MAX;  return desc->ffbit;
        case EV_SW:  *ret_max = SW_MAX;  return desc->swbit;
        }
        *ret_max = 0;
        return NULL;
}

bool evdev_model_test_bit(struct ck_device *d, unsigned type, unsigned code)
{
        struct evdev *ev = ck_device_priv(d);
        unsigned max;
        const unsigned long *bits = evdev_desc_bits(&ev->d, type, &max);

        return bits && code <= max && evdev_bit(bits, code);
}

bool evdev_model_test_prop(struct ck_device *d, unsigned prop)
{
        struct evdev *ev = ck_device_priv(d);

        return prop <= INPUT_PROP_MAX && evdev_bit(ev->d.propbit, prop);
}

const struct input_id *evdev_model_id(struct ck_device *d)
{
        return &((struct evdev *)ck_device_priv(d))->d.id;
}

const char *evdev_model_name(struct ck_device *d)
{
        const char *s = ((struct evdev *)ck_device_priv(d))->d.name;
        return s ? s : "";
}

const char *evdev_model_phys(struct ck_device *d)
{
        const char *s = ((struct evdev *)ck_device_priv(d))->d.phys;
        return s ? s : "";
}

const char *evdev_model_uniq(struct ck_device *d)
{
        const char *s = ((struct evdev *)ck_device_priv(d))->d.uniq;
        return s ? s : "";
}

const struct input_absinfo *evdev_model_absinfo(struct ck_device *d, unsigned code)
{
        struct evdev *ev = ck_device_priv(d);

        if (code > ABS_MAX || !evdev_bit(ev->d.evbit, EV_ABS) || !evdev_bit(ev->d.absbit, code))
                return NULL;
        return &ev->d.absinfo[code];
}

/* --- client ring buffers: evdev.c --- */

static size_t mask_cnt(unsigned type)
{
        static const size_t counts[EV_CNT] = {
                [EV_SYN] = EV_CNT, [EV_KEY] = KEY_CNT, [EV_REL] = REL_CNT, [EV_ABS] = ABS_CNT,
                [EV_MSC] = MSC_CNT, [EV_SW] = SW_CNT, [EV_LED] = LED_CNT, [EV_SND] = SND_CNT,
                [EV_FF] = FF_CNT,
        };
        return type < EV_CNT ? counts[type] : 0;
}

static bool is_filtered(struct evdev_client *client, unsigned type, unsigned code)
{
        if (type == EV_SYN || type >= EV_CNT)
                return false;
        if (client->evmasks[0] && !evdev_bit(client->evmasks[0], type))
                return true;
        size_t cnt = mask_cnt(type);
        if (!cnt || code >= cnt)
                return false;
        return client->evmasks[type] && !evdev_bit(client->evmasks[type], code);
}

static void timestamp(int clk_type, struct input_event *e)
{
        static const clockid_t ids[CLK_MAX] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
        struct timespec ts;

        clock_gettime(ids[clk_type], &ts);
        e->input_event_sec = ts.tv_sec;
        e->input_event_usec = ts.tv_nsec / 1000;
}

/* __evdev_flush_queue(): drops queued events of @type, and SYN_REPORTs left empty */
static void flush_queue(struct evdev_client *client, unsigned type)
{
        unsigned mask = client->bufsize - 1, head = client->tail, num = 1;

        client->packet_head = client->tail;
        for (unsigned i = client->tail; i != client->head; i = (i + 1) & mask) {
                struct input_event *e = &client->buffer[i];
                bool is_report = e->type == EV_SYN && e->code == SYN_REPORT;
                if (e->type == type)
                        continue;
                if (is_report && !num)
                        continue;
                if (head != i)
                        client->buffer[head] = *e;
                num++;
                head = (head + 1) & mask;
                if (is_report) {
                        num = 0;
                        client->packet_head = head;
                }
        }
        client->head = head;
}

static void queue_syn_dropped(struct evdev_client *client)
{
        struct input_event e = { .type = EV_SYN, .code = SYN_DROPPED };

        timestamp(client->clk_type, &e);
        client->buffer[client->head++] = e;
        client->head &= client->bufsize - 1;
        if (client->head == client->tail) {
                client->tail = (client->head - 1) & (client->bufsize - 1);
                client->packet_head = client->tail;
        }
}

static void pass_event(struct evdev_client *client, const struct input_event *e)
{
        client->buffer[client->head++] = *e;
        client->head &= client->bufsize - 1;
        if (client->head == client->tail) {
                /* all unread events go: SYN_DROPPED and the newest stay */
                struct input_event dropped = { .input_event_sec = e->input_event_sec,
                                               .input_event_usec = e->input_event_usec,
                                               .type = EV_SYN, .code = SYN_DROPPED };
                client->tail = (client->head - 2) & (client->bufsize - 1);
                client->buffer[client->tail] = dropped;
                client->packet_head = client->tail;
        }
        if (e->type == EV_SYN && e->code == SYN_REPORT)
                client->packet_head = client->head;
}

static bool pass_values(struct evdev_client *client, const struct input_value *vals, unsigned count)
{
        struct input_event e = { 0 };
        bool wakeup = false;

        if (client->revoked)
                return false;
        timestamp(client->clk_type, &e);
        for (const struct input_value *v = vals; v != vals + count; v++) {
                if (is_filtered(client, v->type, v->code))
                        continue;
                if (v->type == EV_SYN && v->code == SYN_REPORT) {
                        if (client->packet_head == client->head)
                                continue;     /* an empty report */
                        wakeup = true;
                }
                e.type = v->type;
                e.code = v->code;
                e.value = v->value;
                pass_event(client, &e);
        }
        return wakeup;
}

static bool is_event_supported_key(const struct evdev *ev, unsigned code)
{
        return code <= KEY_MAX && evdev_bit(ev->d.keybit, code);
}

static void stop_autorepeat(struct evdev *ev)
{
        if (ev->repeat_timer)
                g_source_remove(ev->repeat_timer);
        ev->repeat_timer = 0;
}

static gboolean repeat_key(gpointer userdata);

static void arm_autorepeat(struct evdev *ev, int ms)
{
        stop_autorepeat(ev);
        ev->repeat_timer = g_timeout_add((guint)MAX(ms, 1), repeat_key, ev);
}

static void start_autorepeat(struct evdev *ev, unsigned code)
{
        if (ev->softrepeat && ev->d.rep[REP_PERIOD] > 0 && ev->d.rep[REP_DELAY] > 0) {
                ev->repeat_key = code;
                arm_autorepeat(ev, ev->d.rep[REP_DELAY]);
        }
}

/* input_repeat_key(): the held key again (value 2) and a report, every period */
static gboolean repeat_key(gpointer userdata)
{
        struct evdev *ev = userdata;
        unsigned code = ev->repeat_key;

        ev->repeat_timer = 0;
        if (evdev_bit(ev->key, code) && is_event_supported_key(ev, code)) {
                int value = 2, sync = 1;
                int disposition = get_disposition(ev, EV_KEY, code, &value);
                if (disposition != INPUT_IGNORE_EVENT)
                        event_dispose(ev, disposition, EV_KEY, code, value);
                disposition = get_disposition(ev, EV_SYN, SYN_REPORT, &sync);
                event_dispose(ev, disposition, EV_SYN, SYN_REPORT, sync);
                if (ev->d.rep[REP_PERIOD] > 0 && !ev->repeat_timer)
                        arm_autorepeat(ev, ev->d.rep[REP_PERIOD]);
        }
        return G_SOURCE_REMOVE;
}

/* input_pass_values() -> evdev_events(): to the grabbing open, or to all */
static void input_pass_values(struct evdev *ev, const struct input_value *vals, unsigned count)
{
        bool wakeup = false;

        if (!count)
                return;
        if (ev->grab) {
                wakeup = pass_values(ev->grab, vals, count);
        } else {
                for (guint i = 0; i < ev->clients->len; i++)
                        wakeup |= pass_values(g_ptr_array_index(ev->clients, i), vals, count);
        }
        if (wakeup)
                ck_device_notify(ev->dev);
        /* autorepeat starts with a press, stops with any release */
        if (evdev_bit(ev->d.evbit, EV_REP) && evdev_bit(ev->d.evbit, EV_KEY))
                for (const struct input_value *v = vals; v != vals + count; v++)
                        if (v->type == EV_KEY && v->value != 2) {
                                if (v->value)
                                        start_autorepeat(ev, v->code);
                                else
                                        stop_autorepeat(ev);
                        }
}

/* --- force feedback: ff-core.c over an ff-memless-like driver --- */

static int check_effect_access(struct evdev *ev, int id, struct evdev_client *client)
{
        if (id < 0 || (unsigned)id >= ev->d.max_effects || !ev->effect_owners[id])
                return -EINVAL;
        if (client && ev->effect_owners[id] != client)
                return -EACCES;
        return 0;
}

static void ff_event(struct evdev *ev, unsigned code, int value)
{
        switch (code) {
        case FF_GAIN:
                if (evdev_bit(ev->d.ffbit, FF_GAIN) && (unsigned)value <= 0xffffu)
                        ev->gain = (unsigned)value;
                break;
        case FF_AUTOCENTER:
                if (evdev_bit(ev->d.ffbit, FF_AUTOCENTER) && (unsigned)value <= 0xffffu)
                        ev->autocenter = (unsigned)value;
                break;
        default:
                if (check_effect_access(ev, (int)code, NULL) == 0)
                        ev->playing[code] = value;
                break;
        }
}

static void erase_effect(struct evdev *ev, unsigned id)
{
        ev->playing[id] = 0;
        ev->effect_owners[id] = NULL;
}

/* input_ff_flush(): an open's effects go when it is closed or revoked */
static void ff_flush(struct evdev *ev, struct evdev_client *client)
{
        for (unsigned i = 0; i < ev->d.max_effects; i++)
                if (ev->effect_owners[i] == client)
                        erase_effect(ev, i);
}

/* --- the input core: input.c --- */

static bool is_event_supported(unsigned code, const unsigned long *bm, unsigned max)
{
        return code <= max && evdev_bit(bm, code);
}

static int defuzz(int value, int old, int fuzz)
{
        if (fuzz) {
                if (value > old - fuzz / 2 && value < old + fuzz / 2)
                        return old;
                if (value > old - fuzz && value < old + fuzz)
                        return (old * 3 + value) / 4;
                if (value > old - fuzz * 2 && value < old + fuzz * 2)
                        return (old + value) / 2;
        }
        return value;
}

static bool is_mt_value(unsigned code)
{
        return code >= EVDEV_MT_FIRST && code <= EVDEV_MT_LAST;
}

static int handle_abs_event(struct evdev *ev, unsigned code, int *pval)
{
        int *pold = NULL;
        bool mt_event = is_mt_value(code);

        if (code == ABS_MT_SLOT) {
                if (ev->num_slots && *pval >= 0 && (unsigned)*pval < ev->num_slots)
                        ev->slot = (unsigned)*pval;
                return INPUT_IGNORE_EVENT;
        }
        if (!mt_event)
                pold = &ev->d.absinfo[code].value;
        else if (ev->num_slots)
                pold = &ev->slots[ev->slot][code - EVDEV_MT_FIRST];
        if (pold) {
                *pval = defuzz(*pval, *pold, ev->d.absinfo[code].fuzz);
                if (*pold == *pval)
                        return INPUT_IGNORE_EVENT;
                *pold = *pval;
        }
        if (mt_event && ev->num_slots && (int)ev->slot != ev->d.absinfo[ABS_MT_SLOT].value) {
                ev->d.absinfo[ABS_MT_SLOT].value = (int)ev->slot;
                return INPUT_PASS_TO_HANDLERS | INPUT_SLOT;
        }
        return INPUT_PASS_TO_HANDLERS;
}

static bool toggle(unsigned long *state, unsigned code, int value)
{
        if (evdev_bit(state, code) == !!value)
                return false;
        if (value)
                evdev_set_bit(state, code);
        else
                evdev_clear_bit(state, code);
        return true;
}

static int get_disposition(struct evdev *ev, unsigned type, unsigned code, int *pval)
{
        const struct evdev_desc *d = &ev->d;
        int value = *pval, disposition = INPUT_IGNORE_EVENT;

        switch (type) {
        case EV_SYN:
                if (code == SYN_CONFIG)
                        disposition = INPUT_PASS_TO_ALL;
                else if (code == SYN_REPORT)
                        disposition = INPUT_PASS_TO_HANDLERS | INPUT_FLUSH;
                else if (code == SYN_MT_REPORT)
                        disposition = INPUT_PASS_TO_HANDLERS;
                break;
        case EV_KEY:
                if (is_event_supported(code, d->keybit, KEY_MAX)) {
                        if (value == 2)
                                disposition = INPUT_PASS_TO_HANDLERS;   /* autorepeat: no state */
                        else if (toggle(ev->key, code, value))
                                disposition = INPUT_PASS_TO_HANDLERS;
                }
                break;
        case EV_SW:
                if (is_event_supported(code, d->swbit, SW_MAX) && toggle(ev->sw, code, value))
                        disposition = INPUT_PASS_TO_HANDLERS;
                break;
        case EV_ABS:
                if (is_event_supported(code, d->absbit, ABS_MAX))
                        disposition = handle_abs_event(ev, code, &value);
                break;
        case EV_REL:
                if (is_event_supported(code, d->relbit, REL_MAX) && value)
                        disposition = INPUT_PASS_TO_HANDLERS;
                break;
        case EV_MSC:
                if (is_event_supported(code, d->mscbit, MSC_MAX))
                        disposition = INPUT_PASS_TO_ALL;
                break;
        case EV_LED:
                if (is_event_supported(code, d->ledbit, LED_MAX) && toggle(ev->led, code, value))
                        disposition = INPUT_PASS_TO_ALL;
                break;
        case EV_SND:
                if (is_event_supported(code, d->sndbit, SND_MAX)) {
                        toggle(ev->snd, code, value);
                        disposition = INPUT_PASS_TO_ALL;
                }
                break;
        case EV_REP:
                if (code <= REP_MAX && value >= 0 && ev->d.rep[code] != value) {
                        ev->d.rep[code] = value;
                        disposition = INPUT_PASS_TO_ALL;
                }
                break;
        case EV_FF:
                if (value >= 0)
                        disposition = INPUT_PASS_TO_ALL;
                break;
        case EV_PWR:
                disposition = INPUT_PASS_TO_ALL;
                break;
        }
        *pval = value;
        return disposition;
}

static void event_dispose(struct evdev *ev, int disposition, unsigned type, unsigned code, int value)
{
        /* dev->event: ff-core's input_ff_event() */
        if ((disposition & INPUT_PASS_TO_DEVICE) && type == EV_FF && ev->effects)
                ff_event(ev, code, value);
        if (disposition & INPUT_PASS_TO_HANDLERS) {
                if (disposition & INPUT_SLOT)
                        ev->vals[ev->num_vals++] = (struct input_value){ EV_ABS, ABS_MT_SLOT, (int)ev->slot };
                ev->vals[ev->num_vals++] = (struct input_value){ (__u16)type, (__u16)code, value };
        }
        if (disposition & INPUT_FLUSH) {
                if (ev->num_vals >= 2)
                        input_pass_values(ev, ev->vals, ev->num_vals);
                ev->num_vals = 0;
        } else if (ev->num_vals >= ev->max_vals - 2) {
                ev->vals[ev->num_vals++] = (struct input_value){ EV_SYN, SYN_REPORT, 1 };
                input_pass_values(ev, ev->vals, ev->num_vals);
                ev->num_vals = 0;
        }
}

/* input_event() and input_inject_event(): one handle (evdev's) on this
 * device, so a grab never stops an injected event */
static void input_event(struct evdev *ev, unsigned type, unsigned code, int value)
{
        if (!is_event_supported(type, ev->d.evbit, EV_MAX))
                return;
        int disposition = get_disposition(ev, type, code, &value);
        if (disposition != INPUT_IGNORE_EVENT)
                event_dispose(ev, disposition, type, code, value);
}

/* --- keymaps: input_default_getkeycode()/setkeycode() --- */

static int scancode_to_scalar(const struct input_keymap_entry *ke, unsigned *ret)
{
        switch (ke->len) {
        case 1: *ret = ke->scancode[0]; return 0;
        case 2: { __u16 v; memcpy(&v, ke->scancode, 2); *ret = v; return 0; }
        case 4: { __u32 v; memcpy(&v, ke->scancode, 4); *ret = v; return 0; }
        }
        return -EINVAL;
}

static int get_keycode(struct evdev *ev, struct input_keymap_entry *ke)
{
        unsigned index;
        int r;

        if (!ev->d.keycodemax)
                return -EINVAL;
        if (ke->flags & INPUT_KEYMAP_BY_INDEX)
                index = ke->index;
        else if ((r = scancode_to_scalar(ke, &index)) < 0)
                return r;
        if (index >= ev->d.keycodemax)
                return -EINVAL;
        ke->keycode = ev->d.keycode[index];
        ke->index = index;
        ke->len = sizeof(index);
        memcpy(ke->scancode, &index, sizeof(index));
        return 0;
}

static int set_keycode(struct evdev *ev, const struct input_keymap_entry *ke)
{
        unsigned index, old;
        int r;

        if (ke->keycode > KEY_MAX)
                return -EINVAL;
        if (!ev->d.keycodemax)
                return -EINVAL;
        if (ke->flags & INPUT_KEYMAP_BY_INDEX)
                index = ke->index;
        else if ((r = scancode_to_scalar(ke, &index)) < 0)
                return r;
        if (index >= ev->d.keycodemax)
                return -EINVAL;
        old = ev->d.keycode[index];
        ev->d.keycode[index] = (unsigned short)ke->keycode;
        if (old <= KEY_MAX) {
                evdev_clear_bit(ev->d.keybit, old);
                for (unsigned i = 0; i < ev->d.keycodemax; i++)
                        if (ev->d.keycode[i] == old) {
                                evdev_set_bit(ev->d.keybit, old);
                                break;
                        }
        }
        evdev_set_bit(ev->d.keybit, ke->keycode);
        evdev_clear_bit(ev->d.keybit, KEY_RESERVED);
        /* a key no longer in the keymap is let go */
        if (old <= KEY_MAX && evdev_bit(ev->d.evbit, EV_KEY) && !evdev_bit(ev->d.keybit, old) &&
            evdev_bit(ev->key, old)) {
                evdev_clear_bit(ev->key, old);
                event_dispose(ev, INPUT_PASS_TO_HANDLERS, EV_KEY, old, 0);
                event_dispose(ev, INPUT_PASS_TO_HANDLERS | INPUT_FLUSH, EV_SYN, SYN_REPORT, 1);
        }
        return 0;
}

/* --- ioctls: evdev_do_ioctl() --- */

static struct evdev *call_evdev(struct ck_call *c)
{
        return ck_device_priv(ck_call_device(c));
}

static struct evdev_client *call_client(struct ck_call *c)
{
        return *(struct evdev_client **)ck_file_priv(ck_call_file(c));
}

/* bits_to_user(): as much of the bitmap as the caller's length holds */
static int bits_out(struct ck_call *c, const unsigned long *bits, unsigned maxbit, char *out)
{
        size_t len = MIN((size_t)EVDEV_LONGS(maxbit) * sizeof(long), (size_t)ck_call_count(c));

        memcpy(out, bits, len);
        ck_call_set_output_len(c, len);
        return (int)len;
}

/* str_to_user() */
static int str_out(struct ck_call *c, const char *s, char *out)
{
        if (!s)
                return -ENOENT;
        size_t len = MIN(strlen(s) + 1, (size_t)ck_call_count(c));
        memcpy(out, s, len);
        ck_call_set_output_len(c, len);
        return (int)len;
}

static int handle_EVIOCGVERSION(struct ck_call *c, int *out)
{
        *out = EV_VERSION;
        return 0;
}

static int handle_EVIOCGID(struct ck_call *c, struct input_id *out)
{
        *out = call_evdev(c)->d.id;
        return 0;
}

static int handle_EVIOCGREP(struct ck_call *c, struct evdev_rep *out)
{
        struct evdev *ev = call_evdev(c);

        if (!evdev_bit(ev->d.evbit, EV_REP))
                return -ENOSYS;
        *out = (struct evdev_rep){ .delay = (unsigned)ev->d.rep[REP_DELAY], .period = (unsigned)ev->d.rep[REP_PERIOD] };
        return 0;
}

static int validate_EVIOCSREP(struct ck_call *c, const struct ck_untrusted *u, struct evdev_rep *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_EVIOCSREP(struct ck_call *c, const struct evdev_rep *in)
{
        struct evdev *ev = call_evdev(c);

        if (!evdev_bit(ev->d.evbit, EV_REP))
                return -ENOSYS;
        input_event(ev, EV_REP, REP_DELAY, (int)in->delay);
        input_event(ev, EV_REP, REP_PERIOD, (int)in->period);
        return 0;
}

static int validate_EVIOCGKEYCODE(struct ck_call *c, const struct ck_untrusted *u, struct evdev_keycode *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_EVIOCGKEYCODE(struct ck_call *c, struct evdev_keycode *io)
{
        struct input_keymap_entry ke = { .len = sizeof(unsigned) };

        memcpy(ke.scancode, &io->scancode, sizeof(io->scancode));
        int r = get_keycode(call_evdev(c), &ke);
        if (r < 0)
                return r;
        io->keycode = ke.keycode;
        return 0;
}

static int validate_EVIOCGKEYCODE_V2(struct ck_call *c, const struct ck_untrusted *u, struct input_keymap_entry *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_EVIOCGKEYCODE_V2(struct ck_call *c, struct input_keymap_entry *io)
{
        return get_keycode(call_evdev(c), io);
}

static int validate_EVIOCSKEYCODE(struct ck_call *c, const struct ck_untrusted *u, struct evdev_keycode *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_EVIOCSKEYCODE(struct ck_call *c, const struct evdev_keycode *in)
{
        struct input_keymap_entry ke = { .len = sizeof(unsigned), .keycode = in->keycode };

        memcpy(ke.scancode, &in->scancode, sizeof(in->scancode));
        return set_keycode(call_evdev(c), &ke);
}

static int validate_EVIOCSKEYCODE_V2(struct ck_call *c, const struct ck_untrusted *u, struct input_keymap_entry *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r == 0 && ret->len > sizeof(ret->scancode))
                return -EINVAL;
        return r;
}

static int handle_EVIOCSKEYCODE_V2(struct ck_call *c, const struct input_keymap_entry *in)
{
        return set_keycode(call_evdev(c), in);
}

static int handle_EVIOCGNAME(struct ck_call *c, char *out)
{
        return str_out(c, call_evdev(c)->d.name, out);
}

static int handle_EVIOCGPHYS(struct ck_call *c, char *out)
{
        return str_out(c, call_evdev(c)->d.phys, out);
}

static int handle_EVIOCGUNIQ(struct ck_call *c, char *out)
{
        return str_out(c, call_evdev(c)->d.uniq, out);
}

static int handle_EVIOCGPROP(struct ck_call *c, char *out)
{
        return bits_out(c, call_evdev(c)->d.propbit, INPUT_PROP_MAX, out);
}

static int validate_EVIOCGMTSLOTS(struct ck_call *c, const struct ck_untrusted *u, char *ret)
{
        return ck_untrusted_copy(u, ret, ck_call_count(c));
}

/* evdev_handle_mt_request(): the code in, then a value per slot that fits */
static int handle_EVIOCGMTSLOTS(struct ck_call *c, char *io)
{
        struct evdev *ev = call_evdev(c);
        unsigned size = ck_call_count(c), code;

        if (size < sizeof(code)) {
                /* the kernel reads the code past the caller's length; nothing fits */
                ck_call_set_output_len(c, 0);
                return ev->num_slots ? 0 : -EINVAL;
        }
        memcpy(&code, io, sizeof(code));
        if (!ev->num_slots || !is_mt_value(code))
                return -EINVAL;
        unsigned n = MIN(ev->num_slots, (size - (unsigned)sizeof(code)) / (unsigned)sizeof(__s32));
        for (unsigned i = 0; i < n; i++)
                memcpy(io + sizeof(code) + i * sizeof(__s32), &ev->slots[i][code - EVDEV_MT_FIRST], sizeof(__s32));
        ck_call_set_output_len(c, sizeof(code) + n * sizeof(__s32));
        return 0;
}

/* evdev_handle_get_val(): the open's queued events of that type go first */
static int get_val(struct ck_call *c, unsigned type, const unsigned long *bits, unsigned maxbit, char *out)
{
        flush_queue(call_client(c), type);
        return bits_out(c, bits, maxbit, out);
}

static int handle_EVIOCGKEY(struct ck_call *c, char *out)
{
        return get_val(c, EV_KEY, call_evdev(c)->key, KEY_MAX, out);
}

static int handle_EVIOCGLED(struct ck_call *c, char *out)
{
        return get_val(c, EV_LED, call_evdev(c)->led, LED_MAX, out);
}

static int handle_EVIOCGSND(struct ck_call *c, char *out)
{
        return get_val(c, EV_SND, call_evdev(c)->snd, SND_MAX, out);
}

static int handle_EVIOCGSW(struct ck_call *c, char *out)
{
        return get_val(c, EV_SW, call_evdev(c)->sw, SW_MAX, out);
}

static int handle_EVIOCGBIT(struct ck_call *c, char *out)
{
        unsigned max;
        const unsigned long *bits = evdev_desc_bits(&call_evdev(c)->d, ck_call_index(c), &max);

        if (!bits)
                return -EINVAL;
        return bits_out(c, bits, max, out);
}

/* EVIOCGABS(abs): min(len, sizeof(struct input_absinfo)) bytes of the axis */
static int handle_EVIOCGABS(struct ck_call *c, char *out)
{
        struct evdev *ev = call_evdev(c);
        size_t len = MIN((size_t)ck_call_count(c), sizeof(struct input_absinfo));

        if (!ev->has_absinfo)
                return -EINVAL;
        memcpy(out, &ev->d.absinfo[ck_call_index(c)], len);
        ck_call_set_output_len(c, len);
        return 0;
}

static int validate_EVIOCSABS(struct ck_call *c, const struct ck_untrusted *u, char *ret)
{
        return ck_untrusted_copy(u, ret, ck_call_count(c));
}

static int handle_EVIOCSABS(struct ck_call *c, const char *in)
{
        struct evdev *ev = call_evdev(c);
        unsigned t = ck_call_index(c);
        struct input_absinfo abs = { 0 };
        size_t len = MIN((size_t)ck_call_count(c), sizeof(abs));

        if (!ev->has_absinfo)
                return -EINVAL;
        memcpy(&abs, in, len);
        if (len < sizeof(abs))
                abs.resolution = 0;
        if (t == ABS_MT_SLOT)
                return -EINVAL;     /* the number of MT slots is fixed */
        ev->d.absinfo[t] = abs;
        return 0;
}

static int validate_EVIOCSFF(struct ck_call *c, const struct ck_untrusted *u, struct ff_effect *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

/* input_ff_upload() */
static int handle_EVIOCSFF(struct ck_call *c, struct ff_effect *io)
{
        struct evdev *ev = call_evdev(c);
        struct evdev_client *client = call_client(c);
        int id;

        if (!evdev_bit(ev->d.evbit, EV_FF))
                return -ENOSYS;
        if (io->type < FF_EFFECT_MIN || io->type > FF_EFFECT_MAX || !evdev_bit(ev->d.ffbit, io->type))
                return -EINVAL;
        if (io->type == FF_PERIODIC &&
            (io->u.periodic.waveform < FF_WAVEFORM_MIN || io->u.periodic.waveform > FF_WAVEFORM_MAX ||
             !evdev_bit(ev->d.ffbit, io->u.periodic.waveform)))
                return -EINVAL;
        if (io->id == -1) {
                for (id = 0; (unsigned)id < ev->d.max_effects; id++)
                        if (!ev->effect_owners[id])
                                break;
                if ((unsigned)id >= ev->d.max_effects)
                        return -ENOSPC;
                io->id = (__s16)id;
        } else {
                id = io->id;
                int r = check_effect_access(ev, id, client);
                if (r < 0)
                        return r;
                const struct ff_effect *old = &ev->effects[id];
                if (io->type != old->type ||
                    (io->type == FF_PERIODIC && io->u.periodic.waveform != old->u.periodic.waveform))
                        return -EINVAL;
        }
        ev->effects[id] = *io;
        ev->effect_owners[id] = client;
        return 0;
}

static int validate_EVIOCRMFF(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        *ret = (int)ck_untrusted_value(u);
        return 0;
}

static int handle_EVIOCRMFF(struct ck_call *c, int id)
{
        struct evdev *ev = call_evdev(c);

        if (!evdev_bit(ev->d.evbit, EV_FF))
                return -ENOSYS;
        int r = check_effect_access(ev, id, call_client(c));
        if (r < 0)
                return r;
        erase_effect(ev, (unsigned)id);
        return 0;
}

static int handle_EVIOCGEFFECTS(struct ck_call *c, int *out)
{
        struct evdev *ev = call_evdev(c);

        *out = evdev_bit(ev->d.evbit, EV_FF) ? (int)ev->d.max_effects : 0;
        return 0;
}

static int validate_EVIOCGRAB(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        /* the pointer itself: any non-zero value grabs */
        *ret = ck_untrusted_value(u) != 0;
        return 0;
}

static int handle_EVIOCGRAB(struct ck_call *c, int grab)
{
        struct evdev *ev = call_evdev(c);
        struct evdev_client *client = call_client(c);

        if (grab) {
                if (ev->grab)
                        return -EBUSY;
                ev->grab = client;
                return 0;
        }
        if (ev->grab != client)
                return -EINVAL;
        ev->grab = NULL;
        return 0;
}

static int validate_EVIOCREVOKE(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        *ret = ck_untrusted_value(u) != 0;
        return 0;
}

static int handle_EVIOCREVOKE(struct ck_call *c, int nonzero)
{
        struct evdev *ev = call_evdev(c);
        struct evdev_client *client = call_client(c);

        if (nonzero)
                return -EINVAL;
        client->revoked = true;
        if (ev->grab == client)
                ev->grab = NULL;
        ff_flush(ev, client);
        ck_device_notify(ev->dev);   /* readers and pollers see ENODEV / POLLHUP */
        return 0;
}

/* EVIOCGMASK: the request in, then codes_size bytes out where it points */
static int validate_EVIOCGMASK(struct ck_call *c, const struct ck_untrusted *u, struct input_mask *ret)
{
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        return ck_call_reserve_out(c, ret->codes_ptr, ret->codes_size);
}

static int handle_EVIOCGMASK(struct ck_call *c, const struct input_mask *in)
{
        struct evdev_client *client = call_client(c);
        size_t cnt = mask_cnt(in->type), len;
        size_t size = sizeof(unsigned long) * EVDEV_LONGS(cnt), xfer = MIN((size_t)in->codes_size, size);
        uint8_t *out = ck_call_output(c, 0, &len);

        if (!out || cnt == 0)
                return 0;     /* all of it cleared */
        if (client->evmasks[in->type])
                memcpy(out, client->evmasks[in->type], MIN(xfer, (size_t)EVDEV_LONGS(cnt - 1) * sizeof(long)));
        else
                memset(out, 0xff, xfer);   /* no mask: everything passes */
        return 0;
}

static int validate_EVIOCSMASK(struct ck_call *c, const struct ck_untrusted *u, struct input_mask *ret)
{
        const struct ck_untrusted *codes;
        int r = ck_untrusted_copy(u, ret, sizeof(*ret));

        if (r < 0)
                return r;
        size_t cnt = mask_cnt(ret->type);
        if (!cnt)
                return 0;     /* unknown types are accepted, for forward compatibility */
        if (ret->codes_size % sizeof(long))
                return -EINVAL;
        size_t len = MIN((size_t)EVDEV_LONGS(cnt - 1) * sizeof(long), (size_t)ret->codes_size);
        if ((r = ck_call_fetch(c, ret->codes_ptr, len, &codes)) != 0)
                return r;
        return ck_untrusted_accept(c, codes);
}

static int handle_EVIOCSMASK(struct ck_call *c, const struct input_mask *in)
{
        struct evdev_client *client = call_client(c);
        size_t cnt = mask_cnt(in->type), len;

        if (!cnt)
                return 0;
        const void *codes = ck_call_input(c, 0, &len);
        if (!codes)
                return -EIO;
        unsigned long *mask = g_new0(unsigned long, EVDEV_LONGS(cnt));
        memcpy(mask, codes, len);
        g_free(client->evmasks[in->type]);
        client->evmasks[in->type] = mask;
        return 0;
}

static int validate_EVIOCSCLOCKID(struct ck_call *c, const struct ck_untrusted *u, int *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int handle_EVIOCSCLOCKID(struct ck_call *c, const int *in)
{
        struct evdev_client *client = call_client(c);
        int clk_type;

        switch ((unsigned)*in) {
        case CLOCK_REALTIME: clk_type = CLK_REAL; break;
        case CLOCK_MONOTONIC: clk_type = CLK_MONO; break;
        case CLOCK_BOOTTIME: clk_type = CLK_BOOT; break;
        default: return -EINVAL;
        }
        if (client->clk_type != clk_type) {
                client->clk_type = clk_type;
                /* what is queued carries the other clock: dropped, and said so */
                if (client->head != client->tail) {
                        client->packet_head = client->head = client->tail;
                        queue_syn_dropped(client);
                }
        }
        return 0;
}

CK_IOCTL_TABLE(evdev_ioctls, EVDEV_IOCTLS);

/* What evdev answers before it copies the argument: a revoked open gets
 * ENODEV (evdev_ioctl_handler()); then evdev_do_ioctl()'s checks that come
 * before its copy_from_user() (drivers/input/evdev.c:1059-1061,1068-1070,1184-1186,1227-1230). */
static int evdev_ioctl_permission(struct ck_call *c, unsigned int cmd, uint64_t arg)
{
        struct evdev *ev = call_evdev(c);

        if (call_client(c)->revoked)
                return -ENODEV;
        if ((cmd == EVIOCGREP || cmd == EVIOCSREP) && !evdev_bit(ev->d.evbit, EV_REP))
                return -ENOSYS;
        /* input_ff_effect_from_user() refuses another size, and the caller says EFAULT */
        if ((cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) == (EVIOCSFF & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) &&
            _IOC_SIZE(cmd) != sizeof(struct ff_effect))
                return -EFAULT;
        /* EVIOCSABS(abs) of a device without absinfo, whatever the argument */
        if (_IOC_DIR(cmd) == _IOC_WRITE && (_IOC_NR(cmd) & ~ABS_MAX) == _IOC_NR(EVIOCSABS(0)) &&
            !evdev_bit(ev->d.evbit, EV_ABS))
                return -EINVAL;
        return 0;
}

/* --- the node --- */

static int evdev_open(struct ck_file *f)
{
        struct evdev *ev = ck_device_priv(ck_file_device(f));
        struct evdev_client *client = g_new0(struct evdev_client, 1);

        client->ev = ev;
        client->bufsize = ev->bufsize;
        client->buffer = g_new0(struct input_event, client->bufsize);
        *(struct evdev_client **)ck_file_priv(f) = client;
        g_ptr_array_add(ev->clients, client);
        return 0;
}

static void client_free(struct evdev_client *client)
{
        for (unsigned i = 0; i < EV_CNT; i++)
                g_free(client->evmasks[i]);
        g_free(client->buffer);
        g_free(client);
}

static void evdev_release(struct ck_file *f)
{
        struct evdev *ev = ck_device_priv(ck_file_device(f));
        struct evdev_client *client = *(struct evdev_client **)ck_file_priv(f);

        if (!client->revoked)
                ff_flush(ev, client);
        if (ev->grab == client)
                ev->grab = NULL;
        g_ptr_array_remove_fast(ev->clients, client);
        client_free(client);
}

static ssize_t evdev_read(struct ck_file *f, void *buf, size_t size)
{
        struct evdev_client *client = *(struct evdev_client **)ck_file_priv(f);
        size_t done = 0;

        if (size != 0 && size < sizeof(struct input_event))
                return -EINVAL;
        if (client->revoked)
                return -ENODEV;
        if (client->packet_head == client->tail)
                return size == 0 && !(ck_file_flags(f) & O_NONBLOCK) ? 0 : -EAGAIN;
        while (done + sizeof(struct input_event) <= size && client->packet_head != client->tail) {
                memcpy((char *)buf + done, &client->buffer[client->tail], sizeof(struct input_event));
                client->tail = (client->tail + 1) & (client->bufsize - 1);
                done += sizeof(struct input_event);
        }
        return (ssize_t)done;
}

/* evdev_write(): whole events, each injected as input_inject_event() does */
static ssize_t evdev_write(struct ck_file *f, const struct ck_untrusted *data)
{
        struct evdev *ev = ck_device_priv(ck_file_device(f));
        struct evdev_client *client = *(struct evdev_client **)ck_file_priv(f);
        size_t size = ck_untrusted_size(data), n = size / sizeof(struct input_event);

        if (size != 0 && size < sizeof(struct input_event))
                return -EINVAL;
        if (client->revoked)
                return -ENODEV;
        if (!n)
                return 0;
        g_autofree uint8_t *bytes = g_malloc(size);
        int r = ck_untrusted_copy(data, bytes, size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct input_event e;
                memcpy(&e, bytes + i * sizeof(e), sizeof(e));
                input_event(ev, e.type, e.code, e.value);
        }
        return (ssize_t)(n * sizeof(struct input_event));
}

static unsigned evdev_poll(struct ck_file *f)
{
        struct evdev_client *client = *(struct evdev_client **)ck_file_priv(f);
        unsigned mask = client->revoked ? POLLHUP | POLLERR : POLLOUT | POLLWRNORM;

        if (client->packet_head != client->tail)
                mask |= POLLIN | POLLRDNORM;
        return mask;
}

/* --- events from the test: the `events` state --- */

static int parse_number(const char *text, int base, long long min, long long max, long long *ret)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(text, &end, base);
        if (errno || end == text || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A type or code by name (libevdev's tables) or number. */
static int parse_type(const char *text, unsigned *ret)
{
        long long v;
        int t = libevdev_event_type_from_name(text);

        if (t >= 0) {
                *ret = (unsigned)t;
                return 0;
        }
        if (parse_number(text, 0, 0, EV_MAX, &v) < 0)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

static int parse_code(unsigned type, const char *text, unsigned *ret)
{
        long long v;
        int code = libevdev_event_code_from_name(type, text);

        if (code >= 0) {
                *ret = (unsigned)code;
                return 0;
        }
        if (parse_number(text, 0, 0, 0xffff, &v) < 0)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

/* One line: "E: SEC.USEC TYPE CODE VALUE" (evemu-record, hex type and
 * code), "EV_KEY KEY_A 1", "KEY_A 1" or "SYN"; FALSE for a blank or
 * comment line. */
static int parse_event_line(const char *line, struct input_event *ret, gboolean *ret_event)
{
        g_autofree char *copy = g_strstrip(g_strdup(line));
        char *hash = strchr(copy, '#');

        if (hash)
                *hash = '\0';
        g_strstrip(copy);
        *ret_event = FALSE;
        if (!*copy)
                return 0;
        g_auto(GStrv) w = g_strsplit_set(copy, " \t", -1);
        GPtrArray *words = g_ptr_array_new();
        for (char **p = w; *p; p++)
                if (**p)
                        g_ptr_array_add(words, *p);
        guint n = words->len;
        char **a = (char **)g_ptr_array_free(words, FALSE);
        g_autofree char **args = a;
        struct input_event e = { 0 };
        unsigned type, code;
        long long value;

        if (strcmp(args[0], "E:") == 0) {
                /* E: 0.000000 0001 001e 0001 */
                if (n != 5 || parse_number(args[2], 16, 0, EV_MAX, &value) < 0)
                        return -EINVAL;
                type = (unsigned)value;
                if (parse_number(args[3], 16, 0, 0xffff, &value) < 0)
                        return -EINVAL;
                code = (unsigned)value;
                if (parse_number(args[4], 10, INT32_MIN, INT32_MAX, &value) < 0)
                        return -EINVAL;
                double t = g_ascii_strtod(args[1], NULL);
                e.input_event_sec = (long)t;
                e.input_event_usec = (long)((t - (double)(long)t) * 1e6 + 0.5);
        } else if (n == 1 && (strcmp(args[0], "SYN") == 0 || strcmp(args[0], "SYN_REPORT") == 0)) {
                type = EV_SYN;
                code = SYN_REPORT;
                value = 0;
        } else if (n == 2) {
                int t = libevdev_event_type_from_code_name(args[0]);
                int cd = libevdev_event_code_from_code_name(args[0]);
                if (t < 0 || cd < 0 || parse_number(args[1], 0, INT32_MIN, INT32_MAX, &value) < 0)
                        return -EINVAL;
                type = (unsigned)t;
                code = (unsigned)cd;
        } else if (n == 3) {
                if (parse_type(args[0], &type) < 0 || parse_code(type, args[1], &code) < 0 ||
                    parse_number(args[2], 0, INT32_MIN, INT32_MAX, &value) < 0)
                        return -EINVAL;
        } else {
                return -EINVAL;
        }
        e.type = (__u16)type;
        e.code = (__u16)code;
        e.value = (__s32)value;
        *ret = e;
        *ret_event = TRUE;
        return 0;
}

static GVariant *events_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT " events injected", ev->injected);

        return g_variant_new_string(text);
}

/* All lines are parsed before any is injected: a bad line injects nothing. */
static int events_set(struct ck_device *d, void *userdata, GVariant *value, GError **error)
{
        struct evdev *ev = ck_device_priv(d);
        g_auto(GStrv) lines = g_strsplit(g_variant_get_string(value, NULL), "\n", -1);
        g_autoptr(GArray) events = g_array_new(FALSE, FALSE, sizeof(struct input_event));

        for (guint i = 0; lines[i]; i++) {
                struct input_event e;
                gboolean is_event;
                if (parse_event_line(lines[i], &e, &is_event) < 0) {
                        g_set_error(error, CK_ERROR, EINVAL,
                                    "events: line %u \"%s\": not \"E: SEC.USEC TYPE CODE VALUE\", "
                                    "\"EV_KEY KEY_A 1\", \"KEY_A 1\" or \"SYN\"", i + 1, lines[i]);
                        return -EINVAL;
                }
                if (is_event)
                        g_array_append_val(events, e);
        }
        for (guint i = 0; i < events->len; i++) {
                const struct input_event *e = &g_array_index(events, struct input_event, i);
                input_event(ev, e->type, e->code, e->value);
        }
        ev->injected += events->len;
        return 0;
}

/* --- state the control interface shows --- */

static GVariant *name_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);
        const char *const *s = (const char *const *)((char *)&ev->d + GPOINTER_TO_SIZE(userdata));

        return g_variant_new_string(*s ? *s : "");
}

static GVariant *id_get(struct ck_device *d, void *userdata)
{
        const struct input_id *id = evdev_model_id(d);

        return g_variant_new("(qqqq)", id->bustype, id->vendor, id->product, id->version);
}

/* code names of the set bits, libevdev's spelling ("KEY_A"), or numbers */
static GVariant *names_of(unsigned type, const unsigned long *bits, unsigned max)
{
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
        for (unsigned code = 0; code <= max; code++) {
                if (!evdev_bit(bits, code))
                        continue;
                const char *name = type == 0 ? libevdev_event_type_get_name(code)
                                             : libevdev_event_code_get_name(type, code);
                g_autofree char *num = name ? NULL : g_strdup_printf("%u", code);
                g_variant_builder_add(&b, "s", name ? name : num);
        }
        return g_variant_builder_end(&b);
}

static GVariant *bits_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sas}"));
        for (unsigned type = 1; type < EV_CNT; type++) {
                unsigned max;
                const unsigned long *bits = evdev_desc_bits(&ev->d, type, &max);
                if (!evdev_bit(ev->d.evbit, type))
                        continue;
                g_variant_builder_add(&b, "{s@as}", libevdev_event_type_get_name(type),
                                      bits ? names_of(type, bits, max) : g_variant_new_strv(NULL, 0));
        }
        return g_variant_builder_end(&b);
}

static GVariant *props_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
        for (unsigned p = 0; p <= INPUT_PROP_MAX; p++)
                if (evdev_bit(ev->d.propbit, p)) {
                        const char *name = libevdev_property_get_name(p);
                        g_autofree char *num = name ? NULL : g_strdup_printf("%u", p);
                        g_variant_builder_add(&b, "s", name ? name : num);
                }
        return g_variant_builder_end(&b);
}

static GVariant *absinfo_get(struct ck_device *d, void *userdata)
{
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{s(iiiiii)}"));
        for (unsigned code = 0; code <= ABS_MAX; code++) {
                const struct input_absinfo *a = evdev_model_absinfo(d, code);
                if (!a)
                        continue;
                g_variant_builder_add(&b, "{s(iiiiii)}", libevdev_event_code_get_name(EV_ABS, code), a->value,
                                      a->minimum, a->maximum, a->fuzz, a->flat, a->resolution);
        }
        return g_variant_builder_end(&b);
}

static GVariant *state_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);

        switch (GPOINTER_TO_UINT(userdata)) {
        case EV_KEY: return names_of(EV_KEY, ev->key, KEY_MAX);
        case EV_LED: return names_of(EV_LED, ev->led, LED_MAX);
        case EV_SW:  return names_of(EV_SW, ev->sw, SW_MAX);
        default:     return names_of(EV_SND, ev->snd, SND_MAX);
        }
}

static GVariant *grabbed_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_boolean(((struct evdev *)ck_device_priv(d))->grab != NULL);
}

static GVariant *clients_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint32(((struct evdev *)ck_device_priv(d))->clients->len);
}

/* uploaded effects: id, type ("FF_RUMBLE"), replay length (ms), playing (EV_FF value) */
static GVariant *effects_get(struct ck_device *d, void *userdata)
{
        struct evdev *ev = ck_device_priv(d);
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a(isqi)"));
        for (unsigned i = 0; i < ev->d.max_effects; i++) {
                if (!ev->effect_owners[i])
                        continue;
                const struct ff_effect *e = &ev->effects[i];
                const char *type = libevdev_event_code_get_name(EV_FF, e->type);
                g_variant_builder_add(&b, "(isqi)", (int)i, type ? type : "?", e->replay.length, ev->playing[i]);
        }
        return g_variant_builder_end(&b);
}

static GVariant *gain_get(struct ck_device *d, void *userdata)
{
        return g_variant_new_uint32(((struct evdev *)ck_device_priv(d))->gain);
}

static void add_states(struct ck_device *d)
{
        static const struct { const char *name, *summary; size_t offset; } strings[] = {
                { "name", "the device's name (EVIOCGNAME)", offsetof(struct evdev_desc, name) },
                { "phys", "its physical path (EVIOCGPHYS)", offsetof(struct evdev_desc, phys) },
                { "uniq", "its unique id (EVIOCGUNIQ)", offsetof(struct evdev_desc, uniq) },
        };
        static const struct { const char *name, *summary; unsigned type; } states[] = {
                { "keys", "keys and buttons down (EVIOCGKEY)", EV_KEY },
                { "leds", "LEDs on (EVIOCGLED)", EV_LED },
                { "switches", "switches on (EVIOCGSW)", EV_SW },
                { "sounds", "sounds on (EVIOCGSND)", EV_SND },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
                ck_device_add_state(d, &(struct ck_state_var){ .name = strings[i].name, .summary = strings[i].summary,
                                                               .type = "s", .get = name_get,
                                                               .userdata = GSIZE_TO_POINTER(strings[i].offset) });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "id", .summary = "bustype, vendor, product, version",
                                                       .type = "(qqqq)", .get = id_get });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "bits", .summary = "the codes of every event type",
                                                       .type = "a{sas}", .get = bits_get });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "properties", .summary = "INPUT_PROP_ bits",
                                                       .type = "as", .get = props_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "absinfo", .summary = "axis: value, minimum, maximum, fuzz, flat, resolution",
                .type = "a{s(iiiiii)}", .get = absinfo_get });
        for (size_t i = 0; i < G_N_ELEMENTS(states); i++)
                ck_device_add_state(d, &(struct ck_state_var){ .name = states[i].name, .summary = states[i].summary,
                                                               .type = "as", .get = state_get,
                                                               .userdata = GUINT_TO_POINTER(states[i].type) });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "grabbed", .summary = "an open holds EVIOCGRAB",
                                                       .type = "b", .get = grabbed_get });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "clients", .summary = "opens of the node",
                                                       .type = "u", .get = clients_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "ff/effects", .summary = "uploaded effects: id, type, replay length (ms), playing (EV_FF value)",
                .type = "a(isqi)", .get = effects_get });
        ck_device_add_state(d, &(struct ck_state_var){ .name = "ff/gain", .summary = "FF_GAIN as last written",
                                                       .type = "u", .get = gain_get });
        ck_device_add_state(d, &(struct ck_state_var){
                .name = "events",
                .summary = "inject events as the device's driver reports them: lines \"E: SEC.USEC TYPE CODE VALUE\" "
                           "(evemu-record), \"EV_KEY KEY_A 1\", \"KEY_A 1\" or \"SYN\"",
                .type = "s", .get = events_get, .set = events_set });
}

/* --- the device: input_register_device() --- */

static unsigned estimate_events_per_packet(const struct evdev *ev)
{
        const struct evdev_desc *d = &ev->d;
        unsigned mt_slots = 0, events;

        if (ev->num_slots) {
                mt_slots = ev->num_slots;
        } else if (evdev_bit(d->absbit, ABS_MT_TRACKING_ID)) {
                int n = d->absinfo[ABS_MT_TRACKING_ID].maximum - d->absinfo[ABS_MT_TRACKING_ID].minimum + 1;
                mt_slots = (unsigned)CLAMP(n, 2, 32);
        } else if (evdev_bit(d->absbit, ABS_MT_POSITION_X)) {
                mt_slots = 2;
        }
        events = mt_slots + 1;
        if (evdev_bit(d->evbit, EV_ABS))
                for (unsigned i = 0; i < ABS_CNT; i++)
                        if (evdev_bit(d->absbit, i))
                                events += is_mt_value(i) ? mt_slots : 1;
        if (evdev_bit(d->evbit, EV_REL))
                for (unsigned i = 0; i < REL_CNT; i++)
                        events += evdev_bit(d->relbit, i);
        return events + 7;
}

static void register_device(struct evdev *ev)
{
        struct evdev_desc *d = &ev->d;

        evdev_set_bit(d->evbit, EV_SYN);
        evdev_clear_bit(d->keybit, KEY_RESERVED);
        /* input_cleanse_bitmasks(): codes of types the device lacks go */
        for (unsigned type = 1; type < EV_CNT; type++) {
                unsigned max;
                unsigned long *bits = evdev_desc_bits(d, type, &max);
                if (bits && !evdev_bit(d->evbit, type))
                        memset(bits, 0, EVDEV_LONGS(max + 1) * sizeof(long));
        }
        if (evdev_bit(d->evbit, EV_REP) && !d->rep[REP_DELAY] && !d->rep[REP_PERIOD]) {
                d->rep[REP_DELAY] = 250;
                d->rep[REP_PERIOD] = 33;
                ev->softrepeat = true;
        }
        ev->has_absinfo = evdev_bit(d->evbit, EV_ABS);
        /* uinput's input_mt_init_slots(): ABS_MT_SLOT's maximum + 1 slots */
        if (ev->has_absinfo && evdev_bit(d->absbit, ABS_MT_SLOT)) {
                int n = d->absinfo[ABS_MT_SLOT].maximum + 1;
                ev->num_slots = (unsigned)CLAMP(n, 0, EVDEV_MAX_SLOTS);
                for (unsigned s = 0; s < ev->num_slots; s++)
                        ev->slots[s][ABS_MT_TRACKING_ID - EVDEV_MT_FIRST] = -1;
        }
        memcpy(ev->led, d->led, sizeof(ev->led));
        memcpy(ev->sw, d->sw, sizeof(ev->sw));
        unsigned hint = estimate_events_per_packet(ev);
        ev->max_vals = hint + 2;
        ev->vals = g_new0(struct input_value, ev->max_vals);
        unsigned n = MAX(hint * EVDEV_BUF_PACKETS, EVDEV_MIN_BUFFER_SIZE), size = 1;
        while (size < n)
                size <<= 1;
        ev->bufsize = size;
        if (evdev_bit(d->evbit, EV_FF)) {
                if (!d->max_effects)
                        d->max_effects = 16;    /* ff-memless's FF_MEMLESS_EFFECTS */
                ev->effects = g_new0(struct ff_effect, d->max_effects);
                ev->effect_owners = g_new0(struct evdev_client *, d->max_effects);
                ev->playing = g_new0(int, d->max_effects);
        } else {
                d->max_effects = 0;
        }
}

static void evdev_fini(struct ck_device *d)
{
        struct evdev *ev = ck_device_priv(d);

        stop_autorepeat(ev);
        evdev_desc_clear(&ev->d);
        g_clear_pointer(&ev->vals, g_free);
        g_clear_pointer(&ev->effects, g_free);
        g_clear_pointer(&ev->effect_owners, g_free);
        g_clear_pointer(&ev->playing, g_free);
        g_clear_pointer(&ev->clients, g_ptr_array_unref);
}

static int init_desc(struct evdev *ev, GHashTable *params, GError **error)
{
        const char *preset = g_hash_table_lookup(params, "preset");
        const char *path = g_hash_table_lookup(params, "evemu");
        const char *name = g_hash_table_lookup(params, "name");

        if (preset && path) {
                g_set_error(error, CK_ERROR, EINVAL, "preset= and evemu= each say what the device is: give one");
                return -EINVAL;
        }
        if (path) {
                g_autofree char *text = NULL;
                g_autoptr(GError) local = NULL;
                if (!g_file_get_contents(path, &text, NULL, &local)) {
                        g_set_error(error, CK_ERROR, ENOENT, "evemu=%s: %s", path, local->message);
                        return -ENOENT;
                }
                g_autoptr(GError) parse = NULL;
                int r = evdev_parse_evemu(&ev->d, text, &parse);
                if (r < 0) {
                        g_set_error(error, CK_ERROR, -r, "evemu=%s: %s", path, parse->message);
                        return r;
                }
        } else {
                int r = evdev_preset(&ev->d, preset ? preset : "keyboard", error);
                if (r < 0)
                        return r;
        }
        if (name) {
                g_free(ev->d.name);
                ev->d.name = g_strdup(name);
        }
        return 0;
}

static int evdev_init(struct ck_device *d, GHashTable *params, GError **error)
{
        struct evdev *ev = ck_device_priv(d);

        ev->dev = d;
        ev->clients = g_ptr_array_new();
        int r = init_desc(ev, params, error);
        if (r < 0) {
                evdev_fini(d);
                return r;
        }
        register_device(ev);
        add_states(d);
        return 0;
}

/* --- sysfs: the input_dev (parent) and its evdev class device --- */

static struct evdev *sysfs_evdev(struct ck_device *d)
{
        return ck_device_priv(d);
}

/* input_print_bitmap(): hex words, most significant first, leading zero words dropped */
static ssize_t print_bitmap_cr(char *buf, size_t size, const unsigned long *bitmap, unsigned max, bool add_cr)
{
        size_t len = 0;
        bool skip_empty = true;

        for (int i = (int)EVDEV_LONGS(max) - 1; i >= 0; i--) {
                if (bitmap[i] || !skip_empty)
                        len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "%lx", bitmap[i]);
                if (len) {
                        skip_empty = false;
                        if (i > 0)
                                len += (size_t)snprintf(buf + len, size > len ? size - len : 0, " ");
                }
        }
        if (len == 0)
                len = (size_t)snprintf(buf, size, "0");
        if (add_cr)
                len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "\n");
        return (ssize_t)MIN(len, size);
}

static ssize_t print_bitmap(char *buf, size_t size, const unsigned long *bitmap, unsigned max)
{
        return print_bitmap_cr(buf, size, bitmap, max, true);
}

#define CAPABILITY_SHOW(type_name, TYPE)                                                       \
        static ssize_t cap_##type_name##_show(struct ck_device *d, char *buf, size_t size)    \
        {                                                                                      \
                unsigned max;                                                                  \
                const unsigned long *bits = evdev_desc_bits(&sysfs_evdev(d)->d, TYPE, &max);   \
                return print_bitmap(buf, size, bits, max);                                     \
        }
CAPABILITY_SHOW(ev, 0)
CAPABILITY_SHOW(key, EV_KEY)
CAPABILITY_SHOW(rel, EV_REL)
CAPABILITY_SHOW(abs, EV_ABS)
CAPABILITY_SHOW(msc, EV_MSC)
CAPABILITY_SHOW(led, EV_LED)
CAPABILITY_SHOW(snd, EV_SND)
CAPABILITY_SHOW(ff, EV_FF)
CAPABILITY_SHOW(sw, EV_SW)

static ssize_t properties_show(struct ck_device *d, char *buf, size_t size)
{
        return print_bitmap(buf, size, sysfs_evdev(d)->d.propbit, INPUT_PROP_MAX);
}

static ssize_t name_show(struct ck_device *d, char *buf, size_t size)
{
        return snprintf(buf, size, "%s\n", evdev_model_name(d));
}

static ssize_t phys_show(struct ck_device *d, char *buf, size_t size)
{
        return snprintf(buf, size, "%s\n", evdev_model_phys(d));
}

static ssize_t uniq_show(struct ck_device *d, char *buf, size_t size)
{
        return snprintf(buf, size, "%s\n", evdev_model_uniq(d));
}

#define ID_SHOW(field)                                                                         \
        static ssize_t id_##field##_show(struct ck_device *d, char *buf, size_t size)         \
        {                                                                                      \
                return snprintf(buf, size, "%04x\n", evdev_model_id(d)->field);                \
        }
ID_SHOW(bustype)
ID_SHOW(vendor)
ID_SHOW(product)
ID_SHOW(version)

/* input_print_modalias() for a page (the key list always fits: at most 768 codes of 4 characters) */
static GString *modalias(struct ck_device *d)
{
        struct evdev *ev = sysfs_evdev(d);
        static const struct { char letter; unsigned type, min; } parts[] = {
                { 'e', 0, 0 }, { 'k', EV_KEY, KEY_MIN_INTERESTING }, { 'r', EV_REL, 0 }, { 'a', EV_ABS, 0 },
                { 'm', EV_MSC, 0 }, { 'l', EV_LED, 0 }, { 's', EV_SND, 0 }, { 'f', EV_FF, 0 }, { 'w', EV_SW, 0 },
        };
        GString *s = g_string_new(NULL);

        g_string_append_printf(s, "input:b%04Xv%04Xp%04Xe%04X-", ev->d.id.bustype, ev->d.id.vendor, ev->d.id.product,
                               ev->d.id.version);
        for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
                unsigned max;
                const unsigned long *bits = evdev_desc_bits(&ev->d, parts[i].type, &max);
                g_string_append_c(s, parts[i].letter);
                /* for_each_set_bit_from(bit, bm, max_bit): max_bit itself excluded */
                for (unsigned bit = parts[i].min; bit < max; bit++)
                        if (evdev_bit(bits, bit))
                                g_string_append_printf(s, "%X,", bit);
        }
        return s;
}

size_t evdev_model_uevent(struct ck_device *d, char *buf, size_t size)
{
        static const struct { const char *key; unsigned type; } maps[] = {
                { "EV", 0 }, { "KEY", EV_KEY }, { "REL", EV_REL }, { "ABS", EV_ABS }, { "MSC", EV_MSC },
                { "LED", EV_LED }, { "SND", EV_SND }, { "FF", EV_FF }, { "SW", EV_SW },
        };
        struct evdev *ev = sysfs_evdev(d);
        g_autoptr(GString) s = g_string_new(NULL);
        char bits[4096];

        g_string_append_printf(s, "PRODUCT=%x/%x/%x/%x\n", ev->d.id.bustype, ev->d.id.vendor, ev->d.id.product,
                               ev->d.id.version);
        if (ev->d.name)
                g_string_append_printf(s, "NAME=\"%s\"\n", ev->d.name);
        if (ev->d.phys)
                g_string_append_printf(s, "PHYS=\"%s\"\n", ev->d.phys);
        if (ev->d.uniq)
                g_string_append_printf(s, "UNIQ=\"%s\"\n", ev->d.uniq);
        print_bitmap_cr(bits, sizeof(bits), ev->d.propbit, INPUT_PROP_MAX, false);
        g_string_append_printf(s, "PROP=%s\n", bits);
        for (size_t i = 0; i < G_N_ELEMENTS(maps); i++) {
                unsigned max;
                const unsigned long *b = evdev_desc_bits(&ev->d, maps[i].type, &max);
                if (maps[i].type && !evdev_bit(ev->d.evbit, maps[i].type))
                        continue;
                print_bitmap_cr(bits, sizeof(bits), b, max, false);
                g_string_append_printf(s, "%s=%s\n", maps[i].key, bits);
        }
        g_autoptr(GString) alias = modalias(d);
        g_string_append_printf(s, "MODALIAS=%s\n", alias->str);
        return (size_t)g_snprintf(buf, size, "%s", s->str);
}

static ssize_t modalias_show(struct ck_device *d, char *buf, size_t size)
{
        g_autoptr(GString) s = modalias(d);

        return snprintf(buf, size, "%s\n", s->str);
}

static ssize_t parent_uevent_show(struct ck_device *d, char *buf, size_t size)
{
        return (ssize_t)evdev_model_uevent(d, buf, size);
}

/* The input_dev's name: the kernel counts input%lu up from 0 as devices
 * register; ours is the event number of the node's name ("event7": input7),
 * unique as the names are and stable across runs.  A name that is not
 * eventN (no leading zero) keeps the kernel's prefix with the whole name
 * ("kbd": input-kbd), which no eventN can give. */
static char *input_dev_path(struct ck_device *d)
{
        const char *name = ck_device_name(d), *digits = name + strlen("event");
        guint64 n;

        if (g_str_has_prefix(name, "event") && g_ascii_isdigit(*digits) && (digits[0] != '0' || !digits[1]) &&
            g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT32, &n, NULL))
                return g_strdup_printf("virtual/input/input%" G_GUINT64_FORMAT, n);
        g_autofree char *sysfs_name = g_strdelimit(g_strdup(name), "/", '!');
        return g_strconcat("virtual/input/input-", sysfs_name, NULL);
}

/* input_dev_attr_groups of the input_dev (no "inhibited": not modelled) and
 * the evdev class device in its directory: /sys/devices/virtual/input/input7
 * with event7 in it, both in /sys/class/input (drivers/input/input.c,
 * evdev.c: evdev->dev.parent = &dev->dev). */
static const struct ck_sysfs_entry evdev_sysfs_entries[] = {
        CK_SYSFS_RO("device/name", name_show),
        CK_SYSFS_RO("device/phys", phys_show),
        CK_SYSFS_RO("device/uniq", uniq_show),
        CK_SYSFS_RO("device/properties", properties_show),
        CK_SYSFS_RO("device/modalias", modalias_show),
        CK_SYSFS_DIR("device/id"),
        CK_SYSFS_RO("device/id/bustype", id_bustype_show),
        CK_SYSFS_RO("device/id/vendor", id_vendor_show),
        CK_SYSFS_RO("device/id/product", id_product_show),
        CK_SYSFS_RO("device/id/version", id_version_show),
        CK_SYSFS_DIR("device/capabilities"),
        CK_SYSFS_RO("device/capabilities/ev", cap_ev_show),
        CK_SYSFS_RO("device/capabilities/key", cap_key_show),
        CK_SYSFS_RO("device/capabilities/rel", cap_rel_show),
        CK_SYSFS_RO("device/capabilities/abs", cap_abs_show),
        CK_SYSFS_RO("device/capabilities/msc", cap_msc_show),
        CK_SYSFS_RO("device/capabilities/led", cap_led_show),
        CK_SYSFS_RO("device/capabilities/snd", cap_snd_show),
        CK_SYSFS_RO("device/capabilities/ff", cap_ff_show),
        CK_SYSFS_RO("device/capabilities/sw", cap_sw_show),
};
static const struct ck_sysfs_class evdev_sysfs = {
        .name = "input",
        .parent_path = input_dev_path,
        .parent_is_class_device = TRUE,
        .parent_uevent_show = parent_uevent_show,
        .entries = evdev_sysfs_entries,
        .n_entries = G_N_ELEMENTS(evdev_sysfs_entries),
        .udev_properties = evdev_udev_properties,
};

CK_STRUCT_DESC(input_id_desc, struct input_id,
        CK_FIELD(struct input_id, bustype, HEX), CK_FIELD(struct input_id, vendor, HEX),
        CK_FIELD(struct input_id, product, HEX), CK_FIELD(struct input_id, version, HEX));
CK_STRUCT_DESC(input_mask_desc, struct input_mask,
        CK_FIELD(struct input_mask, type, UINT), CK_FIELD(struct input_mask, codes_size, UINT),
        CK_FIELD(struct input_mask, codes_ptr, PTR));
CK_STRUCT_DESC(evdev_rep_desc, struct evdev_rep,
        CK_FIELD(struct evdev_rep, delay, UINT), CK_FIELD(struct evdev_rep, period, UINT));
CK_STRUCT_DESC(evdev_keycode_desc, struct evdev_keycode,
        CK_FIELD(struct evdev_keycode, scancode, HEX), CK_FIELD(struct evdev_keycode, keycode, UINT));
CK_STRUCT_DESC(input_keymap_entry_desc, struct input_keymap_entry,
        CK_FIELD(struct input_keymap_entry, flags, HEX), CK_FIELD(struct input_keymap_entry, len, UINT),
        CK_FIELD(struct input_keymap_entry, index, UINT), CK_FIELD(struct input_keymap_entry, keycode, UINT),
        CK_FIELD_ARRAY(struct input_keymap_entry, scancode, BYTES));
CK_STRUCT_DESC(ff_effect_desc, struct ff_effect,
        CK_FIELD(struct ff_effect, type, HEX), CK_FIELD(struct ff_effect, id, INT),
        CK_FIELD(struct ff_effect, direction, UINT));
static const struct ck_struct_desc *const evdev_structs[] = {
        &input_id_desc, &input_mask_desc, &evdev_rep_desc, &evdev_keycode_desc,
        &input_keymap_entry_desc, &ff_effect_desc, NULL,
};

static const char *const evdev_params[] = { "preset", "evemu", "name", NULL };

static const struct ck_device_type ck_device_type_evdev = {
        .name = "evdev",
        .summary = "an input device (evdev): preset=keyboard|mouse|touchpad|gamepad or evemu=PATH "
                   "(evemu-describe's format), name=TEXT",
        .ioctls = evdev_ioctls,
        .n_ioctls = G_N_ELEMENTS(evdev_ioctls),
        .params = evdev_params,
        .structs = evdev_structs,
        .priv_size = sizeof(struct evdev),
        .file_priv_size = sizeof(struct evdev_client *),
        .init = evdev_init,
        .fini = evdev_fini,
        .open = evdev_open,
        .release = evdev_release,
        .read = evdev_read,
        .write = evdev_write,
        .poll = evdev_poll,
        .fasync = TRUE,                        /* evdev_fasync() */
        .sysfs = &evdev_sysfs,
        .node_dir = "input",
        .ioctl_permission = evdev_ioctl_permission,
        .unknown_ioctl_errno = EINVAL,
};
CK_DEVICE_TYPE_REGISTER(ck_device_type_evdev);
