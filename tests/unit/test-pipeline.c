/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pipeline rules that hold for every family, checked with a test family
 * ("rules") whose handlers misbehave on purpose: stale reply bytes never
 * reach a client, and a family's bug costs one EIO, not the daemon. */
#include "loopback.h"
#include "pipeline.h"

#include <cusekit/device.h>
#include <errno.h>
#include <string.h>

struct rules_io {
        guint64 data;   /* a user pointer */
        guint32 len;
        guint32 fill;   /* handler: 1 fills the whole output with 0xAA, 0 writes nothing */
};

#define RULES_GROUP 0xC7
#define RULES_IOCTLS(IOC, RAW)                                                                   \
        IOC(RULES_SEND, IOW, RULES_GROUP, 0x01, IN, struct rules_io, NESTED, HONEST)            \
        IOC(RULES_LAZY_ROUND, IOW, RULES_GROUP, 0x02, IN, struct rules_io, NESTED, HONEST)      \
        IOC(RULES_FLAT_FETCH, IOW, RULES_GROUP, 0x03, IN, struct rules_io, FLAT, HONEST)        \
        IOC(RULES_BAD_OUTPUT, IOW, RULES_GROUP, 0x04, IN, struct rules_io, NESTED, HONEST)      \
        IOC(RULES_FETCH, IOW, RULES_GROUP, 0x05, IN, struct rules_io, NESTED, HONEST)           \
        IOC(RULES_WAIT, IOW, RULES_GROUP, 0x06, IN, struct rules_io, NESTED, HONEST)            \
        IOC(RULES_OUTPUT_LEN, IOW, RULES_GROUP, 0x07, IN, struct rules_io, NESTED, HONEST)
CK_DECLARE_IOCTLS(RULES_IOCTLS);

static bool fetch_ret_was_null = true;

static int copy_header(const struct ck_untrusted *u, struct rules_io *ret)
{
        return ck_untrusted_copy(u, ret, sizeof(*ret));
}

static int validate_RULES_SEND(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        int r = copy_header(u, ret);
        return r < 0 ? r : ck_call_reserve_out(c, ret->data, ret->len);
}

static int handle_RULES_SEND(struct ck_call *c, const struct rules_io *in)
{
        size_t len;
        void *out = ck_call_output(c, 0, &len);

        if (in->fill)
                memset(out, 0xAA, len);
        return 0;
}

static int validate_RULES_LAZY_ROUND(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        return CK_NEED_ROUND;   /* the bug: a round, but no memory asked for */
}

static int handle_RULES_LAZY_ROUND(struct ck_call *c, const struct rules_io *in)
{
        return 0;
}

static int validate_RULES_FLAT_FETCH(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        const struct ck_untrusted *bytes = (const void *)&fetch_ret_was_null;   /* not NULL */
        int r = copy_header(u, ret);
        if (r < 0)
                return r;
        r = ck_call_fetch(c, ret->data, ret->len, &bytes);   /* the bug: a flat ioctl */
        fetch_ret_was_null = bytes == NULL;
        return r;
}

static int handle_RULES_FLAT_FETCH(struct ck_call *c, const struct rules_io *in)
{
        return 0;
}

static int validate_RULES_BAD_OUTPUT(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        return copy_header(u, ret);
}

static int handle_RULES_BAD_OUTPUT(struct ck_call *c, const struct rules_io *in)
{
        size_t len;
        void *out = ck_call_output(c, 3, &len);   /* the bug: none was reserved */

        if (out)
                memset(out, 0, len);
        return 0;
}

/* What ck_call_fetch() left in *ret for each answer but 0. */
static GArray *fetch_answers;   /* int: the answer, when *ret was not NULL */
static unsigned fetch_nonzero;

static int validate_RULES_FETCH(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        const struct ck_untrusted *bytes = (const void *)&fetch_ret_was_null;   /* not NULL */
        int r = copy_header(u, ret);
        if (r < 0)
                return r;
        r = ck_call_fetch(c, ret->data, ret->len, &bytes);
        if (r != 0) {
                fetch_nonzero++;
                if (bytes)
                        g_array_append_val(fetch_answers, r);
                return r;
        }
        return ck_untrusted_accept(c, bytes);
}

static int handle_RULES_FETCH(struct ck_call *c, const struct rules_io *in)
{
        return 0;
}

/* RULES_WAIT waits until this is set; then its output is how many times it was served. */
static bool wait_over;

static int validate_RULES_WAIT(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        int r = copy_header(u, ret);
        return r < 0 ? r : ck_call_reserve_out(c, ret->data, ret->len);
}

