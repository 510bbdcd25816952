/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cuse.h"
#include "pipeline.h"

#include <cuse_lowlevel.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

struct ck_cuse_node {
        struct ck_device *device;
        struct fuse_session *se;
        gboolean attached;           /* in the epoll set */
        gboolean ready;
        gboolean dead;
        gboolean notifying;          /* in node_notify(): a nested notify only asks again */
        gboolean notify_again;
        guint ioctl_retry;           /* parked ioctls, tried from the loop */
        GQueue waiting;              /* struct waiter *, oldest first */
        GHashTable *pollers;         /* struct ck_file * -> struct fuse_pollhandle * */
};

/* A request parked until the device notifies: a read with nothing to
 * read, a write with no room, an ioctl whose handler waits. */
struct waiter {
        struct ck_cuse_node *node;
        fuse_req_t req;
        enum { WAIT_READ, WAIT_WRITE, WAIT_IOCTL } kind;
        struct ck_file *file;
        size_t size;                 /* READ */
        size_t done;                 /* WRITE: bytes taken so far (a type with .write_all) */
        GBytes *data;                /* WRITE: the bytes; IOCTL: what the kernel copied in */
        struct ck_ioctl_request rq;  /* IOCTL: served again as it came (.in is data's) */
        struct ck_wait wait;
        GList *link;
};

/* A reply an injected fault holds back; the loop serves others meanwhile. */
struct deferred {
        fuse_req_t req;
        enum { DEFER_ERR, DEFER_BUF, DEFER_WRITE, DEFER_OPEN, DEFER_IOCTL, DEFER_RETRY } how;
        int result;                  /* DEFER_ERR: errno; DEFER_IOCTL: result; DEFER_WRITE: count */
        struct fuse_file_info fi;
        GBytes *data;
        unsigned n_in, n_out;
        struct iovec iov[];
};

static gboolean deferred_send(gpointer userdata)
{
        struct deferred *d = userdata;
        gsize size = 0;
        const void *data = d->data ? g_bytes_get_data(d->data, &size) : NULL;

        switch (d->how) {
        case DEFER_ERR: fuse_reply_err(d->req, d->result); break;
        case DEFER_BUF: fuse_reply_buf(d->req, data, size); break;
        case DEFER_WRITE: fuse_reply_write(d->req, (size_t)d->result); break;
        case DEFER_OPEN: fuse_reply_open(d->req, &d->fi); break;
        case DEFER_IOCTL: fuse_reply_ioctl(d->req, d->result, data, size); break;
        case DEFER_RETRY: fuse_reply_ioctl_retry(d->req, d->iov, d->n_in, d->iov + d->n_in, d->n_out); break;
        }
        if (d->data)
                g_bytes_unref(d->data);
        g_free(d);
        return G_SOURCE_REMOVE;
}

static struct deferred *deferred_new(fuse_req_t req, int how, unsigned n_iov)
{
        struct deferred *d = g_malloc0(sizeof(*d) + n_iov * sizeof(struct iovec));

        d->req = req;
        d->how = how;
        return d;
}

static void deferred_schedule(struct deferred *d, guint delay_ms)
{
        g_timeout_add(delay_ms, deferred_send, d);
}

/* One receive buffer for all sessions: requests are served one at a time. */
static struct fuse_buf shared_buf;
/* Scratch for read replies, sized by the largest read asked. */
static GByteArray *read_buf;
/* One ioctl reply for all sessions, for the same reason: it is filled and
 * sent within one cuse_ioctl() call.  (Per node it cost ~20 KiB of RSS:
 * 16 KiB of first-stage argument room + 4 KiB of data, zeroed by calloc.) */
static struct ck_ioctl_reply *shared_reply;

static struct ck_cuse_node *node_of(fuse_req_t req)
{
        return fuse_req_userdata(req);
}

static struct ck_file *file_of(struct fuse_file_info *fi)
{
        return (struct ck_file *)(uintptr_t)fi->fh;
}

