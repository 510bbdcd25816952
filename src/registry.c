/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device types register themselves with CK_DEVICE_TYPE_REGISTER, whose
 * constructor runs when the program starts (families linked in) or while
 * a module is dlopen()ed (ck_registry_load_module): one path for both.
 * The registry indexes each type's ioctls once, by request number. */
#include "cusekit-private.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CK_MODULE_DIR
#define CK_MODULE_DIR ""   /* built without one (the fuzzer): no default modules */
#endif

/* Registrations of the module being loaded, checked once dlopen() returns. */
struct load {
        const char *path;
        GPtrArray *regs;              /* const struct ck_device_registration * */
};

static GRecMutex registry_lock;
static GPtrArray *registry;           /* struct ck_type_index *, NULL-terminated */
static GPtrArray *linked_in;          /* registrations before the registry was first used */
static struct load *loading;          /* under registry_lock, during dlopen() */

static int compare_request(const void *a, const void *b)
{
        unsigned long ra = (*(const struct ck_ioctl *const *)a)->request;
        unsigned long rb = (*(const struct ck_ioctl *const *)b)->request;

        return ra < rb ? -1 : ra > rb;
}

/* Served by its true flow whatever the number claims: honest, flat and
 * copied by the kernel from the encoding alone is the rule for restricted
 * CUSE mode.  The encoding is checked too, not only the declared lie: a
 * hand-written table may lie without saying so. */
static bool ioctl_needs_unrestricted(const struct ck_ioctl *io)
{
        return io->lie || io->shape == CK_SHAPE_NESTED || io->encoding == CK_ENC_RAW ||
               io->flow == CK_FLOW_VALUE || !CK__HONEST(io->encoding, io->flow);
}

typedef struct ck_type_index ck_type_index;

/* Sets @error (its code: the errno) and returns -@errnum. */
G_GNUC_PRINTF(3, 4) static int fail(GError **error, int errnum, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        g_propagate_error(error, g_error_new_valist(CK_ERROR, errnum, format, ap));
        va_end(ap);
        return -errnum;
}

static void type_index_free(struct ck_type_index *index)
{
        if (!index)
                return;
        for (size_t i = 0; i < index->n_files; i++)
                type_index_free(index->files[i]);
        g_free(index->files);
        g_free(index->by_request);
        g_free(index->arg_descs);
        g_free(index->variable);
        g_free(index->origin);
        g_free(index);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_type_index, type_index_free)

static bool type_name_valid(const char *name)
{
        /* it is the TYPE of --device TYPE:NAME,key=value */
        return name && *name && !strpbrk(name, ":,=/ \t\n");
}

/* A directory below /dev: plain components ("input", "bus/usb"), as a
 * device name's are. */
static bool node_dir_valid(const char *dir)
{
        if (!*dir || dir[0] == '/' || dir[strlen(dir) - 1] == '/')
                return false;
        g_auto(GStrv) parts = g_strsplit(dir, "/", -1);
        for (char **p = parts; *p; p++) {
                if (!(*p)[0] || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0)
                        return false;
                for (const char *c = *p; *c; c++)
                        if (!g_ascii_isalnum(*c) && !strchr("_.-+", *c))
                                return false;
        }
        return true;
}

/* A type's ioctls, checked and sorted; @what names it in errors. */
static int index_table(const struct ck_device_type *type, const char *where, const char *what,
                       struct ck_type_index **ret, GError **error)
{
        if (type->n_ioctls && !type->ioctls)
                return fail(error, EINVAL, "%s: %s: %zu ioctls but no table", where, what, type->n_ioctls);