static int handle_RULES_WAIT(struct ck_call *c, const struct rules_io *in)
{
        unsigned *attempts = ck_call_wait_state(c, sizeof(*attempts));
        size_t len;
        guint8 *out = ck_call_output(c, 0, &len);

        if (!attempts || !out || !len)
                return -EIO;
        ++*attempts;
        if (!wait_over)
                return ck_call_wait(c);
        out[0] = (guint8)*attempts;
        return 0;
}

/* the bug: a copy length for a row whose first stage does not flow out */
static int validate_RULES_OUTPUT_LEN(struct ck_call *c, const struct ck_untrusted *u, struct rules_io *ret)
{
        return copy_header(u, ret);
}

static int handle_RULES_OUTPUT_LEN(struct ck_call *c, const struct rules_io *in)
{
        ck_call_set_output_len(c, 1);
        return 0;
}

CK_IOCTL_TABLE(rules_ioctls, RULES_IOCTLS);

static const struct ck_device_type rules_type = {
        .name = "test-rules",
        .summary = "misbehaves on purpose (unit tests only)",
        .ioctls = rules_ioctls,
        .n_ioctls = G_N_ELEMENTS(rules_ioctls),
};
CK_DEVICE_TYPE_REGISTER(rules_type);

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        struct {
                struct rules_io io;
                guint8 room[64];
                guint8 bytes[64];
        } *mem;
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_device_new("test-rules", "rules0", NULL, &fx->dev, &error), ==, 0);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int call(struct fixture *fx, unsigned long request, guint32 len, guint32 fill)
{
        fx->mem->io = (struct rules_io){ .data = (guint64)(uintptr_t)fx->mem->room, .len = len, .fill = fill };
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)&fx->mem->io);
}

/* An IN ioctl's nested output starts at offset 0 of the reply, over what
 * the previous reply left: what the handler leaves unwritten must be zero. */
static void test_no_stale_bytes(struct fixture *fx, gconstpointer data)
{
        guint8 zero[sizeof(fx->mem->room)] = { 0 };

        g_assert_cmpint(call(fx, CK_REQUEST(RULES_SEND), sizeof(fx->mem->room), 1), ==, 0);
        for (size_t i = 0; i < sizeof(fx->mem->room); i++)
                g_assert_cmphex(fx->mem->room[i], ==, 0xAA);
        memset(fx->mem->room, 0x55, sizeof(fx->mem->room));
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_SEND), sizeof(fx->mem->room), 0), ==, 0);
        g_assert_cmpmem(fx->mem->room, sizeof(zero), zero, sizeof(zero));
}

/* Warnings the code under test logged (structured logging: g_test_expect_message cannot see them). */
static GPtrArray *warnings;

static GLogWriterOutput capture(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer userdata)
{
        if (!(level & G_LOG_LEVEL_WARNING))
                return g_log_writer_default(level, fields, n, userdata);
        for (gsize i = 0; i < n; i++)
                if (strcmp(fields[i].key, "MESSAGE") == 0)
                        g_ptr_array_add(warnings, g_strdup(fields[i].value));
        return G_LOG_WRITER_HANDLED;
}

static guint warnings_matching(const char *pattern)
{
        guint n = 0;

        for (guint i = 0; i < warnings->len; i++)
                n += g_pattern_match_simple(pattern, warnings->pdata[i]);
        return n;
}

static void test_bug_is_eio(struct fixture *fx, gconstpointer data)
{
        /* each bug: EIO, logged once, naming family and ioctl */
        static const struct {
                unsigned long request;
                const char *log;
        } bugs[] = {
                { CK_REQUEST(RULES_LAZY_ROUND), "*test-rules*RULES_LAZY_ROUND*round without asking for memory*" },
                { CK_REQUEST(RULES_FLAT_FETCH), "*test-rules*RULES_FLAT_FETCH*ck_call_fetch()*not declared NESTED*" },
                { CK_REQUEST(RULES_BAD_OUTPUT), "*test-rules*RULES_BAD_OUTPUT*ck_call_output()*" },
                { CK_REQUEST(RULES_OUTPUT_LEN), "*test-rules*RULES_OUTPUT_LEN*ck_call_set_output_len()*" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bugs); i++) {
                g_assert_cmpint(call(fx, bugs[i].request, 8, 0), ==, -EIO);
                g_assert_cmpint(call(fx, bugs[i].request, 8, 0), ==, -EIO);
                if (warnings_matching(bugs[i].log) != 1)
                        g_error("not logged once as '%s'", bugs[i].log);
        }
        g_assert_cmpuint(warnings->len, ==, G_N_ELEMENTS(bugs));
        g_assert_true(fetch_ret_was_null);
        /* and the device still serves */
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_SEND), 8, 1), ==, 0);
        g_assert_cmphex(fx->mem->room[7], ==, 0xAA);
}

/* ck_call_fetch() leaves *ret NULL on every answer but 0: a round to
 * come (CK_NEED_ROUND), a bad address (EFAULT), a changed plan (EINVAL). */
