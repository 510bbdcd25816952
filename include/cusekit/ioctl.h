/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ioctl definition language.
 *
 * A device family writes its ABI once, as a list macro whose rows are
 *
 *   IOC(NAME, ENCODING, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)  an _IOC-encoded ioctl
 *   RAW(NAME, NUMBER,              FLOW, TYPE, SHAPE, TRUTH)  a classic raw number
 *
 *   ENCODING  IO | IOR | IOW | IOWR   what the number claims (_IO/_IOR/_IOW/_IOWR)
 *             IOR_N(K) | IOW_N(K) | IOWR_N(K)   the size field is the caller's:
 *               a count of TYPE from 0 to K (SPI_IOC_MESSAGE(N), EVIOCGNAME(len))
 *             IOR_AT(LAST) | IOW_AT(LAST) | IOWR_AT(LAST)   the caller adds an
 *               index to NR, up to nr LAST (EVIOCGABS(abs))
 *             IOR_AT_N(LAST, K) | ...   both (EVIOCGBIT(ev, len))
 *   FLOW      NONE | IN | OUT | INOUT | VALUE   where the data really goes;
 *             VALUE: the argument is an integer passed by value
 *   TYPE      the argument's C type (void for NONE)
 *   SHAPE     FLAT | NESTED   NESTED: the argument points at more user memory
 *   TRUTH     HONEST | LIES("why")   an encoding that contradicts the flow
 *             must say so; it is then served by its true flow
 *
 * CK_DECLARE_IOCTLS(LIST) then gives every row compile-time facts
 * (ck_flow_NAME, ck_arg_NAME, ...), CK_REQUEST(NAME) gives the request
 * number, <cusekit/client.h> the typed calls and <cusekit/device.h> the
 * server-side descriptor table.
 *
 * A row whose size (or nr) the caller chooses is one row for all its
 * numbers: the server matches it on direction, group and nr range; a size
 * that is not a whole count of TYPE, or more than K of them, gets EINVAL
 * (what spidev answers); handlers learn the count and the index from
 * ck_call_count() and ck_call_index().  CK_REQUEST(NAME) is its number at
 * index 0 and count 0, CK_REQUEST_AT_N(NAME, index, count) any other.  The
 * kernel's macro for such a row takes (count), (index) or (index, count),
 * as SPI_IOC_MESSAGE(N), EVIOCGABS(abs) and EVIOCGBIT(ev, len) do.
 */
#pragma once

#include <linux/ioctl.h>

enum ck_flow {
        CK_FLOW_NONE,
        CK_FLOW_IN,
        CK_FLOW_OUT,
        CK_FLOW_INOUT,
        CK_FLOW_VALUE,
};

enum ck_encoding {
        CK_ENC_IO,
        CK_ENC_IOR,
        CK_ENC_IOW,
        CK_ENC_IOWR,
        CK_ENC_RAW,
};

enum ck_shape {
        CK_SHAPE_FLAT,
        CK_SHAPE_NESTED,
};

#ifdef __cplusplus
#define CK__STATIC_ASSERT static_assert
#else
#define CK__STATIC_ASSERT _Static_assert
#endif

/* Column tokens, resolved by pasting. */
#define CK__DIR_IO   _IOC_NONE
#define CK__DIR_IOR  _IOC_READ
#define CK__DIR_IOW  _IOC_WRITE
#define CK__DIR_IOWR (_IOC_READ | _IOC_WRITE)
#define CK__SIZE_IO(type)   0
#define CK__SIZE_IOR(type)  sizeof(type)
#define CK__SIZE_IOW(type)  sizeof(type)
#define CK__SIZE_IOWR(type) sizeof(type)
/* Rows whose size or nr the caller chooses: ENCODING is IOR_N(K) and the
 * like, so pasting CK__X_ in front makes CK__X_IOR_N(K), a macro call; one
 * that must still take an argument expands to a name that takes it next.
 * Every facet: _DIR, _SIZE(type) of the base number, _COUNT_MAX (0: the
 * size is fixed), _NR_LAST(nr), _KNUM (the kernel-number check). */
