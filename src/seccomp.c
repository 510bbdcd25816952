/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a device descriptor works under the filter.  The program gets one
 * end of a FIFO of our own (a new FIFO per open, in the work directory)
 * and the supervisor keeps a second description of the same pipe:
 *  - identity: a call on fd N is ours when /proc/PID/fd/N is one of our
 *    FIFOs (device + inode), so dup, fork, exec and fd passing just work;
 *  - readiness: poll/select/epoll run natively on the program's end; the
 *    supervisor keeps the pipe empty (POLLOUT), holding a byte
 *    (POLLIN|POLLOUT) or full (POLLIN) as the device's poll() says;
 *  - release: inotify's IN_CLOSE on the FIFO comes when the last
 *    reference to the program's description goes, as a driver's release.
 * Reads, writes, ioctls and the rest on it are served from client memory
 * with process_vm_readv/writev, each read checked with NOTIF_ID_VALID.
 */
#include "seccomp.h"
#include "kernel.h"
#include "pipeline.h"
#include "resolve.h"
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

/* One read or write moves at most this much (the kernel's is ~2 GiB). */
#define MAX_IO (1u << 20)
/* Pipe of two pages: one byte leaves room (POLLOUT), two pages do not. */
#define FIFO_SIZE 8192
/* include/linux/fcntl.h, fs.h: not in the uapi headers */
#define OPEN_HOW_SIZE_VER0 24
#define SEEK_MAX SEEK_HOLE
/* the kernel sets it in f_flags on 64-bit; glibc defines O_LARGEFILE as 0 there */
#define KERNEL_O_LARGEFILE 0100000
/* While reads are parked, how often lost notifications are looked for. */
#define SWEEP_MS 250
/* Callers whose /proc/PID/fd is kept open (by pid, direct-mapped). */
#define FD_DIRS 16

enum op {
        OP_NONE,
        OP_OPEN, OP_CREAT, OP_OPENAT, OP_OPENAT2,
        OP_STAT, OP_LSTAT, OP_FSTAT, OP_NEWFSTATAT, OP_STATX,
        OP_ACCESS, OP_FACCESSAT, OP_FACCESSAT2,
        OP_READLINK, OP_READLINKAT, OP_STATFS, OP_FSTATFS,
        OP_GETXATTR, OP_LGETXATTR, OP_LISTXATTR, OP_LLISTXATTR,
        OP_READ, OP_WRITE, OP_READV, OP_WRITEV, OP_PREAD, OP_PWRITE,
        OP_PREADV, OP_PWRITEV, OP_PREADV2, OP_PWRITEV2,
        OP_LSEEK, OP_IOCTL, OP_FCNTL,
        /* compat (i386) calls: ours only to refuse */
        OP_COMPAT_PATH, OP_COMPAT_FD,
};

static const struct { int nr; enum op op; } calls64[] = {
        { __NR_open, OP_OPEN }, { __NR_creat, OP_CREAT }, { __NR_openat, OP_OPENAT }, { __NR_openat2, OP_OPENAT2 },
        { __NR_stat, OP_STAT }, { __NR_lstat, OP_LSTAT }, { __NR_fstat, OP_FSTAT },
        { __NR_newfstatat, OP_NEWFSTATAT }, { __NR_statx, OP_STATX },
        { __NR_access, OP_ACCESS }, { __NR_faccessat, OP_FACCESSAT }, { __NR_faccessat2, OP_FACCESSAT2 },
        { __NR_readlink, OP_READLINK }, { __NR_readlinkat, OP_READLINKAT },
        { __NR_statfs, OP_STATFS }, { __NR_fstatfs, OP_FSTATFS },
        { __NR_getxattr, OP_GETXATTR }, { __NR_lgetxattr, OP_LGETXATTR },
        { __NR_listxattr, OP_LISTXATTR }, { __NR_llistxattr, OP_LLISTXATTR },
        { __NR_read, OP_READ }, { __NR_write, OP_WRITE }, { __NR_readv, OP_READV }, { __NR_writev, OP_WRITEV },
        { __NR_pread64, OP_PREAD }, { __NR_pwrite64, OP_PWRITE }, { __NR_preadv, OP_PREADV },
        { __NR_pwritev, OP_PWRITEV }, { __NR_preadv2, OP_PREADV2 }, { __NR_pwritev2, OP_PWRITEV2 },
        { __NR_lseek, OP_LSEEK }, { __NR_ioctl, OP_IOCTL }, { __NR_fcntl, OP_FCNTL },
};

/* arch/x86/entry/syscalls/syscall_32.tbl: a 32-bit program reaches the same
 * files through other numbers and other struct layouts, which the pipeline
 * does not speak: they must not slip past to the host's nodes. */
static const struct { int nr; enum op op; } calls32[] = {
        { 5, OP_COMPAT_PATH },   /* open */     { 8, OP_COMPAT_PATH },   /* creat */
        { 295, OP_COMPAT_PATH }, /* openat */   { 437, OP_COMPAT_PATH }, /* openat2 */
        { 3, OP_COMPAT_FD },     /* read */     { 4, OP_COMPAT_FD },     /* write */
        { 19, OP_COMPAT_FD },    /* lseek */    { 54, OP_COMPAT_FD },    /* ioctl */
        { 55, OP_COMPAT_FD },    /* fcntl */    { 140, OP_COMPAT_FD },   /* _llseek */
        { 145, OP_COMPAT_FD },   /* readv */    { 146, OP_COMPAT_FD },   /* writev */
        { 180, OP_COMPAT_FD },   /* pread64 */  { 181, OP_COMPAT_FD },   /* pwrite64 */
        { 221, OP_COMPAT_FD },   /* fcntl64 */  { 333, OP_COMPAT_FD },   /* preadv */
        { 334, OP_COMPAT_FD },   /* pwritev */  { 378, OP_COMPAT_FD },   /* preadv2 */
        { 379, OP_COMPAT_FD },   /* pwritev2 */
};
/* io_uring would do file I/O behind the filter's back: same numbers on both. */
static const int io_uring_calls[] = { __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register };

/* --- the filter --- */

struct ck_seccomp_filter {
        struct sock_fprog prog;
        struct sock_filter insns[128];
};

#define LABEL_NOTIFY 1000
#define LABEL_ENOSYS 1001

struct builder {
        struct sock_filter *insns;
        unsigned n;
        unsigned fixups[128];     /* instructions whose jt is a label */
        unsigned n_fixups;
};

static void emit(struct builder *b, struct sock_filter insn)
{
        g_assert(b->n < 128);
        b->insns[b->n++] = insn;
}

/* if (A == k) goto label */
static void emit_jeq_label(struct builder *b, __u32 k, unsigned label)
{
        b->fixups[b->n_fixups++] = b->n;
        emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, (__u8)(label - LABEL_NOTIFY), 0));
}

struct ck_seccomp_filter *ck_seccomp_filter_new(void)
{
        struct ck_seccomp_filter *f = g_new0(struct ck_seccomp_filter, 1);
        struct builder b = { .insns = f->insns };

        emit(&b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
        emit(&b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 0));
        unsigned to_i386 = b.n - 1;

