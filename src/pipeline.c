/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pipeline: lookup -> fetch plan -> untrusted copy -> validate ->
 * handle -> copy out, for every ioctl of every device.
 *
 * In unrestricted mode the kernel hands over no data until asked, and each
 * round re-fetches everything asked so far.  The validator therefore runs
 * afresh on every round's copy; the regions it asks for must be the ones
 * the previous round planned (kept per open, keyed by the calling thread),
 * or client memory changed between rounds and the call fails with EINVAL.
 */
#include "pipeline.h"
#include "trace.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

struct ck_inflight {
        pid_t tid;
        unsigned int cmd;
        uint64_t arg;
        unsigned n_in, n_out;            /* first stage included */
        struct ck_region regions[];      /* n_in in, then n_out out */
};

struct ck_output {
        size_t offset;                   /* into the reply data */
        size_t len;
};

struct ck_call {
        struct ck_file *file;
        const struct ck_ioctl *io;
        const struct ck_ioctl_request *rq;
        struct ck_ioctl_reply *rep;
        const struct ck_inflight *plan;  /* what this round's data was fetched by */
        unsigned stage0_in, stage0_out;  /* first-stage regions in the plan: 0 or 1 */
        unsigned next_in, next_out;      /* nested regions the validator asked for */
        size_t in_offset;                /* where the next nested input starts */
        size_t out_offset;               /* where the next nested output goes */
        bool plan_broken;
        bool family_bug;                 /* the family broke the rules: EIO, never an abort */
        bool out_len_set;                /* ck_call_set_output_len(): copy back out_len bytes */
        size_t out_len;
        bool waits;                      /* the handler said ck_call_wait() */
        _Alignas(max_align_t) uint8_t wait_scratch[CK_WAIT_STATE_SIZE];   /* rq->wait == NULL */
        unsigned n_new_in, n_new_out;
        struct ck_region *new_in, *new_out;
        unsigned room;                   /* size of the four arrays below */
        unsigned n_accepted, n_outputs;
        struct ck_untrusted *fetched;    /* views of this round's nested inputs */
        struct ck_untrusted *accepted;
        struct ck_output *outputs;
};

/* --- ck_untrusted --- */

gboolean ck_untrusted_faulted(const struct ck_untrusted *u)
{
        return u->faulted;
}

size_t ck_untrusted_size(const struct ck_untrusted *u)
{
        return u->size;
}

int ck_untrusted_copy(const struct ck_untrusted *u, void *ret, size_t size)
{
        if (u->size != size)
                return -EINVAL;
        if (size)
                memcpy(ret, u->data, size);
        return 0;
}

uint64_t ck_untrusted_value(const struct ck_untrusted *u)
{
        uint64_t v = 0;

        memcpy(&v, u->data, MIN(u->size, sizeof(v)));
        return v;
}

int ck_untrusted_accept(struct ck_call *c, const struct ck_untrusted *u)
{
        if (c->n_accepted >= c->room)
                return -ENOMEM;
        c->accepted[c->n_accepted++] = *u;
        return 0;
}

/* --- ck_call --- */

/* A family broke the device API's rules (a bug in its code, not the
 * client's input): this call is answered EIO, the bug is logged once per
 * ioctl, and every other device keeps being served. */
static int family_bug(struct ck_call *c, const char *what)
{
        static GHashTable *logged;   /* const struct ck_ioctl * already reported */

        c->family_bug = true;
        if (!logged)
                logged = g_hash_table_new(NULL, NULL);
        if (g_hash_table_add(logged, (gpointer)c->io))
                g_warning("device type %s, ioctl %s: %s; answering EIO (a bug in the family)",
                          c->file->device->index->type->name, c->io->name, what);
        return -EIO;
}

static bool region_bad(uint64_t uaddr, size_t len)
{
        return (uaddr == 0 && len) || uaddr + len < uaddr;
}