#define CK__EAT(...)
#define CK__SIZE_ZERO(type) 0
#define CK__NR_LAST_SAME(nr) (nr)
#define CK__COUNT_MAX_IO   0
#define CK__COUNT_MAX_IOR  0
#define CK__COUNT_MAX_IOW  0
#define CK__COUNT_MAX_IOWR 0
#define CK__NR_LAST_IO   CK__NR_LAST_SAME
#define CK__NR_LAST_IOR  CK__NR_LAST_SAME
#define CK__NR_LAST_IOW  CK__NR_LAST_SAME
#define CK__NR_LAST_IOWR CK__NR_LAST_SAME
#define CK__KNUM_IO   CK__KNUM_FIXED
#define CK__KNUM_IOR  CK__KNUM_FIXED
#define CK__KNUM_IOW  CK__KNUM_FIXED
#define CK__KNUM_IOWR CK__KNUM_FIXED
#define CK_ENC_IOR_N(k)  CK_ENC_IOR
#define CK_ENC_IOW_N(k)  CK_ENC_IOW
#define CK_ENC_IOWR_N(k) CK_ENC_IOWR
#define CK_ENC_IOR_AT(last)  CK_ENC_IOR
#define CK_ENC_IOW_AT(last)  CK_ENC_IOW
#define CK_ENC_IOWR_AT(last) CK_ENC_IOWR
#define CK_ENC_IOR_AT_N(last, k)  CK_ENC_IOR
#define CK_ENC_IOW_AT_N(last, k)  CK_ENC_IOW
#define CK_ENC_IOWR_AT_N(last, k) CK_ENC_IOWR
#define CK__DIR_IOR_N(k)  CK__DIR_IOR
#define CK__DIR_IOW_N(k)  CK__DIR_IOW
#define CK__DIR_IOWR_N(k) CK__DIR_IOWR
#define CK__DIR_IOR_AT(last)  CK__DIR_IOR
#define CK__DIR_IOW_AT(last)  CK__DIR_IOW
#define CK__DIR_IOWR_AT(last) CK__DIR_IOWR
#define CK__DIR_IOR_AT_N(last, k)  CK__DIR_IOR
#define CK__DIR_IOW_AT_N(last, k)  CK__DIR_IOW
#define CK__DIR_IOWR_AT_N(last, k) CK__DIR_IOWR
#define CK__SIZE_IOR_N(k)  CK__SIZE_ZERO
#define CK__SIZE_IOW_N(k)  CK__SIZE_ZERO
#define CK__SIZE_IOWR_N(k) CK__SIZE_ZERO
#define CK__SIZE_IOR_AT(last)  CK__SIZE_IOR
#define CK__SIZE_IOW_AT(last)  CK__SIZE_IOW
#define CK__SIZE_IOWR_AT(last) CK__SIZE_IOWR
#define CK__SIZE_IOR_AT_N(last, k)  CK__SIZE_ZERO
#define CK__SIZE_IOW_AT_N(last, k)  CK__SIZE_ZERO
#define CK__SIZE_IOWR_AT_N(last, k) CK__SIZE_ZERO
#define CK__COUNT_MAX_IOR_N(k)  (k)
#define CK__COUNT_MAX_IOW_N(k)  (k)
#define CK__COUNT_MAX_IOWR_N(k) (k)
#define CK__COUNT_MAX_IOR_AT(last)  0
#define CK__COUNT_MAX_IOW_AT(last)  0
#define CK__COUNT_MAX_IOWR_AT(last) 0
#define CK__COUNT_MAX_IOR_AT_N(last, k)  (k)
#define CK__COUNT_MAX_IOW_AT_N(last, k)  (k)
#define CK__COUNT_MAX_IOWR_AT_N(last, k) (k)
#define CK__NR_LAST_IOR_N(k)  CK__NR_LAST_SAME
#define CK__NR_LAST_IOW_N(k)  CK__NR_LAST_SAME
#define CK__NR_LAST_IOWR_N(k) CK__NR_LAST_SAME
#define CK__NR_LAST_IOR_AT(last)  (last) CK__EAT
#define CK__NR_LAST_IOW_AT(last)  (last) CK__EAT
#define CK__NR_LAST_IOWR_AT(last) (last) CK__EAT
#define CK__NR_LAST_IOR_AT_N(last, k)  (last) CK__EAT
#define CK__NR_LAST_IOW_AT_N(last, k)  (last) CK__EAT
#define CK__NR_LAST_IOWR_AT_N(last, k) (last) CK__EAT
#define CK__KNUM_IOR_N(k)  CK__KNUM_N
#define CK__KNUM_IOW_N(k)  CK__KNUM_N
#define CK__KNUM_IOWR_N(k) CK__KNUM_N
#define CK__KNUM_IOR_AT(last)  CK__KNUM_AT
#define CK__KNUM_IOW_AT(last)  CK__KNUM_AT
#define CK__KNUM_IOWR_AT(last) CK__KNUM_AT
#define CK__KNUM_IOR_AT_N(last, k)  CK__KNUM_AT_N
#define CK__KNUM_IOW_AT_N(last, k)  CK__KNUM_AT_N
#define CK__KNUM_IOWR_AT_N(last, k) CK__KNUM_AT_N
#define CK__ARGSIZE_NONE(type)  0
#define CK__ARGSIZE_IN(type)    sizeof(type)
#define CK__ARGSIZE_OUT(type)   sizeof(type)
#define CK__ARGSIZE_INOUT(type) sizeof(type)
#define CK__ARGSIZE_VALUE(type) sizeof(type)
#define CK__LIES_HONEST 0
#define CK__LIES_LIES(why) 1
#define CK__REASON_HONEST ((const char *)0)
#define CK__REASON_LIES(why) ("" why "")

