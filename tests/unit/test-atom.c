/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every pipeline path of atom through the loopback transport, good input
 * and bad. */
#include "atom/atom-abi.h"
#include "loopback.h"
#include "pipeline.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

struct fixture {
        struct ck_device *dev;
        struct ck_loopback *lb;
        /* client memory: every address the tests pass lies in here */
        struct {
                struct atom_state state;
                struct atom_flip flip;
                struct atom_blob blob;
                guint8 bytes[ATOM_BLOB_MAX + 16];
                guint8 room[ATOM_BLOB_MAX + 16];
        } *mem;
};

static void fixture_open(struct fixture *fx, const char *type)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_device_new(type, "atom0", NULL, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(ck_loopback_new(fx->dev, 0, &fx->lb), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_loopback_expose(fx->lb, fx->mem, sizeof(*fx->mem));
}

static void setup(struct fixture *fx, gconstpointer data)
{
        fixture_open(fx, "atom");
}

static void setup_flat(struct fixture *fx, gconstpointer data)
{
        fixture_open(fx, "atom-flat");
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_loopback_free(fx->lb);
        ck_device_free(fx->dev);
        g_free(fx->mem);
}

static int lb_ioctl(struct fixture *fx, unsigned long request, const void *arg)
{
        return ck_loopback_ioctl(fx->lb, (unsigned)request, (uint64_t)(uintptr_t)arg);
}

static struct atom_state get_state(struct fixture *fx)
{
        memset(&fx->mem->state, 0xAA, sizeof(fx->mem->state));
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_GET), &fx->mem->state), ==, 0);
        return fx->mem->state;
}

static int set_state(struct fixture *fx, unsigned long request, struct atom_state s)
{
        fx->mem->state = s;
        return lb_ioctl(fx, request, &fx->mem->state);
}

static void test_get_set(struct fixture *fx, gconstpointer data)
{
        struct atom_state s = get_state(fx);
        g_assert_cmpuint(s.value, ==, 0);
        g_assert_cmpuint(s.flags, ==, 0);
        g_assert_cmpuint(s.reserved[0] | s.reserved[1], ==, 0);
        /* unrestricted: a retry round to fetch, then the answer */
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);

        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 1 }), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);
        g_assert_cmpuint(get_state(fx).value, ==, 1);
}

static void test_set_rejects_bad_input(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 1 }), ==, 0);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 2 }), ==, -EINVAL);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .flags = 0x80 }), ==, -EINVAL);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .reserved = { 0, 1 } }), ==, -EINVAL);
        /* none of them reached the handler */
        g_assert_cmpuint(get_state(fx).value, ==, 1);
}

static void test_flip(struct fixture *fx, gconstpointer data)
{
        fx->mem->flip = (struct atom_flip){ .count = 3 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, 0);
        g_assert_cmpuint(fx->mem->flip.old, ==, 0);
        g_assert_cmpuint(get_state(fx).value, ==, 1);

        fx->mem->flip = (struct atom_flip){ .count = 2, .old = 77 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, 0);
        g_assert_cmpuint(fx->mem->flip.old, ==, 1);
        g_assert_cmpuint(get_state(fx).value, ==, 1);

        fx->mem->flip = (struct atom_flip){ .count = 0, .old = 77 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, -EINVAL);
        g_assert_cmpuint(fx->mem->flip.old, ==, 77);   /* nothing copied out on error */
        fx->mem->flip = (struct atom_flip){ .count = ATOM_FLIP_MAX + 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, -EINVAL);
        fx->mem->flip = (struct atom_flip){ .count = 1, .reserved = { 5, 0 } };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, -EINVAL);
        g_assert_cmpuint(get_state(fx).value, ==, 1);
}