/* -EAGAIN: nothing yet; otherwise replied (or scheduled to be). */
static int try_read(fuse_req_t req, struct ck_file *f, size_t size)
{
        guint delay_ms;

        g_byte_array_set_size(read_buf, (guint)MAX(size, 1));
        ssize_t r = ck_pipeline_read(f, fuse_req_ctx(req)->pid, read_buf->data, size, &delay_ms);
        if (r == -EAGAIN)
                return -EAGAIN;
        if (delay_ms) {
                struct deferred *d = deferred_new(req, r < 0 ? DEFER_ERR : DEFER_BUF, 0);
                d->result = (int)-r;
                if (r >= 0)
                        d->data = g_bytes_new(read_buf->data, (gsize)r);
                deferred_schedule(d, delay_ms);
        } else if (r < 0) {
                fuse_reply_err(req, (int)-r);
        } else {
                fuse_reply_buf(req, (const char *)read_buf->data, (size_t)r);
        }
        return 0;
}

static void waiter_free(struct waiter *w)
{
        g_queue_delete_link(&w->node->waiting, w->link);
        if (w->data)
                g_bytes_unref(w->data);
        g_free(w);
}

static struct waiter *waiter_new(struct ck_cuse_node *n, fuse_req_t req, int kind, struct ck_file *f);
static int try_write(fuse_req_t req, struct ck_file *f, const void *buf, size_t size, bool nonblock,
                     size_t *done);
static int serve_ioctl(fuse_req_t req, struct ck_file *f, const struct ck_ioctl_request *rq);

/* 0: answered; -EAGAIN: still waiting. */
static int waiter_try(struct waiter *w)
{
        gsize size = 0;
        const void *data = w->data ? g_bytes_get_data(w->data, &size) : NULL;

        switch (w->kind) {
        case WAIT_READ: return try_read(w->req, w->file, w->size);
        case WAIT_WRITE: return try_write(w->req, w->file, data, size, false, &w->done);
        case WAIT_IOCTL: return serve_ioctl(w->req, w->file, &w->rq);
        }
        return 0;
}

/* A signal for a blocked caller: the kernel asks to end the request
 * (FUSE cannot restart a call: EINTR even under SA_RESTART).  A write
 * that has gone in part returns that count, as n_tty_write() does. */
static void on_interrupt(fuse_req_t req, void *data)
{
        struct waiter *w = data;

        if (w->kind == WAIT_WRITE && w->done)
                fuse_reply_write(req, w->done);
        else
                fuse_reply_err(req, EINTR);
        waiter_free(w);
}

/* Serves a parked call again: done, or parked on with its interrupt re-armed
 * (no interrupt may free it while it is being served). */
static void waiter_retry(struct waiter *w)
{
        fuse_req_interrupt_func(w->req, NULL, NULL);
        if (waiter_try(w) == 0)
                waiter_free(w);
        else
                fuse_req_interrupt_func(w->req, on_interrupt, w);
}

static void node_notify(struct ck_device *d, void *userdata);

static gboolean retry_ioctls(gpointer userdata)
{
        struct ck_cuse_node *n = userdata;

        n->ioctl_retry = 0;
        n->notifying = TRUE;   /* what they notify waits for the pass below */
        n->notify_again = FALSE;
        for (GList *l = n->waiting.head; l;) {
                struct waiter *w = l->data;
                l = l->next;
                if (w->kind != WAIT_IOCTL)
                        continue;
                waiter_retry(w);
        }
        n->notifying = FALSE;
        if (n->notify_again)
                node_notify(n->device, n);
        return G_SOURCE_REMOVE;
}