int ck_call_fetch(struct ck_call *c, uint64_t uaddr, size_t len, const struct ck_untrusted **ret)
{
        static const uint8_t nothing;
        static const struct ck_untrusted empty = { .data = &nothing, .size = 0 };

        *ret = NULL;
        if (c->io->shape != CK_SHAPE_NESTED)
                return family_bug(c, "ck_call_fetch() on an ioctl not declared NESTED");
        if (len == 0) {
                *ret = &empty;
                return 0;
        }
        if (region_bad(uaddr, len))
                return -EFAULT;

        unsigned planned = c->plan ? c->plan->n_in - c->stage0_in : 0;
        if (c->next_in < planned) {
                const struct ck_region *want = &c->plan->regions[c->stage0_in + c->next_in];
                if (want->addr != uaddr || want->len != len) {
                        c->plan_broken = true;
                        return -EINVAL;
                }
                struct ck_untrusted *u = &c->fetched[c->next_in];
                *u = (struct ck_untrusted){ .data = (const uint8_t *)c->rq->in + c->in_offset, .size = len };
                c->next_in++;
                c->in_offset += len;
                *ret = u;
                return 0;
        }
        if (c->n_new_in >= c->room)
                return -ENOMEM;
        c->new_in[c->n_new_in++] = (struct ck_region){ .addr = uaddr, .len = len };
        return CK_NEED_ROUND;
}

int ck_call_reserve_out(struct ck_call *c, uint64_t uaddr, size_t len)
{
        if (c->io->shape != CK_SHAPE_NESTED)
                return family_bug(c, "ck_call_reserve_out() on an ioctl not declared NESTED");
        if (region_bad(uaddr, len))
                return -EFAULT;
        if (c->n_outputs >= c->room)
                return -ENOMEM;
        if (len == 0) {
                c->outputs[c->n_outputs++] = (struct ck_output){ .offset = c->out_offset, .len = 0 };
                return 0;
        }

        unsigned planned = c->plan ? c->plan->n_out - c->stage0_out : 0;
        if (c->next_out < planned) {
                const struct ck_region *want =
                        &c->plan->regions[c->plan->n_in + c->stage0_out + c->next_out];
                if (want->addr != uaddr || want->len != len) {
                        c->plan_broken = true;
                        return -EINVAL;
                }
                c->next_out++;
                c->outputs[c->n_outputs++] = (struct ck_output){ .offset = c->out_offset, .len = len };
                c->out_offset += len;
                return 0;
        }
        if (c->n_new_out >= c->room)
                return -ENOMEM;
        c->new_out[c->n_new_out++] = (struct ck_region){ .addr = uaddr, .len = len };
        return CK_NEED_ROUND;
}

const void *ck_call_input(struct ck_call *c, unsigned index, size_t *ret_len)
{
        if (index >= c->n_accepted) {
                family_bug(c, "ck_call_input() of an input its validator did not accept");
                *ret_len = 0;
                return NULL;
        }
        *ret_len = c->accepted[index].size;
        return c->accepted[index].data;
}

void *ck_call_output(struct ck_call *c, unsigned index, size_t *ret_len)
{
        if (index >= c->n_outputs) {
                family_bug(c, "ck_call_output() of an output its validator did not reserve");
                *ret_len = 0;
                return NULL;
        }
        *ret_len = c->outputs[index].len;
        return c->rep->data + c->outputs[index].offset;
}

int ck_call_wait(struct ck_call *c)
{
        c->waits = true;
        return -EAGAIN;
}

void *ck_call_wait_state(struct ck_call *c, size_t size)
{
        if (size > CK_WAIT_STATE_SIZE) {
                family_bug(c, "ck_call_wait_state() of more than 64 bytes");
                return NULL;
        }
        return c->rq->wait ? c->rq->wait->state : c->wait_scratch;
}

struct ck_file *ck_call_file(struct ck_call *c)
{
        return c->file;
}

struct ck_device *ck_call_device(struct ck_call *c)
{
        return c->file->device;
}

pid_t ck_call_pid(struct ck_call *c)
{
        return c->rq->tid;
}

int ck_call_new_file(struct ck_call *c, const struct ck_device_type *type, int flags, size_t fd_offset,
                     struct ck_file **ret)
{
        const struct ck_type_index *device_index = c->file->device->index;
        const struct ck_type_index *index = NULL;

        if (c->rep->new_file)
                return family_bug(c, "ck_call_new_file() twice in one call");
        if ((c->io->flow != CK_FLOW_OUT && c->io->flow != CK_FLOW_INOUT) ||
            fd_offset > c->io->arg_size || c->io->arg_size - fd_offset < sizeof(int))
                return family_bug(c, "ck_call_new_file() with no room for the number in the argument");
        for (size_t i = 0; i < device_index->n_files && !index; i++)
                if (device_index->files[i]->type == type)
                        index = device_index->files[i];
        if (!index)
                return family_bug(c, "ck_call_new_file() of a type not in the device type's .file_types");
        if (!c->rq->files)
                return -EOPNOTSUPP;

