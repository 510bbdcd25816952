/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekit abi MODULE.so|TYPE [--table | --header | --check]: a family's
 * ioctl ABI as the registry holds it, for the author prototyping it.
 *
 *   --table   every ioctl: number, what it encodes, true flow, shape, lies,
 *             and the CUSE mode the family gets (and why)
 *   --header  the kernel-style uAPI header the author would propose
 *   --check   collisions with the kernel's ioctl-number registry, numbers
 *             used twice, encodings that lie without saying so
 */
#include "cusekit-abi.h"

#include "cli.h"
#include "cusekit-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CK_DATA_DIR
#define CK_DATA_DIR "/usr/share/cusekit"
#endif

#define fail(...) ck_cli_fail("cusekit abi", EXIT_FAILURE, __VA_ARGS__)

/* The family: the types of a module, or one type, and their ioctls
 * (each name once: atom and atom-flat share rows). */
struct family {
        char *name;
        GPtrArray *types;     /* const struct ck_type_index * */
        GPtrArray *ioctls;    /* const struct ck_ioctl * */
};

static void family_clear(struct family *f)
{
        g_free(f->name);
        g_clear_pointer(&f->types, g_ptr_array_unref);
        g_clear_pointer(&f->ioctls, g_ptr_array_unref);
}

static bool looks_like_module(const char *what)
{
        return strchr(what, '/') || g_str_has_suffix(what, ".so");
}

static int family_load(const char *what, struct family *ret, GError **error)
{
        ret->types = g_ptr_array_new();
        ret->ioctls = g_ptr_array_new();
        if (looks_like_module(what)) {
                g_autofree char *path = g_canonicalize_filename(what, NULL);
                g_autofree char *base = g_path_get_basename(path);
                if (ck_registry_load_module(path, error) < 0)
                        return -1;
                for (const struct ck_type_index *const *t = ck_registry_all(); *t; t++)
                        if ((*t)->origin && strcmp((*t)->origin, path) == 0)
                                g_ptr_array_add(ret->types, (gpointer)*t);
                if (g_str_has_suffix(base, ".so"))
                        base[strlen(base) - 3] = '\0';
                ret->name = g_steal_pointer(&base);
        } else {
                if (ck_registry_load_default_modules(error) < 0)
                        return -1;
                const struct ck_type_index *t = ck_registry_find(what);
                if (!t) {
                        g_set_error(error, CK_ERROR, ENOENT,
                                    "no device type '%s' (built in, or in the default module directories); "
                                    "give a module's path", what);
                        return -1;
                }
                g_ptr_array_add(ret->types, (gpointer)t);
                ret->name = g_strdup(what);
        }
        for (guint i = 0; i < ret->types->len; i++) {
                const struct ck_device_type *type = ((const struct ck_type_index *)ret->types->pdata[i])->type;
                for (size_t j = 0; j < type->n_ioctls; j++) {
                        const struct ck_ioctl *io = &type->ioctls[j];
                        bool seen = false;
                        for (guint k = 0; k < ret->ioctls->len && !seen; k++)
                                seen = strcmp(((const struct ck_ioctl *)ret->ioctls->pdata[k])->name, io->name) == 0;
                        if (!seen)
                                g_ptr_array_add(ret->ioctls, (gpointer)io);
                }
        }
        return 0;
}

/* --- what a number says --- */

static bool is_classic(const struct ck_ioctl *io)
{
        return io->encoding == CK_ENC_RAW;
}

static unsigned group_of(const struct ck_ioctl *io)
{
        return is_classic(io) ? (unsigned)(io->request >> 8) & 0xff : _IOC_TYPE(io->request);
}

static unsigned nr_of(const struct ck_ioctl *io)
{
        return is_classic(io) ? (unsigned)io->request & 0xff : _IOC_NR(io->request);
}

/* The last nr a row answers: a row whose nr is the caller's spans more. */
static unsigned nr_last(const struct ck_ioctl *io)
{
        return MIN(nr_of(io) + io->nr_span, 0xffu);
}

static bool caller_sized(const struct ck_ioctl *io)
{
        return io->count_max > 0;
}

/* May one request number reach both rows?  Same group, direction and an
 * overlapping nr, and the same size unless one's size is the caller's. */