static void test_reset_and_lock(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET),
                                  (struct atom_state){ .value = 1, .flags = ATOM_FLAG_LOCK }), ==, 0);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 0 }), ==, -EPERM);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_LOAD), (struct atom_state){ .value = 0 }), ==, -EPERM);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)0), ==, -EPERM);
        fx->mem->flip = (struct atom_flip){ .count = 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, -EPERM);
        g_assert_cmpuint(get_state(fx).value, ==, 1);

        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_RESET), NULL), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        struct atom_state s = get_state(fx);
        g_assert_cmpuint(s.value, ==, 0);
        g_assert_cmpuint(s.flags, ==, 0);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 1 }), ==, 0);
}

static void test_poke_by_value(struct fixture *fx, gconstpointer data)
{
        /* a classic number carrying an integer: one round, no memory */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)1), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)0), ==, 1);   /* old value */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)2), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)(uintptr_t)0x100000001ull), ==, -EINVAL);
        g_assert_cmpuint(get_state(fx).value, ==, 0);
}

static void test_lying_ioctl_flows_in(struct fixture *fx, gconstpointer data)
{
        /* encoded _IOR, but served by its true flow: data goes in, nothing comes out */
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_LOAD), (struct atom_state){ .value = 1 }), ==, 0);
        g_assert_cmpuint(fx->mem->state.value, ==, 1);
        g_assert_cmpuint(fx->mem->state.reserved[0], ==, 0);
        g_assert_cmpuint(get_state(fx).value, ==, 1);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_LOAD), (struct atom_state){ .value = 9 }), ==, -EINVAL);

        /* the kernel's restricted mode would copy by the lie: this device refuses to run that way */
        ck_loopback_set_unrestricted(fx->lb, false);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_LOAD), (struct atom_state){ .value = 0 }), ==, -EIO);
        g_assert_cmpuint(fx->mem->state.value, ==, 0);
}

static void test_unknown_request(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(lb_ioctl(fx, _IOR(ATOM_IOC_GROUP, 0x01, int), &fx->mem->state), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, _IOR(ATOM_IOC_GROUP, 0x01, struct atom_flip[2]), &fx->mem->state), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, _IO(ATOM_IOC_GROUP, 0x7f), NULL), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, 0, NULL), ==, -ENOTTY);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
}

static void test_bad_pointer(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_GET), NULL), ==, -EFAULT);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_SET), (void *)16), ==, -EFAULT);
        /* straddling the end of client memory */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_SET), (guint8 *)fx->mem + sizeof(*fx->mem) - 4), ==, -EFAULT);
}

static int blob_set(struct fixture *fx, const void *data, guint32 len)
{
        fx->mem->blob = (struct atom_blob){ .data = (uint64_t)(uintptr_t)data, .len = len };
        return lb_ioctl(fx, CK_REQUEST(ATOM_BLOB_SET), &fx->mem->blob);
}

static int blob_get(struct fixture *fx, guint32 room)
{
        memset(fx->mem->room, 0xEE, sizeof(fx->mem->room));
        fx->mem->blob = (struct atom_blob){ .data = (uint64_t)(uintptr_t)fx->mem->room, .len = room };
        return lb_ioctl(fx, CK_REQUEST(ATOM_BLOB_GET), &fx->mem->blob);
}

static void test_blob_nested(struct fixture *fx, gconstpointer data)
{
        memcpy(fx->mem->bytes, "hello, atom", 11);
        g_assert_cmpint(blob_set(fx, fx->mem->bytes, 11), ==, 0);
        /* struct, then the bytes it points to, then the answer */
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 3);

        g_assert_cmpint(blob_get(fx, 32), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 3);
        g_assert_cmpuint(fx->mem->blob.len, ==, 11);
        g_assert_cmpmem(fx->mem->room, 11, "hello, atom", 11);
        for (int i = 11; i < 32; i++)
                g_assert_cmpuint(fx->mem->room[i], ==, 0);   /* zero-padded room */
        g_assert_cmpuint(fx->mem->room[32], ==, 0xEE);       /* and not a byte past it */

        g_assert_cmpint(blob_get(fx, 4), ==, -EOVERFLOW);
        g_assert_cmpuint(fx->mem->room[0], ==, 0xEE);
        g_assert_cmpuint(fx->mem->blob.len, ==, 4);

        /* the largest allowed blob */
        memset(fx->mem->bytes, 0x5A, ATOM_BLOB_MAX);
        g_assert_cmpint(blob_set(fx, fx->mem->bytes, ATOM_BLOB_MAX), ==, 0);
        g_assert_cmpint(blob_get(fx, ATOM_BLOB_MAX), ==, 0);
        g_assert_cmpmem(fx->mem->room, ATOM_BLOB_MAX, fx->mem->bytes, ATOM_BLOB_MAX);

        /* empty: nothing nested to fetch */
        g_assert_cmpint(blob_set(fx, NULL, 0), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);
        g_assert_cmpint(blob_get(fx, 8), ==, 0);
        g_assert_cmpuint(fx->mem->blob.len, ==, 0);
}