        g_autoptr(ck_type_index) index = g_new0(struct ck_type_index, 1);
        index->type = type;
        index->n = type->n_ioctls;
        index->by_request = g_new(const struct ck_ioctl *, type->n_ioctls);
        index->arg_descs = g_new0(const struct ck_struct_desc *, type->n_ioctls);
        index->variable = g_new0(const struct ck_ioctl *, MAX(type->n_ioctls, 1));
        for (size_t i = 0; i < type->n_ioctls; i++) {
                const struct ck_ioctl *io = &type->ioctls[i];
                if (io->flow == CK_FLOW_VALUE && io->shape == CK_SHAPE_NESTED)
                        return fail(error, EINVAL, "%s: %s: %s: a value ioctl cannot be nested",
                                           where, what, io->name);
                if (io->arg_size > CK_MAX_TRANSFER)
                        return fail(error, EINVAL,
                                           "%s: %s: %s: argument larger than a CUSE ioctl can carry",
                                           where, what, io->name);
                if (!io->handle || (io->flow != CK_FLOW_NONE && io->flow != CK_FLOW_OUT && !io->validate))
                        return fail(error, EINVAL, "%s: %s: %s: no handler or validator",
                                           where, what, io->name);
                if ((io->count_max || io->nr_span) && io->encoding == CK_ENC_RAW)
                        return fail(error, EINVAL, "%s: %s: %s: a classic number has no size or nr range",
                                    where, what, io->name);
                index->by_request[i] = io;
                if (io->count_max || io->nr_span)
                        index->variable[index->n_variable++] = io;
                for (const struct ck_struct_desc *const *sd = type->structs; sd && *sd; sd++)
                        if (strcmp((*sd)->type, io->arg_type) == 0)
                                index->arg_descs[i] = *sd;
                index->unrestricted |= ioctl_needs_unrestricted(io);
        }
        if (index->n)         /* a type without ioctls has no array (qsort() wants one) */
                qsort(index->by_request, index->n, sizeof(*index->by_request), compare_request);
        for (size_t i = 1; i < index->n; i++)
                if (index->by_request[i]->request == index->by_request[i - 1]->request)
                        return fail(error, EINVAL,
                                           "%s: %s: %s and %s have the same request number 0x%lx", where,
                                           what, index->by_request[i - 1]->name,
                                           index->by_request[i]->name, index->by_request[i]->request);
        *ret = g_steal_pointer(&index);
        return 0;
}

/* A family's definition errors fail the whole family, with the reason. */
static int index_type(const struct ck_device_registration *reg, const char *origin,
                      struct ck_type_index **ret, GError **error)
{
        const char *where = origin ? origin : "built in";
        const struct ck_device_type *type = reg->type;

        if (reg->api_version != CUSEKIT_DEVICE_API_VERSION)
                return fail(error, EPROTO,
                                   "%s: built for cusekit device API %u, but this program speaks API %u: "
                                   "rebuild it against this cusekit", where, reg->api_version,
                                   CUSEKIT_DEVICE_API_VERSION);
        if (reg->type_size != sizeof(struct ck_device_type) || !type)
                return fail(error, EPROTO,
                                   "%s: built with a struct ck_device_type of %u bytes, this program's has %zu: "
                                   "rebuild it against this cusekit", where, reg->type_size,
                                   sizeof(struct ck_device_type));
        if (!type_name_valid(type->name))
                return fail(error, EINVAL, "%s: invalid device type name '%s'", where,
                                   type->name ? type->name : "(null)");
        if (type->node_dir && !node_dir_valid(type->node_dir))
                return fail(error, EINVAL, "%s: %s: invalid node directory '%s'", where, type->name,
                            type->node_dir);
        /* file types: a NULL-terminated list, each a table of its own */
        size_t n_files = 0;
        for (const struct ck_device_type *const *ft = type->file_types; ft && *ft; ft++)
                n_files++;
        g_autoptr(ck_type_index) index = NULL;
        int r = index_table(type, where, type->name, &index, error);
        if (r < 0)
                return r;
        index->origin = g_strdup(origin);
        index->files = g_new0(struct ck_type_index *, MAX(n_files, 1));
        for (size_t i = 0; i < n_files; i++) {
                const struct ck_device_type *ft = type->file_types[i];
                g_autofree char *what = g_strdup_printf("%s: file type %s", type->name,
                                                        ft->name ? ft->name : "(unnamed)");
                if (ft->file_types || ft->init || ft->sysfs || ft->node_dir)
                        return fail(error, EINVAL, "%s: %s: only tables, file state and file hooks count "
                                    "in a file type", where, what);
                r = index_table(ft, where, what, &index->files[i], error);
                if (r < 0)
                        return r;
                index->n_files++;
        }
        *ret = g_steal_pointer(&index);
        return 0;
}