static bool ambiguous(const struct ck_ioctl *a, const struct ck_ioctl *b)
{
        if (is_classic(a) || is_classic(b))
                return a->request == b->request;
        if (group_of(a) != group_of(b) || _IOC_DIR(a->request) != _IOC_DIR(b->request) ||
            nr_last(a) < nr_of(b) || nr_last(b) < nr_of(a))
                return false;
        return caller_sized(a) || caller_sized(b) || _IOC_SIZE(a->request) == _IOC_SIZE(b->request);
}

static bool mirrored(char **mirrors, const char *name)
{
        for (char **m = mirrors; m && *m; m++)
                if (g_pattern_match_simple(*m, name))
                        return true;
        return false;
}

/* The encoding the number itself carries (not what the row claims). */
static enum ck_encoding encoded(const struct ck_ioctl *io)
{
        if (is_classic(io))
                return CK_ENC_RAW;
        switch (_IOC_DIR(io->request)) {
        case _IOC_READ: return CK_ENC_IOR;
        case _IOC_WRITE: return CK_ENC_IOW;
        case _IOC_READ | _IOC_WRITE: return CK_ENC_IOWR;
        default: return CK_ENC_IO;
        }
}

static const char *encoding_name(enum ck_encoding e)
{
        static const char *const names[] = { "_IO", "_IOR", "_IOW", "_IOWR", "classic" };
        return (unsigned)e < G_N_ELEMENTS(names) ? names[e] : "?";
}

static const char *flow_name(enum ck_flow f)
{
        static const char *const names[] = { "none", "in", "out", "inout", "value" };
        return (unsigned)f < G_N_ELEMENTS(names) ? names[f] : "?";
}

static bool honest(const struct ck_ioctl *io)
{
        return CK__HONEST(encoded(io), io->flow);
}

/* 'T' where the group is a printable letter, as the kernel writes them. */
static char *group_text(unsigned group)
{
        if (g_ascii_isalnum((char)group))
                return g_strdup_printf("'%c'", group);
        return g_strdup_printf("0x%02X", group);
}

/* Why a row keeps the family out of restricted CUSE mode; NULL: it does not. */
static const char *unrestricted_reason(const struct ck_ioctl *io)
{
        if (io->shape == CK_SHAPE_NESTED)
                return "nested";
        if (is_classic(io))
                return "classic number";
        if (io->flow == CK_FLOW_VALUE)
                return "integer by value";
        if (io->lie)
                return "encoding lies";
        if (!honest(io))
                return "encoding contradicts its flow";
        return NULL;
}

/* --- --table --- */

static void print_table(const struct family *f)
{
        for (guint i = 0; i < f->types->len; i++) {
                const struct ck_type_index *t = f->types->pdata[i];
                const struct ck_device_type *type = t->type;
                printf("%s%s: %s\n", i ? "\n" : "", type->name, type->summary ? type->summary : "");
                if (t->origin)
                        printf("module: %s\n", t->origin);
                g_autoptr(GString) why = g_string_new(NULL);
                for (size_t j = 0; j < type->n_ioctls; j++) {
                        const char *r = unrestricted_reason(&type->ioctls[j]);
                        if (r)
                                g_string_append_printf(why, "%s%s: %s", why->len ? ", " : "",
                                                       type->ioctls[j].name, r);
                }
                if (t->unrestricted)
                        printf("CUSE mode: unrestricted, with retry rounds (%s)\n", why->str);
                else
                        printf("CUSE mode: restricted, one kernel round trip (every ioctl honest, flat, _IOC-encoded)\n");
                printf("%-24s %-10s %-8s %-9s %5s  %-6s %-6s %-28s %s\n", "NAME", "NUMBER", "ENCODED", "GROUP/NR",
                       "SIZE", "FLOW", "SHAPE", "ARGUMENT", "LIES");
                for (size_t j = 0; j < type->n_ioctls; j++) {
                        const struct ck_ioctl *io = &type->ioctls[j];
                        g_autofree char *group = group_text(group_of(io));
                        g_autofree char *gnr = io->nr_span ? g_strdup_printf("%s/%02X-%02X", group, nr_of(io), nr_last(io))
                                                           : g_strdup_printf("%s/%02X", group, nr_of(io));
                        g_autofree char *arg = caller_sized(io)
                                ? g_strdup_printf("%s[0..%u] (%u each)", io->arg_type, io->count_max, io->unit_size)
                                : g_strdup_printf("%s (%u)", io->arg_type, io->arg_size);
                        g_autofree char *size = caller_sized(io) ? g_strdup("n*") :
                                g_strdup_printf("%u", is_classic(io) ? 0 : (unsigned)_IOC_SIZE(io->request));
                        printf("%-24s 0x%08lx %-8s %-9s %5s  %-6s %-6s %-28s %s\n", io->name, io->request,
                               encoding_name(encoded(io)), gnr, size,
                               flow_name(io->flow), io->shape == CK_SHAPE_NESTED ? "nested" : "flat", arg,
                               io->lie ? io->lie : honest(io) ? "-" : "LIES WITHOUT SAYING SO");
                }
        }
}