        emit(&b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
        /* x32: the same kernel entry points with bit 30 set */
        b.fixups[b.n_fixups++] = b.n;
        emit(&b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, LABEL_ENOSYS - LABEL_NOTIFY, 0));
        for (size_t i = 0; i < G_N_ELEMENTS(calls64); i++)
                emit_jeq_label(&b, (__u32)calls64[i].nr, LABEL_NOTIFY);
        for (size_t i = 0; i < G_N_ELEMENTS(io_uring_calls); i++)
                emit_jeq_label(&b, (__u32)io_uring_calls[i], LABEL_ENOSYS);
        emit(&b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

        f->insns[to_i386].jf = (__u8)(b.n - to_i386 - 1);
        emit(&b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 1, 0));
        emit(&b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        emit(&b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
        for (size_t i = 0; i < G_N_ELEMENTS(calls32); i++)
                emit_jeq_label(&b, (__u32)calls32[i].nr, LABEL_NOTIFY);
        for (size_t i = 0; i < G_N_ELEMENTS(io_uring_calls); i++)
                emit_jeq_label(&b, (__u32)io_uring_calls[i], LABEL_ENOSYS);
        emit(&b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

        unsigned notify_at = b.n;
        emit(&b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
        emit(&b, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
        for (unsigned i = 0; i < b.n_fixups; i++) {
                unsigned at = b.fixups[i];
                unsigned target = notify_at + f->insns[at].jt;
                g_assert(target - at - 1 < 256);
                f->insns[at].jt = (__u8)(target - at - 1);
        }
        f->prog = (struct sock_fprog){ .len = (unsigned short)b.n, .filter = f->insns };
        return f;
}

void ck_seccomp_filter_free(struct ck_seccomp_filter *filter)
{
        g_free(filter);
}

int ck_seccomp_filter_install(const struct ck_seccomp_filter *filter)
{
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &filter->prog);
        return fd < 0 ? -errno : (int)fd;
}

/* --- what the supervisor serves --- */

enum served_kind { SERVED_DEVICE, SERVED_ATTR, SERVED_PATH };

struct served_id {
        dev_t dev;
        ino_t ino;
};

struct served {
        struct ck_seccomp *s;
        enum served_kind kind;
        struct served_id id;      /* the file's: how /proc/PID/fd/N finds it */
        int own;                  /* our own description (DEVICE: of the FIFO; ATTR: of the file) */
        int wd;                   /* inotify watch */
        struct ck_file *file;     /* DEVICE */
        int shown;                /* what the pipe shows: 0 empty, 1 a byte, 2 full */
        struct ck_sysfs_attr *attr;  /* ATTR */
        char *real;               /* PATH: what the stand-in stands for, */
        struct ck_device *node;   /* PATH: or the node (O_PATH opens no device) */
        bool real_overlay;        /* PATH: @real is in the overlay */
        bool follow;              /* PATH: opened without O_NOFOLLOW */
};

/* A call that waits for its device: a read with nothing to read, a write
 * with no room, an ioctl whose handler waits (ck_call_wait()). */
enum park_kind {
        PARK_READ,
        PARK_WRITE,
        PARK_IOCTL,
};

struct parked {
        enum park_kind kind;
        struct served *sv;
        __u64 id;
        pid_t pid;
        GArray *iov;              /* READ/WRITE, struct ck_region: where the data is */
        size_t size;
        size_t done;              /* WRITE: bytes taken so far (a type with .write_all) */
        unsigned int cmd;         /* IOCTL */
        uint64_t arg;
        struct ck_wait wait;      /* IOCTL: what the call keeps across its attempts */
};

struct node {
        struct ck_device *device;
        unsigned minor;
        mode_t mode;              /* of the node: 0600 unless the spec says */
        gid_t gid;
        GPtrArray *opens;         /* struct served * of this device */
};

struct ck_seccomp {
        GPtrArray *devices;
        GHashTable *nodes;        /* struct ck_device * -> struct node * */
        struct ck_resolver *resolver;
        char *work_dir;
        struct ck_sysfs *sysfs;
        GHashTable *dev_dirs;     /* "/dev", "/dev/input", ...: listed from the overlay */
        unsigned major;
        uid_t node_uid;
        dev_t dev_dev;            /* st_dev of the host's /dev, as a node there would have */
        struct timespec created;
        int listener;
        guint listener_watch;
        int inotify;
        guint inotify_watch;
        GHashTable *served;       /* "dev:ino" -> struct served * */
        GQueue parked;            /* struct parked * */
        /* tid -> struct parked *: a blocking write a signal ended after part
         * of it went (seccomp cannot return that count); the thread's
         * restarted (or retried) write of the same bytes goes on from there.
         * Its next write to a served file ends it (a handler's own calls
         * may come between). */
        GHashTable *interrupted;
        bool retrying, retry_again;   /* in retry_parked() */
        guint retry_source;       /* parked writes and ioctls, tried from the loop */
        guint sweep;
        struct seccomp_notif_sizes sizes;
        struct seccomp_notif *req;
        struct seccomp_notif_resp *resp;
        struct ck_ioctl_reply reply;
        GByteArray *buf;
        unsigned fifo_counter;
        guint64 served_count;
        bool warned_compat;
        struct { pid_t pid; int fd; } fd_dirs[FD_DIRS];   /* O_PATH /proc/PID/fd; fd -1: none */
};

/* One notification being served. */
struct client {
        struct ck_seccomp *s;
        __u64 id;
        pid_t pid;
};

static guint served_id_hash(gconstpointer p)
{
        const struct served_id *id = p;

        return (guint)(id->ino ^ (id->ino >> 32) ^ (id->dev * 31));
}

static gboolean served_id_equal(gconstpointer a, gconstpointer b)
{
        const struct served_id *x = a, *y = b;

        return x->dev == y->dev && x->ino == y->ino;
}

/* --- replies --- */

static bool notif_valid(struct ck_seccomp *s, __u64 id)
{
        return ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void send_reply(struct ck_seccomp *s, __u64 id, __s64 val, int error, bool cont)
{
        *s->resp = (struct seccomp_notif_resp){
                .id = id,
                .val = error ? 0 : val,
                .error = error,
                .flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0,
        };
        /* ENOENT: the call was interrupted or its thread died meanwhile */
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, s->resp) < 0 && errno != ENOENT)
                g_warning("seccomp: replying: %s", g_strerror(errno));
        s->served_count++;
}

/* @r: a result >= 0 or -errno. */
static void reply(struct client *c, __s64 r)
{
        send_reply(c->s, c->id, r < 0 ? 0 : r, r < 0 ? (int)r : 0, false);
}

/* Not ours: the kernel carries on as if there were no filter. */
static void reply_continue(struct client *c)
{
        send_reply(c->s, c->id, 0, 0, true);
}

struct deferred {
        struct ck_seccomp *s;
        __u64 id;
        __s64 result;
};

static gboolean deferred_send(gpointer userdata)
{
        struct deferred *d = userdata;

        send_reply(d->s, d->id, d->result < 0 ? 0 : d->result, d->result < 0 ? (int)d->result : 0, false);
        g_free(d);
        return G_SOURCE_REMOVE;
}

/* An injected fault's delay: answer later, serving others meanwhile. */
static void reply_after(struct client *c, __s64 r, guint delay_ms)
{
        if (!delay_ms)
                return reply(c, r);
        struct deferred *d = g_new(struct deferred, 1);
        *d = (struct deferred){ .s = c->s, .id = c->id, .result = r };
        g_timeout_add(delay_ms, deferred_send, d);
}

/* --- client memory --- */

static int mem_errno(int e)
{
        return e == ESRCH ? -ENOENT : e == EFAULT ? -EFAULT : -e;
}

static int client_read(void *userdata, const struct ck_region *r, unsigned n, void *buf)
{
        struct client *c = userdata;
        struct iovec remote[CK_MAX_REGIONS];
        size_t total = 0;

        g_assert(n <= CK_MAX_REGIONS);
        for (unsigned i = 0; i < n; i++) {
                remote[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)r[i].addr, .iov_len = r[i].len };
                total += r[i].len;
        }
        struct iovec local = { .iov_base = buf, .iov_len = total };
        ssize_t got = total ? process_vm_readv(c->pid, &local, 1, remote, n, 0) : 0;
        if (got < 0)
                return mem_errno(errno);
        /* The pid may have been reused since: the bytes count only if the call is still alive. */
        if (!notif_valid(c->s, c->id))
                return -ENOENT;
        return (size_t)got == total ? 0 : -EFAULT;
}

static int client_write(void *userdata, const struct ck_region *r, unsigned n, const void *data, size_t size)
{
        struct client *c = userdata;
        struct iovec remote[CK_MAX_REGIONS];
        size_t total = 0;
        unsigned k = 0;

        g_assert(n <= CK_MAX_REGIONS);
        for (unsigned i = 0; i < n && total < size; i++, k++) {
                size_t len = MIN(r[i].len, size - total);
                remote[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)r[i].addr, .iov_len = len };
                total += len;
        }
        if (!total)
                return 0;
        if (!notif_valid(c->s, c->id))
                return -ENOENT;
        struct iovec local = { .iov_base = (void *)data, .iov_len = total };
        ssize_t put = process_vm_writev(c->pid, &local, 1, remote, k, 0);
        if (put < 0)
                return mem_errno(errno);
        return (size_t)put == total ? 0 : -EFAULT;
}

static int read_mem(struct client *c, uint64_t addr, void *buf, size_t len)
{
        const struct ck_region r = { .addr = addr, .len = len };

        return client_read(c, &r, 1, buf);
}

static int write_mem(struct client *c, uint64_t addr, const void *buf, size_t len)
{
        const struct ck_region r = { .addr = addr, .len = len };

        return client_write(c, &r, 1, buf, len);
}

/* A NUL-terminated path, read a page at a time (the string may end just
 * before an unmapped page).  -EFAULT, -ENAMETOOLONG, -ENOENT (gone). */
static int read_path(struct client *c, uint64_t addr, char ret[PATH_MAX])
{
        size_t have = 0;

        while (have < PATH_MAX) {
                uint64_t at = addr + have;
                size_t chunk = MIN(4096 - (at & 4095), PATH_MAX - have);
                int r = read_mem(c, at, ret + have, chunk);
                if (r < 0)
                        return r;
                const char *nul = memchr(ret + have, '\0', chunk);
                if (nul)
                        return 0;
                have += chunk;
        }
        return -ENAMETOOLONG;
}

/* --- the served objects --- */

/* The caller's /proc/PID/fd, opened once: an identity lookup is then one
 * fstatat() of "N" instead of a walk from / through /proc and the pid
 * (most of what a served call costs the supervisor).  A kept handle pins
 * its process, not the number: once that process is gone every lookup in
 * it fails with ENOENT, so @reopen (after an ENOENT) opens it anew. */
static int fd_dir_of(struct ck_seccomp *s, pid_t pid, bool reopen)
{
        __typeof__(s->fd_dirs[0]) *slot = &s->fd_dirs[(unsigned)pid % FD_DIRS];
        char path[64];

        if (slot->fd >= 0 && slot->pid == pid && !reopen)
                return slot->fd;
        if (slot->fd >= 0)
                close(slot->fd);
        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        slot->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        slot->pid = pid;
        return slot->fd;
}

static int stat_fd_of(struct ck_seccomp *s, pid_t pid, int fd, struct stat *ret)
{
        char name[16];

        snprintf(name, sizeof(name), "%d", fd);
        int dir = fd_dir_of(s, pid, false);
        if (dir >= 0 && fstatat(dir, name, ret, 0) == 0)
                return 0;
        if (dir >= 0 && errno != ENOENT)
                return -errno;
        dir = fd_dir_of(s, pid, true);
        if (dir < 0)
                return -errno;
        return fstatat(dir, name, ret, 0) < 0 ? -errno : 0;
}

static struct served *served_of_fd(struct ck_seccomp *s, pid_t pid, int fd)
{
        struct stat st;

        /* nothing open: no descriptor can be ours, no lookup needed */
        if (fd < 0 || g_hash_table_size(s->served) == 0)
                return NULL;
        if (stat_fd_of(s, pid, fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode)))
                return NULL;
        const struct served_id id = { .dev = st.st_dev, .ino = st.st_ino };
        return g_hash_table_lookup(s->served, &id);
}

static struct node *node_of(struct ck_seccomp *s, struct ck_device *d)
{
        return g_hash_table_lookup(s->nodes, d);
}

/* Makes the pipe show @want (0 empty, 1 a byte, 2 full). */
static void fifo_show(struct served *sv, int want)
{
        static char scratch[FIFO_SIZE * 2];

        if (sv->shown == want)
                return;
        while (read(sv->own, scratch, sizeof(scratch)) > 0)
                ;
        if (want == 1 && write(sv->own, "", 1) != 1)
                g_warning("seccomp: readiness pipe: %s", g_strerror(errno));
        if (want == 2)
                while (write(sv->own, scratch, sizeof(scratch)) > 0)
                        ;
        sv->shown = want;
}

/* A device's wake-up is an edge for EPOLLET waiters even when the
 * readiness stays, as the kernel's wake_up() is: a byte more, then one
 * less, wakes the pipe's pollers (pipe_write() does for every write once
 * the pipe was polled) and leaves it readable throughout. */
static void fifo_wake(struct served *sv)
{
        char byte;

        if (sv->shown == 1 && write(sv->own, "", 1) == 1 && read(sv->own, &byte, 1) != 1)
                g_warning("seccomp: readiness pipe: %s", g_strerror(errno));
}

static void served_refresh(struct served *sv)
{
        unsigned mask = ck_pipeline_poll(sv->file);
        bool in = mask & (POLLIN | POLLRDNORM | POLLPRI), out = mask & (POLLOUT | POLLWRNORM);

        fifo_show(sv, in ? (out ? 1 : 2) : 0);
}

/* After anything that may change a device's readiness: every open of it. */
static void node_refresh(struct node *n)
{
        for (guint i = 0; i < n->opens->len; i++)
                served_refresh(n->opens->pdata[i]);
}

static void parked_free(struct parked *p)
{
        if (p->iov)
                g_array_unref(p->iov);
        g_free(p);
}

static void parked_destroy(gpointer p)
{
        parked_free(p);
}

/* A parked call whose notification is gone (a signal, or the thread's next call). */
static void parked_lost(struct ck_seccomp *s, struct parked *p)
{
        if (p->kind == PARK_WRITE && p->done)
                g_hash_table_replace(s->interrupted, GINT_TO_POINTER(p->pid), p);
        else
                parked_free(p);
}