static const struct ck_type_index *find_locked(const char *type_name)
{
        for (guint i = 0; i < registry->len; i++) {
                const struct ck_type_index *t = g_ptr_array_index(registry, i);
                if (strcmp(t->type->name, type_name) == 0)
                        return t;
        }
        return NULL;
}

static int name_free(const char *type_name, const char *origin, GError **error)
{
        const struct ck_type_index *taken = find_locked(type_name);

        if (!taken)
                return 0;
        return fail(error, EEXIST, "%s: device type '%s' is already registered (%s%s)",
                    origin ? origin : "built in", type_name, taken->origin ? "by " : "built in",
                    taken->origin ? taken->origin : "");
}

/* A linked-in family that cannot be indexed is a build error: fail loudly at start. */
static void add_linked_in_locked(const struct ck_device_registration *reg)
{
        g_autoptr(GError) error = NULL;
        struct ck_type_index *index;

        if (index_type(reg, NULL, &index, &error) < 0 || name_free(reg->type->name, NULL, &error) < 0)
                g_error("%s", error->message);
        g_ptr_array_add(registry, index);
}

static void registry_init_locked(void)
{
        if (registry)
                return;
        registry = g_ptr_array_new_null_terminated(16, NULL, TRUE);
        for (guint i = 0; linked_in && i < linked_in->len; i++)
                add_linked_in_locked(g_ptr_array_index(linked_in, i));
        g_clear_pointer(&linked_in, g_ptr_array_unref);
}

void ck_register_device_type(const struct ck_device_registration *reg)
{
        g_rec_mutex_lock(&registry_lock);
        if (loading)
                g_ptr_array_add(loading->regs, (gpointer)reg);
        else if (registry)          /* a library with families loaded late, not through the loader */
                add_linked_in_locked(reg);
        else {
                if (!linked_in)
                        linked_in = g_ptr_array_new();
                g_ptr_array_add(linked_in, (gpointer)reg);
        }
        g_rec_mutex_unlock(&registry_lock);
}

static int load_module_locked(const char *name, GError **error)
{
        /* a name without a slash would send dlopen() searching the library path */
        g_autofree char *path = g_canonicalize_filename(name, NULL);

        if (access(path, F_OK) < 0) {
                int errnum = errno;
                return fail(error, errnum, "%s: %s", path, g_strerror(errnum));
        }
        /* dlopen() of a loaded object runs no constructor again */
        void *again = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
        if (again) {
                dlclose(again);
                return fail(error, EEXIST, "%s: module already loaded", path);
        }

        g_autoptr(GPtrArray) regs = g_ptr_array_new();
        struct load load = { .path = path, .regs = regs };
        loading = &load;
        void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        loading = NULL;
        if (!handle)
                return fail(error, ENOEXEC, "%s: not a loadable module: %s", path, dlerror());
        if (regs->len == 0) {
                dlclose(handle);
                return fail(error, ENOEXEC, "%s: not a cusekit module: it registers no device type "
                            "(CK_DEVICE_TYPE_REGISTER)", path);
        }

        /* All of the module's types, or none. */
        g_autoptr(GPtrArray) indexes = g_ptr_array_new_with_free_func((GDestroyNotify)type_index_free);
        for (guint i = 0; i < regs->len; i++) {
                const struct ck_device_registration *reg = g_ptr_array_index(regs, i);
                struct ck_type_index *index;
                int r = index_type(reg, path, &index, error);
                if (r < 0) {
                        dlclose(handle);
                        return r;
                }
                g_ptr_array_add(indexes, index);
                r = name_free(index->type->name, path, error);
                for (guint j = 0; r == 0 && j + 1 < indexes->len; j++)
                        if (strcmp(((struct ck_type_index *)g_ptr_array_index(indexes, j))->type->name,
                                   index->type->name) == 0)
                                r = fail(error, EEXIST, "%s: registers device type '%s' twice",
                                         path, index->type->name);
                if (r < 0) {
                        g_clear_pointer(&indexes, g_ptr_array_unref);   /* before the code they point into goes */
                        dlclose(handle);
                        return r;
                }
        }
        for (guint i = 0; i < indexes->len; i++)
                g_ptr_array_add(registry, g_steal_pointer(&indexes->pdata[i]));
        /* never dlclose()d: devices point into it until the process ends */
        return (int)regs->len;
}