static void node_notify(struct ck_device *d, void *userdata)
{
        struct ck_cuse_node *n = userdata;

        /* A read served here may notify again (a fifo that was full has room
         * now): serving the list from inside itself would serve a read twice
         * and reuse read_buf under the reply being built, so a nested call
         * only asks for another pass. */
        if (n->notifying) {
                n->notify_again = TRUE;
                return;
        }
        n->notifying = TRUE;
        do {
                n->notify_again = FALSE;
                for (GList *l = n->waiting.head; l;) {
                        struct waiter *w = l->data;
                        l = l->next;
                        if (w->kind == WAIT_IOCTL) {
                                /* not from here: the notify may come from a handler
                                 * whose reply (shared_reply) is being built */
                                if (!n->ioctl_retry)
                                        n->ioctl_retry = g_idle_add_full(G_PRIORITY_HIGH, retry_ioctls, n, NULL);
                                continue;
                        }
                        waiter_retry(w);
                }
        } while (n->notify_again);
        n->notifying = FALSE;

        GHashTableIter it;
        struct fuse_pollhandle *ph;
        g_hash_table_iter_init(&it, n->pollers);
        while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ph)) {
                fuse_lowlevel_notify_poll(ph);
                g_hash_table_iter_remove(&it);
        }
}

static void cuse_init_done(void *userdata)
{
        struct ck_cuse_node *n = userdata;

        n->ready = TRUE;
}

static void cuse_open(fuse_req_t req, struct fuse_file_info *fi)
{
        struct ck_file *f = NULL;
        guint delay_ms;
        int r = ck_pipeline_open(node_of(req)->device, fi->flags, fuse_req_ctx(req)->pid, &f, &delay_ms);

        if (r == 0) {
                fi->fh = (uintptr_t)f;
                fi->direct_io = 1;
                fi->nonseekable = 1;
        }
        if (delay_ms) {
                struct deferred *d = deferred_new(req, r < 0 ? DEFER_ERR : DEFER_OPEN, 0);
                d->result = -r;
                d->fi = *fi;
                deferred_schedule(d, delay_ms);
        } else if (r < 0) {
                fuse_reply_err(req, -r);
        } else {
                fuse_reply_open(req, fi);
        }
}

static void cuse_release(fuse_req_t req, struct fuse_file_info *fi)
{
        struct ck_cuse_node *n = node_of(req);
        struct ck_file *f = file_of(fi);

        for (GList *l = n->waiting.head; l;) {
                struct waiter *w = l->data;
                l = l->next;
                if (w->file == f) {
                        fuse_req_interrupt_func(w->req, NULL, NULL);
                        fuse_reply_err(w->req, EBADF);
                        waiter_free(w);
                }
        }
        g_hash_table_remove(n->pollers, f);
        ck_file_close(f);
        fuse_reply_err(req, 0);
}

static void cuse_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
        struct ck_cuse_node *n = node_of(req);
        struct ck_file *f = file_of(fi);

        if (try_read(req, f, size) == 0)
                return;
        if (fi->flags & O_NONBLOCK) {
                fuse_reply_err(req, EAGAIN);
                return;
        }
        waiter_new(n, req, WAIT_READ, f)->size = size;
}

/* Parks @req; the device's next notify retries it.  The loop goes on
 * serving other opens and devices meanwhile. */
static struct waiter *waiter_new(struct ck_cuse_node *n, fuse_req_t req, int kind, struct ck_file *f)
{
        struct waiter *w = g_new0(struct waiter, 1);

        *w = (struct waiter){ .node = n, .req = req, .kind = kind, .file = f };
        g_queue_push_tail(&n->waiting, w);
        w->link = n->waiting.tail;
        fuse_req_interrupt_func(req, on_interrupt, w);
        return w;
}

/* -EAGAIN: no room (for the rest, *@done taken), and the writer blocks;
 * otherwise replied (or scheduled to be). */
static int try_write(fuse_req_t req, struct ck_file *f, const void *buf, size_t size, bool nonblock,
                     size_t *done)
{
        guint delay_ms;
        ssize_t r = ck_pipeline_write_on(f, fuse_req_ctx(req)->pid, buf, size, false, nonblock, done, &delay_ms);

        if (r == -EAGAIN && !delay_ms && !nonblock)
                return -EAGAIN;
        if (delay_ms) {
                struct deferred *d = deferred_new(req, r < 0 ? DEFER_ERR : DEFER_WRITE, 0);
                d->result = (int)(r < 0 ? -r : r);
                deferred_schedule(d, delay_ms);
        } else if (r < 0)
                fuse_reply_err(req, (int)-r);
        else
                fuse_reply_write(req, (size_t)r);
        return 0;
}