static gboolean parked_of_served(gpointer key, gpointer value, gpointer sv)
{
        return ((struct parked *)value)->sv == sv;
}

static void served_release(struct served *sv)
{
        struct ck_seccomp *s = sv->s;

        g_hash_table_foreach_remove(s->interrupted, parked_of_served, sv);
        for (GList *l = s->parked.head; l;) {
                struct parked *p = l->data;
                GList *next = l->next;
                if (p->sv == sv) {
                        send_reply(s, p->id, 0, -EBADF, false);
                        parked_free(p);
                        g_queue_delete_link(&s->parked, l);
                }
                l = next;
        }
        if (sv->kind == SERVED_DEVICE) {
                struct node *n = node_of(s, sv->file->device);
                g_ptr_array_remove_fast(n->opens, sv);
                ck_file_close(sv->file);
                node_refresh(n);
        }
        inotify_rm_watch(s->inotify, sv->wd);
        close(sv->own);
        g_hash_table_remove(s->served, &sv->id);
        g_free(sv->real);
        g_free(sv);
}

static gboolean on_inotify(gint fd, GIOCondition cond, gpointer userdata)
{
        struct ck_seccomp *s = userdata;
        _Alignas(struct inotify_event) char buf[4096];
        ssize_t n;

        /* everything queued: a caller may be waiting on the release */
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                for (ssize_t off = 0; off < n;) {
                        const struct inotify_event *ev = (const void *)(buf + off);
                        off += (ssize_t)(sizeof(*ev) + ev->len);
                        if (!(ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)))
                                continue;
                        GHashTableIter it;
                        struct served *sv;
                        g_hash_table_iter_init(&it, s->served);
                        while (g_hash_table_iter_next(&it, NULL, (gpointer *)&sv))
                                if (sv->wd == ev->wd) {
                                        served_release(sv);
                                        break;
                                }
                }
        }
        return G_SOURCE_CONTINUE;
}

/* Registers @own (our description of the file at @path, which is then
 * unlinked) and watches for the last close of the program's. */
static struct served *served_add(struct ck_seccomp *s, enum served_kind kind, const char *path, int own)
{
        struct stat st;

        if (fstat(own, &st) < 0)
                return NULL;
        int wd = inotify_add_watch(s->inotify, path, IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
        unlink(path);
        if (wd < 0) {
                g_warning("seccomp: inotify_add_watch: %s", g_strerror(errno));
                return NULL;
        }
        struct served *sv = g_new0(struct served, 1);
        *sv = (struct served){ .s = s, .kind = kind, .id = { .dev = st.st_dev, .ino = st.st_ino }, .own = own,
                               .wd = wd };
        g_hash_table_insert(s->served, &sv->id, sv);
        return sv;
}

/* Installs @fd (ours; closed here) in the client as its answer. */
static void reply_fd(struct client *c, int fd, int open_flags)
{
        struct seccomp_notif_addfd addfd = {
                .id = c->id,
                .flags = SECCOMP_ADDFD_FLAG_SEND,
                .srcfd = (__u32)fd,
                .newfd_flags = (__u32)(open_flags & O_CLOEXEC),
        };

        if (ioctl(c->s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0 && errno != ENOENT)
                reply(c, -errno);
        c->s->served_count++;
        /* the program holds its own reference now; if it died, this was the last */
        close(fd);
}

/* --- identity of the caller, for node permissions --- */

struct creds {
        uid_t ruid, fsuid;
        gid_t rgid, fsgid;
        GArray *groups;
};

static int read_creds(pid_t pid, struct creds *ret)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
        g_autofree char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return -ENOENT;
        unsigned long u[4] = { 0 }, g[4] = { 0 };
        const char *uid = strstr(text, "\nUid:"), *gid = strstr(text, "\nGid:"), *groups = strstr(text, "\nGroups:");
        if (!uid || !gid || sscanf(uid, "\nUid: %lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4 ||
            sscanf(gid, "\nGid: %lu %lu %lu %lu", &g[0], &g[1], &g[2], &g[3]) != 4)
                return -EIO;
        *ret = (struct creds){ .ruid = (uid_t)u[0], .fsuid = (uid_t)u[3], .rgid = (gid_t)g[0], .fsgid = (gid_t)g[3],
                               .groups = g_array_new(FALSE, FALSE, sizeof(gid_t)) };
        if (groups) {
                const char *p = groups + strlen("\nGroups:");
                char *end;
                for (;;) {
                        while (*p == ' ' || *p == '\t')
                                p++;
                        unsigned long v = strtoul(p, &end, 10);
                        if (end == p)
                                break;
                        gid_t gv = (gid_t)v;
                        g_array_append_val(ret->groups, gv);
                        p = end;
                }
        }
        return 0;
}

/* generic_permission() for the node, as @uid/@gid (root passes, as with
 * CAP_DAC_OVERRIDE). @want: R_OK|W_OK|X_OK bits. */
static int node_permission(const struct ck_seccomp *s, const struct node *n, const struct creds *cr, bool real,
                           int want)
{
        uid_t uid = real ? cr->ruid : cr->fsuid;
        gid_t gid = real ? cr->rgid : cr->fsgid;
        mode_t m = n->mode;

        if (uid == 0)
                return (want & X_OK) && !(m & 0111) ? -EACCES : 0;
        unsigned bits;
        bool in_group = gid == n->gid;
        for (guint i = 0; !in_group && i < cr->groups->len; i++)
                in_group = g_array_index(cr->groups, gid_t, i) == n->gid;
        if (uid == s->node_uid)
                bits = (m >> 6) & 7;
        else if (in_group)
                bits = (m >> 3) & 7;
        else
                bits = m & 7;
        return ((unsigned)want & ~bits) ? -EACCES : 0;
}

static int check_node_access(const struct ck_seccomp *s, const struct node *n, pid_t pid, bool real, int want)
{
        struct creds cr;
        int r = read_creds(pid, &cr);

        if (r < 0)
                return r;
        r = node_permission(s, n, &cr, real, want);
        g_array_unref(cr.groups);
        return r;
}

/* --- paths --- */

/* The canonical host path of the directory a relative @path starts from. */
static char *base_dir(pid_t pid, int dirfd, const char *path)
{
        char link[64], target[PATH_MAX];

        if (path[0] == '/')
                return g_strdup("/");
        if (dirfd == AT_FDCWD)
                snprintf(link, sizeof(link), "/proc/%d/cwd", pid);
        else
                snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, dirfd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0 || target[0] != '/')
                return NULL;
        target[n] = '\0';
        return g_strdup(target);
}

static bool proc_fd_link(struct ck_seccomp *s, struct client *c, const char *path, char **ret_target);

/* Resolves the path of a call: 1 ours (in *ret), 0 not ours (continue), or -errno. */
static int resolve_call(struct ck_seccomp *s, struct client *c, int dirfd, uint64_t path_addr, bool follow,
                        struct ck_resolved *ret)
{
        char path[PATH_MAX];

        if (read_path(c, path_addr, path) < 0)
                return 0;             /* the kernel reports it as it would */
        if (!path[0])
                return 0;
        /* /dev/fd -> /proc/self/fd and /dev/std* (udev's and Debian's links)
         * name the caller's own descriptors, not the supervisor's */
        static const struct { const char *dev, *proc; } fd_links[] = {
                { "/dev/fd/", "/proc/self/fd/" }, { "/dev/stdin", "/proc/self/fd/0" },
                { "/dev/stdout", "/proc/self/fd/1" }, { "/dev/stderr", "/proc/self/fd/2" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(fd_links); i++) {
                size_t n = strlen(fd_links[i].dev);
                if (strncmp(path, fd_links[i].dev, n) == 0 && (fd_links[i].dev[n - 1] == '/' || !path[n])) {
                        g_autofree char *rest = g_strdup(path + n);
                        g_snprintf(path, sizeof(path), "%s%s", fd_links[i].proc, rest);
                        break;
                }
        }
        if (strncmp(path, "/proc/", 6) == 0) {
                /* /proc/PID/fd/N of a device descriptor, followed: the node,
                 * as the kernel's proc_fd_link() gives it (a new open, its stat) */
                g_autofree char *node = NULL;
                if (!follow || !proc_fd_link(s, c, path, &node))
                        return 0;
                return ck_resolver_resolve(s->resolver, "/", node, true, ret) < 0 ? 0 : 1;
        }
        g_autofree char *base = base_dir(c->pid, dirfd, path);
        if (!base || !ck_resolver_maybe_ours(s->resolver, base, path))
                return 0;
        int r = ck_resolver_resolve(s->resolver, base, path, follow, ret);
        if (r < 0)
                return r;
        if (ret->kind == CK_RESOLVED_HOST && !ret->via_overlay && s->dev_dirs &&
            g_hash_table_contains(s->dev_dirs, ret->path)) {
                /* a directory holding nodes: its listing shows them too */
                g_free(ret->real);
                ret->real = g_strconcat(ck_sysfs_root(s->sysfs), ret->path, NULL);
                ret->kind = CK_RESOLVED_OVERLAY;
                ret->via_overlay = true;
                return 1;
        }
        if (ret->kind == CK_RESOLVED_HOST && !ret->via_overlay) {
                ck_resolved_clear(ret);
                return 0;
        }
        return 1;
}

/* --- device nodes --- */

static void node_stat(struct ck_seccomp *s, struct node *n, struct stat *ret)
{
        *ret = (struct stat){
                .st_dev = s->dev_dev,
                .st_ino = 0x43000000u + n->minor,    /* 'C': stable, apart from real nodes' */
                .st_nlink = 1,
                .st_mode = S_IFCHR | n->mode,
                .st_uid = s->node_uid,
                .st_gid = n->gid,
                .st_rdev = makedev(s->major, n->minor),
                .st_blksize = 4096,
                .st_atim = s->created,
                .st_mtim = s->created,
                .st_ctim = s->created,
        };
}

static void stat_to_statx(const struct stat *st, struct statx *ret)
{
        *ret = (struct statx){
                .stx_mask = STATX_BASIC_STATS,
                .stx_blksize = (__u32)st->st_blksize,
                .stx_nlink = (__u32)st->st_nlink,
                .stx_uid = st->st_uid,
                .stx_gid = st->st_gid,
                .stx_mode = (__u16)st->st_mode,
                .stx_ino = st->st_ino,
                .stx_size = (__u64)st->st_size,
                .stx_blocks = (__u64)st->st_blocks,
                .stx_atime = { .tv_sec = st->st_atim.tv_sec, .tv_nsec = (__u32)st->st_atim.tv_nsec },
                .stx_ctime = { .tv_sec = st->st_ctim.tv_sec, .tv_nsec = (__u32)st->st_ctim.tv_nsec },
                .stx_mtime = { .tv_sec = st->st_mtim.tv_sec, .tv_nsec = (__u32)st->st_mtim.tv_nsec },
                .stx_rdev_major = major(st->st_rdev),
                .stx_rdev_minor = minor(st->st_rdev),
                .stx_dev_major = major(st->st_dev),
                .stx_dev_minor = minor(st->st_dev),
        };
}

/* A new FIFO for one open; *ret_client is the program's description. */
static struct served *fifo_new(struct ck_seccomp *s, int *ret_client)
{
        g_autofree char *path = g_strdup_printf("%s/open-%u", s->work_dir, s->fifo_counter++);