        struct ck_file *f;
        int r = ck_file_new_of(c->file->device, index, flags, c->rq->tid, &f);
        if (r < 0)
                return r;
        c->rep->new_file = f;
        c->rep->new_fd_offset = fd_offset;
        c->rep->new_file_flags = flags;
        *ret = f;
        return 0;
}

unsigned ck_call_count(struct ck_call *c)
{
        return c->io->count_max ? _IOC_SIZE(c->rq->cmd) / c->io->unit_size : 1;
}

unsigned ck_call_index(struct ck_call *c)
{
        return c->io->nr_span ? _IOC_NR(c->rq->cmd) - _IOC_NR(c->io->request) : 0;
}

int ck_call_set_output_len(struct ck_call *c, size_t len)
{
        bool flows_out = c->io->flow == CK_FLOW_OUT || c->io->flow == CK_FLOW_INOUT;

        if (!flows_out || c->n_outputs || len > c->io->arg_size)
                return family_bug(c, "ck_call_set_output_len() past the first-stage argument");
        c->out_len_set = true;
        c->out_len = len;
        return 0;
}

/* --- replies --- */

void ck_ioctl_reply_init(struct ck_ioctl_reply *rep)
{
        rep->capacity = 4096;
        rep->data = g_malloc(rep->capacity);
}

void ck_ioctl_reply_clear(struct ck_ioctl_reply *rep)
{
        g_clear_pointer(&rep->data, g_free);
        rep->capacity = 0;
}

static void reply_error(struct ck_ioctl_reply *rep, int error)
{
        rep->kind = CK_REPLY_ERROR;
        rep->result = error;
        rep->size = 0;
}

static void reply_reserve(struct ck_ioctl_reply *rep, size_t size)
{
        if (size > rep->capacity) {
                rep->capacity = MAX(size, rep->capacity * 2);
                rep->data = g_realloc(rep->data, rep->capacity);
        }
}

/* --- plans kept between rounds --- */

static bool inflight_matches(const struct ck_inflight *p, const struct ck_ioctl_request *rq)
{
        return p->tid == rq->tid && p->cmd == rq->cmd && p->arg == rq->arg;
}

static int inflight_find(struct ck_file *f, const struct ck_ioctl_request *rq)
{
        for (guint i = 0; i < f->inflight->len; i++)
                if (inflight_matches(g_array_index(f->inflight, struct ck_inflight *, i), rq))
                        return (int)i;
        return -1;
}

static void inflight_drop(struct ck_file *f, const struct ck_ioctl_request *rq)
{
        int i = inflight_find(f, rq);

        if (i >= 0) {
                g_free(g_array_index(f->inflight, struct ck_inflight *, i));
                g_array_remove_index(f->inflight, (guint)i);
        }
}

/* A thread has one ioctl at a time, so its new plan replaces any old one;
 * a thread that died between rounds leaves a plan that ages out. */
static void inflight_store(struct ck_file *f, const struct ck_ioctl_request *rq, struct ck_inflight *p)
{
        inflight_drop(f, rq);
        if (f->inflight->len >= CK_MAX_INFLIGHT) {
                g_free(g_array_index(f->inflight, struct ck_inflight *, 0));
                g_array_remove_index(f->inflight, 0);
        }
        g_array_append_val(f->inflight, p);
}

/* Asks the kernel for the first-stage argument (in, out or both, as the
 * call's flow says) plus the nested regions. */
