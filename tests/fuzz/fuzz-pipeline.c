/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: every registered device type, driven through the
 * loopback transport over a client memory arena the input fills, with
 * request numbers, arguments, modes, threads, reads and writes chosen by
 * the input, and client memory rewritten between rounds (a racing client
 * thread).  Anything the pipeline or a device does on client input must
 * end in a result; a crash, a sanitizer report, a g_error()/g_critical()
 * or a broken invariant below is a bug.
 *
 * Input: a device-type byte, device params, then a stream of operations
 * that each take the bytes they need; running out of input reads zeros.
 */
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Large enough for a maximal atom blob plus its header; each region is its
 * own allocation, so ASan sees a copy that strays past it. */
#define ARENA_SIZE (3 * 4096)
#define EDGE_SIZE 24
#define MAX_OPS 512
#define MAX_ERRNO 4095

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
        const uint8_t *p;
        size_t n;
};

struct fuzz {
        struct input in;
        const struct ck_type_index *const *types;
        size_t n_types;
        struct ck_device *dev;
        struct ck_loopback *lb[2];
        uint8_t *arena;               /* client memory, ARENA_SIZE bytes */
        uint8_t *edge;                /* a second, small region */
        bool race;                    /* round hook rewrites the arena */
        unsigned notified;
};

static uint8_t take_u8(struct input *in)
{
        if (!in->n)
                return 0;
        in->n--;
        return *in->p++;
}

static uint64_t take_bytes_le(struct input *in, unsigned n)
{
        uint64_t v = 0;

        for (unsigned i = 0; i < n; i++)
                v |= (uint64_t)take_u8(in) << (8 * i);
        return v;
}

static uint16_t take_u16(struct input *in) { return (uint16_t)take_bytes_le(in, 2); }
static uint32_t take_u32(struct input *in) { return (uint32_t)take_bytes_le(in, 4); }
static uint64_t take_u64(struct input *in) { return take_bytes_le(in, 8); }

static uint64_t addr_of(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

/* Writes @len input bytes at @off, clipped to the arena. */
static void arena_fill(struct fuzz *fz, size_t off, size_t len)
{
        for (size_t i = 0; i < len && off + i < ARENA_SIZE; i++)
                fz->arena[off + i] = take_u8(&fz->in);
}

/* Client memory holding a pointer to client memory: what nested ioctls
 * (atom_blob.data) follow; aligned, so it lands on struct fields. */
static void arena_store_pointer(struct fuzz *fz)
{
        size_t at = (take_u16(&fz->in) % (ARENA_SIZE / 8)) * 8;
        uint64_t target = addr_of(fz->arena) + take_u16(&fz->in) % ARENA_SIZE;

        memcpy(fz->arena + at, &target, sizeof(target));
}

static void arena_mutate(struct fuzz *fz)
{
        switch (take_u8(&fz->in) % 3) {
        case 0:
                arena_fill(fz, take_u16(&fz->in) % ARENA_SIZE, take_u8(&fz->in) % 32);
                break;
        case 1:
                arena_store_pointer(fz);
                break;
        case 2: {   /* a 32-bit length-like field */
                uint32_t v = take_u32(&fz->in);
                memcpy(fz->arena + (take_u16(&fz->in) % (ARENA_SIZE / 4)) * 4, &v, sizeof(v));
                break;
        }
        }
}

/* A client thread racing the rounds of an unrestricted ioctl. */
static void round_hook(struct ck_loopback *lb, unsigned round, void *userdata)
{
        struct fuzz *fz = userdata;

        (void)lb;
        (void)round;
        if (fz->race && (take_u8(&fz->in) & 1))
                arena_mutate(fz);
}

static void on_notify(struct ck_device *d, void *userdata)
{
        struct fuzz *fz = userdata;

        (void)d;
        fz->notified++;
}

/* The table's requests, their neighbours (other size, direction, nr, or a
 * request of another type), and noise. */
static unsigned pick_cmd(struct fuzz *fz, const struct ck_ioctl **ret_io)
{
        const struct ck_type_index *index = fz->dev->index;
        const struct ck_type_index *other = fz->types[take_u8(&fz->in) % fz->n_types];
        uint8_t how = take_u8(&fz->in);
        unsigned cmd;

        if (how % 8 == 7 || (!index->n && !other->n))
                cmd = take_u32(&fz->in);
        else {
                const struct ck_type_index *from = how % 8 == 6 || !index->n ? other : index;
                cmd = (unsigned)from->by_request[take_u8(&fz->in) % from->n]->request;
                switch (how % 8) {
                case 3: cmd ^= (unsigned)(take_u8(&fz->in) % 4) << _IOC_DIRSHIFT; break;
                case 4: cmd = _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), take_u16(&fz->in) & _IOC_SIZEMASK); break;
                case 5: cmd += 1u << (take_u8(&fz->in) % 32); break;
                default: break;   /* 0-2, 6: as is */
                }
        }
        *ret_io = ck_type_index_lookup(index, cmd);
        return cmd;
}