static void test_blob_bad_input(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpint(blob_set(fx, fx->mem->bytes, ATOM_BLOB_MAX + 1), ==, -EINVAL);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 2);   /* refused before fetching */
        g_assert_cmpint(blob_set(fx, NULL, 4), ==, -EFAULT);
        g_assert_cmpint(blob_set(fx, (void *)0x10, 4), ==, -EFAULT);   /* the kernel's copy faults */
        g_assert_cmpint(blob_set(fx, (void *)~(uintptr_t)0, 4), ==, -EFAULT);
        fx->mem->blob = (struct atom_blob){ .data = (uintptr_t)fx->mem->bytes, .len = 4, .reserved = 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_BLOB_SET), &fx->mem->blob), ==, -EINVAL);
        g_assert_cmpint(blob_get(fx, ATOM_BLOB_MAX + 1), ==, -EINVAL);
        g_assert_cmpint(blob_get(fx, 0), ==, 0);
}

/* Between the round that fetched the struct and the one that fetches what
 * it points to, a racing client thread rewrites the struct. */
struct race {
        unsigned at_round;
        void (*change)(struct fixture *fx);
        struct fixture *fx;
};

static void race_hook(struct ck_loopback *lb, unsigned round, void *userdata)
{
        struct race *race = userdata;

        if (round == race->at_round)
                race->change(race->fx);
}

static void grow_len(struct fixture *fx) { fx->mem->blob.len = 8; }
static void shrink_len(struct fixture *fx) { fx->mem->blob.len = 2; }
static void move_data(struct fixture *fx) { fx->mem->blob.data += 1; }
static void break_reserved(struct fixture *fx) { fx->mem->blob.reserved = 1; }
static void oversize_len(struct fixture *fx) { fx->mem->blob.len = ATOM_BLOB_MAX + 1; }
static void change_bytes(struct fixture *fx) { memcpy(fx->mem->bytes, "WXYZ", 4); }

static void test_double_fetch(struct fixture *fx, gconstpointer data)
{
        static const struct {
                void (*change)(struct fixture *fx);
                int expect;
        } cases[] = {
                { grow_len, -EINVAL },
                { shrink_len, -EINVAL },
                { move_data, -EINVAL },
                { break_reserved, -EINVAL },
                { oversize_len, -EINVAL },
                { change_bytes, 0 },        /* fetched once, after the change: consistent */
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                struct race race = { .at_round = 3, .change = cases[i].change, .fx = fx };

                g_assert_cmpint(blob_set(fx, "abcd", 0), ==, 0);
                memcpy(fx->mem->bytes, "abcd", 4);
                ck_loopback_set_round_hook(fx->lb, race_hook, &race);
                g_assert_cmpint(blob_set(fx, fx->mem->bytes, 4), ==, cases[i].expect);
                ck_loopback_set_round_hook(fx->lb, NULL, NULL);

                g_assert_cmpint(blob_get(fx, 16), ==, 0);
                if (cases[i].expect == 0) {
                        g_assert_cmpuint(fx->mem->blob.len, ==, 4);
                        g_assert_cmpmem(fx->mem->room, 4, "WXYZ", 4);
                } else {
                        g_assert_cmpuint(fx->mem->blob.len, ==, 0);   /* nothing stored */
                }
        }
        /* and the device still serves */
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 1 }), ==, 0);
}