        if (mkfifo(path, 0600) < 0)
                return NULL;
        /* O_RDWR opens of a FIFO never wait for a peer */
        int own = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        int client = own >= 0 ? open(path, O_RDWR | O_CLOEXEC) : -1;
        if (client < 0) {
                int e = errno;
                if (own >= 0)
                        close(own);
                unlink(path);
                errno = e;
                return NULL;
        }
        fcntl(own, F_SETPIPE_SZ, FIFO_SIZE);
        struct served *sv = served_add(s, SERVED_DEVICE, path, own);
        if (!sv) {
                close(own);
                close(client);
                return NULL;
        }
        *ret_client = client;
        return sv;
}

struct pending_open {
        struct ck_seccomp *s;
        struct client c;
        struct ck_file *file;
        int flags;
};

static void finish_open(struct ck_seccomp *s, struct client *c, struct ck_file *f, int flags)
{
        int client_fd;
        struct served *sv = fifo_new(s, &client_fd);

        if (!sv) {
                int e = errno;
                ck_file_close(f);
                return reply(c, -(e == EMFILE || e == ENFILE ? e : ENOMEM));
        }
        sv->file = f;
        struct node *n = node_of(s, f->device);
        g_ptr_array_add(n->opens, sv);
        node_refresh(n);
        reply_fd(c, client_fd, flags);
}

static gboolean pending_open_run(gpointer userdata)
{
        struct pending_open *p = userdata;

        finish_open(p->s, &p->c, p->file, p->flags);
        g_free(p);
        return G_SOURCE_REMOVE;
}

static void open_device(struct ck_seccomp *s, struct client *c, struct ck_device *d, int flags)
{
        /* A close the program made before this open has released its file by
         * now in the kernel (its IN_CLOSE is queued): release it here too, or
         * an exclusive device is still busy for a close-then-reopen. */
        on_inotify(s->inotify, G_IO_IN, s);
        if ((flags & O_DIRECTORY) || (flags & __O_TMPFILE) == __O_TMPFILE)
                return reply(c, -ENOTDIR);
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
                return reply(c, -EEXIST);
        if (flags & O_PATH) {
                /* a handle only: no device open */
                g_autofree char *path = g_strdup_printf("%s/path-%u", s->work_dir, s->fifo_counter++);
                if (mkfifo(path, 0600) < 0)
                        return reply(c, -errno);
                int fd = open(path, O_PATH | O_CLOEXEC);
                unlink(path);
                return fd < 0 ? reply(c, -errno) : reply_fd(c, fd, flags);
        }
        int acc = flags & O_ACCMODE;
        int want = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
        int r = check_node_access(s, node_of(s, d), c->pid, false, want);
        if (r < 0)
                return reply(c, r);

        /* do_dentry_open() drops these from f_flags */
        flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
        /* A driver's release runs before close() returns, so an exclusive
         * device closed just before this open is free again: the IN_CLOSE
         * of that close is queued by now; take it before judging (EBUSY). */
        on_inotify(s->inotify, G_IO_IN, s);
        struct ck_file *f = NULL;
        guint delay_ms = 0;
        r = ck_pipeline_open(d, flags, c->pid, &f, &delay_ms);
        if (r < 0)
                return reply_after(c, r, delay_ms);
        if (delay_ms) {
                struct pending_open *p = g_new(struct pending_open, 1);
                *p = (struct pending_open){ .s = s, .c = *c, .file = f, .flags = flags };
                g_timeout_add(delay_ms, pending_open_run, p);
                return;
        }
        finish_open(s, c, f, flags);
}

/* What stat() says of @real: the overlay's objects are root's, and an
 * attribute a page, whatever it holds. */
static int stat_real(const char *real, bool overlay, bool follow, struct stat *ret)
{
        if ((follow ? stat(real, ret) : lstat(real, ret)) < 0)
                return -errno;
        if (overlay) {
                ret->st_uid = 0;
                ret->st_gid = 0;
                if (S_ISREG(ret->st_mode))
                        ret->st_size = CK_SYSFS_PAGE;
        }
        return 0;
}

/* An empty file of ours for the client (its descriptor, or -errno), registered
 * as a SERVED_PATH the caller fills in. */
static int stand_in(struct ck_seccomp *s, struct client *c, struct served **ret)
{
        (void)c;
        g_autofree char *path = g_strdup_printf("%s/path-%u", s->work_dir, s->fifo_counter++);
        int own = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (own < 0)
                return -errno;
        int client_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (client_fd < 0) {
                int e = errno;
                close(own);
                unlink(path);
                return -e;
        }
        struct served *sv = served_add(s, SERVED_PATH, path, own);
        if (!sv) {
                close(own);
                close(client_fd);
                return -ENOMEM;
        }
        *ret = sv;
        return client_fd;
}

/* O_PATH of a node: no open reaches the driver; a stand-in whose fstat() is
 * the node's, and whose /proc/PID/fd/N (sd_device_open() reopens it so)
 * leads to the node. */
static void open_node_path(struct ck_seccomp *s, struct client *c, struct ck_device *device, int flags)
{
        if (flags & O_DIRECTORY)
                return reply(c, -ENOTDIR);
        struct served *sv = NULL;
        int client_fd = stand_in(s, c, &sv);
        if (client_fd < 0)
                return reply(c, client_fd);
        sv->node = device;
        reply_fd(c, client_fd, flags);
}

/* O_PATH of an overlay object (libudev's chase_symlinks() walks /sys so):
 * the kernel's SECCOMP_IOCTL_NOTIF_ADDFD takes no O_PATH file (fget()), so
 * a directory is given opened for reading (every O_PATH use of it still
 * works), anything else as a stand-in, an empty file of ours whose fstat()
 * and readlinkat(fd, "") answer for the object. */
static void open_path(struct ck_seccomp *s, struct client *c, const struct ck_resolved *res, int flags)
{
        struct stat st;
        bool follow = !(flags & O_NOFOLLOW);

        if ((follow ? stat(res->real, &st) : lstat(res->real, &st)) < 0)
                return reply(c, -errno);
        if (S_ISDIR(st.st_mode)) {
                int fd = open(res->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return reply(c, -errno);
                return reply_fd(c, fd, flags);
        }
        if (flags & O_DIRECTORY)
                return reply(c, -ENOTDIR);
        struct served *sv = NULL;
        int client_fd = stand_in(s, c, &sv);
        if (client_fd < 0)
                return reply(c, client_fd);
        sv->real = g_strdup(res->real);
        sv->real_overlay = res->kind == CK_RESOLVED_OVERLAY;
        sv->follow = follow;
        reply_fd(c, client_fd, flags);
}

/* An overlay file or a host file reached through the overlay: opened here. */
static void open_real(struct ck_seccomp *s, struct client *c, const struct ck_resolved *res, int flags, mode_t mode)
{
        if (flags & O_PATH)
                return open_path(s, c, res, flags);
        struct ck_sysfs_attr *attr = res->kind == CK_RESOLVED_OVERLAY ? ck_sysfs_attr_at(s->sysfs, res->real) : NULL;
        if (!attr) {
                int fd = open(res->real, flags | O_CLOEXEC, mode);
                return fd < 0 ? reply(c, -errno) : reply_fd(c, fd, flags);
        }

        if (flags & O_DIRECTORY)
                return reply(c, -ENOTDIR);
        struct creds cr;
        int r = read_creds(c->pid, &cr);
        if (r < 0)
                return reply(c, r);
        bool privileged = cr.fsuid == 0;
        g_array_unref(cr.groups);
        r = ck_sysfs_attr_open(attr, flags, privileged);
        if (r < 0)
                return reply(c, r);
        /* What this open reads is shown now, as sysfs shows it at the first
         * read; a write-only attribute has nothing to show. */
        char text[CK_SYSFS_PAGE];
        ssize_t len = (flags & O_ACCMODE) == O_WRONLY ? 0 : ck_sysfs_attr_show(attr, text, sizeof(text));
        if (len < 0)
                len = 0;
        struct stat st;
        if (stat(res->real, &st) < 0)
                return reply(c, -errno);
        g_autofree char *path = g_strdup_printf("%s/attr-%u", s->work_dir, s->fifo_counter++);
        int own = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (own < 0)
                return reply(c, -errno);
        if (write(own, text, (size_t)len) != len || fchmod(own, st.st_mode & 07777) < 0) {
                close(own);
                unlink(path);
                return reply(c, -EIO);
        }
        int client_fd = open(path, (flags & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);
        if (client_fd < 0) {
                int e = errno;
                close(own);
                unlink(path);
                return reply(c, -e);
        }
        struct served *sv = served_add(s, SERVED_ATTR, path, own);
        if (!sv) {
                close(own);
                close(client_fd);
                return reply(c, -ENOMEM);
        }
        sv->attr = attr;
        reply_fd(c, client_fd, flags);
}

static void do_open(struct ck_seccomp *s, struct client *c, int dirfd, uint64_t path_addr, int flags, mode_t mode)
{
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, dirfd, path_addr, !(flags & O_NOFOLLOW), &res);

        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        if (res.kind == CK_RESOLVED_DEVICE && (flags & O_PATH))
                open_node_path(s, c, res.device, flags);
        else if (res.kind == CK_RESOLVED_DEVICE)
                open_device(s, c, res.device, flags);
        else
                open_real(s, c, &res, flags, mode);
        ck_resolved_clear(&res);
}

static void do_openat2(struct ck_seccomp *s, struct client *c, const struct seccomp_data *data)
{
        struct open_how how = { 0 };
        size_t size = (size_t)data->args[3];

        if (size < OPEN_HOW_SIZE_VER0 || size > 4096 || read_mem(c, data->args[2], &how, MIN(size, sizeof(how))) < 0)
                return reply_continue(c);       /* the kernel's own EINVAL/EFAULT/E2BIG */
        if (how.resolve) {
                /* RESOLVE_* limits we do not model: only a plain walk is ours */
                return reply_continue(c);
        }
        do_open(s, c, (int)data->args[0], data->args[1], (int)how.flags, (mode_t)how.mode);
}

/* --- stat, access, readlink --- */

static void reply_stat(struct client *c, uint64_t addr, const struct stat *st)
{
        reply(c, write_mem(c, addr, st, sizeof(*st)));
}

static void reply_statx(struct client *c, uint64_t addr, const struct statx *stx)
{
        reply(c, write_mem(c, addr, stx, sizeof(*stx)));
}

/* Fills *ret for a path that is ours: 0 or -errno. */
static int stat_resolved(struct ck_seccomp *s, const struct ck_resolved *res, bool follow, struct stat *ret)
{
        if (res->kind == CK_RESOLVED_DEVICE) {
                node_stat(s, node_of(s, res->device), ret);
                return 0;
        }
        return stat_real(res->real, res->kind == CK_RESOLVED_OVERLAY, follow, ret);
}

static void do_stat(struct ck_seccomp *s, struct client *c, int dirfd, uint64_t path_addr, uint64_t buf,
                    int flags, bool is_statx, unsigned statx_mask)
{
        bool follow = !(flags & AT_SYMLINK_NOFOLLOW);

        if (flags & AT_EMPTY_PATH) {
                char first;
                if (path_addr == 0 || (read_mem(c, path_addr, &first, 1) == 0 && first == '\0')) {
                        struct served *sv = served_of_fd(s, c->pid, dirfd);
                        if (sv && sv->kind == SERVED_PATH) {
                                struct stat st;
                                int r = 0;
                                if (sv->node)
                                        node_stat(s, node_of(s, sv->node), &st);
                                else
                                        r = stat_real(sv->real, sv->real_overlay, sv->follow, &st);
                                if (r < 0)
                                        return reply(c, r);
                                if (!is_statx)
                                        return reply_stat(c, buf, &st);
                                struct statx stx;
                                stat_to_statx(&st, &stx);
                                return reply_statx(c, buf, &stx);
                        }
                        if (!sv || sv->kind != SERVED_DEVICE)
                                return reply_continue(c);
                        struct stat st;
                        /* a NULL path is the descriptor from Linux 6.11 on
                         * (fstat's fast path); before, the kernel's EFAULT */
                        if (path_addr == 0 && syscall(__NR_newfstatat, sv->own, NULL, &st, AT_EMPTY_PATH) < 0)
                                return reply_continue(c);
                        node_stat(s, node_of(s, sv->file->device), &st);
                        if (!is_statx)
                                return reply_stat(c, buf, &st);
                        struct statx stx;
                        stat_to_statx(&st, &stx);
                        return reply_statx(c, buf, &stx);
                }
        }
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, dirfd, path_addr, follow, &res);
        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        struct stat st;
        r = stat_resolved(s, &res, follow, &st);
        if (r >= 0 && is_statx && res.kind != CK_RESOLVED_DEVICE) {
                struct statx stx;
                if (statx(AT_FDCWD, res.real, follow ? 0 : AT_SYMLINK_NOFOLLOW, statx_mask, &stx) < 0) {
                        r = -errno;
                } else {
                        if (res.kind == CK_RESOLVED_OVERLAY) {
                                stx.stx_uid = st.st_uid;
                                stx.stx_gid = st.st_gid;
                                stx.stx_size = (__u64)st.st_size;
                        }
                        reply_statx(c, buf, &stx);
                }
        } else if (r >= 0 && is_statx) {
                struct statx stx;
                stat_to_statx(&st, &stx);
                reply_statx(c, buf, &stx);
        } else if (r >= 0) {
                reply_stat(c, buf, &st);
        }
        if (r < 0)
                reply(c, r);
        ck_resolved_clear(&res);
}

static void do_fstat(struct ck_seccomp *s, struct client *c, int fd, uint64_t buf)
{
        struct served *sv = served_of_fd(s, c->pid, fd);
        struct stat st;

        if (sv && sv->kind == SERVED_PATH) {
                int r = 0;
                if (sv->node)
                        node_stat(s, node_of(s, sv->node), &st);
                else
                        r = stat_real(sv->real, sv->real_overlay, sv->follow, &st);
                return r < 0 ? reply(c, r) : reply_stat(c, buf, &st);
        }
        if (!sv || sv->kind != SERVED_DEVICE)
                return reply_continue(c);
        node_stat(s, node_of(s, sv->file->device), &st);
        reply_stat(c, buf, &st);
}

static void do_access(struct ck_seccomp *s, struct client *c, int dirfd, uint64_t path_addr, int mode, int flags)
{
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, dirfd, path_addr, !(flags & AT_SYMLINK_NOFOLLOW), &res);

        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        if (mode & ~(R_OK | W_OK | X_OK))
                r = -EINVAL;
        else if (res.kind == CK_RESOLVED_DEVICE)
                r = mode == F_OK ? 0 : check_node_access(s, node_of(s, res.device), c->pid, !(flags & AT_EACCESS), mode);
        else
                r = faccessat(AT_FDCWD, res.real, mode, flags & (AT_EACCESS | AT_SYMLINK_NOFOLLOW)) < 0 ? -errno : 0;
        reply(c, r);
        ck_resolved_clear(&res);
}

/* /proc/PID/fd/N of a device descriptor reads as the node's path
 * (ttyname() and friends). */
static bool proc_fd_link(struct ck_seccomp *s, struct client *c, const char *path, char **ret_target)
{
        const char *p = path;
        pid_t pid;
        int fd, used = 0;

        if (strncmp(p, "/proc/self/fd/", 14) == 0) {
                pid = c->pid;
                p += 14;
        } else if (strncmp(p, "/proc/thread-self/fd/", 21) == 0) {
                pid = c->pid;
                p += 21;
        } else if (sscanf(p, "/proc/%d/fd/%n", &pid, &used) == 1 && used > 0) {
                p += used;
        } else {
                return false;
        }
        if (sscanf(p, "%d%n", &fd, &used) != 1 || p[used] != '\0')
                return false;
        struct served *sv = served_of_fd(s, pid, fd);
        struct ck_device *node = !sv ? NULL : sv->kind == SERVED_DEVICE ? sv->file->device
                               : sv->kind == SERVED_PATH ? sv->node : NULL;
        if (!node)
                return false;
        *ret_target = g_strconcat("/dev/", ck_device_node(node), NULL);
        return true;
}

static void do_readlink(struct ck_seccomp *s, struct client *c, int dirfd, uint64_t path_addr, uint64_t buf,
                        int64_t size)
{
        char path[PATH_MAX];
        g_autofree char *target = NULL;

        struct served *stand_in = NULL;
        if (read_path(c, path_addr, path) == 0 && !path[0] && (stand_in = served_of_fd(s, c->pid, dirfd)) &&
            stand_in->kind == SERVED_PATH) {
                /* readlinkat(fd, "") of an O_PATH link: the link's text */
                if (stand_in->node)
                        return reply(c, -ENOENT);
                char text[PATH_MAX];
                ssize_t n = readlink(stand_in->real, text, sizeof(text));
                if (n < 0)
                        return reply(c, errno == EINVAL ? -ENOENT : -errno);
                if (size <= 0)
                        return reply(c, -EINVAL);
                int r = write_mem(c, buf, text, MIN((size_t)n, (size_t)size));
                return reply(c, r < 0 ? r : (__s64)MIN((size_t)n, (size_t)size));
        }
        if (read_path(c, path_addr, path) == 0 && proc_fd_link(s, c, path, &target)) {
                if (size <= 0)
                        return reply(c, -EINVAL);
                size_t n = MIN(strlen(target), (size_t)size);
                int r = write_mem(c, buf, target, n);
                return reply(c, r < 0 ? r : (__s64)n);
        }
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, dirfd, path_addr, false, &res);
        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        if (size <= 0) {
                r = -EINVAL;
        } else if (res.kind == CK_RESOLVED_DEVICE) {
                r = -EINVAL;           /* not a link */
        } else {
                char text[PATH_MAX];
                ssize_t n = readlink(res.real, text, sizeof(text));
                if (n < 0)
                        r = -errno;
                else
                        r = write_mem(c, buf, text, MIN((size_t)n, (size_t)size)) < 0 ? -EFAULT
                                                                                     : (int)MIN((size_t)n, (size_t)size);
        }
        reply(c, r);
        ck_resolved_clear(&res);
}