/* Pointers into and around client memory, NULL, small integers, noise. */
static uint64_t pick_arg(struct fuzz *fz)
{
        switch (take_u8(&fz->in) % 8) {
        case 0:
        case 1:   /* anywhere in the arena, or just around it */
                return addr_of(fz->arena) + take_u16(&fz->in) % (ARENA_SIZE + 64) - 32;
        case 2:   /* aligned in the arena */
                return addr_of(fz->arena) + (take_u16(&fz->in) % (ARENA_SIZE / 8)) * 8;
        case 3:   /* the small region, straddling its ends */
                return addr_of(fz->edge) + take_u8(&fz->in) % (EDGE_SIZE + 16) - 8;
        case 4:
                return 0;
        case 5:
                return take_u8(&fz->in);
        default:
                return take_u64(&fz->in);
        }
}

static void check_errno(const char *what, long r)
{
        if (r < -MAX_ERRNO) {
                fprintf(stderr, "%s: result %ld is no errno\n", what, r);
                abort();
        }
}

static void op_ioctl(struct fuzz *fz, struct ck_loopback *lb)
{
        const struct ck_ioctl *io;
        unsigned cmd = pick_cmd(fz, &io);
        uint64_t arg = pick_arg(fz);
        bool race = fz->race;
        g_autofree uint8_t *before = race ? NULL : g_memdup2(fz->arena, ARENA_SIZE);

        int r = ck_loopback_ioctl(lb, cmd, arg);
        check_errno("ioctl", r);
        /* unknown numbers get ENOTTY, or the errno the type says its driver answers */
        const struct ck_device_type *type = ck_loopback_file(lb)->index->type;
        int unknown = type->unknown_ioctl_errno ? -type->unknown_ioctl_errno : -ENOTTY;
        /* ... unless the driver's checks before its switch refused first (a revoked evdev open) */
        if (!io && r != unknown && r != -EFAULT && !(type->ioctl_permission && r < 0)) {
                fprintf(stderr, "ioctl 0x%x is in no table but gave %d\n", cmd, r);
                abort();
        }
        /* a flat ioctl is served in at most one fetch round */
        if (io && io->shape == CK_SHAPE_FLAT && ck_loopback_rounds(lb) > 2) {
                fprintf(stderr, "%s: flat ioctl took %u rounds\n", io->name, ck_loopback_rounds(lb));
                abort();
        }
        /* A failed call leaves client memory alone (EFAULT excepted: the
         * kernel's copy-out may fault half way, as here). */
        if (before && r < 0 && r != -EFAULT && memcmp(before, fz->arena, ARENA_SIZE) != 0) {
                fprintf(stderr, "ioctl 0x%x failed with %d but wrote client memory\n", cmd, r);
                abort();
        }
}

