/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Objects shared inside src/: the pipeline, the registry and the transports. */
#pragma once

#include <cusekit/device.h>

#include <stdbool.h>
#include <stdint.h>

/* What the kernel's FUSE ioctl path accepts (fs/fuse/ioctl.c): at most 256
 * iovecs in and out together, and 32 pages (FUSE_DEFAULT_MAX_PAGES_PER_REQ)
 * each way; more gets ENOMEM there, and here. */
#define CK_MAX_REGIONS 256
#define CK_MAX_TRANSFER (32u * 4096u)
/* Plans kept per open for ioctls between rounds (one per client thread). */
#define CK_MAX_INFLIGHT 64

struct ck_untrusted {
        const uint8_t *data;
        size_t size;
        bool faulted;            /* a write whose buffer faulted after @size bytes */
};

struct ck_region {
        uint64_t addr;
        uint64_t len;
};

/* A device type with its ioctls sorted by request for binary search. */
struct ck_type_index {
        const struct ck_device_type *type;
        const struct ck_ioctl **by_request;
        const struct ck_struct_desc **arg_descs;   /* per type->ioctls[i]; NULL: none */
        size_t n;
        const struct ck_ioctl **variable;  /* rows whose size or nr is the caller's */
        size_t n_variable;
        bool unrestricted;
        char *origin;                /* the module's path; NULL: linked in */
        /* type->file_types indexed, in order: the tables of files its ioctls create */
        struct ck_type_index **files;
        size_t n_files;
};

typedef struct ck_device ck_device;
typedef void (*ck_notify_fn)(struct ck_device *d, void *userdata);

struct ck_device {
        const struct ck_type_index *index;
        char *name;
        char *node;                  /* below /dev: NAME, or the type's NODE_DIR/NAME */
        unsigned open_count;
        bool exclusive;
        ck_notify_fn notify;
        void *notify_data;
        GArray *state;               /* struct ck_state_var; NULL: none */
        GArray *streams;             /* struct ck_stream; NULL: none */
        GPtrArray *faults;           /* struct ck_fault; NULL: never had any */
        struct ck_trace *trace;      /* NULL: not traced */
        ck_notify_fn state_changed;  /* set by the control layer */
        void *state_changed_data;
        void *priv;
};

struct ck_inflight;
struct ck_trace;

struct ck_file {
        struct ck_device *device;
        const struct ck_type_index *index;   /* what serves it: the device's, or one of its .files */
        int flags;
        pid_t opener;       /* the thread that opened it (0: none known), for ck_file_capable() */
        GArray *inflight;   /* struct ck_inflight *, oldest first */
        void *priv;
};

/* registry.c */
/* Loads the module at @path (a shared object whose families use
 * CK_DEVICE_TYPE_REGISTER) and registers its device types, all or none.
 * Refused, with the reason in @error: a file that is no cusekit module
 * (-ENOENT, -ENOEXEC: dlopen() failed, or it registers no type), one built
 * for another CUSEKIT_DEVICE_API_VERSION (-EPROTO), a type name already
 * taken (-EEXIST; also a module loaded twice), a broken table (-EINVAL).
 * Returns the number of types registered.  Call before creating devices:
 * a loaded module stays loaded. */
int ck_registry_load_module(const char *path, GError **error);
/* Every *.so (by name) in the directories of $CUSEKIT_MODULE_PATH
 * (colon-separated; set but empty: none), else CK_MODULE_DIR
 * ($libdir/cusekit/devices); a missing directory holds none.  Stops at the
 * first refused module.  Returns the number of modules loaded. */
int ck_registry_load_default_modules(GError **error);
const struct ck_type_index *ck_registry_find(const char *type_name);
/* Every registered type, for --help and the fuzzer; NULL-terminated. */
const struct ck_type_index *const *ck_registry_all(void);
/* The index of the table @io is a row of: @index's own or one of its .files; NULL: neither. */
const struct ck_type_index *ck_type_index_of_row(const struct ck_type_index *index, const struct ck_ioctl *io);
const struct ck_ioctl *ck_type_index_lookup(const struct ck_type_index *index, unsigned long request);

/* device.c */
int ck_device_new(const char *type_name, const char *name, GHashTable *params,
                  struct ck_device **ret, GError **error);
void ck_device_free(struct ck_device *d);
void ck_device_set_notify(struct ck_device *d, ck_notify_fn fn, void *userdata);
bool ck_device_unrestricted(const struct ck_device *d);
/* The node's path below /dev ("input/event7"): what CUSE's DEVNAME and
 * cusekit run's /dev overlay make of it. */
const char *ck_device_node(const struct ck_device *d);
void ck_device_set_state_changed(struct ck_device *d, ck_notify_fn fn, void *userdata);
void ck_device_set_trace(struct ck_device *d, struct ck_trace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_device, ck_device_free)

int ck_file_open(struct ck_device *d, int flags, pid_t opener, struct ck_file **ret);
/* A file of @d served by @index (one of d->index->files): what an ioctl creates. */
int ck_file_new_of(struct ck_device *d, const struct ck_type_index *index, int flags, pid_t opener,
                   struct ck_file **ret);
void ck_file_close(struct ck_file *f);
