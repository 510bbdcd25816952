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
        };                                                                     \
        CK__STATIC_ASSERT((GROUP) >= 0 && (GROUP) <= 0xff && (NR) >= 0 && (NR) <= 0xff, \
                       #NAME ": group and nr must each fit in 8 bits");        \
        CK__STATIC_ASSERT(ck_size_##NAME <= _IOC_SIZEMASK,                        \
                       #NAME ": the argument type is too large for _IOC_SIZE (16383 bytes)"); \
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
        };                                                                     \
        CK__STATIC_ASSERT((NUMBER) >= 0 && (NUMBER) <= 0xffff,                    \
                       #NAME ": a classic request number has 16 bits");        \
        CK__STATIC_ASSERT(!ck_lies_##NAME, #NAME ": a classic number claims no direction, so it cannot lie");

/* Compile-time facts for every row of a definition list. */
#define CK_DECLARE_IOCTLS(LIST) LIST(CK__DECLARE_IOC, CK__DECLARE_RAW)

/* The request number of a declared ioctl, bit-identical to _IOC().  NAME
 * may be a kernel macro's name too: it is only pasted, never expanded. */
#define CK_REQUEST(NAME) CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME)
/* For a family that mirrors a kernel ABI, after including the kernel's
 * header: every row's number must equal the kernel macro of the same name
 * (here NAME is used both pasted, for our facts, and expanded, for theirs). */
#define CK__KERNEL_NUMBER_IOC(NAME, ENC, GROUP, NR, FLOW, TYPE, SHAPE, TRUTH)  \
        CK__STATIC_ASSERT(CK__REQ(ck_dir_##NAME, ck_group_##NAME, ck_nr_##NAME, ck_size_##NAME) == (NAME), \
                          #NAME ": not the number of the kernel's " #NAME);
#define CK__KERNEL_NUMBER_RAW(NAME, NUMBER, FLOW, TYPE, SHAPE, TRUTH)          \
        CK__STATIC_ASSERT((NUMBER) == (NAME), #NAME ": not the number of the kernel's " #NAME);
#define CK_ASSERT_KERNEL_NUMBERS(LIST) LIST(CK__KERNEL_NUMBER_IOC, CK__KERNEL_NUMBER_RAW)

#define CK__REQ(dir, group, nr, size)                                          \
        ((unsigned long)_IOC((unsigned)(dir), (unsigned)(group), (unsigned)(nr), (unsigned)(size)))