static void reply_retry(struct ck_call *c, const struct ck_region *stage0)
{
        struct ck_ioctl_reply *rep = c->rep;
        const struct ck_inflight *old = c->plan;
        unsigned old_nested_in = old ? old->n_in - c->stage0_in : 0;
        unsigned old_nested_out = old ? old->n_out - c->stage0_out : 0;
        unsigned n_in = c->stage0_in + old_nested_in + c->n_new_in;
        unsigned n_out = c->stage0_out + old_nested_out + c->n_new_out;
        uint64_t in_bytes = 0, out_bytes = 0;

        if (n_in + n_out > CK_MAX_REGIONS)
                return reply_error(rep, -ENOMEM);

        unsigned k = 0;
        if (c->stage0_in)
                rep->regions[k++] = *stage0;
        for (unsigned i = 0; i < old_nested_in; i++)
                rep->regions[k++] = old->regions[c->stage0_in + i];
        for (unsigned i = 0; i < c->n_new_in; i++)
                rep->regions[k++] = c->new_in[i];
        if (c->stage0_out)
                rep->regions[k++] = *stage0;
        for (unsigned i = 0; i < old_nested_out; i++)
                rep->regions[k++] = old->regions[old->n_in + c->stage0_out + i];
        for (unsigned i = 0; i < c->n_new_out; i++)
                rep->regions[k++] = c->new_out[i];

        for (unsigned i = 0; i < n_in; i++)
                in_bytes += rep->regions[i].len;
        for (unsigned i = n_in; i < k; i++)
                out_bytes += rep->regions[i].len;
        if (in_bytes > CK_MAX_TRANSFER || out_bytes > CK_MAX_TRANSFER)
                return reply_error(rep, -ENOMEM);

        if (c->io->shape == CK_SHAPE_NESTED) {
                struct ck_inflight *p = g_malloc(sizeof(*p) + k * sizeof(struct ck_region));
                *p = (struct ck_inflight){ .tid = c->rq->tid, .cmd = c->rq->cmd, .arg = c->rq->arg,
                                           .n_in = n_in, .n_out = n_out };
                memcpy(p->regions, rep->regions, k * sizeof(struct ck_region));
                inflight_store(c->file, c->rq, p);
        }
        rep->kind = CK_REPLY_RETRY;
        rep->n_in = n_in;
        rep->n_out = n_out;
        rep->size = 0;
}

static uint64_t plan_bytes(const struct ck_region *r, unsigned n)
{
        uint64_t sum = 0;

        for (unsigned i = 0; i < n; i++)
                sum += r[i].len;
        return sum;
}

/* @ev: when tracing, receives the validated input. */
static void serve_ioctl(struct ck_file *f, const struct ck_ioctl *io, const struct ck_ioctl_request *rq,
                        struct ck_ioctl_reply *rep, struct ck_trace_event *ev)
{
        const struct ck_type_index *index = f->index;

        if (!io) {
                /* the driver's checks come before its switch finds nothing (a
                 * revoked evdev open answers ENODEV to any number) */
                if (index->type->ioctl_permission) {
                        struct ck_call pc = { .file = f, .rq = rq, .rep = rep };
                        int r = index->type->ioctl_permission(&pc, rq->cmd, rq->arg);
                        if (r < 0)
                                return reply_error(rep, r);
                }
                return reply_error(rep, index->type->unknown_ioctl_errno ? -index->type->unknown_ioctl_errno : -ENOTTY);
        }
        if (!rq->unrestricted && index->unrestricted)
                return reply_error(rep, -EIO);   /* the transport chose the wrong mode */

        /* a caller's count of 0 carries no data (spidev answers it with 0) */
        bool flows_in = (io->flow == CK_FLOW_IN || io->flow == CK_FLOW_INOUT) && io->arg_size;
        bool flows_out = (io->flow == CK_FLOW_OUT || io->flow == CK_FLOW_INOUT) && io->arg_size;
        struct ck_region stage0 = { .addr = rq->arg, .len = io->arg_size };
        struct ck_call c = {
                .file = f,
                .io = io,
                .rq = rq,
                .rep = rep,
                .stage0_in = flows_in && rq->unrestricted,
                .stage0_out = flows_out && rq->unrestricted,
        };
        struct ck_untrusted arg_in = { 0 };
        uint64_t value = rq->arg;

        if (io->flow == CK_FLOW_VALUE)
                arg_in = (struct ck_untrusted){ .data = (const uint8_t *)&value, .size = sizeof(value) };

        /* the driver's own checks before any copy: a caller without the
         * capability gets EACCES even with a bad pointer */
        if (index->type->ioctl_permission && (!rq->unrestricted || (rq->in_size == 0 && rq->out_size == 0))) {
                int r = index->type->ioctl_permission(&c, rq->cmd, rq->arg);
                if (r < 0)
                        return reply_error(rep, r);
        }