/* statfs() of what the program sees at @path (a program path): the host's
 * file system there, at the nearest ancestor that exists, so that the
 * overlay's objects are on sysfs under /sys (libudev refuses a syspath
 * elsewhere) and nodes on /dev's devtmpfs. */
static int statfs_program(const char *path, struct statfs *ret)
{
        g_autofree char *p = g_strdup(path);

        while (statfs(p, ret) < 0) {
                if (errno != ENOENT || strcmp(p, "/") == 0)
                        return -errno;
                char *slash = strrchr(p, '/');
                slash[slash == p ? 1 : 0] = '\0';
        }
        return 0;
}

static void do_statfs(struct ck_seccomp *s, struct client *c, uint64_t path_addr, uint64_t buf)
{
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, AT_FDCWD, path_addr, true, &res);

        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        struct statfs st;
        r = statfs_program(res.kind == CK_RESOLVED_DEVICE ? "/dev" : res.path, &st);
        ck_resolved_clear(&res);
        reply(c, r < 0 ? r : write_mem(c, buf, &st, sizeof(st)));
}

static void do_fstatfs(struct ck_seccomp *s, struct client *c, int fd, uint64_t buf)
{
        struct served *sv = served_of_fd(s, c->pid, fd);
        g_autofree char *program_path = NULL;

        if (sv && sv->kind == SERVED_DEVICE) {
                program_path = g_strdup("/dev");
        } else if (sv && sv->kind == SERVED_PATH && sv->node) {
                program_path = g_strdup("/dev");
        } else if (sv && sv->kind == SERVED_PATH) {
                program_path = g_strdup(sv->real_overlay ? sv->real + strlen(ck_sysfs_root(s->sysfs)) : sv->real);
        } else if (s->sysfs) {
                /* a directory of the overlay we gave it */
                char link[64], target[PATH_MAX];
                snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->pid, fd);
                ssize_t n = readlink(link, target, sizeof(target) - 1);
                const char *root = ck_sysfs_root(s->sysfs);
                size_t len = strlen(root);
                if (n > 0) {
                        target[n] = '\0';
                        if (strncmp(target, root, len) == 0 && target[len] == '/')
                                program_path = g_strdup(target + len);
                }
        }
        if (!program_path)
                return reply_continue(c);
        struct statfs st;
        int r = statfs_program(program_path, &st);
        reply(c, r < 0 ? r : write_mem(c, buf, &st, sizeof(st)));
}

/* Extended attributes of a path that is ours: none, as on a devtmpfs node
 * or a sysfs attribute without an LSM (ls -l asks for security.selinux). */