/* Does what the encoding claims match the true flow?  A classic number
 * claims nothing; _IO may carry an integer by convention. */
#define CK__HONEST(enc, flow) CK__HONEST_INT((int)(enc), (int)(flow))
#define CK__HONEST_INT(enc, flow)                                              \
        ((enc) == (int)CK_ENC_RAW ||                                           \
         ((enc) == (int)CK_ENC_IO && ((flow) == (int)CK_FLOW_NONE || (flow) == (int)CK_FLOW_VALUE)) || \
         ((enc) == (int)CK_ENC_IOR && (flow) == (int)CK_FLOW_OUT) ||           \
         ((enc) == (int)CK_ENC_IOW && (flow) == (int)CK_FLOW_IN) ||            \
         ((enc) == (int)CK_ENC_IOWR && (flow) == (int)CK_FLOW_INOUT))

#define CK__DECLARE_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)       \
        typedef TYPE ck_arg_##NAME;                                            \
        enum {                                                                 \
                ck_enc_##NAME = CK_ENC_##ENC,                                  \
                ck_dir_##NAME = CK__DIR_##ENC,                                 \
                ck_group_##NAME = (GROUP),                                     \
                ck_nr_##NAME = (NR),                                           \
                ck_size_##NAME = CK__SIZE_##ENC(TYPE),                         \
                ck_argsize_##NAME = CK__ARGSIZE_##FLOW(TYPE),                  \
                ck_flow_##NAME = CK_FLOW_##FLOW,                               \
                ck_shape_##NAME = CK_SHAPE_##SHAPE,                            \
                ck_lies_##NAME = CK__LIES_##TRUTH,                             \
                ck_count_max_##NAME = CK__COUNT_MAX_##ENC,                     \
                ck_nr_span_##NAME = CK__NR_LAST_##ENC(NR) - (NR),              \
        };                                                                     \
        CK__STATIC_ASSERT((GROUP) >= 0 && (GROUP) <= 0xff && (NR) >= 0 && (NR) <= 0xff, \
                       #NAME ": group and nr must each fit in 8 bits");        \
        CK__STATIC_ASSERT(ck_size_##NAME <= _IOC_SIZEMASK,                        \
                       #NAME ": the argument type is too large for _IOC_SIZE (16383 bytes)"); \
        CK__STATIC_ASSERT(ck_nr_span_##NAME >= 0 && (NR) + ck_nr_span_##NAME <= 0xff, \
                       #NAME ": the last nr of its range must be from NR to 0xff"); \
        CK__STATIC_ASSERT((unsigned long)ck_count_max_##NAME * ck_argsize_##NAME <= _IOC_SIZEMASK, \
                       #NAME ": K elements of its type do not fit in _IOC_SIZE (16383 bytes)"); \
        CK__STATIC_ASSERT(CK__HONEST(ck_enc_##NAME, ck_flow_##NAME) || ck_lies_##NAME, \
                       #NAME ": its encoding (_" #ENC ") contradicts its true flow (" #FLOW \
                       "): declare it LIES(\"why\") to have it served by its true flow"); \
        CK__STATIC_ASSERT(!(CK__HONEST(ck_enc_##NAME, ck_flow_##NAME) && ck_lies_##NAME), \
                       #NAME ": declared LIES but its encoding (_" #ENC ") matches its flow (" #FLOW ")");

#define CK__DECLARE_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)               \
        typedef TYPE ck_arg_##NAME;                                            \
        enum {                                                                 \
                ck_enc_##NAME = CK_ENC_RAW,                                    \
                ck_dir_##NAME = _IOC_NONE,                                     \
                ck_group_##NAME = ((NUMBER) >> 8) & 0xff,                      \
                ck_nr_##NAME = (NUMBER) & 0xff,                                \
                ck_size_##NAME = 0,                                            \
                ck_argsize_##NAME = CK__ARGSIZE_##FLOW(TYPE),                  \
                ck_flow_##NAME = CK_FLOW_##FLOW,                               \
                ck_shape_##NAME = CK_SHAPE_##SHAPE,                            \
                ck_lies_##NAME = CK__LIES_##TRUTH,                             \
                ck_count_max_##NAME = 0,                                       \
                ck_nr_span_##NAME = 0,                                         \
        };                                                                     \
        CK__STATIC_ASSERT((NUMBER) >= 0 && (NUMBER) <= 0xffff,                    \
                       #NAME ": a classic request number has 16 bits");        \
        CK__STATIC_ASSERT(!ck_lies_##NAME, #NAME ": a classic number claims no direction, so it cannot lie");

/* Compile-time facts for every row of a definition list. */
#define CK_DECLARE_IOCTLS(LIST) LIST(CK__DECLARE_IOC, CK__DECLARE_RAW)

/* The request number of a declared ioctl, bit-identical to _IOC().  NAME
 * may be a kernel macro's name too: it is only pasted, never expanded. */
#define CK_REQUEST(NAME) CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME)
/* A row whose size or nr is the caller's, at @index and @count (neither
 * checked against the row's limits: the typed calls check them). */
#define CK_REQUEST_AT_N(NAME, index, count)                                    \
        CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME + (index),       \
                ck_count_max_##NAME ? (count) * sizeof(ck_arg_##NAME) : ck_size_##NAME)
#define CK_REQUEST_N(NAME, count)                                              \
        CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME,                 \
                ck_count_max_##NAME ? (count) * sizeof(ck_arg_##NAME) : ck_size_##NAME)
/* For a family that mirrors a kernel ABI, after including the kernel's
 * header: every row's number must equal the kernel macro of the same name
 * (here NAME is used both pasted, for our facts, and expanded, for theirs). */
/* A row whose size or nr is the caller's has a function-like kernel macro:
 * checked at both ends of its range.  NAME reaches the CK__KNUM_ helpers
 * unexpanded only when it is function-like, so they never paste it. */
#define CK__KERNEL_NUMBER_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)  \
        CK__KNUM_##ENC(NAME, #NAME, ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME, \
                       ck_argsize_##NAME, ck_count_max_##NAME, ck_nr_span_##NAME)
#define CK__KNUM_FIXED(NAME, name_s, dir, group, nr, size, unit, kmax, span)  \
        CK__STATIC_ASSERT(CK__REQ(dir, group, nr, size) == (NAME), name_s ": not the number of the kernel's " name_s);
#define CK__KNUM_N(NAME, name_s, dir, group, nr, size, unit, kmax, span)      \
        CK__STATIC_ASSERT(CK__REQ(dir, group, nr, (unit)) == NAME(1) &&        \
                          CK__REQ(dir, group, nr, (kmax) * (unit)) == NAME(kmax), \
                          name_s ": not the numbers of the kernel's " name_s "(1) and " name_s "(K)");
#define CK__KNUM_AT(NAME, name_s, dir, group, nr, size, unit, kmax, span)     \
        CK__STATIC_ASSERT(CK__REQ(dir, group, nr, size) == NAME(0) &&          \
                          CK__REQ(dir, group, (nr) + (span), size) == NAME(span), \
                          name_s ": not the numbers of the kernel's " name_s "(0) and " name_s "(LAST - NR)");
#define CK__KNUM_AT_N(NAME, name_s, dir, group, nr, size, unit, kmax, span)   \
        CK__STATIC_ASSERT(CK__REQ(dir, group, nr, (unit)) == NAME(0, 1) &&     \
                          CK__REQ(dir, group, (nr) + (span), (kmax) * (unit)) == NAME(span, kmax), \
                          name_s ": not the numbers of the kernel's " name_s "(0, 1) and " name_s "(LAST - NR, K)");
#define CK__KERNEL_NUMBER_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)          \
        CK__STATIC_ASSERT((NUMBER) == (NAME), #NAME ": not the number of the kernel's " #NAME);
#define CK_ASSERT_KERNEL_NUMBERS(LIST) LIST(CK__KERNEL_NUMBER_IOC, CK__KERNEL_NUMBER_RAW)

#define CK__REQ(dir, group, nr, size)                                          \
        ((unsigned long)_IOC((unsigned)(dir), (unsigned)(group), (unsigned)(nr), (unsigned)(size)))