static void cuse_write(fuse_req_t req, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
        struct ck_file *f = file_of(fi);

        size_t done = 0;

        if (try_write(req, f, buf, size, (fi->flags & O_NONBLOCK) != 0, &done) == 0)
                return;
        /* no room (a serial port's full buffer): a blocking writer waits */
        struct waiter *w = waiter_new(node_of(req), req, WAIT_WRITE, f);
        w->data = g_bytes_new(buf, size);
        w->done = done;
}

static void cuse_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
        struct ck_cuse_node *n = node_of(req);
        struct ck_file *f = file_of(fi);

        if (ph)
                g_hash_table_replace(n->pollers, f, ph);
        fuse_reply_poll(req, ck_pipeline_poll(f));
}

/* -EAGAIN: the call waits (its handler said ck_call_wait()); otherwise
 * replied (or scheduled to be). */
static int serve_ioctl(fuse_req_t req, struct ck_file *f, const struct ck_ioctl_request *rq)
{
        struct ck_ioctl_reply *rep = shared_reply;

        ck_pipeline_ioctl(f, rq, rep);
        if (rep->kind == CK_REPLY_WAIT)
                return -EAGAIN;
        if (rep->delay_ms) {
                unsigned n_iov = rep->kind == CK_REPLY_RETRY ? rep->n_in + rep->n_out : 0;
                struct deferred *d = deferred_new(req, rep->kind == CK_REPLY_ERROR ? DEFER_ERR
                                                       : rep->kind == CK_REPLY_RETRY ? DEFER_RETRY
                                                                                     : DEFER_IOCTL, n_iov);
                d->result = rep->kind == CK_REPLY_ERROR ? -rep->result : rep->result;
                d->n_in = rep->n_in;
                d->n_out = rep->n_out;
                for (unsigned i = 0; i < n_iov; i++)
                        d->iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)rep->regions[i].addr,
                                                    .iov_len = rep->regions[i].len };
                if (rep->kind == CK_REPLY_DATA)
                        d->data = g_bytes_new(rep->data, rep->size);
                deferred_schedule(d, rep->delay_ms);
                return 0;
        }
        switch (rep->kind) {
        case CK_REPLY_ERROR:
                fuse_reply_err(req, -rep->result);
                break;
        case CK_REPLY_RETRY: {
                struct iovec iov[CK_MAX_REGIONS];
                for (unsigned i = 0; i < rep->n_in + rep->n_out; i++)
                        iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)rep->regions[i].addr,
                                                 .iov_len = rep->regions[i].len };
                fuse_reply_ioctl_retry(req, iov, rep->n_in, iov + rep->n_in, rep->n_out);
                break;
        }
        case CK_REPLY_DATA:
                fuse_reply_ioctl(req, rep->result, rep->size ? rep->data : NULL, rep->size);
                break;
        case CK_REPLY_WAIT:
                break;
        }
        return 0;
}

/* A call the fast path found waiting, handed to libfuse with what its
 * first attempt keeps: libfuse serves the same request next, at once. */
static struct {
        bool valid;
        unsigned int cmd;
        uint64_t arg;
        pid_t tid;
        struct ck_wait wait;
} fast_handoff;

static void cuse_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned flags,
                       const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
        struct ck_file *f = file_of(fi);
        struct ck_wait wait = { 0 };

        if (fast_handoff.valid && fast_handoff.cmd == (unsigned int)cmd &&
            fast_handoff.arg == (uint64_t)(uintptr_t)arg && fast_handoff.tid == fuse_req_ctx(req)->pid)
                wait = fast_handoff.wait;
        fast_handoff.valid = false;
        const struct ck_ioctl_request rq = {
                .cmd = (unsigned int)cmd,
                .arg = (uint64_t)(uintptr_t)arg,
                .tid = fuse_req_ctx(req)->pid,
                .unrestricted = (flags & FUSE_IOCTL_UNRESTRICTED) != 0,
                .in = in_buf,
                .in_size = in_bufsz,
                .out_size = out_bufsz,
                .wait = &wait,
        };

        if (serve_ioctl(req, f, &rq) == 0)
                return;
        /* The handler waits (TIOCMIWAIT, tcdrain): parked with the kernel's
         * last round as it came, served again on the device's notify. */
        struct waiter *w = waiter_new(node_of(req), req, WAIT_IOCTL, f);
        w->data = g_bytes_new(in_buf, in_bufsz);
        w->wait = wait;
        w->rq = rq;
        w->rq.in = g_bytes_get_data(w->data, NULL);
        w->rq.wait = &w->wait;
}

