/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device-author API.
 *
 * A family implements, for every row of its definition list, static
 * functions named after the ioctl, with the signature its FLOW gives:
 *
 *   NONE   handle_NAME(struct ck_call *c)
 *   IN     validate_NAME(c, const struct ck_untrusted *u, TYPE *ret)
 *          handle_NAME(c, const TYPE *in)
 *   OUT    handle_NAME(c, TYPE *out)                  (*out starts zeroed)
 *   INOUT  validate_NAME(c, u, TYPE *ret)  handle_NAME(c, TYPE *io)
 *   VALUE  validate_NAME(c, u, TYPE *ret)  handle_NAME(c, TYPE value)
 *
 * and CK_IOCTL_TABLE(var, LIST) builds the descriptor table from them.
 * Handlers never see client bytes: only what a validator produced.
 * Validators and handlers return 0 (or a non-negative ioctl result) or a
 * negative errno; a validator may also return what ck_call_fetch() or
 * ck_call_reserve_out() returned (CK_NEED_ROUND) to get nested memory.
 */
#pragma once

#include <cusekit/ioctl.h>

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ck_untrusted;  /* client bytes; opaque: read only through a validator */
struct ck_call;       /* one ioctl being served */
struct ck_device;     /* one device instance (one /dev node) */
struct ck_file;       /* one open of a device */
struct ck_device_type;

/* A validator's answer meaning "that memory is fetched in the next round". */
#define CK_NEED_ROUND 1

/* --- for validators --- */
size_t ck_untrusted_size(const struct ck_untrusted *u);
/* A write whose buffer faults part way, to a type with .write_faults: the
 * bytes before the fault, and TRUE here.  The driver decides, as a kernel
 * driver's loop over get_user() does: what it returns >= 0 is the write's
 * result (0 then being EFAULT); watchdog_write() acts on the bytes and
 * fails.  Transports whose kernel hands over the prefix alone (CUSE) never
 * say so. */
gboolean ck_untrusted_faulted(const struct ck_untrusted *u);
/* Copies exactly @size bytes; -EINVAL when the client sent another size. */
int ck_untrusted_copy(const struct ck_untrusted *u, void *ret, size_t size);
/* The raw integer of a FLOW VALUE ioctl (the ioctl's unsigned long arg). */
uint64_t ck_untrusted_value(const struct ck_untrusted *u);
/* Declares bytes valid as they are (opaque payload): the handler reads
 * them with ck_call_input(); accepted inputs are numbered 0, 1, ... */
int ck_untrusted_accept(struct ck_call *c, const struct ck_untrusted *u);

/* Nested input: @len bytes at client address @uaddr.  *ret is NULL
 * unless it returns 0.  On an ioctl not declared NESTED: -EIO (a bug of
 * the family: that call fails with EIO, logged once; the daemon goes on). */
int ck_call_fetch(struct ck_call *c, uint64_t uaddr, size_t len,
                  const struct ck_untrusted **ret);
/* Nested output: the handler fills @len bytes that go to @uaddr; numbered
 * 0, 1, ... in the order reserved. */
int ck_call_reserve_out(struct ck_call *c, uint64_t uaddr, size_t len);

/* --- for handlers --- */
const void *ck_call_input(struct ck_call *c, unsigned index, size_t *ret_len);
void *ck_call_output(struct ck_call *c, unsigned index, size_t *ret_len);
/* A handler's "not yet", for a call that blocks (TIOCMIWAIT, tcdrain):
 * `return ck_call_wait(c);` (it returns -EAGAIN).  The transport parks the
 * call, whatever O_NONBLOCK says (the handler decides that, as the kernel's
 * do), and serves it again with the same argument after each
 * ck_device_notify() of the device, until the handler answers; a signal
 * ends the wait (EINTR, or a restarted call).  What a handler did before
 * it waits (a break sent, then timed) it records in its wait state, which
 * the next attempt sees. */
int ck_call_wait(struct ck_call *c);
/* @size bytes (at most 64) the call keeps across its waits, zeroed on its
 * first attempt: the baseline a retry compares with.  NULL for more (a bug
 * of the family: EIO). */
void *ck_call_wait_state(struct ck_call *c, size_t size);
struct ck_file *ck_call_file(struct ck_call *c);
struct ck_device *ck_call_device(struct ck_call *c);
pid_t ck_call_pid(struct ck_call *c);
/* The kernel's capable(@cap) for the calling process (CAP_* of
 * <linux/capability.h>): its effective set, in the daemon's user namespace. */