/* --- --header --- */

static const struct ck_struct_desc *find_desc(const struct family *f, const char *type_name)
{
        for (guint i = 0; i < f->types->len; i++)
                for (const struct ck_struct_desc *const *sd = ((const struct ck_type_index *)f->types->pdata[i])->type->structs;
                     sd && *sd; sd++)
                        if (strcmp((*sd)->type, type_name) == 0)
                                return *sd;
        return NULL;
}

static unsigned natural_align(unsigned size)
{
        return size == 1 || size == 2 || size == 4 || size == 8 ? size : 1;
}

static char *field_decl(const struct ck_field *fld, const char *name)
{
        g_autofree char *array = fld->count > 1 ? g_strdup_printf("[%u]", fld->count) : g_strdup("");
        unsigned bits = fld->size * 8;
        bool natural = natural_align(fld->size) == fld->size;

        if (fld->kind == CK_FIELD_STRING && fld->size == 1)
                return g_strdup_printf("char %s[%u];", name, fld->count);
        if (fld->kind == CK_FIELD_INT && natural)
                return g_strdup_printf("__s%u %s%s;", bits, name, array);
        if (fld->kind != CK_FIELD_BYTES && fld->kind != CK_FIELD_STRING && natural)
                return g_strdup_printf("__u%u %s%s;%s", bits, name, array,
                                       fld->kind == CK_FIELD_PTR ? "\t/* a user pointer */" : "");
        return g_strdup_printf("__u8 %s[%u];", name, fld->size * fld->count);
}

static unsigned field_align(const struct ck_field *fld)
{
        return fld->kind == CK_FIELD_STRING || fld->kind == CK_FIELD_BYTES ? 1 : natural_align(fld->size);
}

static int compare_fields(gconstpointer a, gconstpointer b)
{
        const struct ck_field *fa = *(const struct ck_field *const *)a, *fb = *(const struct ck_field *const *)b;
        return fa->offset < fb->offset ? -1 : fa->offset > fb->offset;
}

struct layout {
        GString *out;
        bool packed;
};

/* Fields [from, to) whose names start with @prefix (a nested struct's
 * "time." or ""), at @depth; returns the alignment they need.  A member
 * named "time.tm_sec" belongs to an embedded struct named time. */