static const struct cuse_lowlevel_ops ops = {
        .init_done = cuse_init_done,
        .open = cuse_open,
        .release = cuse_release,
        .read = cuse_read,
        .write = cuse_write,
        .poll = cuse_poll,
        .ioctl = cuse_ioctl,
};

/*
 * The FUSE_IOCTL fast path.  libfuse spends ~1100 instructions per request
 * on bookkeeping an ioctl served at once does not need: a calloc'd fuse_req,
 * its mutex, the in-flight list (kept for interrupts) and a reply assembled
 * per call (for a retry, a malloc'd iovec array).  An ioctl is served and
 * answered within this one call, so it is parsed here from the raw kernel
 * request (libfuse's buffer holds it as read from /dev/cuse) and answered
 * with one writev().  The reply format is the one fuse_reply_err(),
 * fuse_reply_ioctl() and fuse_reply_ioctl_retry() write (the new iovec
 * format: libfuse's CUSE_INIT reply announces minor >= 16, so the kernel
 * reads struct fuse_ioctl_iovec, fs/fuse/ioctl.c).
 *
 * Everything else stays on libfuse, and so does an ioctl that is not plain:
 * before the node is ready, a spliced buffer, FUSE_IOCTL_COMPAT (cuse_lowlevel
 * answers ENOSYS) or FUSE_IOCTL_DIR (ENOTTY; never sent to CUSE), and any
 * device with injected faults (a delayed reply needs a fuse_req to keep).
 * An interrupt for a request answered here finds nothing in libfuse's list,
 * exactly as for one libfuse answered at once.
 */
_Static_assert(sizeof(struct ck_region) == sizeof(struct fuse_ioctl_iovec) &&
                       offsetof(struct ck_region, addr) == offsetof(struct fuse_ioctl_iovec, base) &&
                       offsetof(struct ck_region, len) == offsetof(struct fuse_ioctl_iovec, len),
               "ck_region doubles as the kernel's fuse_ioctl_iovec");

/* CUSEKIT_FAST_IOCTL=0 turns it off: bench/ measures both paths in one run. */
static int fast_ioctl_enabled = -1;

