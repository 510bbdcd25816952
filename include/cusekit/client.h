/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed client calls, from the same definitions the daemon serves.
 *
 *   r = cusekit_read(fd, ATOM_GET, &state);        FLOW OUT: filled only on success
 *   r = cusekit_write(fd, ATOM_SET, &state);       FLOW IN: const pointer
 *   r = cusekit_write_read(fd, ATOM_FLIP, &flip);  FLOW INOUT: updated only on success
 *   r = cusekit_write_value(fd, ATOM_POKE, 1);     FLOW VALUE: integer by value
 *   r = cusekit_call(fd, ATOM_RESET);              FLOW NONE
 *
 * A row whose size is the caller's (ENCODING IOW_N(K) ...) takes the count
 * of elements, one whose nr is the caller's (IOR_AT(LAST) ...) the index:
 *
 *   r = cusekit_write_n(fd, SPI_IOC_MESSAGE, xfers, n);      SPI_IOC_MESSAGE(n)
 *   r = cusekit_read_n(fd, EVIOCGNAME, name, sizeof(name));  EVIOCGNAME(len)
 *   r = cusekit_read_at(fd, EVIOCGABS, ABS_X, &abs);         EVIOCGABS(abs)
 *   r = cusekit_read_at_n(fd, EVIOCGBIT, EV_KEY, bits, n);   EVIOCGBIT(ev, len)
 *
 * (and _write_read_ likewise); an index or count beyond the row's gets
 * -EINVAL without a system call.  The fixed verbs refuse these rows, and
 * these verbs the fixed rows, at compile time.
 *
 * Each returns the ioctl's non-negative result or a negative errno, and the
 * result must be used.  A call whose verb does not match the ioctl's true
 * flow, or whose argument is not the ioctl's type, does not compile.
 */
#pragma once

#include <cusekit/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CUSEKIT_MUST_USE __attribute__((warn_unused_result))

CUSEKIT_MUST_USE int cusekit_ioctl_read(int fd, unsigned long request, void *ret, unsigned size);
CUSEKIT_MUST_USE int cusekit_ioctl_write(int fd, unsigned long request, const void *in);
CUSEKIT_MUST_USE int cusekit_ioctl_write_read(int fd, unsigned long request, void *io, unsigned size);
CUSEKIT_MUST_USE int cusekit_ioctl_value(int fd, unsigned long request, unsigned long value);
CUSEKIT_MUST_USE int cusekit_ioctl_none(int fd, unsigned long request);
/* @base: the row's number at index 0 and count 0.  @count elements of
 * @unit bytes; -EINVAL when @index > @nr_span or @count > @count_max (a
 * @count_max of 0: the size is the row's own, @unit, and @count is 1). */
CUSEKIT_MUST_USE int cusekit_ioctl_read_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span,
                                             void *ret, unsigned long count, unsigned count_max, unsigned unit);
CUSEKIT_MUST_USE int cusekit_ioctl_write_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span,
                                              const void *in, unsigned long count, unsigned count_max,
                                              unsigned unit);
CUSEKIT_MUST_USE int cusekit_ioctl_write_read_at_n(int fd, unsigned long base, unsigned index, unsigned nr_span,
                                                   void *io, unsigned long count, unsigned count_max,
                                                   unsigned unit);

/* A compile-time check usable inside an expression. */
#define CK__REQUIRE(cond, msg) ((void)sizeof(struct { _Static_assert(cond, msg); char ck__unused; }))

/* NAME may also be a kernel macro (RTC_RD_TIME): every macro below uses it
 * only pasted or stringified, so it is never expanded; the helpers get the
 * pasted names. */
#define CK__REQUIRE_FLOW(verb, name, flow_of, flow, what)                      \
        CK__REQUIRE((int)(flow_of) == (int)(flow),                             \
                    verb "(" name "): wrong direction: " name " is not " what)

#define CK__REQUIRE_TYPE(verb, name, arg_type, ptr)                            \
        CK__REQUIRE(__builtin_types_compatible_p(__typeof__(*(ptr)), arg_type), \
                    verb "(" name "): wrong argument type: pass a pointer to the ioctl's own argument type")