static unsigned emit_fields(struct layout *l, GPtrArray *fields, guint from, guint to, size_t prefix_len,
                            unsigned base, unsigned end, int depth)
{
        unsigned at = base, max_align = 1;
        g_autofree char *indent = g_strnfill((gsize)depth, '\t');

        for (guint i = from; i < to;) {
                const struct ck_field *fld = fields->pdata[i];
                const char *name = fld->name + prefix_len;
                const char *dot = strchr(name, '.');
                if (fld->offset < at) {      /* overlaps the one before (a union): not expressible here */
                        i++;
                        continue;
                }
                if (fld->offset > at)
                        g_string_append_printf(l->out, "%s__u8 pad%u[%u];\t/* not described */\n", indent, at - base,
                                               fld->offset - at);
                if (dot) {
                        guint j = i;
                        size_t len = (size_t)(dot - name) + 1;
                        while (j < to && strncmp(((const struct ck_field *)fields->pdata[j])->name + prefix_len, name, len) == 0)
                                j++;
                        const struct ck_field *last = fields->pdata[j - 1];
                        unsigned inner_end = last->offset + last->size * last->count;
                        g_string_append_printf(l->out, "%sstruct {\n", indent);
                        unsigned align = emit_fields(l, fields, i, j, prefix_len + len, fld->offset, inner_end, depth + 1);
                        g_string_append_printf(l->out, "%s} %.*s;\n", indent, (int)(len - 1), name);
                        l->packed |= fld->offset % align != 0;
                        max_align = MAX(max_align, align);
                        at = (inner_end + align - 1) / align * align;
                        i = j;
                        continue;
                }
                unsigned align = field_align(fld);
                l->packed |= fld->offset % align != 0;
                max_align = MAX(max_align, align);
                g_autofree char *decl = field_decl(fld, name);
                g_string_append_printf(l->out, "%s%s\n", indent, decl);
                at = fld->offset + fld->size * fld->count;
                i++;
        }
        if (depth == 1) {
                unsigned natural_end = (at + max_align - 1) / max_align * max_align;
                if (end > natural_end)
                        g_string_append_printf(l->out, "%s__u8 pad%u[%u];\t/* not described */\n", indent, at - base,
                                               end - at);
                l->packed |= end < natural_end;
        }
        return max_align;
}

/* The struct as its field metadata describes it; the parts it does not
 * describe become padding members, so that the layout is the family's. */
static void print_struct(const struct ck_struct_desc *sd)
{
        g_autoptr(GPtrArray) fields = g_ptr_array_new();
        g_autoptr(GString) body = g_string_new(NULL);
        struct layout l = { .out = body };

        for (unsigned i = 0; i < sd->n_fields; i++)
                g_ptr_array_add(fields, (gpointer)&sd->fields[i]);
        g_ptr_array_sort(fields, compare_fields);
        emit_fields(&l, fields, 0, fields->len, 0, 0, sd->size, 1);
        printf("%s {\n%s}%s;\n\n", sd->type, body->str, l.packed ? " __attribute__((packed))" : "");
}

static char *header_guard(const char *family)
{
        g_autofree char *up = g_ascii_strup(family, -1);
        for (char *p = up; *p; p++)
                if (!g_ascii_isalnum(*p))
                        *p = '_';
        return g_strdup_printf("_UAPI_LINUX_%s_H", up);
}