static void do_xattr(struct ck_seccomp *s, struct client *c, uint64_t path_addr, bool follow, bool list,
                     uint64_t name_addr)
{
        struct ck_resolved res = { 0 };
        int r = resolve_call(s, c, AT_FDCWD, path_addr, follow, &res);

        if (r <= 0)
                return r == 0 ? reply_continue(c) : reply(c, r);
        ck_resolved_clear(&res);
        if (list)
                return reply(c, 0);
        /* fs/xattr.c: getxattr() copies the name first, then the handler's prefix */
        char name[PATH_MAX];
        r = read_path(c, name_addr, name);
        if (r < 0)
                return reply(c, r == -ENAMETOOLONG ? -ERANGE : r);
        if (!name[0] || strlen(name) > 255)
                return reply(c, -ERANGE);
        static const char *const prefixes[] = { "security.", "system.", "trusted.", "user." };
        for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
                if (g_str_has_prefix(name, prefixes[i]))
                        return reply(c, -ENODATA);
        reply(c, -EOPNOTSUPP);
}

/* --- read, write --- */

/* The client's iovec array as regions; -errno as readv(2) gives it. */
static int read_iovecs(struct client *c, uint64_t addr, uint64_t count, GArray **ret, size_t *ret_total)
{
        if (count > IOV_MAX)
                return -EINVAL;
        g_autofree struct iovec *iov = g_new(struct iovec, MAX(count, 1));
        int r = count ? read_mem(c, addr, iov, count * sizeof(*iov)) : 0;
        if (r < 0)
                return r;
        GArray *regions = g_array_sized_new(FALSE, FALSE, sizeof(struct ck_region), (guint)count);
        uint64_t total = 0;
        for (uint64_t i = 0; i < count; i++) {
                if ((ssize_t)iov[i].iov_len < 0 || total + iov[i].iov_len > SSIZE_MAX) {
                        g_array_unref(regions);
                        return -EINVAL;
                }
                struct ck_region reg = { .addr = (uint64_t)(uintptr_t)iov[i].iov_base, .len = iov[i].iov_len };
                g_array_append_val(regions, reg);
                total += iov[i].iov_len;
        }
        *ret = regions;
        *ret_total = (size_t)total;
        return 0;
}

/* 0: answered; -EAGAIN: nothing yet. */
static int try_read(struct ck_seccomp *s, struct client *c, struct served *sv, GArray *iov, size_t size)
{
        guint delay_ms = 0;

        size = MIN(size, MAX_IO);
        g_byte_array_set_size(s->buf, (guint)MAX(size, 1));
        ssize_t r = ck_pipeline_read(sv->file, c->pid, s->buf->data, size, &delay_ms);
        if (r == -EAGAIN && !delay_ms)
                return -EAGAIN;
        if (r > 0) {
                int w = client_write(c, (const struct ck_region *)(void *)iov->data, iov->len, s->buf->data, (size_t)r);
                if (w < 0)
                        r = w;
        }
        node_refresh(node_of(s, sv->file->device));
        reply_after(c, r, delay_ms);
        return 0;
}

static gboolean sweep_parked(gpointer userdata);

/* Parked: the device's next notify tries again; a signal ends the wait in
 * the kernel (EINTR, or a restarted call under SA_RESTART), which the
 * sweep and the thread's next call notice. */
static struct parked *park(struct ck_seccomp *s, enum park_kind kind, struct client *c, struct served *sv)
{
        struct parked *p = g_new0(struct parked, 1);

        *p = (struct parked){ .kind = kind, .sv = sv, .id = c->id, .pid = c->pid };
        g_queue_push_tail(&s->parked, p);
        if (!s->sweep)
                s->sweep = g_timeout_add(SWEEP_MS, sweep_parked, s);
        return p;
}

static struct parked *park_io(struct ck_seccomp *s, enum park_kind kind, struct client *c, struct served *sv,
                              GArray *iov, size_t size)
{
        struct parked *p = park(s, kind, c, sv);

        p->iov = g_array_ref(iov);
        p->size = size;
        return p;
}

static void do_read(struct ck_seccomp *s, struct client *c, struct served *sv, GArray *iov, size_t size)
{
        if ((sv->file->flags & O_ACCMODE) == O_WRONLY)
                return reply(c, -EBADF);
        if (try_read(s, c, sv, iov, size) == 0)
                return;
        if (sv->file->flags & O_NONBLOCK)
                return reply(c, -EAGAIN);
        park_io(s, PARK_READ, c, sv, iov, size);
}

static int try_write(struct ck_seccomp *s, struct client *c, struct served *sv, GArray *iov, size_t size,
                     size_t *taken);
static int try_ioctl(struct ck_seccomp *s, struct client *c, struct served *sv, unsigned int cmd, uint64_t arg,
                     struct ck_wait *wait);

/* 0: answered; -EAGAIN: still waiting. */
static int try_parked(struct ck_seccomp *s, struct parked *p)
{
        struct client c = { .s = s, .id = p->id, .pid = p->pid };

        switch (p->kind) {
        case PARK_READ: return try_read(s, &c, p->sv, p->iov, p->size);
        case PARK_WRITE: return try_write(s, &c, p->sv, p->iov, p->size, &p->done);
        case PARK_IOCTL: return try_ioctl(s, &c, p->sv, p->cmd, p->arg, &p->wait);
        }
        return 0;
}

static gboolean retry_later(gpointer userdata);

/* Parked reads are tried again at once; writes and ioctls from the loop,
 * as the notify may come from inside a handler or a read whose buffers
 * (s->buf, s->reply) they would reuse.  A call served here may notify
 * again: a nested call only asks for another pass, over every device, so
 * that the list is never changed under the loop. */
static void retry_parked(struct ck_seccomp *s, struct ck_device *d, bool reads)
{
        if (s->retrying) {
                s->retry_again = true;
                return;
        }
        s->retrying = true;
        bool all = d == NULL;
        do {
                s->retry_again = false;
                for (GList *l = s->parked.head; l;) {
                        struct parked *p = l->data;
                        GList *next = l->next;
                        if (reads != (p->kind == PARK_READ)) {
                                if (reads && !s->retry_source && (all || p->sv->file->device == d))
                                        s->retry_source = g_idle_add_full(G_PRIORITY_HIGH, retry_later, s, NULL);
                        } else if ((all || p->sv->file->device == d) && !notif_valid(s, p->id)) {
                                g_queue_delete_link(&s->parked, l);
                                parked_lost(s, p);
                        } else if ((all || p->sv->file->device == d) && try_parked(s, p) == 0) {
                                g_queue_delete_link(&s->parked, l);
                                parked_free(p);
                        }
                        l = next;
                }
                all = true;
                reads = true;   /* another pass, asked for meanwhile */
        } while (s->retry_again);
        s->retrying = false;
}

static gboolean retry_later(gpointer userdata)
{
        struct ck_seccomp *s = userdata;

        s->retry_source = 0;
        retry_parked(s, NULL, false);
        return G_SOURCE_REMOVE;
}