static guint8 *moved_to;

static void move_buffer(struct ck_loopback *lb, unsigned round, void *userdata)
{
        struct fixture *fx = userdata;
        if (round >= 3)   /* after the round that planned the fetch */
                fx->mem->io.data = (guint64)(uintptr_t)moved_to;
}

static void test_fetch_ret(struct fixture *fx, gconstpointer data)
{
        fetch_answers = g_array_new(FALSE, FALSE, sizeof(int));
        fetch_nonzero = 0;
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_FETCH), 8, 0), ==, 0);   /* NEED_ROUND, then 0 */
        fx->mem->io = (struct rules_io){ .data = 0, .len = 8 };
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(RULES_FETCH),
                                          (uint64_t)(uintptr_t)&fx->mem->io), ==, -EFAULT);
        moved_to = fx->mem->bytes;
        ck_loopback_set_round_hook(fx->lb, move_buffer, fx);
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_FETCH), 8, 0), ==, -EINVAL);
        g_assert_cmpuint(fetch_nonzero, >=, 3);
        g_assert_cmpuint(fetch_answers->len, ==, 0);
        g_clear_pointer(&fetch_answers, g_array_unref);
}

/* A call that waits: its state survives its attempts, through the loopback
 * (rounds start over each time) and served again from its last round, as
 * CUSE does (the nested call's plan is kept while it waits). */
static void test_wait(struct fixture *fx, gconstpointer data)
{
        wait_over = false;
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_WAIT), 4, 0), ==, -EAGAIN);
        g_assert_true(ck_loopback_waiting(fx->lb));
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(RULES_WAIT),
                                          (uint64_t)(uintptr_t)&fx->mem->io), ==, -EAGAIN);
        wait_over = true;
        g_assert_cmpint(ck_loopback_ioctl(fx->lb, (unsigned)CK_REQUEST(RULES_WAIT),
                                          (uint64_t)(uintptr_t)&fx->mem->io), ==, 0);
        g_assert_cmpuint(fx->mem->room[0], ==, 3);
        g_assert_false(ck_loopback_waiting(fx->lb));
        /* a new call starts afresh */
        g_assert_cmpint(call(fx, CK_REQUEST(RULES_WAIT), 4, 0), ==, 0);
        g_assert_cmpuint(fx->mem->room[0], ==, 1);

        /* CUSE's way: the kernel's rounds, then the last one served again */
        struct ck_file *f = ck_loopback_file(fx->lb);
        struct ck_ioctl_reply rep;
        struct ck_wait wait = { 0 };
        struct rules_io io = { .data = 0x1000, .len = 4 };
        struct ck_ioctl_request rq = { .cmd = (unsigned)CK_REQUEST(RULES_WAIT), .arg = 0x2000, .tid = 4242,
                                       .unrestricted = true, .wait = &wait };
        ck_ioctl_reply_init(&rep);
        wait_over = false;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_RETRY);     /* the argument */
        rq.in = &io;
        rq.in_size = sizeof(io);
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_RETRY);     /* and its output */
        rq.out_size = io.len;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_WAIT);
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_WAIT);
        wait_over = true;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_DATA);
        g_assert_cmpuint(rep.size, ==, 4);
        g_assert_cmpuint(rep.data[0], ==, 3);
        g_assert_cmpuint(wait.attempts, ==, 3);
        /* the plan is gone once answered: the same last round again is the kernel's bug */
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_ERROR);
        g_assert_cmpint(rep.result, ==, -EIO);
        /* a transport that cannot park: EAGAIN */
        rq = (struct ck_ioctl_request){ .cmd = (unsigned)CK_REQUEST(RULES_WAIT), .arg = 0x2000, .tid = 4243,
                                        .unrestricted = true };
        wait_over = false;
        ck_pipeline_ioctl(f, &rq, &rep);
        rq.in = &io;
        rq.in_size = sizeof(io);
        ck_pipeline_ioctl(f, &rq, &rep);
        rq.out_size = io.len;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_ERROR);
        g_assert_cmpint(rep.result, ==, -EAGAIN);
        ck_ioctl_reply_clear(&rep);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        warnings = g_ptr_array_new_with_free_func(g_free);
        g_log_set_writer_func(capture, NULL, NULL);
        g_test_add("/pipeline/no-stale-bytes", struct fixture, NULL, setup, test_no_stale_bytes, teardown);
        g_test_add("/pipeline/family-bug-is-eio", struct fixture, NULL, setup, test_bug_is_eio, teardown);
        g_test_add("/pipeline/fetch-ret-null", struct fixture, NULL, setup, test_fetch_ret, teardown);
        g_test_add("/pipeline/wait", struct fixture, NULL, setup, test_wait, teardown);
        return g_test_run();
}