static void print_header(const struct family *f)
{
        g_autofree char *guard = header_guard(f->name);
        g_autoptr(GHashTable) done = g_hash_table_new(g_str_hash, g_str_equal);

        printf("/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */\n"
               "/*\n * %s: the uAPI of its cusekit definition (cusekit abi --header).\n */\n"
               "#ifndef %s\n#define %s\n\n#include <linux/ioctl.h>\n#include <linux/types.h>\n\n",
               f->name, guard, guard);
        for (guint i = 0; i < f->ioctls->len; i++) {
                const struct ck_ioctl *io = f->ioctls->pdata[i];
                if (!g_str_has_prefix(io->arg_type, "struct ") || g_hash_table_contains(done, io->arg_type))
                        continue;
                g_hash_table_add(done, (gpointer)io->arg_type);
                const struct ck_struct_desc *sd = find_desc(f, io->arg_type);
                if (sd)
                        print_struct(sd);
                else
                        printf("%s;\t/* %u bytes: its fields are not described (CK_STRUCT_DESC) */\n\n",
                               io->arg_type, io->arg_size);
        }
        for (guint i = 0; i < f->ioctls->len; i++) {
                const struct ck_ioctl *io = f->ioctls->pdata[i];
                g_autofree char *group = group_text(group_of(io));
                g_autofree char *number = NULL;
                g_autofree char *note = NULL;
                g_autofree char *params = NULL;     /* "(i, n)": a row whose nr or size is the caller's */
                enum ck_encoding enc = encoded(io);
                if (enc == CK_ENC_RAW) {
                        number = g_strdup_printf("0x%04lX", io->request);
                        note = io->flow == CK_FLOW_NONE ? g_strdup("classic number, no argument")
                                                        : g_strdup_printf("classic number; argument: %s%s", io->arg_type,
                                                                          io->flow == CK_FLOW_VALUE ? " by value" : " *");
                } else if (caller_sized(io) || io->nr_span) {
                        /* the kernel's form: SPI_IOC_MESSAGE(n), EVIOCGABS(abs), EVIOCGBIT(ev, len) */
                        const char *dir = enc == CK_ENC_IOR ? "_IOC_READ" : enc == CK_ENC_IOW ? "_IOC_WRITE"
                                                                           : "_IOC_READ|_IOC_WRITE";
                        g_autofree char *nr = io->nr_span ? g_strdup_printf("0x%02X + (i)", nr_of(io))
                                                          : g_strdup_printf("0x%02X", nr_of(io));
                        g_autofree char *size = caller_sized(io) ? g_strdup_printf("(n) * sizeof(%s)", io->arg_type)
                                                                 : g_strdup_printf("sizeof(%s)", io->arg_type);
                        g_autofree char *i_range = g_strdup_printf("i: 0 to %u", io->nr_span);
                        g_autofree char *n_range = g_strdup_printf("n: 0 to %u", io->count_max);
                        bool both = io->nr_span && caller_sized(io);
                        params = g_strdup_printf("(%s%s%s)", io->nr_span ? "i" : "", both ? ", " : "",
                                                 caller_sized(io) ? "n" : "");
                        number = g_strdup_printf("_IOC(%s, %s, %s, %s)", dir, group, nr, size);
                        note = g_strdup_printf("%s%s%s", io->nr_span ? i_range : "", both ? "; " : "",
                                               caller_sized(io) ? n_range : "");
                } else if (enc == CK_ENC_IO) {
                        number = g_strdup_printf("_IO(%s, 0x%02X)", group, nr_of(io));
                        if (io->flow == CK_FLOW_VALUE)
                                note = g_strdup_printf("argument: %s by value", io->arg_type);
                } else if (_IOC_SIZE(io->request) == io->arg_size) {
                        number = g_strdup_printf("%s(%s, 0x%02X, %s)", encoding_name(enc), group, nr_of(io), io->arg_type);
                } else {
                        number = g_strdup_printf("_IOC(%s, %s, 0x%02X, %u)",
                                                 enc == CK_ENC_IOR ? "_IOC_READ" : enc == CK_ENC_IOW ? "_IOC_WRITE"
                                                                                     : "_IOC_READ|_IOC_WRITE",
                                                 group, nr_of(io), (unsigned)_IOC_SIZE(io->request));
                        note = g_strdup_printf("argument: %s (%u bytes)", io->arg_type, io->arg_size);
                }
                if (io->lie || !honest(io)) {
                        g_autofree char *old = g_steal_pointer(&note);
                        g_autofree char *lie = io->lie ? g_strdup_printf("lies: %s", io->lie)
                                                       : g_strdup_printf("encoded %s, but the data flows %s (undeclared)",
                                                                         encoding_name(enc), flow_name(io->flow));
                        note = g_strdup_printf("%s%s%s", old ? old : "", old ? "; " : "", lie);
                }
                if (io->shape == CK_SHAPE_NESTED) {
                        g_autofree char *old = g_steal_pointer(&note);
                        note = g_strdup_printf("%s%s%s points at more user memory", old ? old : "", old ? "; " : "",
                                               io->arg_type);
                }
                g_autofree char *macro = g_strconcat(io->name, params, NULL);
                printf("#define %-24s %s%s%s%s\n", macro, number, note ? "\t/* " : "", note ? note : "",
                       note ? " */" : "");
        }
        printf("\n#endif /* %s */\n", guard);
}

/* --- --check --- */

struct range {
        unsigned group, first, last;
        char *include;
        char *comment;
};

static void range_clear(gpointer p)
{
        struct range *r = p;
        g_free(r->include);
        g_free(r->comment);
}