static gboolean fast_ioctl(struct ck_cuse_node *n, const struct fuse_buf *buf, size_t size)
{
        const struct fuse_in_header *ih = buf->mem;
        const struct fuse_ioctl_in *arg = (const void *)(ih + 1);
        struct ck_device *d = n->device;

        if (G_UNLIKELY(fast_ioctl_enabled < 0))
                fast_ioctl_enabled = g_strcmp0(g_getenv("CUSEKIT_FAST_IOCTL"), "0") != 0;
        if (!fast_ioctl_enabled || (buf->flags & FUSE_BUF_IS_FD) || size < sizeof(*ih) + sizeof(*arg) || ih->opcode != FUSE_IOCTL ||
            !n->ready || (arg->flags & (FUSE_IOCTL_COMPAT | FUSE_IOCTL_DIR)) ||
            (d->faults && d->faults->len) || size - sizeof(*ih) - sizeof(*arg) < arg->in_size)
                return FALSE;

        struct ck_ioctl_reply *rep = shared_reply;
        struct ck_wait wait = { 0 };
        const struct ck_ioctl_request rq = {
                .cmd = arg->cmd,
                .arg = arg->arg,
                .tid = (pid_t)ih->pid,
                .unrestricted = (arg->flags & FUSE_IOCTL_UNRESTRICTED) != 0,
                .in = arg->in_size ? (const void *)(arg + 1) : NULL,
                .in_size = arg->in_size,
                .out_size = arg->out_size,
                .wait = &wait,
        };
        ck_pipeline_ioctl((struct ck_file *)(uintptr_t)arg->fh, &rq, rep);
        g_assert(rep->delay_ms == 0);   /* no faults, no delay */
        /* a call that waits needs a fuse_req to park: libfuse serves it
         * next, going on from this attempt's wait state */
        if (rep->kind == CK_REPLY_WAIT) {
                fast_handoff.valid = true;
                fast_handoff.cmd = rq.cmd;
                fast_handoff.arg = rq.arg;
                fast_handoff.tid = rq.tid;
                fast_handoff.wait = wait;
                return FALSE;
        }

        struct fuse_out_header oh = { .unique = ih->unique };
        struct fuse_ioctl_out io = { 0 };
        struct iovec iov[3] = { { &oh, sizeof(oh) }, { &io, sizeof(io) } };
        int count = 2;

        switch (rep->kind) {
        case CK_REPLY_ERROR:
                /* as fuse_reply_err(): the header alone, out-of-range errors as ERANGE */
                oh.error = rep->result < 0 && rep->result > -1000 ? rep->result : -ERANGE;
                count = 1;
                break;
        case CK_REPLY_RETRY:
                io.flags = FUSE_IOCTL_RETRY;
                io.in_iovs = rep->n_in;
                io.out_iovs = rep->n_out;
                if (rep->n_in + rep->n_out)
                        iov[count++] = (struct iovec){ rep->regions,
                                                       (rep->n_in + rep->n_out) * sizeof(rep->regions[0]) };
                break;
        case CK_REPLY_DATA:
                io.result = rep->result;
                if (rep->size)
                        iov[count++] = (struct iovec){ rep->data, rep->size };
                break;
        case CK_REPLY_WAIT:
                break;
        }
        for (int i = 0; i < count; i++)
                oh.len += (uint32_t)iov[i].iov_len;
        /* ENOENT: the request was interrupted meanwhile; the kernel has let go of it */
        if (writev(fuse_session_fd(n->se), iov, count) < 0 && errno != ENOENT)
                g_warning("%s: replying to an ioctl: %s", ck_device_name(d), g_strerror(errno));
        return TRUE;
}

static void node_receive(struct ck_cuse_node *n)
{
        int r = fuse_session_receive_buf(n->se, &shared_buf);

        if (r == -EINTR || r == -EAGAIN)
                return;
        if (r <= 0 || fuse_session_exited(n->se)) {
                n->dead = TRUE;
                return;
        }
        if (fast_ioctl(n, &shared_buf, (size_t)r))
                return;
        fuse_session_process_buf(n->se, &shared_buf);
        fast_handoff.valid = false;   /* libfuse may have answered it itself */
}

/* All channels sit in one epoll set behind one GLib fd watch: a main-loop
 * iteration polls one fd whatever the number of devices, and a wakeup
 * serves every request that is queued by then (up to a bound, so that
 * signals and other sources still get their turn).  Asking epoll again
 * after each batch pays: a client woken by the reply often has its next
 * ioctl queued by then, served without a main-loop iteration (bench/). */
static int epoll_fd = -1;
static guint epoll_watch;

#define EPOLL_BATCH 64
#define MAX_REQUESTS_PER_WAKEUP 64

static void node_detach(struct ck_cuse_node *n)
{
        if (n->attached) {
                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fuse_session_fd(n->se), NULL);
                n->attached = FALSE;
        }
}

static gboolean on_epoll(gint fd, GIOCondition cond, gpointer userdata)
{
        struct epoll_event ev[EPOLL_BATCH];
        unsigned served = 0;

        while (served < MAX_REQUESTS_PER_WAKEUP) {
                int k = epoll_wait(epoll_fd, ev, EPOLL_BATCH, 0);
                if (k <= 0)
                        break;
                for (int i = 0; i < k; i++) {
                        struct ck_cuse_node *n = ev[i].data.ptr;
                        if (!n->attached)
                                continue;
                        node_receive(n);
                        served++;
                        if (n->dead) {
                                g_warning("%s: the kernel closed the CUSE channel", ck_device_name(n->device));
                                node_detach(n);
                        }
                }
        }
        return G_SOURCE_CONTINUE;
}