int ck_registry_load_module(const char *path, GError **error)
{
        g_return_val_if_fail(path, -EINVAL);
        g_rec_mutex_lock(&registry_lock);
        registry_init_locked();
        int r = load_module_locked(path, error);
        g_rec_mutex_unlock(&registry_lock);
        return r;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.so of one directory, by name; a missing directory has none. */
static int load_directory(const char *dir, GError **error)
{
        g_autoptr(GError) local = NULL;
        g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
        if (!d) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return 0;
                g_propagate_error(error, g_steal_pointer(&local));
                return -EIO;
        }
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (const char *name; (name = g_dir_read_name(d));)
                if (g_str_has_suffix(name, ".so"))
                        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
        g_ptr_array_sort(names, compare_strings);
        for (guint i = 0; i < names->len; i++) {
                int r = ck_registry_load_module(g_ptr_array_index(names, i), error);
                if (r < 0)
                        return r;
        }
        return (int)names->len;
}

int ck_registry_load_default_modules(GError **error)
{
        const char *path = g_getenv("CUSEKIT_MODULE_PATH");
        g_auto(GStrv) dirs = g_strsplit(path ? path : CK_MODULE_DIR, ":", -1);
        int total = 0;

        for (char **dir = dirs; *dir; dir++) {
                if (!**dir)
                        continue;
                int r = load_directory(*dir, error);
                if (r < 0)
                        return r;
                total += r;
        }
        return total;
}

const struct ck_type_index *const *ck_registry_all(void)
{
        g_rec_mutex_lock(&registry_lock);
        registry_init_locked();
        const struct ck_type_index *const *all = (const struct ck_type_index *const *)registry->pdata;
        g_rec_mutex_unlock(&registry_lock);
        return all;
}

const struct ck_type_index *ck_registry_find(const char *type_name)
{
        g_rec_mutex_lock(&registry_lock);
        registry_init_locked();
        const struct ck_type_index *t = find_locked(type_name);
        g_rec_mutex_unlock(&registry_lock);
        return t;
}

/* A row whose size or nr is the caller's matches on direction, group and
 * nr range, any size (the pipeline then checks the size). */
static bool variable_matches(const struct ck_ioctl *io, unsigned long request)
{
        unsigned nr = _IOC_NR(request), first = _IOC_NR(io->request);

        return _IOC_DIR(request) == _IOC_DIR(io->request) && _IOC_TYPE(request) == _IOC_TYPE(io->request) &&
               nr >= first && nr <= first + io->nr_span &&
               (io->count_max || _IOC_SIZE(request) == _IOC_SIZE(io->request));
}

/* An exact number first (so a fixed row wins over a range it falls in, as
 * drivers switch on the exact number before they look at ranges). */
const struct ck_ioctl *ck_type_index_lookup(const struct ck_type_index *index, unsigned long request)
{
        size_t lo = 0, hi = index->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                unsigned long r = index->by_request[mid]->request;
                if (r == request)
                        return index->by_request[mid];
                if (r < request)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = 0; i < index->n_variable; i++)
                if (variable_matches(index->variable[i], request))
                        return index->variable[i];
        return NULL;
}

const struct ck_type_index *ck_type_index_of_row(const struct ck_type_index *index, const struct ck_ioctl *io)
{
        if (io >= index->type->ioctls && io < index->type->ioctls + index->type->n_ioctls)
                return index;
        for (size_t i = 0; i < index->n_files; i++)
                if (ck_type_index_of_row(index->files[i], io))
                        return index->files[i];
        return NULL;
}
