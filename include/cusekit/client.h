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

#define cusekit_read(fd, NAME, ret)                                            \
        (CK__REQUIRE_FLOW("cusekit_read", #NAME, ck_flow_##NAME, CK_FLOW_OUT, "a read ioctl (FLOW OUT)"), \
         CK__REQUIRE_TYPE("cusekit_read", #NAME, ck_arg_##NAME, ret),          \
         CK__REQUIRE_MUTABLE("cusekit_read", #NAME, ck_arg_##NAME, ret),       \
         cusekit_ioctl_read((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                            (ret), sizeof(ck_arg_##NAME)))

#define cusekit_write(fd, NAME, in)                                            \
        (CK__REQUIRE_FLOW("cusekit_write", #NAME, ck_flow_##NAME, CK_FLOW_IN, "a write ioctl (FLOW IN)"), \
         CK__REQUIRE_TYPE("cusekit_write", #NAME, ck_arg_##NAME, in),          \
         cusekit_ioctl_write((fd), CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME), \
                             (const ck_arg_##NAME *)(in)))

#define cusekit_write_read(fd, NAME, io)                                       \
        (CK__REQUIRE_FLOW("cusekit_write_read", #NAME, ck_flow_##NAME, CK_FLOW_INOUT, \
                          "a write-read ioctl (FLOW INOUT)"),                  \
         CK__REQUIRE_TYPE("cusekit_write_read", #NAME, ck_arg_##NAME, io),     \
         CK__REQUIRE_MUTABLE("cusekit_write_read", #NAME, ck_arg_##NAME, io),  \
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

#ifdef __cplusplus
}
#endif