#define CK__REQUIRE_MUTABLE(verb, name, arg_type, ptr)                         \
        CK__REQUIRE(_Generic((ptr), const arg_type *: 0, default: 1),         \
                    verb "(" name "): the argument receives data and must not be const")

#define CK__REQUIRE_FIXED(verb, name, count_max, nr_span)                      \
        CK__REQUIRE((count_max) == 0 && (nr_span) == 0,                        \
                    verb "(" name "): its size or nr is the caller's: use " verb "_n, _at or _at_n")
#define cusekit_read(fd, NAME, ret)                                            \
        (CK__REQUIRE_FLOW("cusekit_read", #NAME, ck_flow_##NAME, CK_FLOW_OUT, "a read ioctl (FLOW OUT)"), \
         CK__REQUIRE_TYPE("cusekit_read", #NAME, ck_arg_##NAME, ret),          \
         CK__REQUIRE_MUTABLE("cusekit_read", #NAME, ck_arg_##NAME, ret),       \
         CK__REQUIRE_FIXED("cusekit_read", #NAME, ck_count_max_##NAME, ck_nr_span_##NAME), \
         cusekit_ioctl_read((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                            (ret), sizeof(ck_arg_##NAME)))

#define cusekit_write(fd, NAME, in)                                            \
        (CK__REQUIRE_FLOW("cusekit_write", #NAME, ck_flow_##NAME, CK_FLOW_IN, "a write ioctl (FLOW IN)"), \
         CK__REQUIRE_TYPE("cusekit_write", #NAME, ck_arg_##NAME, in),          \
         CK__REQUIRE_FIXED("cusekit_write", #NAME, ck_count_max_##NAME, ck_nr_span_##NAME), \
         cusekit_ioctl_write((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                             (const ck_arg_##NAME *)(in)))

#define cusekit_write_read(fd, NAME, io)                                       \
        (CK__REQUIRE_FLOW("cusekit_write_read", #NAME, ck_flow_##NAME, CK_FLOW_INOUT, \
                          "a write-read ioctl (FLOW INOUT)"),                  \
         CK__REQUIRE_TYPE("cusekit_write_read", #NAME, ck_arg_##NAME, io),     \
         CK__REQUIRE_MUTABLE("cusekit_write_read", #NAME, ck_arg_##NAME, io),  \
         CK__REQUIRE_FIXED("cusekit_write_read", #NAME, ck_count_max_##NAME, ck_nr_span_##NAME), \
         cusekit_ioctl_write_read((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                                  (io), sizeof(ck_arg_##NAME)))

/* __builtin_classify_type: 1 integer, 2 char, 3 enum, 4 bool. */
#define CK__IS_INTEGER(v)                                                      \
        (__builtin_classify_type(v) >= 1 && __builtin_classify_type(v) <= 4)

#define cusekit_write_value(fd, NAME, value)                                   \
        (CK__REQUIRE_FLOW("cusekit_write_value", #NAME, ck_flow_##NAME, CK_FLOW_VALUE, \
                          "an integer-by-value ioctl (FLOW VALUE)"),           \
         CK__REQUIRE(CK__IS_INTEGER(value),                                    \
                     "cusekit_write_value(" #NAME "): wrong argument type: pass an integer by value"), \
         cusekit_ioctl_value((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                             (unsigned long)(ck_arg_##NAME)(value)))

#define cusekit_call(fd, NAME)                                                 \
        (CK__REQUIRE_FLOW("cusekit_call", #NAME, ck_flow_##NAME, CK_FLOW_NONE, \
                          "an ioctl without argument (FLOW NONE)"),            \
         cusekit_ioctl_none((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME)))

/* The verbs of rows whose size or nr is the caller's: VERB_n (count),
 * VERB_at (index), VERB_at_n (both).  As above, NAME is only pasted or
 * stringified here; the helpers get the pasted names. */
#define CK__VERB_CHECKS(verb, name, count_max, nr_span, want_index, want_count) \
        CK__REQUIRE(!(want_count) || (count_max) > 0,                          \
                    verb "(" name "): its size is fixed, not the caller's: no count to give"), \
        CK__REQUIRE((want_count) || (count_max) == 0,                          \
                    verb "(" name "): its size is the caller's: give the count (a verb ending in _n)"), \
        CK__REQUIRE(!(want_index) || (nr_span) > 0,                            \
                    verb "(" name "): its nr is fixed, not the caller's: no index to give"), \
        CK__REQUIRE((want_index) || (nr_span) == 0,                            \
                    verb "(" name "): its nr is the caller's: give the index (a verb with _at)")
#define CK__SIZED_READ(verb, fd, want_index, index, ret, want_count, count,   \
                        name, flow, arg_type, count_max, nr_span, base)         \
        (CK__REQUIRE_FLOW(verb, name, flow, CK_FLOW_OUT, "a read ioctl (FLOW OUT)"), \
         CK__REQUIRE_TYPE(verb, name, arg_type, ret),                          \
         CK__REQUIRE_MUTABLE(verb, name, arg_type, ret),                       \
         CK__VERB_CHECKS(verb, name, count_max, nr_span, want_index, want_count), \
         cusekit_ioctl_read_at_n((fd), base, (index), nr_span, (ret), (count), count_max, sizeof(arg_type)))
#define CK__SIZED_WRITE(verb, fd, want_index, index, in, want_count, count,   \
                         name, flow, arg_type, count_max, nr_span, base)        \
        (CK__REQUIRE_FLOW(verb, name, flow, CK_FLOW_IN, "a write ioctl (FLOW IN)"), \
         CK__REQUIRE_TYPE(verb, name, arg_type, in),                           \
         CK__VERB_CHECKS(verb, name, count_max, nr_span, want_index, want_count), \
         cusekit_ioctl_write_at_n((fd), base, (index), nr_span, (const arg_type *)(in), (count), \
                                  count_max, sizeof(arg_type)))
#define CK__SIZED_WRITE_READ(verb, fd, want_index, index, io, want_count, count, \
                              name, flow, arg_type, count_max, nr_span, base)   \
        (CK__REQUIRE_FLOW(verb, name, flow, CK_FLOW_INOUT, "a write-read ioctl (FLOW INOUT)"), \
         CK__REQUIRE_TYPE(verb, name, arg_type, io),                           \
         CK__REQUIRE_MUTABLE(verb, name, arg_type, io),                        \
         CK__VERB_CHECKS(verb, name, count_max, nr_span, want_index, want_count), \
         cusekit_ioctl_write_read_at_n((fd), base, (index), nr_span, (io), (count), count_max, \
                                       sizeof(arg_type)))

#define cusekit_read_n(fd, NAME, ret, count)                                   \
        CK__SIZED_READ("cusekit_read_n", fd, 0, 0, ret, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_read_at(fd, NAME, index, ret)                                  \
        CK__SIZED_READ("cusekit_read_at", fd, 1, index, ret, 0, 1,             \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_read_at_n(fd, NAME, index, ret, count)                         \
        CK__SIZED_READ("cusekit_read_at_n", fd, 1, index, ret, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_n(fd, NAME, in, count)                                   \
        CK__SIZED_WRITE("cusekit_write_n", fd, 0, 0, in, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_at(fd, NAME, index, in)                                  \
        CK__SIZED_WRITE("cusekit_write_at", fd, 1, index, in, 0, 1,             \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_at_n(fd, NAME, index, in, count)                         \
        CK__SIZED_WRITE("cusekit_write_at_n", fd, 1, index, in, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_read_n(fd, NAME, io, count)                              \
        CK__SIZED_WRITE_READ("cusekit_write_read_n", fd, 0, 0, io, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_read_at(fd, NAME, index, io)                             \
        CK__SIZED_WRITE_READ("cusekit_write_read_at", fd, 1, index, io, 0, 1,             \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))
#define cusekit_write_read_at_n(fd, NAME, index, io, count)                    \
        CK__SIZED_WRITE_READ("cusekit_write_read_at_n", fd, 1, index, io, 1, count,         \
                #NAME, ck_flow_##NAME, ck_arg_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME, \
                CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME))

#ifdef __cplusplus
}
#endif