gboolean ck_call_capable(struct ck_call *c, int cap);
/* A row whose size is the caller's (ENCODING IOW_N(K) ...): how many
 * elements of TYPE this call carries, 0 to K (1 for any other row).  The
 * validator's untrusted argument and the handler's TYPE pointer span that
 * many; a handler of a FLOW OUT row fills that many. */
unsigned ck_call_count(struct ck_call *c);
/* A row whose nr is the caller's (IOR_AT(LAST) ...): the caller's nr minus
 * the row's NR (0 for any other row). */
unsigned ck_call_index(struct ck_call *c);
/* A handler of a FLOW OUT or INOUT row without nested outputs copied only
 * the first @len bytes of its argument (evdev's str_to_user(): a name
 * shorter than the caller's buffer): the client's bytes past them stay as
 * they were.  Default: the whole argument.  @len past the argument, or on
 * another row, is a bug of the family (EIO). */
int ck_call_set_output_len(struct ck_call *c, size_t len);

/* A new open file of the call's device, served by @type (one of the device
 * type's .file_types: its own ioctls, read, poll and zeroed file state),
 * that the call returns as a descriptor, as GPIO_V2_GET_LINE_IOCTL returns a
 * line request: when the call succeeds, the client gets a descriptor with
 * @flags (O_RDONLY, O_CLOEXEC, ...) and its number, an int, is written at
 * byte @fd_offset of the first-stage argument (the handler's value there is
 * replaced); when it fails, the file is released (its release hook runs).
 * One per call, from a handler of a FLOW OUT or INOUT row.  -EOPNOTSUPP
 * where the transport cannot put a descriptor into the client (CUSE: only
 * `cusekit run` can); a type not in .file_types, a second file or an offset
 * outside the argument is a bug of the family (EIO). */
int ck_call_new_file(struct ck_call *c, const struct ck_device_type *type, int flags, size_t fd_offset,
                     struct ck_file **ret);

struct ck_device *ck_file_device(struct ck_file *f);
void *ck_file_priv(struct ck_file *f);
int ck_file_flags(struct ck_file *f);

void *ck_device_priv(struct ck_device *d);
const char *ck_device_name(struct ck_device *d);
/* One open at a time (a second gets EBUSY); the type's .exclusive is the default. */
void ck_device_set_exclusive(struct ck_device *d, gboolean exclusive);
/* State changed: blocked reads are retried and pollers woken. */
void ck_device_notify(struct ck_device *d);

/* --- device state: what the control interface reads and sets --- */
struct ck_state_var {
        const char *name;             /* stable: "value", "offset", "0x50/bytes" */
        const char *summary;
        const char *type;             /* a GVariant type string: "b", "x", "t", "s", "ay", ... */
        gboolean persistent;          /* kept across restarts when a state directory is set */
        /* A new floating or full reference. */
        GVariant *(*get)(struct ck_device *d, void *userdata);
        /* NULL: read-only.  @value has .type; errors name the bad value. */
        int (*set)(struct ck_device *d, void *userdata, GVariant *value, GError **error);
        void *userdata;
};

/* Errors from state setters and init: the code is an errno. */
#define CK_ERROR ck_error_quark()
GQuark ck_error_quark(void);

/* Called from init; @var is copied. */
void ck_device_add_state(struct ck_device *d, const struct ck_state_var *var);
/* Persistent state changed by the device itself (e.g. RTC_SET_TIME). */
void ck_device_state_changed(struct ck_device *d);

/* --- device streams: a connection to the device the control interface hands out ---
 *
 * A device may offer named byte streams (tty's "far": the far end of the
 * line) that a control client opens with OpenStream(device, name) and gets
 * as a descriptor; what flows on it is the family's business. */
struct ck_stream {
        const char *name;             /* stable: "far" */
        const char *summary;
        /* A new descriptor for the caller, which the control layer passes on
         * and closes (the device keeps the other end: a socketpair, say), or
         * a negative errno with @error saying why (-EBUSY: taken). */
        int (*open)(struct ck_device *d, void *userdata, GError **error);
        void *userdata;
};

/* Called from init; @stream is copied. */
void ck_device_add_stream(struct ck_device *d, const struct ck_stream *stream);