static gboolean sweep_parked(gpointer userdata)
{
        struct ck_seccomp *s = userdata;

        for (GList *l = s->parked.head; l;) {
                struct parked *p = l->data;
                GList *next = l->next;
                if (!notif_valid(s, p->id)) {
                        g_queue_delete_link(&s->parked, l);
                        parked_lost(s, p);
                }
                l = next;
        }
        if (g_queue_is_empty(&s->parked)) {
                s->sweep = 0;
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

/* A thread has one call at a time: a new one means its parked read is over. */
static void drop_parked_of(struct ck_seccomp *s, pid_t pid)
{
        for (GList *l = s->parked.head; l;) {
                struct parked *p = l->data;
                GList *next = l->next;
                if (p->pid == pid) {
                        g_queue_delete_link(&s->parked, l);
                        parked_lost(s, p);
                }
                l = next;
        }
}

static bool same_regions(GArray *a, GArray *b)
{
        return a->len == b->len && memcmp(a->data, b->data, a->len * sizeof(struct ck_region)) == 0;
}

/* 0: answered; -EAGAIN: no room yet (for the rest, *@taken taken so far), and the writer blocks. */
static int try_write(struct ck_seccomp *s, struct client *c, struct served *sv, GArray *iov, size_t size,
                     size_t *taken)
{
        size = MIN(size, MAX_IO);
        g_byte_array_set_size(s->buf, (guint)MAX(size, 1));
        /* gather only @size bytes: the regions may hold more */
        g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(struct ck_region));
        size_t left = size;
        for (guint i = 0; i < iov->len && left; i++) {
                struct ck_region r = g_array_index(iov, struct ck_region, i);
                r.len = MIN(r.len, left);
                left -= r.len;
                g_array_append_val(want, r);
        }
        int r = want->len ? client_read(c, (const struct ck_region *)(void *)want->data, want->len, s->buf->data) : 0;
        bool faulted = false;
        if (r == -EFAULT && sv->kind == SERVED_DEVICE) {
                /* the bytes before the fault, a page at a time: the driver decides */
                size_t got = 0;
                for (guint i = 0; i < want->len; i++) {
                        const struct ck_region *reg = &g_array_index(want, struct ck_region, i);
                        size_t done = 0;
                        while (done < reg->len) {
                                uint64_t at = reg->addr + done;
                                size_t chunk = MIN(reg->len - done, 4096 - (at & 4095));
                                if (read_mem(c, at, s->buf->data + got, chunk) < 0)
                                        goto prefix_done;
                                done += chunk;
                                got += chunk;
                        }
                }
        prefix_done:
                if (!notif_valid(s, c->id))
                        return 0;
                size = got;
                faulted = true;
                r = 0;
        }
        if (r < 0) {
                reply(c, r);
                return 0;
        }
        if (sv->kind == SERVED_ATTR) {
                reply(c, ck_sysfs_attr_store(sv->attr, s->buf->data, size));
                return 0;
        }
        guint delay_ms = 0;
        bool nonblock = sv->file->flags & O_NONBLOCK;
        ssize_t w = ck_pipeline_write_on(sv->file, c->pid, s->buf->data, size, faulted, nonblock, taken, &delay_ms);
        if (w == -EAGAIN && !delay_ms && !nonblock)
                return -EAGAIN;
        node_refresh(node_of(s, sv->file->device));
        reply_after(c, w, delay_ms);
        return 0;
}

static void do_write(struct ck_seccomp *s, struct client *c, struct served *sv, GArray *iov, size_t size)
{
        if (sv->kind == SERVED_DEVICE && (sv->file->flags & O_ACCMODE) == O_RDONLY)
                return reply(c, -EBADF);
        /* no room (a serial port's full buffer): a blocking writer waits,
         * and reads its buffer afresh when it goes on */
        size_t done = 0;
        gpointer resumed = NULL;
        g_hash_table_steal_extended(s->interrupted, GINT_TO_POINTER(c->pid), NULL, &resumed);
        struct parked *r = resumed;
        if (r && r->sv == sv && r->size == size && same_regions(r->iov, iov))
                done = r->done;   /* the same write again after a signal: the rest */
        if (r)
                parked_free(r);
        if (try_write(s, c, sv, iov, size, &done) < 0)
                park_io(s, PARK_WRITE, c, sv, iov, size)->done = done;
}

static void do_rw(struct ck_seccomp *s, struct client *c, enum op op, const struct seccomp_data *data)
{
        struct served *sv = served_of_fd(s, c->pid, (int)data->args[0]);
        bool writing = op == OP_WRITE || op == OP_WRITEV || op == OP_PWRITE || op == OP_PWRITEV || op == OP_PWRITEV2;

        if (!sv || (sv->kind == SERVED_ATTR && !writing))
                return reply_continue(c);
        if (sv->kind == SERVED_PATH)
                return reply(c, -EBADF);      /* an O_PATH descriptor moves no data */
        switch (op) {
        case OP_PREAD:
        case OP_PWRITE:
                /* ksys_pread64(): a negative offset first, then no FMODE_PREAD */
                return reply(c, (int64_t)data->args[3] < 0 ? -EINVAL : -ESPIPE);
        case OP_PREADV:
        case OP_PWRITEV:
                return reply(c, (int64_t)data->args[3] < 0 ? -EINVAL : -ESPIPE);
        case OP_PREADV2:
        case OP_PWRITEV2:
                if ((int64_t)data->args[3] != -1)
                        return reply(c, (int64_t)data->args[3] < 0 ? -EINVAL : -ESPIPE);
                if (data->args[5])
                        return reply(c, -EOPNOTSUPP);     /* RWF_* need FMODE_NOWAIT and the like */
                break;
        default:
                break;
        }
        if (sv->kind == SERVED_ATTR && (op == OP_PWRITE || op == OP_PWRITEV))
                return reply_continue(c);

        g_autoptr(GArray) iov = NULL;
        size_t size;
        if (op == OP_READ || op == OP_WRITE) {
                size = (size_t)MIN(data->args[2], (uint64_t)SSIZE_MAX);
                iov = g_array_sized_new(FALSE, FALSE, sizeof(struct ck_region), 1);
                struct ck_region r = { .addr = data->args[1], .len = size };
                g_array_append_val(iov, r);
        } else {
                int r = read_iovecs(c, data->args[1], data->args[2], &iov, &size);
                if (r < 0)
                        return reply(c, r);
                /* vfs_readv(): nothing to move, nothing asked of the driver */
                if (size == 0 && sv->kind == SERVED_DEVICE)
                        return reply(c, (sv->file->flags & O_ACCMODE) == (writing ? O_RDONLY : O_WRONLY) ? -EBADF : 0);
        }
        if (writing)
                do_write(s, c, sv, iov, size);
        else
                do_read(s, c, sv, iov, size);
}

/* --- ioctl, fcntl, lseek --- */

/* A file the ioctl created (ck_call_new_file: a GPIO line request) becomes
 * a FIFO served like an open of the node; its program end is put into the
 * caller without answering (NOTIF_ADDFD without SEND): the ioctl's own reply
 * follows.  If that fails, closing our end of it is its last close. */
static int install_file(void *userdata, struct ck_file *f, int flags)
{
        struct client *c = userdata;
        int client_fd;
        struct served *sv = fifo_new(c->s, &client_fd);

        if (!sv) {
                int e = errno;
                ck_file_close(f);
                return -(e == EMFILE || e == ENFILE ? e : ENOMEM);
        }
        sv->file = f;
        g_ptr_array_add(node_of(c->s, f->device)->opens, sv);
        struct seccomp_notif_addfd addfd = {
                .id = c->id,
                .srcfd = (__u32)client_fd,
                .newfd_flags = (__u32)(flags & O_CLOEXEC),
        };
        int fd = ioctl(c->s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
        int e = errno;
        close(client_fd);
        return fd < 0 ? -e : fd;
}

static void do_ioctl(struct ck_seccomp *s, struct client *c, struct served *sv, unsigned int cmd, uint64_t arg)
{
        struct ck_file *f = sv->file;
        int flag;

        /* do_vfs_ioctl() answers these before the driver sees them */
        switch (cmd) {
        case FIOCLEX:
        case FIONCLEX:
                return reply_continue(c);    /* the descriptor's flag: the kernel has it */
        case FIONBIO:
                if (read_mem(c, arg, &flag, sizeof(flag)) < 0)
                        return reply(c, -EFAULT);
                f->flags = flag ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
                return reply(c, 0);
        case FIOASYNC:
                if (read_mem(c, arg, &flag, sizeof(flag)) < 0)
                        return reply(c, -EFAULT);
                /* ioctl_fioasync(): a change needs the driver's fasync */
                if (!!flag == !!(f->flags & O_ASYNC))
                        return reply(c, 0);
                if (!f->index->type->fasync)
                        return reply(c, -ENOTTY);
                f->flags ^= O_ASYNC;
                /* the FIFO's own fasync: SIGIO to the F_SETOWN owner whenever the
                 * device turns readable, as the pipe gets its byte */
                return reply_continue(c);
        case FIOQSIZE:
                return reply(c, -ENOTTY);    /* not a regular file, directory or link */
        case FIGETBSZ: {
                /* the block size of the node's file system: /dev's, where the node would be */
                struct statfs st;
                flag = statfs("/dev", &st) == 0 && st.f_bsize > 0 ? (int)st.f_bsize : (int)sysconf(_SC_PAGESIZE);
                return reply(c, write_mem(c, arg, &flag, sizeof(flag)) < 0 ? -EFAULT : 0);
        }
        default:
                break;
        }

        struct ck_wait wait = { 0 };
        if (try_ioctl(s, c, sv, cmd, arg, &wait) < 0) {
                /* its handler waits (TIOCMIWAIT, tcdrain): parked with what it keeps */
                struct parked *p = park(s, PARK_IOCTL, c, sv);
                p->cmd = cmd;
                p->arg = arg;
                p->wait = wait;
        }
}

/* 0: answered; -EAGAIN: the call waits.  Each attempt reads the caller's
 * memory afresh, rounds and all, as a restarted call would. */
static int try_ioctl(struct ck_seccomp *s, struct client *c, struct served *sv, unsigned int cmd, uint64_t arg,
                     struct ck_wait *wait)
{
        struct ck_file *f = sv->file;
        const struct ck_kernel_call call = { .cmd = cmd, .arg = arg, .tid = c->pid, .unrestricted = true,
                                             .wait = wait };
        const struct ck_client_memory mem = { .read = client_read, .write = client_write, .install = install_file,
                                              .userdata = c };
        guint delay_ms = 0;
        int r = ck_kernel_ioctl(f, &call, &mem, &s->reply, NULL, &delay_ms);
        node_refresh(node_of(s, f->device));
        if (r == -EAGAIN && s->reply.kind == CK_REPLY_WAIT)
                return -EAGAIN;
        if (r == -ENOENT && !notif_valid(s, c->id))
                return 0;                    /* the caller is gone */
        reply_after(c, r, delay_ms);
        return 0;
}

/* fs/fcntl.c: SETFL_MASK */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | O_ASYNC)

static void do_fcntl(struct ck_seccomp *s, struct client *c, struct served *sv, int cmd, uint64_t arg)
{
        struct ck_file *f = sv->file;

        if (cmd == F_GETFL)
                return reply(c, f->flags | KERNEL_O_LARGEFILE);
        if (cmd != F_SETFL)
                return reply_continue(c);    /* descriptor flags, locks, owners, dup: native */
        int flags = (int)arg;
        if (flags & O_DIRECT)
                return reply(c, -EINVAL);    /* no FMODE_CAN_ODIRECT */
        bool async_changes = (flags ^ f->flags) & O_ASYNC;
        f->flags = (f->flags & ~SETFL_MASK) | (flags & SETFL_MASK);
        /* setfl(): O_ASYNC reaches the driver's fasync, here the FIFO's */
        if (async_changes && f->index->type->fasync)
                return reply_continue(c);
        reply(c, 0);
}

/* --- dispatch --- */

static enum op op_of(const struct seccomp_data *data)
{
        if (data->arch == AUDIT_ARCH_X86_64) {
                for (size_t i = 0; i < G_N_ELEMENTS(calls64); i++)
                        if (calls64[i].nr == data->nr)
                                return calls64[i].op;
        } else if (data->arch == AUDIT_ARCH_I386) {
                for (size_t i = 0; i < G_N_ELEMENTS(calls32); i++)
                        if (calls32[i].nr == data->nr)
                                return calls32[i].op;
        }
        return OP_NONE;
}

static void refuse_compat(struct ck_seccomp *s, struct client *c)
{
        if (!s->warned_compat) {
                g_warning("a 32-bit program (pid %d) used an emulated device: only 64-bit programs can", c->pid);
                s->warned_compat = true;
        }
        reply(c, -ENOSYS);
}

static void serve(struct ck_seccomp *s, const struct seccomp_notif *req)
{
        const struct seccomp_data *a = &req->data;
        struct client c = { .s = s, .id = req->id, .pid = (pid_t)req->pid };
        enum op op = op_of(a);
        int fd = (int)a->args[0];

        drop_parked_of(s, c.pid);
        switch (op) {
        case OP_NONE:
                return reply_continue(&c);
        case OP_OPEN:
                return do_open(s, &c, AT_FDCWD, a->args[0], (int)a->args[1], (mode_t)a->args[2]);
        case OP_CREAT:
                return do_open(s, &c, AT_FDCWD, a->args[0], O_CREAT | O_WRONLY | O_TRUNC, (mode_t)a->args[1]);
        case OP_OPENAT:
                return do_open(s, &c, fd, a->args[1], (int)a->args[2], (mode_t)a->args[3]);
        case OP_OPENAT2:
                return do_openat2(s, &c, a);
        case OP_STAT:
                return do_stat(s, &c, AT_FDCWD, a->args[0], a->args[1], 0, false, 0);
        case OP_LSTAT:
                return do_stat(s, &c, AT_FDCWD, a->args[0], a->args[1], AT_SYMLINK_NOFOLLOW, false, 0);
        case OP_NEWFSTATAT:
                return do_stat(s, &c, fd, a->args[1], a->args[2], (int)a->args[3], false, 0);
        case OP_STATX:
                return do_stat(s, &c, fd, a->args[1], a->args[4], (int)a->args[2], true, (unsigned)a->args[3]);
        case OP_FSTAT:
                return do_fstat(s, &c, fd, a->args[1]);
        case OP_ACCESS:
                return do_access(s, &c, AT_FDCWD, a->args[0], (int)a->args[1], 0);
        case OP_FACCESSAT:
                return do_access(s, &c, fd, a->args[1], (int)a->args[2], 0);
        case OP_FACCESSAT2:
                return do_access(s, &c, fd, a->args[1], (int)a->args[2], (int)a->args[3]);
        case OP_READLINK:
                return do_readlink(s, &c, AT_FDCWD, a->args[0], a->args[1], (int64_t)a->args[2]);
        case OP_READLINKAT:
                return do_readlink(s, &c, fd, a->args[1], a->args[2], (int64_t)a->args[3]);
        case OP_STATFS:
                return do_statfs(s, &c, a->args[0], a->args[1]);
        case OP_FSTATFS:
                return do_fstatfs(s, &c, fd, a->args[1]);
        case OP_GETXATTR:
        case OP_LGETXATTR:
                return do_xattr(s, &c, a->args[0], op == OP_GETXATTR, false, a->args[1]);
        case OP_LISTXATTR:
        case OP_LLISTXATTR:
                return do_xattr(s, &c, a->args[0], op == OP_LISTXATTR, true, 0);
        case OP_READ: case OP_WRITE: case OP_READV: case OP_WRITEV: case OP_PREAD: case OP_PWRITE:
        case OP_PREADV: case OP_PWRITEV: case OP_PREADV2: case OP_PWRITEV2:
                return do_rw(s, &c, op, a);
        case OP_LSEEK:
        case OP_IOCTL:
        case OP_FCNTL: {
                struct served *sv = served_of_fd(s, c.pid, fd);
                if (sv && sv->kind == SERVED_PATH && op != OP_FCNTL)
                        return reply(&c, -EBADF);     /* O_PATH: no lseek, no ioctl */
                if (!sv || sv->kind != SERVED_DEVICE)
                        return reply_continue(&c);
                if (op == OP_IOCTL)
                        return do_ioctl(s, &c, sv, (unsigned int)a->args[1], a->args[2]);
                if (op == OP_FCNTL)
                        return do_fcntl(s, &c, sv, (int)a->args[1], a->args[2]);
                /* ksys_lseek(): a bad whence first; then no FMODE_LSEEK */
                return reply(&c, (unsigned)a->args[2] > SEEK_MAX ? -EINVAL : -ESPIPE);
        }
        case OP_COMPAT_PATH: {
                uint64_t path = a->nr == 295 || a->nr == 437 ? a->args[1] : a->args[0];
                int dirfd = a->nr == 295 || a->nr == 437 ? (int)a->args[0] : AT_FDCWD;
                struct ck_resolved res = { 0 };
                int r = resolve_call(s, &c, dirfd, (uint32_t)path, true, &res);
                ck_resolved_clear(&res);
                return r == 0 ? reply_continue(&c) : refuse_compat(s, &c);
        }
        case OP_COMPAT_FD:
                return served_of_fd(s, c.pid, (int)(uint32_t)a->args[0]) ? refuse_compat(s, &c) : reply_continue(&c);
        }
}

static gboolean on_listener(gint fd, GIOCondition cond, gpointer userdata)
{
        struct ck_seccomp *s = userdata;

        if (cond & (G_IO_HUP | G_IO_ERR)) {
                s->listener_watch = 0;
                return G_SOURCE_REMOVE;       /* no process under the filter is left */
        }
        /* Serve what is queued; asking again before returning to the loop
         * catches the program's next call without a main-loop pass. */
        for (int i = 0; i < 64; i++) {
                memset(s->req, 0, s->sizes.seccomp_notif);
                if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0) {
                        if (errno != EINTR && errno != ENOENT)
                                g_warning("seccomp: receiving: %s", g_strerror(errno));
                } else {
                        serve(s, s->req);
                }
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
                        break;
        }
        return G_SOURCE_CONTINUE;
}