/* data/ioctl-numbers.tsv: group, first, last, include, comment; "# kernel: V". */
static GArray *registry_load(const char *path, char **ret_kernel, GError **error)
{
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, error))
                return NULL;
        g_autoptr(GArray) ranges = g_array_new(FALSE, TRUE, sizeof(struct range));
        g_array_set_clear_func(ranges, range_clear);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "# kernel: ")) {
                        g_free(*ret_kernel);
                        *ret_kernel = g_strdup(*l + strlen("# kernel: "));
                }
                if (**l == '#' || !**l)
                        continue;
                g_auto(GStrv) col = g_strsplit(*l, "\t", 5);
                struct range r = { 0 };
                guint64 v[3];
                if (g_strv_length(col) < 3) {
                        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: bad line '%s'", path, *l);
                        return NULL;
                }
                for (int i = 0; i < 3; i++)
                        if (!g_ascii_string_to_unsigned(col[i] + (g_str_has_prefix(col[i], "0x") ? 2 : 0), 16, 0, 0xff,
                                                        &v[i], NULL)) {
                                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: bad number '%s'", path, col[i]);
                                return NULL;
                        }
                r.group = (unsigned)v[0];
                r.first = (unsigned)v[1];
                r.last = (unsigned)v[2];
                r.include = g_strdup(col[3] ? col[3] : "");
                r.comment = g_strdup(col[3] && col[4] ? col[4] : "");
                g_array_append_val(ranges, r);
        }
        return g_steal_pointer(&ranges);
}

static int check(const struct family *f, const char *registry_path, char **mirrors)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *kernel = NULL;
        g_autoptr(GArray) ranges = registry_load(registry_path, &kernel, &error);
        unsigned problems = 0;

        if (!ranges)
                return fail("the kernel's ioctl-number registry: %s (--registry FILE, or CUSEKIT_IOCTL_NUMBERS)",
                            error->message);
        printf("%s: %u ioctls, against the ioctl-number registry of kernel %s (%s)\n", f->name, f->ioctls->len,
               kernel ? kernel : "unknown", registry_path);

        /* every group the family uses, and what the registry holds there */
        g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(unsigned));
        for (guint i = 0; i < f->ioctls->len; i++) {
                unsigned g = group_of(f->ioctls->pdata[i]);
                bool seen = false;
                for (guint k = 0; k < groups->len && !seen; k++)
                        seen = g_array_index(groups, unsigned, k) == g;
                if (!seen)
                        g_array_append_val(groups, g);
        }
        for (guint k = 0; k < groups->len; k++) {
                unsigned g = g_array_index(groups, unsigned, k);
                unsigned registered = 0;
                for (guint j = 0; j < ranges->len; j++)
                        registered += g_array_index(ranges, struct range, j).group == g;
                g_autofree char *gt = group_text(g);
                if (registered)
                        printf("group %s: %u registered range%s in the kernel\n", gt, registered, registered > 1 ? "s" : "");
                else
                        printf("group %s: free in the kernel's registry\n", gt);
        }

        for (guint i = 0; i < f->ioctls->len; i++) {
                const struct ck_ioctl *io = f->ioctls->pdata[i];
                unsigned g = group_of(io), nr = nr_of(io);
                g_autofree char *gt = group_text(g);

                g_autoptr(GString) hits = g_string_new(NULL);
                for (guint j = 0; j < ranges->len; j++) {
                        const struct range *r = &g_array_index(ranges, struct range, j);
                        if (r->group == g && nr_last(io) >= r->first && nr <= r->last)
                                g_string_append_printf(hits, "%s%s 0x%02X-0x%02X %s%s%s", hits->len ? "; " : "", gt,
                                                       r->first, r->last, *r->include ? r->include : "(no header)",
                                                       *r->comment ? " " : "", r->comment);
                }
                if (hits->len && mirrored(mirrors, io->name))
                        printf("kernel's own: %s (0x%lx) mirrors the kernel's ioctl, registered as %s\n",
                               io->name, io->request, hits->str);
                else if (hits->len) {
                        printf("collision: %s (0x%lx: group %s nr 0x%02X) is in the kernel's registry: %s\n",
                               io->name, io->request, gt, nr, hits->str);
                        problems++;
                }
                for (guint k = 0; k < i; k++) {
                        const struct ck_ioctl *other = f->ioctls->pdata[k];
                        if (ambiguous(io, other)) {
                                printf("duplicate: %s (0x%lx) and %s (0x%lx) answer the same number%s\n", other->name,
                                       other->request, io->name, io->request,
                                       caller_sized(io) || caller_sized(other) || io->nr_span || other->nr_span
                                               ? " (one's size or nr is the caller's)" : "");
                                problems++;
                                break;
                        }
                        if (group_of(other) == g && nr_of(other) == nr && !is_classic(io) && !is_classic(other) &&
                            _IOC_DIR(other->request) == _IOC_DIR(io->request)) {
                                /* a new ABI should not reuse a nr; the kernel's own may (EVIOCGKEYCODE_V2) */
                                if (mirrored(mirrors, io->name) && mirrored(mirrors, other->name)) {
                                        printf("kernel's own: %s (0x%lx) reuses nr 0x%02X of %s (0x%lx) as the "
                                               "kernel does\n", io->name, io->request, nr, other->name,
                                               other->request);
                                        break;
                                }
                                printf("duplicate: %s (0x%lx) uses group %s nr 0x%02X again, after %s (0x%lx), "
                                       "in the same direction\n", io->name, io->request, gt, nr, other->name,
                                       other->request);
                                problems++;
                                break;
                        }
                }
                if (!honest(io) && !io->lie) {
                        printf("silent lie: %s is encoded %s but its data flows %s, and its definition does not say "
                               "LIES(\"why\")\n", io->name, encoding_name(encoded(io)), flow_name(io->flow));
                        problems++;
                }
                if (honest(io) && io->lie) {
                        printf("false lie: %s declares LIES(\"%s\") but its encoding %s matches its flow %s\n",
                               io->name, io->lie, encoding_name(encoded(io)), flow_name(io->flow));
                        problems++;
                }
                if (io->encoding != encoded(io)) {
                        printf("mismatch: %s: its row says %s, its number 0x%lx encodes %s\n", io->name,
                               encoding_name(io->encoding), io->request, encoding_name(encoded(io)));
                        problems++;
                }
                /* (no data, or data by value: what the number claims is the direction's lie) */
                bool by_memory = io->flow == CK_FLOW_IN || io->flow == CK_FLOW_OUT || io->flow == CK_FLOW_INOUT;
                if (!is_classic(io) && !caller_sized(io) && encoded(io) != CK_ENC_IO && by_memory &&
                    _IOC_SIZE(io->request) != io->arg_size) {
                        printf("size: %s encodes %u bytes, its argument %s has %u\n", io->name,
                               (unsigned)_IOC_SIZE(io->request), io->arg_type, io->arg_size);
                        problems++;
                }
        }
        if (problems) {
                printf("%u problem%s\n", problems, problems > 1 ? "s" : "");
                return EXIT_FAILURE;
        }
        printf("ok: no collision with the kernel's registry, no number used twice, every lie declared\n");
        return EXIT_SUCCESS;
}