int ck_cuse_node_new(struct ck_device *d, const char *cuse_path, unsigned major, unsigned minor,
                     struct ck_cuse_node **ret)
{
        g_autofree char *devname = g_strdup_printf("DEVNAME=%s", ck_device_node(d));
        const char *dev_info[] = { devname };
        const struct cuse_info ci = {
                .dev_major = major,
                .dev_minor = minor,
                .dev_info_argc = 1,
                .dev_info_argv = dev_info,
                .flags = ck_device_unrestricted(d) ? CUSE_UNRESTRICTED_IOCTL : 0,
        };
        char *argv[] = { (char *)"cusekitd", NULL };
        struct fuse_args args = FUSE_ARGS_INIT(1, argv);

        if (!read_buf)
                read_buf = g_byte_array_new();
        if (!shared_reply) {
                shared_reply = g_new0(struct ck_ioctl_reply, 1);
                ck_ioctl_reply_init(shared_reply);
        }

        int fd = open(cuse_path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        g_autoptr(ck_cuse_node) n = g_new0(struct ck_cuse_node, 1);
        n->device = d;
        n->pollers = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)fuse_pollhandle_destroy);
        n->se = cuse_lowlevel_new(&args, &ci, &ops, n);
        if (!n->se) {
                close(fd);
                /* libfuse says why only on stderr: a pthread key per session
                 * (they run out near 1024), else memory */
                pthread_key_t probe;
                if (pthread_key_create(&probe, NULL) != 0)
                        return -EAGAIN;
                pthread_key_delete(probe);
                return -ENOMEM;
        }
        g_autofree char *mountpoint = g_strdup_printf("/dev/fd/%d", fd);
        if (fuse_session_mount(n->se, mountpoint) != 0) {
                close(fd);
                return -EIO;
        }
        ck_device_set_notify(d, node_notify, n);
        *ret = g_steal_pointer(&n);
        return 0;
}

int ck_cuse_node_wait_ready(struct ck_cuse_node *n)
{
        while (!n->ready && !n->dead)
                node_receive(n);
        if (n->ready && !n->dead) {
                /* libfuse says ready once its INIT reply is written; the kernel
                 * handles that reply within the write, and a device it refused
                 * leaves the channel aborted: that shows as POLLERR at once. */
                struct pollfd p = { .fd = fuse_session_fd(n->se), .events = POLLIN };
                if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
                        n->dead = TRUE;
        }
        return n->ready && !n->dead ? 0 : -EEXIST;
}

void ck_cuse_node_attach(struct ck_cuse_node *n)
{
        if (epoll_fd < 0) {
                epoll_fd = epoll_create1(EPOLL_CLOEXEC);
                if (epoll_fd < 0)
                        g_error("epoll_create1: %s", g_strerror(errno));
                epoll_watch = g_unix_fd_add(epoll_fd, G_IO_IN, on_epoll, NULL);
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = n };
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fuse_session_fd(n->se), &ev) < 0)
                g_error("epoll_ctl: %s", g_strerror(errno));
        n->attached = TRUE;
}

gboolean ck_cuse_node_alive(const struct ck_cuse_node *n)
{
        return !n->dead;
}

void ck_cuse_node_free(struct ck_cuse_node *n)
{
        if (!n)
                return;
        node_detach(n);
        if (n->ioctl_retry)
                g_source_remove(n->ioctl_retry);
        while (!g_queue_is_empty(&n->waiting)) {
                struct waiter *w = g_queue_peek_head(&n->waiting);
                fuse_req_interrupt_func(w->req, NULL, NULL);
                fuse_reply_err(w->req, ENODEV);
                waiter_free(w);
        }
        if (n->pollers)
                g_hash_table_destroy(n->pollers);
        ck_device_set_notify(n->device, NULL, NULL);
        /* closing the channel removes the node */
        if (n->se)
                fuse_session_destroy(n->se);
        g_free(n);
}