static void device_notify(struct ck_device *d, void *userdata)
{
        struct ck_seccomp *s = userdata;

        retry_parked(s, d, true);
        struct node *n = node_of(s, d);
        node_refresh(n);
        for (guint i = 0; i < n->opens->len; i++)
                fifo_wake(n->opens->pdata[i]);
}

static void node_free(struct node *n)
{
        g_ptr_array_unref(n->opens);
        g_free(n);
}

/* ROOT/dev (and ROOT/dev/input, ... where nodes live): the host's entries
 * as links to themselves, and a placeholder per node, so that a listing of
 * /dev shows the nodes (gpiodetect and friends scan /dev).  The host's
 * entries are those at start. */
static int build_dev_listing(struct ck_seccomp *s, GPtrArray *devices)
{
        const char *root = ck_sysfs_root(s->sysfs);

        s->dev_dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < devices->len; i++) {
                g_autofree char *node = g_strconcat("/dev/", ck_device_node(devices->pdata[i]), NULL);
                char *dir = g_path_get_dirname(node);
                while (strcmp(dir, "/") != 0) {
                        char *up = g_path_get_dirname(dir);
                        if (!g_hash_table_add(s->dev_dirs, dir)) {     /* it keeps @dir either way */
                                g_free(up);
                                break;
                        }
                        dir = up;
                }
                if (dir && strcmp(dir, "/") == 0)
                        g_free(dir);
        }
        g_autoptr(GList) dirs = g_hash_table_get_keys(s->dev_dirs);
        dirs = g_list_sort(dirs, (GCompareFunc)strcmp);     /* parents first */
        for (GList *l = dirs; l; l = l->next) {
                const char *dir = l->data;
                g_autofree char *real = g_strconcat(root, dir, NULL);
                if (g_mkdir_with_parents(real, 0755) < 0)
                        return -errno;
                g_autoptr(GDir) host = g_dir_open(dir, 0, NULL);
                const char *name;
                while (host && (name = g_dir_read_name(host))) {
                        g_autofree char *path = g_build_filename(dir, name, NULL);
                        g_autofree char *entry = g_build_filename(real, name, NULL);
                        if (!g_hash_table_contains(s->dev_dirs, path) && symlink(path, entry) < 0 && errno != EEXIST)
                                return -errno;
                }
        }
        for (guint i = 0; i < devices->len; i++) {
                g_autofree char *entry = g_strconcat(root, "/dev/", ck_device_node(devices->pdata[i]), NULL);
                unlink(entry);        /* a host node of the same name is shadowed */
                int fd = open(entry, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd < 0)
                        return -errno;
                close(fd);
        }
        return 0;
}

int ck_seccomp_new(GPtrArray *devices, const struct ck_seccomp_options *o, struct ck_seccomp **ret, GError **error)
{
        g_autoptr(ck_seccomp) s = g_new0(struct ck_seccomp, 1);
        s->interrupted = g_hash_table_new_full(NULL, NULL, NULL, parked_destroy);
        struct stat st;

        s->listener = -1;
        s->inotify = -1;
        for (unsigned i = 0; i < FD_DIRS; i++)
                s->fd_dirs[i].fd = -1;
        s->devices = g_ptr_array_ref(devices);
        s->work_dir = g_strdup(o->work_dir);
        s->sysfs = o->sysfs;
        s->major = o->major;
        s->node_uid = getuid();
        s->dev_dev = stat("/dev", &st) == 0 ? st.st_dev : 0;
        clock_gettime(CLOCK_REALTIME, &s->created);
        s->served = g_hash_table_new(served_id_hash, served_id_equal);
        s->nodes = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)node_free);
        s->buf = g_byte_array_new();
        ck_ioctl_reply_init(&s->reply);
        s->resolver = ck_resolver_new(o->sysfs, devices);
        if (s->sysfs) {
                int r = build_dev_listing(s, devices);
                if (r < 0) {
                        g_set_error(error, CK_ERROR, -r, "the listing of /dev: %s", g_strerror(-r));
                        return r;
                }
        }

        if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s->sizes) < 0) {
                int e = errno;
                g_set_error(error, CK_ERROR, e, "this kernel has no seccomp user notification (%s): Linux 5.9 or later is needed",
                            g_strerror(e));
                return -e;
        }
        s->req = g_malloc0(MAX(s->sizes.seccomp_notif, sizeof(struct seccomp_notif)));
        s->resp = g_malloc0(MAX(s->sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp)));
        s->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s->inotify < 0) {
                int e = errno;
                g_set_error(error, CK_ERROR, e, "inotify: %s", g_strerror(e));
                return -e;
        }
        for (guint i = 0; i < devices->len; i++) {
                struct node *n = g_new0(struct node, 1);
                n->device = devices->pdata[i];
                n->minor = o->first_minor + i;
                n->mode = 0600;       /* as CUSE makes them */
                n->gid = getgid();
                n->opens = g_ptr_array_new();
                g_hash_table_insert(s->nodes, n->device, n);
                ck_device_set_notify(n->device, device_notify, s);
        }
        *ret = g_steal_pointer(&s);
        return 0;
}

void ck_seccomp_attach(struct ck_seccomp *s, int listener)
{
        s->listener = listener;
        s->listener_watch = g_unix_fd_add(listener, G_IO_IN | G_IO_HUP | G_IO_ERR, on_listener, s);
        s->inotify_watch = g_unix_fd_add(s->inotify, G_IO_IN, on_inotify, s);
}

int ck_seccomp_set_node_access(struct ck_seccomp *s, struct ck_device *d, mode_t mode, gid_t gid)
{
        struct node *n = node_of(s, d);

        if (!n || mode > 07777)
                return -EINVAL;
        n->mode = mode;
        n->gid = gid;
        return 0;
}

guint64 ck_seccomp_served(const struct ck_seccomp *s)
{
        return s->served_count;
}

void ck_seccomp_free(struct ck_seccomp *s)
{
        if (!s)
                return;
        if (s->listener_watch)
                g_source_remove(s->listener_watch);
        if (s->inotify_watch)
                g_source_remove(s->inotify_watch);
        if (s->sweep)
                g_source_remove(s->sweep);
        if (s->retry_source)
                g_source_remove(s->retry_source);
        while (!g_queue_is_empty(&s->parked))
                parked_free(g_queue_pop_head(&s->parked));
        if (s->interrupted)
                g_hash_table_destroy(s->interrupted);
        if (s->served) {
                GHashTableIter it;
                struct served *sv;
                g_hash_table_iter_init(&it, s->served);
                while (g_hash_table_iter_next(&it, NULL, (gpointer *)&sv)) {
                        if (sv->kind == SERVED_DEVICE)
                                ck_file_close(sv->file);
                        close(sv->own);
                        g_hash_table_iter_remove(&it);   /* the key lives in @sv */
                        g_free(sv);
                }
                g_hash_table_unref(s->served);
        }
        if (s->devices)
                for (guint i = 0; i < s->devices->len; i++)
                        ck_device_set_notify(s->devices->pdata[i], NULL, NULL);
        if (s->nodes)
                g_hash_table_unref(s->nodes);
        if (s->listener >= 0)
                close(s->listener);
        if (s->inotify >= 0)
                close(s->inotify);
        for (unsigned i = 0; i < FD_DIRS; i++)
                if (s->fd_dirs[i].fd >= 0)
                        close(s->fd_dirs[i].fd);
        ck_resolver_free(s->resolver);
        if (s->dev_dirs)
                g_hash_table_unref(s->dev_dirs);
        ck_ioctl_reply_clear(&s->reply);
        if (s->buf)
                g_byte_array_unref(s->buf);
        if (s->devices)
                g_ptr_array_unref(s->devices);
        g_free(s->req);
        g_free(s->resp);
        g_free(s->work_dir);
        g_free(s);
}