static gboolean header, table, check_it;
static char *registry;
static char **mirrors;

const GOptionEntry cusekit_abi_options[] = {
        { "table", 't', 0, G_OPTION_ARG_NONE, &table, "Every ioctl: number, encoding, true flow, lies, CUSE mode (default)", NULL },
        { "header", 'H', 0, G_OPTION_ARG_NONE, &header, "The kernel-style uAPI header of the family", NULL },
        { "check", 'c', 0, G_OPTION_ARG_NONE, &check_it, "Collisions with the kernel's ioctl numbers, duplicates, undeclared lies", NULL },
        { "registry", 'r', 0, G_OPTION_ARG_FILENAME, &registry, "The parsed ioctl-number registry (default $CUSEKIT_IOCTL_NUMBERS, else " CK_DATA_DIR "/ioctl-numbers.tsv)", "FILE" },
        { "mirrors", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &mirrors, "With --check: NAME is the kernel's own ioctl, mirrored on purpose (repeatable; a glob: 'TC*', '*')", "NAME" },
        { 0 },
};

int cusekit_abi(int argc, char **argv)
{
        g_autoptr(GError) error = NULL;

        if (header + table + check_it > 1)
                return fail("--table, --header and --check are one at a time");

        __attribute__((cleanup(family_clear))) struct family f = { 0 };
        if (family_load(argv[1], &f, &error) < 0)
                return fail("%s", error->message);
        if (header)
                print_header(&f);
        else if (check_it) {
                if (!registry)
                        registry = g_strdup(g_getenv("CUSEKIT_IOCTL_NUMBERS"));
                if (!registry)
                        registry = g_strdup(CK_DATA_DIR "/ioctl-numbers.tsv");
                return check(&f, registry, mirrors);
        } else
                print_table(&f);
        return EXIT_SUCCESS;
}