        if (rq->unrestricted && (flows_in || flows_out)) {
                if (rq->in_size == 0 && rq->out_size == 0)      /* first round: nothing fetched yet */
                        return reply_retry(&c, &stage0);
                if (io->shape == CK_SHAPE_NESTED) {
                        int i = inflight_find(f, rq);
                        if (i < 0)
                                return reply_error(rep, -EIO);
                        c.plan = g_array_index(f->inflight, struct ck_inflight *, i);
                        if (rq->in_size != plan_bytes(c.plan->regions, c.plan->n_in) ||
                            rq->out_size != plan_bytes(c.plan->regions + c.plan->n_in, c.plan->n_out)) {
                                inflight_drop(f, rq);
                                return reply_error(rep, -EIO);
                        }
                } else if (rq->in_size != (flows_in ? io->arg_size : 0) ||
                           rq->out_size != (flows_out ? io->arg_size : 0)) {
                        return reply_error(rep, -EIO);
                }
        }
        if (flows_in) {
                if (rq->in_size < io->arg_size)
                        return reply_error(rep, -EINVAL);
                arg_in = (struct ck_untrusted){ .data = rq->in, .size = io->arg_size };
                c.in_offset = io->arg_size;
        }

        /* Only nested ioctls need room for regions; flat ones stay cheap. */
        const unsigned room = io->shape == CK_SHAPE_NESTED ? CK_MAX_REGIONS : 1;
        struct ck_region new_in[room], new_out[room];
        struct ck_untrusted fetched[room], accepted[room];
        struct ck_output outputs[room];
        c.room = room;
        c.fetched = fetched;
        c.new_in = new_in;
        c.new_out = new_out;
        c.accepted = accepted;
        c.outputs = outputs;
        c.out_offset = flows_out ? io->arg_size : 0;

        if (io->arg_size)
                memset(rep->arg, 0, io->arg_size);
        if (io->validate) {
                int r = io->validate(&c, &arg_in, rep->arg);
                if (rep->new_file) {
                        ck_file_close(g_steal_pointer(&rep->new_file));
                        r = family_bug(&c, "ck_call_new_file() from a validator (handlers only)");
                }
                if (r == CK_NEED_ROUND && !c.n_new_in && !c.n_new_out)
                        r = family_bug(&c, "the validator asked for a round without asking for memory");
                if (c.family_bug) {
                        inflight_drop(f, rq);
                        return reply_error(rep, -EIO);
                }
                if (r < 0 || c.plan_broken) {
                        inflight_drop(f, rq);
                        return reply_error(rep, c.plan_broken ? -EINVAL : r);
                }
                if (c.n_new_in || c.n_new_out)
                        return reply_retry(&c, &stage0);
        }
        if (ev && io->flow != CK_FLOW_OUT) {
                ev->in_size = io->arg_size;
                memcpy(ev->in, rep->arg, MIN(io->arg_size, CK_TRACE_BYTES));
        }
        /* a plan fully used is dropped once the call is over: a call that
         * waits is served again from the same last round (CUSE) */
        bool drop_plan = c.plan != NULL;
        if (c.plan) {
                bool all_used = c.next_in == c.plan->n_in - c.stage0_in &&
                                c.next_out == c.plan->n_out - c.stage0_out;
                c.plan = NULL;
                if (!all_used) {
                        inflight_drop(f, rq);
                        return reply_error(rep, -EINVAL);
                }
        }

        /* Outputs: the first-stage argument, then nested regions, as declared.
         * Every byte the client gets is the handler's or zero: the reply
         * buffer still holds the last reply, of any device and client. */
        size_t out_total = c.out_offset;
        size_t stage0_out = flows_out ? io->arg_size : 0;
        reply_reserve(rep, out_total);
        if (out_total > stage0_out)
                memset(rep->data + stage0_out, 0, out_total - stage0_out);

        int result = io->handle(&c, rep->arg);
        if (c.waits && result == -EAGAIN && !c.family_bug && rep->new_file)
                family_bug(&c, "ck_call_new_file() in a call that waits");
        if ((c.family_bug || result < 0) && rep->new_file)
                ck_file_close(g_steal_pointer(&rep->new_file));
        if (drop_plan && (c.family_bug || !c.waits || result != -EAGAIN))
                inflight_drop(f, rq);
        if (c.family_bug)
                return reply_error(rep, -EIO);
        if (c.waits && result == -EAGAIN && rq->wait) {
                rep->kind = CK_REPLY_WAIT;
                rep->size = 0;
                return;
        }
        if (result < 0)
                return reply_error(rep, result);

        rep->kind = CK_REPLY_DATA;
        rep->result = result;
        if (flows_out)
                memcpy(rep->data, rep->arg, io->arg_size);
        /* Never more than the caller's request lets the kernel copy back;
         * a handler that copied less leaves the rest of the client's buffer alone. */
        rep->size = MIN(c.out_len_set ? c.out_len : out_total, rq->out_size);
}