/* A client thread that dies between rounds leaves a plan behind: plans are
 * bounded per open, and the others keep working. */
static void test_abandoned_rounds(struct fixture *fx, gconstpointer data)
{
        struct ck_file *f = ck_loopback_file(fx->lb);
        struct ck_ioctl_reply rep;
        struct ck_ioctl_request rq = {
                .cmd = (unsigned)CK_REQUEST(ATOM_BLOB_SET),
                .arg = (uintptr_t)&fx->mem->blob,
                .unrestricted = true,
        };

        ck_ioctl_reply_init(&rep);
        for (int i = 0; i < CK_MAX_INFLIGHT + 8; i++) {
                rq.tid = 1000 + i;
                ck_pipeline_ioctl(f, &rq, &rep);
                g_assert_cmpint(rep.kind, ==, CK_REPLY_RETRY);
        }
        g_assert_cmpuint(f->inflight->len, ==, CK_MAX_INFLIGHT);

        /* round 2 of the oldest, whose plan aged out: refused, not guessed */
        fx->mem->blob = (struct atom_blob){ .data = (uintptr_t)fx->mem->bytes, .len = 1 };
        rq.tid = 1000;
        rq.in = &fx->mem->blob;
        rq.in_size = sizeof(fx->mem->blob);
        rq.out_size = 0;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_ERROR);
        g_assert_cmpint(rep.result, ==, -EIO);
        /* round 2 of the newest still has its plan */
        rq.tid = 1000 + CK_MAX_INFLIGHT + 7;
        ck_pipeline_ioctl(f, &rq, &rep);
        g_assert_cmpint(rep.kind, ==, CK_REPLY_RETRY);
        g_assert_cmpuint(rep.n_in, ==, 2);
        ck_ioctl_reply_clear(&rep);

        memcpy(fx->mem->bytes, "ok", 2);
        g_assert_cmpint(blob_set(fx, fx->mem->bytes, 2), ==, 0);
        g_assert_cmpint(blob_get(fx, 2), ==, 0);
        g_assert_cmpmem(fx->mem->room, 2, "ok", 2);
}

static void test_restricted_device(struct fixture *fx, gconstpointer data)
{
        /* atom-flat runs restricted: the kernel copies by the encoding, one round */
        ck_loopback_set_unrestricted(fx->lb, false);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 1 }), ==, 0);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        g_assert_cmpuint(get_state(fx).value, ==, 1);
        g_assert_cmpuint(ck_loopback_rounds(fx->lb), ==, 1);
        fx->mem->flip = (struct atom_flip){ .count = 1 };
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_FLIP), &fx->mem->flip), ==, 0);
        g_assert_cmpuint(fx->mem->flip.old, ==, 1);
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_SET), (struct atom_state){ .value = 3 }), ==, -EINVAL);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_RESET), NULL), ==, 0);
        /* what restricted mode cannot carry is not in its table */
        g_assert_cmpint(set_state(fx, CK_REQUEST(ATOM_LOAD), (struct atom_state){ .value = 1 }), ==, -ENOTTY);
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_POKE), (void *)1), ==, -ENOTTY);
        g_assert_cmpint(blob_set(fx, fx->mem->bytes, 1), ==, -ENOTTY);
}