/* The pipeline straight, with what a (buggy or hostile) kernel could send. */
static void op_pipeline(struct fuzz *fz, struct ck_loopback *lb, struct ck_ioctl_reply *rep)
{
        const struct ck_ioctl *io;
        struct ck_ioctl_request rq = { 0 };

        rq.cmd = pick_cmd(fz, &io);
        rq.arg = pick_arg(fz);
        rq.tid = take_u8(&fz->in) % 4;
        rq.unrestricted = take_u8(&fz->in) & 1;
        rq.in_size = take_u16(&fz->in) % 512;
        rq.out_size = take_u16(&fz->in) % 8192;
        g_autofree uint8_t *in = g_malloc(MAX(rq.in_size, 1));
        for (size_t i = 0; i < rq.in_size; i++)
                in[i] = take_u8(&fz->in);
        rq.in = in;

        ck_pipeline_ioctl(ck_loopback_file(lb), &rq, rep);
        switch (rep->kind) {
        case CK_REPLY_ERROR:
                if (rep->result >= 0)
                        abort();
                check_errno("pipeline", rep->result);
                break;
        case CK_REPLY_RETRY:
                if (rep->n_in + rep->n_out > CK_MAX_REGIONS)
                        abort();
                break;
        case CK_REPLY_DATA:
                if (rep->result < 0 || rep->size > rq.out_size)
                        abort();
                break;
        default:
                abort();
        }
}

static void op_read(struct fuzz *fz, struct ck_loopback *lb)
{
        size_t size = take_u8(&fz->in) % 16;
        g_autofree uint8_t *buf = g_malloc(MAX(size, 1));   /* exact: ASan sees overruns */
        ssize_t r = ck_loopback_read(lb, size ? buf : NULL, size);

        check_errno("read", r);
        if (r > (ssize_t)size)
                abort();
}

static void op_write(struct fuzz *fz, struct ck_loopback *lb)
{
        /* mostly a few bytes; 240 and up: 1 to 16 whole input_events (evdev) */
        uint8_t how = take_u8(&fz->in);
        size_t size = how < 240 ? how % 8u : (size_t)(how - 239) * 24;
        g_autofree uint8_t *buf = g_malloc(MAX(size, 1));

        for (size_t i = 0; i < size; i++)
                buf[i] = take_u8(&fz->in);
        ssize_t r = ck_loopback_write(lb, buf, size);
        check_errno("write", r);
        if (r > (ssize_t)size)
                abort();
}

/* A state variable of string type set from the input (evdev's `events`):
 * the control interface's path into a device, with any text. */
static void op_state(struct fuzz *fz)
{
        GArray *state = fz->dev->state;
        g_autoptr(GPtrArray) strings = g_ptr_array_new();

        for (guint i = 0; state && i < state->len; i++) {
                const struct ck_state_var *v = &g_array_index(state, struct ck_state_var, i);
                if (v->set && strcmp(v->type, "s") == 0)
                        g_ptr_array_add(strings, (gpointer)v);
        }
        if (!strings->len)
                return;
        const struct ck_state_var *v = g_ptr_array_index(strings, take_u8(&fz->in) % strings->len);
        size_t len = take_u8(&fz->in);
        g_autofree char *text = g_malloc(len + 1);
        for (size_t i = 0; i < len; i++)
                text[i] = (char)(take_u8(&fz->in) ?: ' ');
        text[len] = '\0';
        if (!g_utf8_validate(text, (gssize)len, NULL))
                return;   /* D-Bus carries only UTF-8 */
        g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_new_string(text));
        g_autoptr(GError) error = NULL;
        int r = v->set(fz->dev, v->userdata, value, &error);
        if (r > 0 || (r < 0) != (error != NULL)) {
                fprintf(stderr, "state %s: %d without (or with) an error\n", v->name, r);
                abort();
        }
        /* what the setter did: reads and pollers see it */
        for (int i = 0; i < 2; i++)
                if (fz->lb[i])
                        ck_loopback_poll(fz->lb[i]);
}

static struct ck_loopback *lb_open(struct fuzz *fz, int flags)
{
        struct ck_loopback *lb;

        if (ck_loopback_new(fz->dev, flags, &lb) < 0)
                return NULL;   /* e.g. EBUSY from an exclusive device */
        ck_loopback_expose(lb, fz->arena, ARENA_SIZE);
        ck_loopback_expose(lb, fz->edge, EDGE_SIZE);
        ck_loopback_set_round_hook(lb, round_hook, fz);
        return lb;
}