static guint64 now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

/* Injected faults: 0 to go on, or the errno to answer with. */
static int fault_check(struct ck_device *d, enum ck_op op, const char *ioctl_name, guint *ret_delay_ms,
                       gint64 *ret_short_read)
{
        struct ck_fault_hit hit;

        *ret_delay_ms = 0;
        if (G_LIKELY(!d->faults || d->faults->len == 0) || !ck_device_fault_hit(d, op, ioctl_name, &hit))
                return 0;
        *ret_delay_ms = hit.delay_ms;
        if (ret_short_read)
                *ret_short_read = hit.short_read;
        return hit.error;
}

/* The trace is on by default, so an event must stay cheap: one monotonic
 * clock read at each end, and the wall time derived from the end by an
 * offset (wall - monotonic) that is read again once a second, so that a
 * step of the wall clock shows within a second. */
static gint64 wall_offset_us;
static guint64 wall_offset_at_ns;
static bool wall_offset_valid;

static gint64 wall_time_us(guint64 mono_ns)
{
        if (G_UNLIKELY(!wall_offset_valid || mono_ns - wall_offset_at_ns > 1000000000u)) {
                guint64 at = now_ns();
                wall_offset_us = g_get_real_time() - (gint64)(at / 1000);
                wall_offset_at_ns = at;
                wall_offset_valid = true;
        }
        return (gint64)(mono_ns / 1000) + wall_offset_us;
}

static void trace_record(struct ck_device *d, struct ck_trace_event *ev, guint64 start_ns, const void *in,
                         const void *out)
{
        guint64 end = now_ns();

        ev->device = d;
        ev->time_us = wall_time_us(end);
        ev->latency_ns = end - start_ns;
        ck_trace_record(d->trace, ev, in, out);
}

/* A row whose size is the caller's is served as if its argument were this
 * call's size: a copy of the descriptor saying so.  -EINVAL for a size
 * that is not a whole count of elements or more than the row allows. */
static int sized_view(const struct ck_ioctl *io, unsigned int cmd, struct ck_ioctl *ret)
{
        unsigned size = _IOC_SIZE(cmd);

        if (!io->count_max)
                return 0;
        if (size % io->arg_size || size / io->arg_size > io->count_max)
                return -EINVAL;
        *ret = *io;
        ret->arg_size = size;
        return 1;
}

void ck_pipeline_ioctl(struct ck_file *f, const struct ck_ioctl_request *rq, struct ck_ioctl_reply *rep)
{
        struct ck_device *d = f->device;
        const struct ck_ioctl *row = ck_type_index_lookup(f->index, rq->cmd);
        const struct ck_ioctl *io = row;   /* as served: this call's size */
        bool first_round = !rq->unrestricted || (rq->in_size == 0 && rq->out_size == 0);
        bool retried = rq->wait && rq->wait->attempts > 0;   /* faults hit a call once */
        int error = 0;
        struct ck_ioctl sized;

        rep->delay_ms = 0;
        rep->new_file = NULL;
        if (first_round && !retried)
                error = fault_check(d, CK_OP_IOCTL, io ? io->name : NULL, &rep->delay_ms, NULL);
        if (io && io->count_max && !error) {
                int r = sized_view(io, rq->cmd, &sized);
                if (r < 0)
                        error = r;
                else if (r > 0)
                        io = &sized;
        }
        if (G_LIKELY(!d->trace)) {
                if (error)
                        reply_error(rep, error);
                else
                        serve_ioctl(f, io, rq, rep, NULL);
                if (rq->wait && rep->kind != CK_REPLY_RETRY)
                        rq->wait->attempts++;
                return;
        }

        guint64 start = now_ns();
        /* Not "= { ... }": that would zero the 128 bytes of argument copies
         * on every ioctl; the ring copies only in_size/out_size of them. */
        struct ck_trace_event ev;
        memset(&ev, 0, offsetof(struct ck_trace_event, in));
        ev.pid = rq->tid;
        ev.op = CK_OP_IOCTL;
        ev.io = row;   /* the trace keeps it: never the copy */
        ev.cmd = rq->cmd;
        if (error)
                reply_error(rep, error);
        else
                serve_ioctl(f, io, rq, rep, &ev);
        if (rq->wait && rep->kind != CK_REPLY_RETRY)
                rq->wait->attempts++;
        if (rep->kind == CK_REPLY_RETRY || rep->kind == CK_REPLY_WAIT)
                return;   /* traced once, when answered */
        ev.error = rep->kind == CK_REPLY_ERROR ? rep->result : 0;
        ev.result = rep->kind == CK_REPLY_DATA ? rep->result : -1;
        bool flows_out = io && (io->flow == CK_FLOW_OUT || io->flow == CK_FLOW_INOUT);
        ev.out_size = rep->kind == CK_REPLY_DATA && flows_out ? io->arg_size : 0;
        trace_record(d, &ev, start, NULL, ev.out_size ? rep->data : NULL);
}