/* --- field metadata: how traces and the control interface show arguments --- */
enum ck_field_kind {
        CK_FIELD_UINT,
        CK_FIELD_INT,
        CK_FIELD_HEX,
        CK_FIELD_PTR,                 /* a user pointer */
        CK_FIELD_STRING,              /* a NUL-padded char array */
        CK_FIELD_BYTES,
};

struct ck_field {
        const char *name;
        unsigned offset;
        unsigned size;                /* of one element */
        unsigned count;               /* elements: 1 unless an array */
        enum ck_field_kind kind;
};

struct ck_struct_desc {
        const char *type;             /* as the definition spells it: "struct atom_state" */
        unsigned size;
        const struct ck_field *fields;
        unsigned n_fields;
};

#define CK_FIELD(type, member, KIND)                                           \
        { .name = #member, .offset = offsetof(type, member),                   \
          .size = sizeof(((type *)0)->member), .count = 1, .kind = CK_FIELD_##KIND }
#define CK_FIELD_ARRAY(type, member, KIND)                                     \
        { .name = #member, .offset = offsetof(type, member),                   \
          .size = sizeof(((type *)0)->member[0]),                              \
          .count = sizeof(((type *)0)->member) / sizeof(((type *)0)->member[0]), \
          .kind = CK_FIELD_##KIND }
/* static const struct ck_struct_desc var, for TYPE, from CK_FIELD()s. */
#define CK_STRUCT_DESC(var, TYPE, ...)                                         \
        static const struct ck_field var##_fields[] = { __VA_ARGS__ };         \
        static const struct ck_struct_desc var = {                             \
                .type = #TYPE, .size = sizeof(TYPE), .fields = var##_fields,   \
                .n_fields = sizeof(var##_fields) / sizeof(var##_fields[0]),    \
        }

/* --- the descriptor table --- */
struct ck_ioctl {
        const char *name;
        const char *arg_type;       /* the definition's TYPE, spelled as there */
        unsigned long request;
        unsigned arg_size;          /* bytes of the first-stage argument (of one element, for a
                                       row whose size is the caller's; the pipeline serves each
                                       call of it by a copy whose arg_size is the call's) */
        unsigned unit_size;         /* bytes of one element: sizeof(TYPE) */
        unsigned count_max;         /* 0: a fixed size; else the size is the caller's, 0 to this many
                                       elements; the request's size field is then 0 */
        unsigned nr_span;           /* the caller may add 0 to this to the request's nr */
        enum ck_flow flow;
        enum ck_encoding encoding;
        enum ck_shape shape;
        const char *lie;            /* why the encoding lies; NULL if honest */
        int (*validate)(struct ck_call *c, const struct ck_untrusted *u, void *ret_valid);
        int (*handle)(struct ck_call *c, void *arg);
};

/* Per-flow thunks: the casts to the generic signature live here only.
 * NAME may be a kernel macro's name (RTC_RD_TIME): the first-level macros
 * only paste or stringify it and hand the pasted names down. */
#define CK__THUNK_NONE(handle, thunk, validate, vthunk, TYPE)                  \
        static int handle(struct ck_call *c);                                  \
        static int thunk(struct ck_call *c, void *arg)                         \
        { (void)arg; return handle(c); }
#define CK__THUNK_OUT(handle, thunk, validate, vthunk, TYPE)                   \
        static int handle(struct ck_call *c, TYPE *out);                       \
        static int thunk(struct ck_call *c, void *arg)                         \
        { return handle(c, (TYPE *)arg); }
#define CK__THUNK_VALIDATE(validate, vthunk, TYPE)                             \
        static int validate(struct ck_call *c, const struct ck_untrusted *u, TYPE *ret); \
        static int vthunk(struct ck_call *c, const struct ck_untrusted *u, void *ret) \
        { return validate(c, u, (TYPE *)ret); }
#define CK__THUNK_IN(handle, thunk, validate, vthunk, TYPE)                    \
        CK__THUNK_VALIDATE(validate, vthunk, TYPE)                             \
        static int handle(struct ck_call *c, const TYPE *in);                  \
        static int thunk(struct ck_call *c, void *arg)                         \
        { return handle(c, (const TYPE *)arg); }
#define CK__THUNK_INOUT(handle, thunk, validate, vthunk, TYPE)                 \
        CK__THUNK_VALIDATE(validate, vthunk, TYPE)                             \
        static int handle(struct ck_call *c, TYPE *io);                        \
        static int thunk(struct ck_call *c, void *arg)                         \
        { return handle(c, (TYPE *)arg); }
#define CK__THUNK_VALUE(handle, thunk, validate, vthunk, TYPE)                 \
        CK__THUNK_VALIDATE(validate, vthunk, TYPE)                             \
        static int handle(struct ck_call *c, TYPE value);                      \
        static int thunk(struct ck_call *c, void *arg)                         \
        { return handle(c, *(TYPE *)arg); }

#define CK__VALIDATOR_NONE(vthunk)  NULL
#define CK__VALIDATOR_OUT(vthunk)   NULL
#define CK__VALIDATOR_IN(vthunk)    vthunk
#define CK__VALIDATOR_INOUT(vthunk) vthunk
#define CK__VALIDATOR_VALUE(vthunk) vthunk

#define CK__TABLE_THUNK_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)   \
        CK__THUNK_##FLOW(handle_##NAME, ck__handle_##NAME, validate_##NAME, ck__validate_##NAME, TYPE)
#define CK__TABLE_THUNK_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)           \
        CK__THUNK_##FLOW(handle_##NAME, ck__handle_##NAME, validate_##NAME, ck__validate_##NAME, TYPE)
#define CK__TABLE_ENTRY(name_s, req, asize, enc_v, type_s, FLOW, SHAPE, TRUTH, vthunk, thunk, kmax, span) \
        {                                                                      \
                .name = name_s,                                                \
                .arg_type = type_s,                                            \
                .request = req,                                                \
                .arg_size = asize,                                             \
                .unit_size = asize,                                            \
                .count_max = kmax,                                             \
                .nr_span = span,                                               \
                .flow = CK_FLOW_##FLOW,                                        \
                .encoding = (enum ck_encoding)enc_v,                           \
                .shape = CK_SHAPE_##SHAPE,                                     \
                .lie = CK__REASON_##TRUTH,                                     \
                .validate = CK__VALIDATOR_##FLOW(vthunk),                      \
                .handle = thunk,                                               \
        },
#define CK__TABLE_ENTRY_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)   \
        CK__TABLE_ENTRY(#NAME, CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                        ck_argsize_##NAME, ck_enc_##NAME, #TYPE, FLOW, SHAPE, TRUTH, \
                        ck__validate_##NAME, ck__handle_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME)
#define CK__TABLE_ENTRY_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)           \
        CK__TABLE_ENTRY(#NAME, CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                        ck_argsize_##NAME, ck_enc_##NAME, #TYPE, FLOW, SHAPE, TRUTH, \
                        ck__validate_##NAME, ck__handle_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME)

#define CK_IOCTL_TABLE(var, LIST)                                              \
        LIST(CK__TABLE_THUNK_IOC, CK__TABLE_THUNK_RAW)                         \
        static const struct ck_ioctl var[] = { LIST(CK__TABLE_ENTRY_IOC, CK__TABLE_ENTRY_RAW) }

/* The rows of LIST that restricted CUSE mode can serve (honest, flat,
 * _IOC-encoded, not by value; a size the caller chooses is fine, the kernel
 * copies by the number's size field), as a second table over the same handlers:
 * after CK_IOCTL_TABLE(..., LIST) in the same file. */
#define CK__KEEP(...) __VA_ARGS__
#define CK__DROP(...)
#define CK__IF_HONEST_HONEST CK__KEEP
#define CK__IF_HONEST_LIES(why) CK__DROP
#define CK__IF_FLAT_FLAT CK__KEEP
#define CK__IF_FLAT_NESTED CK__DROP
#define CK__IF_NOT_VALUE_NONE CK__KEEP
#define CK__IF_NOT_VALUE_IN CK__KEEP
#define CK__IF_NOT_VALUE_OUT CK__KEEP
#define CK__IF_NOT_VALUE_INOUT CK__KEEP
#define CK__IF_NOT_VALUE_VALUE CK__DROP
#define CK__RESTRICTED_ENTRY_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH) \
        CK__IF_HONEST_##TRUTH(CK__IF_FLAT_##SHAPE(CK__IF_NOT_VALUE_##FLOW(     \
                CK__TABLE_ENTRY(#NAME, CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                                ck_argsize_##NAME, ck_enc_##NAME, #TYPE, FLOW, SHAPE, TRUTH, \
                                ck__validate_##NAME, ck__handle_##NAME, ck_count_max_##NAME, \
                                ck_nr_span_##NAME))))
#define CK__RESTRICTED_ENTRY_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)
#define CK_IOCTL_TABLE_RESTRICTED(var, LIST)                                   \
        static const struct ck_ioctl var[] = { LIST(CK__RESTRICTED_ENTRY_IOC, CK__RESTRICTED_ENTRY_RAW) }

/* --- sysfs: what the device's real driver shows under /sys ---
 *
 * A transport that serves /sys (cusekit run) builds, for every device
 * whose type has .sysfs, the class device the kernel would have:
 * /sys/class/CLASS/NAME -> the device's directory, /sys/dev/char/MAJ:MIN,
 * and in that directory `dev`, `uevent`, `subsystem`, `power/` (and
 * `device` when there is a parent), then the family's entries.
 *
 * An entry's @path is relative to the class device's directory ("name",
 * "power/wakeup", "device/name" for the parent's), or absolute from
 * "/sys/"; "%s" in a path, target or value stands for the device's name.
 * Attributes act as the kernel's: opening one for writing needs a write
 * bit in @mode (even for root), reading a read bit; show() runs when the
 * file is read from its start, store() on each write().
 */
enum ck_sysfs_kind {
        CK_SYSFS_ATTR,
        CK_SYSFS_DIR,
        CK_SYSFS_LINK,
};

struct ck_sysfs_entry {
        enum ck_sysfs_kind kind;
        const char *path;
        unsigned mode;                /* ATTR: 0444, 0644, 0200, ...; DIR: 0 is 0755 */
        const char *target;           /* LINK: its text, relative like the kernel's */
        const char *value;            /* ATTR without show: its fixed contents */
        /* Fills @buf (@size bytes, a page, zeroed): the length, or a
         * negative errno that read() returns.  NULL: @value. */
        ssize_t (*show)(struct ck_device *d, char *buf, size_t size);
        /* @buf holds @len (1..page) bytes and a NUL: @len or a negative
         * errno that write() returns.  NULL: writes get EIO. */
        ssize_t (*store)(struct ck_device *d, const char *buf, size_t len);
};

#define CK_SYSFS_RO(path_, show_)                                              \
        { .kind = CK_SYSFS_ATTR, .path = path_, .mode = 0444, .show = show_ }
#define CK_SYSFS_RW(path_, show_, store_)                                      \
        { .kind = CK_SYSFS_ATTR, .path = path_, .mode = 0644, .show = show_, .store = store_ }
#define CK_SYSFS_WO(path_, store_)                                             \
        { .kind = CK_SYSFS_ATTR, .path = path_, .mode = 0200, .store = store_ }
/* A fixed attribute: @value never changes. */
#define CK_SYSFS_CONST(path_, mode_, value_)                                   \
        { .kind = CK_SYSFS_ATTR, .path = path_, .mode = mode_, .value = value_ }
#define CK_SYSFS_LINK(path_, target_)                                          \
        { .kind = CK_SYSFS_LINK, .path = path_, .target = target_ }
#define CK_SYSFS_DIR(path_)                                                    \
        { .kind = CK_SYSFS_DIR, .path = path_ }

/* How the parent device does power management (drivers/base/power/sysfs.c). */
#define CK_SYSFS_WAKEUP        (1u << 0)  /* device_init_wakeup(parent, true): power/wakeup "enabled" */
#define CK_SYSFS_ASYNC         (1u << 1)  /* device_enable_async_suspend() */
#define CK_SYSFS_RPM_NO_CALLBACKS (1u << 2)  /* pm_runtime_no_callbacks() + pm_runtime_enable() */

struct ck_sysfs_class {
        const char *name;             /* the class: /sys/class/NAME/DEVICE */
        /* The parent device's directory below /sys/devices ("platform/cusekit-rtc.%s"):
         * the class device is PARENT/CLASS/DEVICE and `device` links to it;
         * NULL: a virtual device, /sys/devices/virtual/CLASS/DEVICE. */
        const char *parent;
        const char *parent_uevent;    /* the parent's `uevent` ("DRIVER=...\n"); NULL: empty */
        unsigned parent_power;        /* CK_SYSFS_WAKEUP, ... */
        const struct ck_sysfs_entry *entries;
        size_t n_entries;
        /* What udev's rules and builtins record for the class device in its
         * database entry (/run/udev/data/cMAJ:MIN, which libudev reads, and
         * libinput for ID_INPUT_*): "E:KEY=VALUE\n" lines appended to @out,
         * once, when the tree is built.  NULL: no entry (udev never saw it). */
        void (*udev_properties)(struct ck_device *d, GString *out);
        /* The parent is a class device of this class itself, as an input_dev
         * is for its evdev node: then the class device sits directly in the
         * parent's directory (PARENT/DEVICE: get_device_parent() makes no
         * CLASS/ glue directory below a parent that has a class), and the
         * parent gets its own /sys/class/NAME link and `subsystem`. */
        gboolean parent_is_class_device;
        /* The parent's directory below /sys/devices, when the family names it
         * (to g_free; it must differ for devices that differ); NULL: .parent. */
        char *(*parent_path)(struct ck_device *d);
        /* The parent's `uevent` text as show() gives it; NULL: .parent_uevent. */
        ssize_t (*parent_uevent_show)(struct ck_device *d, char *buf, size_t size);
};

/* static const struct ck_sysfs_class var, from CK_SYSFS_*() entries. */
#define CK_SYSFS_CLASS(var, NAME, ...)                                         \
        static const struct ck_sysfs_entry var##_entries[] = { __VA_ARGS__ };  \
        static const struct ck_sysfs_class var = {                             \
                .name = NAME, .entries = var##_entries,                        \
                .n_entries = sizeof(var##_entries) / sizeof(var##_entries[0]), \
        }
/* The same, with a udev database entry from @UDEV (.udev_properties). */
#define CK_SYSFS_CLASS_UDEV(var, NAME, UDEV, ...)                              \
        static const struct ck_sysfs_entry var##_entries[] = { __VA_ARGS__ };  \
        static const struct ck_sysfs_class var = {                             \
                .name = NAME, .entries = var##_entries,                        \
                .n_entries = sizeof(var##_entries) / sizeof(var##_entries[0]), \
                .udev_properties = UDEV,                                       \
        }
/* The same, for a class device with a parent device. */
#define CK_SYSFS_CLASS_PARENT(var, NAME, PARENT, UEVENT, POWER, ...)           \
        static const struct ck_sysfs_entry var##_entries[] = { __VA_ARGS__ };  \
        static const struct ck_sysfs_class var = {                             \
                .name = NAME, .parent = PARENT, .parent_uevent = UEVENT,       \
                .parent_power = POWER, .entries = var##_entries,               \
                .n_entries = sizeof(var##_entries) / sizeof(var##_entries[0]), \
        }
/* With a parent and a udev database entry. */
#define CK_SYSFS_CLASS_PARENT_UDEV(var, NAME, PARENT, UEVENT, POWER, UDEV, ...) \
        static const struct ck_sysfs_entry var##_entries[] = { __VA_ARGS__ };  \
        static const struct ck_sysfs_class var = {                             \
                .name = NAME, .parent = PARENT, .parent_uevent = UEVENT,       \
                .parent_power = POWER, .entries = var##_entries,               \
                .n_entries = sizeof(var##_entries) / sizeof(var##_entries[0]), \
                .udev_properties = UDEV,                                       \
        }

/* What fs/fuse/cuse.c shows for a node of its own: for families without
 * a kernel driver to mirror. */
extern const struct ck_sysfs_class ck_sysfs_cuse;

/* The kernel's kstrtoull()/kstrtoll() for store(): @base 0 (0x: hex,
 * 0: octal) or 2..16, an optional '+' ('-'), one trailing newline;
 * -EINVAL (not a number) or -ERANGE (does not fit) as there. */
int ck_sysfs_kstrtoull(const char *buf, unsigned base, unsigned long long *ret);
int ck_sysfs_kstrtoll(const char *buf, unsigned base, long long *ret);
/* Joins the values of a repeated key (key=a,key=b on the command line,
 * key=a;b in a config file): a character no value can hold. */
#define CK_LIST_SEPARATOR "\x1f"

/* --- the device type --- */
struct ck_device_type {
        const char *name;             /* the TYPE of --device TYPE:NAME */
        const char *summary;
        const struct ck_ioctl *ioctls;
        size_t n_ioctls;
        const char *const *params;    /* accepted key=value keys, NULL-terminated */
        const char *const *list_params; /* of those, the ones that may repeat: values joined by CK_LIST_SEPARATOR */
        const struct ck_struct_desc *const *structs;  /* field names of argument types, NULL-terminated */
        size_t priv_size;             /* per device, zeroed */
        size_t file_priv_size;        /* per open, zeroed */
        gboolean exclusive;           /* a second open gets EBUSY */
        int unknown_ioctl_errno;      /* what an ioctl not in the table gets (EINVAL for gpiolib); 0: ENOTTY */

        /* @params holds only keys from .params; errors name the bad value. */
        int (*init)(struct ck_device *d, GHashTable *params, GError **error);
        void (*fini)(struct ck_device *d);
        int (*open)(struct ck_file *f);
        void (*release)(struct ck_file *f);
        /* -EAGAIN: nothing to read yet; the transport waits or returns it. */
        ssize_t (*read)(struct ck_file *f, void *buf, size_t size);
        ssize_t (*write)(struct ck_file *f, const struct ck_untrusted *data);
        /* POLLIN/POLLOUT/... that hold now. */
        unsigned (*poll)(struct ck_file *f);

        /* What its real driver shows under /sys; NULL: nothing. */
        const struct ck_sysfs_class *sysfs;
        /* The directory below /dev its nodes live in, as the kernel's devnode
         * callback puts them ("input": /dev/input/NAME, input_devnode());
         * NULL: /dev/NAME.  The device's name stays NAME (the control
         * interface's, the sysfs class device's). */
        const char *node_dir;

        /* The driver's checks that come before it copies anything of an ioctl
         * (rtc_dev_ioctl()'s capability switch): run once per ioctl, before
         * the argument is fetched, for numbers of no row too (before their
         * ENOTTY); 0 or a negative errno.  @cmd is the caller's request,
         * @arg its raw argument.  NULL: none. */
        int (*ioctl_permission)(struct ck_call *c, unsigned int cmd, uint64_t arg);
        /* The driver has fasync (FIOASYNC and O_ASYNC work: SIGIO when it
         * becomes readable, where the transport can deliver it). */
        gboolean fasync;
        /* Its write() sees the bytes before a fault (ck_untrusted_faulted());
         * otherwise such a write is EFAULT before it sees anything, as for
         * a driver that copies the whole buffer first. */
        gboolean write_faults;

        /* The kinds of file its ioctls create (ck_call_new_file()), NULL-terminated;
         * NULL: none.  Of a file type only .name, .ioctls, .n_ioctls, .structs,
         * .file_priv_size and the file hooks (open, release, read, write, poll) count. */
        const struct ck_device_type *const *file_types;
};

/* --- registering device types --- */

/* The device-author API this header describes.  A loader refuses a module
 * built for another version: bumped whenever a struct above or a
 * function's meaning changes incompatibly. */
#define CUSEKIT_DEVICE_API_VERSION 1

/* What CK_DEVICE_TYPE_REGISTER hands the registry.  .api_version stays the
 * first member in every version, so any loader can read it. */
struct ck_device_registration {
        uint32_t api_version;         /* CUSEKIT_DEVICE_API_VERSION the family was built with */
        uint32_t type_size;           /* sizeof(struct ck_device_type) it was built with */
        const struct ck_device_type *type;
};

/* Called by CK_DEVICE_TYPE_REGISTER's constructor, never directly: the
 * program (linked in) or the module loader (a module being loaded) checks
 * and indexes the type. */
void ck_register_device_type(const struct ck_device_registration *reg);

/* Makes a device type known: the one way for a family linked into cusekit
 * and for a module (a shared object given to cusekitd --module) alike. */
#define CK_DEVICE_TYPE_REGISTER(var)                                           \
        __attribute__((constructor)) static void ck__register_##var(void)      \
        {                                                                      \
                static const struct ck_device_registration reg = {             \
                        .api_version = CUSEKIT_DEVICE_API_VERSION,             \
                        .type_size = sizeof(struct ck_device_type),            \
                        .type = &(var),                                        \
                };                                                             \
                ck_register_device_type(&reg);                                 \
        }                                                                      \
        extern void ck__registered_##var(void)

#ifdef __cplusplus
}
#endif