/* Values no 3 random bytes spell: evdev's presets. */
static const char *known_value(const char *key, uint8_t pick)
{
        static const char *const presets[] = { "keyboard", "mouse", "touchpad", "gamepad" };

        if (strcmp(key, "preset") == 0 && pick >= 0x80)
                return presets[pick % G_N_ELEMENTS(presets)];
        return NULL;
}

/* Params from the type's own keys, with values from the input. */
static GHashTable *make_params(struct fuzz *fz, const struct ck_device_type *type)
{
        GHashTable *params = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

        for (const char *const *key = type->params; key && *key; key++) {
                if (!(take_u8(&fz->in) & 1))
                        continue;
                char value[4] = { 0 };
                for (size_t i = 0; i < sizeof(value) - 1; i++)
                        value[i] = (char)take_u8(&fz->in);
                /* a key whose values are words: one of them, or the bytes */
                const char *word = known_value(*key, (uint8_t)value[0]);
                g_hash_table_insert(params, (gpointer)*key, g_strdup(word ? word : value));
        }
        return params;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        /* a g_critical() (g_return_val_if_fail) is a bug, not noise */
        g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct ck_ioctl_reply rep;
        struct fuzz fz = { .in = { data, size }, .types = ck_registry_all() };

        while (fz.types[fz.n_types])
                fz.n_types++;
        if (!fz.n_types)
                abort();   /* the linker section lost the device types */
        if (!rep.data)
                ck_ioctl_reply_init(&rep);

        const struct ck_type_index *index = fz.types[take_u8(&fz.in) % fz.n_types];
        g_autoptr(GHashTable) params = make_params(&fz, index->type);
        g_autoptr(GError) error = NULL;
        if (ck_device_new(index->type->name, "fuzz0", params, &fz.dev, &error) < 0)
                return 0;
        ck_device_set_notify(fz.dev, on_notify, &fz);

        fz.arena = g_malloc0(ARENA_SIZE);
        fz.edge = g_malloc0(EDGE_SIZE);
        arena_fill(&fz, 0, take_u8(&fz.in));
        fz.lb[0] = lb_open(&fz, (int)take_u32(&fz.in));

        for (unsigned ops = 0; fz.in.n && ops < MAX_OPS; ops++) {
                uint8_t op = take_u8(&fz.in);
                struct ck_loopback *lb = fz.lb[(op >> 7) & 1];

                switch (op % 12) {
                case 0: case 1: case 2: case 3:   /* ioctls, mostly */
                        if (lb)
                                op_ioctl(&fz, lb);
                        break;
                case 4:
                        if (lb)
                                op_pipeline(&fz, lb, &rep);
                        break;
                case 5:
                        if (lb)
                                op_read(&fz, lb);
                        break;
                case 6:
                        if (lb)
                                op_write(&fz, lb);
                        break;
                case 7:
                        if (lb) {
                                ck_loopback_poll(lb);
                                ck_loopback_set_unrestricted(lb, take_u8(&fz.in) & 1);
                                ck_loopback_set_tid(lb, take_u8(&fz.in) % 4);
                        }
                        break;
                case 8:
                        if (op & 0x80)
                                op_state(&fz);
                        else
                                arena_mutate(&fz);
                        break;
                case 9:
                        fz.race = !fz.race;
                        break;
                case 10: {   /* close one open, or open a second one */
                        unsigned i = (op >> 7) & 1;
                        if (fz.lb[i])
                                g_clear_pointer(&fz.lb[i], ck_loopback_free);
                        else
                                fz.lb[i] = lb_open(&fz, (int)take_u32(&fz.in));
                        break;
                }
                case 11:
                        arena_store_pointer(&fz);
                        break;
                }
        }

        ck_loopback_free(fz.lb[0]);
        ck_loopback_free(fz.lb[1]);
        ck_device_free(fz.dev);
        g_free(fz.arena);
        g_free(fz.edge);
        return 0;
}