int ck_pipeline_open(struct ck_device *d, int flags, pid_t pid, struct ck_file **ret, guint *ret_delay_ms)
{
        guint64 start = d->trace ? now_ns() : 0;
        int r = fault_check(d, CK_OP_OPEN, NULL, ret_delay_ms, NULL);

        if (r == 0)
                r = ck_file_open(d, flags, pid, ret);
        if (d->trace) {
                struct ck_trace_event ev = { .pid = pid, .op = CK_OP_OPEN, .error = MIN(r, 0), .result = r };
                trace_record(d, &ev, start, NULL, NULL);
        }
        return r;
}

ssize_t ck_pipeline_read(struct ck_file *f, pid_t pid, void *buf, size_t size, guint *ret_delay_ms)
{
        struct ck_device *d = f->device;
        const struct ck_device_type *type = f->index->type;
        guint64 start = d->trace ? now_ns() : 0;
        gint64 short_read = -1;
        ssize_t r = fault_check(d, CK_OP_READ, NULL, ret_delay_ms, &short_read);

        if (r == 0) {
                r = type->read ? type->read(f, buf, size) : -EINVAL;
                /* a short read: the device's bytes past the cut are lost, as on a flaky bus */
                if (r > 0 && short_read >= 0 && r > short_read)
                        r = (ssize_t)short_read;
        }
        if (d->trace && r != -EAGAIN) {
                struct ck_trace_event ev = { .pid = pid, .op = CK_OP_READ, .error = (int)MIN(r, 0),
                                             .result = r, .out_size = r > 0 ? (guint)r : 0 };
                trace_record(d, &ev, start, NULL, buf);
        }
        return r;
}

ssize_t ck_pipeline_write(struct ck_file *f, pid_t pid, const void *buf, size_t size, bool faulted,
                          guint *ret_delay_ms)
{
        struct ck_device *d = f->device;
        const struct ck_device_type *type = f->index->type;
        struct ck_untrusted data = { .data = buf, .size = size, .faulted = faulted };
        guint64 start = d->trace ? now_ns() : 0;
        ssize_t r = fault_check(d, CK_OP_WRITE, NULL, ret_delay_ms, NULL);

        if (r == 0 && faulted && !type->write_faults)
                r = -EFAULT;     /* copy_from_user() of the whole buffer failed */
        else if (r == 0)
                r = type->write ? type->write(f, &data) : -EINVAL;
        if (faulted && r == 0)
                r = -EFAULT;     /* nothing taken before the fault */
        if (d->trace) {
                struct ck_trace_event ev = { .pid = pid, .op = CK_OP_WRITE, .error = (int)MIN(r, 0),
                                             .result = r, .in_size = (guint)size };
                trace_record(d, &ev, start, buf, NULL);
        }
        return r;
}

ssize_t ck_pipeline_write_on(struct ck_file *f, pid_t pid, const void *buf, size_t size, bool faulted,
                             bool nonblock, size_t *done, guint *ret_delay_ms)
{
        if (!f->index->type->write_all || nonblock || *done > size)
                return ck_pipeline_write(f, pid, buf, size, faulted, ret_delay_ms);

        ssize_t r = ck_pipeline_write(f, pid, (const uint8_t *)buf + *done, size - *done, faulted, ret_delay_ms);
        if (r > 0)
                *done += (size_t)MIN((size_t)r, size - *done);
        if (*done == size || *ret_delay_ms)
                return *done ? (ssize_t)*done : r;
        if (r >= 0 || r == -EAGAIN)
                return -EAGAIN;    /* the rest waits for room */
        return *done ? (ssize_t)*done : r;   /* an error after some bytes: their count */
}

unsigned ck_pipeline_poll(struct ck_file *f)
{
        const struct ck_device_type *type = f->index->type;

        return type->poll ? type->poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}