static void test_read_write_poll(struct fixture *fx, gconstpointer data)
{
        char buf[8];

        g_assert_cmpuint(ck_loopback_poll(fx->lb) & POLLIN, !=, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "0\n", 2);
        /* nothing new: a reader would wait */
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, -EAGAIN);
        g_assert_cmpuint(ck_loopback_poll(fx->lb) & POLLIN, ==, 0);

        g_assert_cmpint(ck_loopback_write(fx->lb, "1\n", 2), ==, 2);
        g_assert_cmpuint(ck_loopback_poll(fx->lb) & POLLIN, !=, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "1\n", 2);
        g_assert_cmpuint(get_state(fx).value, ==, 1);

        g_assert_cmpint(ck_loopback_write(fx->lb, "2", 1), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_write(fx->lb, "", 0), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_write(fx->lb, "1111", 4), ==, -EINVAL);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 1), ==, -EAGAIN);   /* no change happened */

        /* an ioctl change wakes readers too */
        g_assert_cmpint(lb_ioctl(fx, CK_REQUEST(ATOM_RESET), NULL), ==, 0);
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, 1), ==, -EINVAL);   /* too small for "0\n" */
        g_assert_cmpint(ck_loopback_read(fx->lb, buf, sizeof(buf)), ==, 2);
        g_assert_cmpmem(buf, 2, "0\n", 2);
}

static void test_params(void)
{
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        struct ck_device *d = NULL;

        g_hash_table_insert(params, "value", "1");
        g_assert_cmpint(ck_device_new("atom", "a", params, &d, &error), ==, 0);
        struct ck_loopback *lb;
        struct atom_state s;
        g_assert_cmpint(ck_loopback_new(d, 0, &lb), ==, 0);
        ck_loopback_expose(lb, &s, sizeof(s));
        g_assert_cmpint(ck_loopback_ioctl(lb, (unsigned)CK_REQUEST(ATOM_GET), (uintptr_t)&s), ==, 0);
        g_assert_cmpuint(s.value, ==, 1);
        ck_loopback_free(lb);
        ck_device_free(d);

        d = NULL;
        g_hash_table_insert(params, "value", "2");
        g_assert_cmpint(ck_device_new("atom", "a", params, &d, &error), ==, -EINVAL);
        g_assert_null(d);
        g_assert_nonnull(strstr(error->message, "value=2"));
        g_clear_error(&error);

        g_hash_table_remove_all(params);
        g_hash_table_insert(params, "colour", "red");
        g_assert_cmpint(ck_device_new("atom", "a", params, &d, &error), ==, -EINVAL);
        g_assert_nonnull(strstr(error->message, "colour"));
        g_clear_error(&error);

        g_hash_table_remove_all(params);
        g_hash_table_insert(params, "exclusive", "1");
        g_assert_cmpint(ck_device_new("atom", "a", params, &d, &error), ==, 0);
        struct ck_loopback *second;
        g_assert_cmpint(ck_loopback_new(d, 0, &lb), ==, 0);
        g_assert_cmpint(ck_loopback_new(d, 0, &second), ==, -EBUSY);
        ck_loopback_free(lb);
        g_assert_cmpint(ck_loopback_new(d, 0, &second), ==, 0);   /* free again after release */
        ck_loopback_free(second);
        ck_device_free(d);
        d = NULL;

        g_assert_cmpint(ck_device_new("nonesuch", "a", NULL, &d, &error), ==, -ENOENT);
        g_assert_nonnull(strstr(error->message, "nonesuch"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/atom/" path, struct fixture, NULL, setup, fn, teardown)
        ADD("get-set", test_get_set);
        ADD("set-rejects-bad-input", test_set_rejects_bad_input);
        ADD("flip", test_flip);
        ADD("reset-and-lock", test_reset_and_lock);
        ADD("poke-by-value", test_poke_by_value);
        ADD("lying-ioctl-flows-in", test_lying_ioctl_flows_in);
        ADD("unknown-request", test_unknown_request);
        ADD("bad-pointer", test_bad_pointer);
        ADD("blob-nested", test_blob_nested);
        ADD("blob-bad-input", test_blob_bad_input);
        ADD("double-fetch", test_double_fetch);
        ADD("abandoned-rounds", test_abandoned_rounds);
        ADD("read-write-poll", test_read_write_poll);
#undef ADD
        g_test_add("/atom/restricted-device", struct fixture, NULL, setup_flat, test_restricted_device, teardown);
        g_test_add_func("/atom/params", test_params);
        return g_test_run();
}
