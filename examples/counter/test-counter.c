/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The counter family through cusekit's loopback transport (no kernel):
 * what a client sees, bad input, client memory that is not there, and a
 * client that changes its batch between the pipeline's rounds. */
#include "counter-abi.h"

#include <cusekit/testing.h>

#include <errno.h>
#include <fcntl.h>

struct fixture {
        struct ck_device *dev;
        struct ck_test *t;
        /* client memory: every address the tests pass lies in here */
        struct {
                struct counter_value value;
                struct counter_batch batch;
                __u64 steps[COUNTER_BATCH_MAX + 1];
        } *mem;
};

static void setup(struct fixture *fx, gconstpointer data)
{
        g_autoptr(GError) error = NULL;

        g_assert_cmpint(ck_test_device_new("counter", "counter0", NULL, &fx->dev, &error), ==, 0);
        g_assert_no_error(error);
        g_assert_cmpint(ck_test_open(fx->dev, O_RDWR, &fx->t), ==, 0);
        fx->mem = g_malloc0(sizeof(*fx->mem));
        ck_test_expose(fx->t, fx->mem, sizeof(*fx->mem));
}

static void teardown(struct fixture *fx, gconstpointer data)
{
        ck_test_close(fx->t);
        ck_test_device_free(fx->dev);
        g_free(fx->mem);
}

static guint64 get(struct fixture *fx)
{
        fx->mem->value.value = 0xAAAAAAAA;
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_GET), &fx->mem->value), ==, 0);
        return fx->mem->value.value;
}

static int add_batch(struct fixture *fx, __u32 count)
{
        fx->mem->batch = (struct counter_batch){ .steps = (uintptr_t)fx->mem->steps, .count = count };
        return ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_ADD_BATCH), &fx->mem->batch);
}

static void test_get_set_reset(struct fixture *fx, gconstpointer data)
{
        g_assert_cmpuint(get(fx), ==, 0);
        /* a nested ioctl makes the family unrestricted: a round to ask for the data */
        g_assert_cmpuint(ck_test_rounds(fx->t), ==, 2);
        fx->mem->value.value = G_MAXUINT64 - 1;
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_SET), &fx->mem->value), ==, 0);
        g_assert_cmpuint(get(fx), ==, G_MAXUINT64 - 1);
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_RESET), NULL), ==, 0);
        g_assert_cmpuint(ck_test_rounds(fx->t), ==, 1);
        g_assert_cmpuint(get(fx), ==, 0);
        /* a number the family does not have */
        g_assert_cmpint(ck_test_ioctl(fx->t, _IO(COUNTER_IOC_GROUP, 0x55), NULL), ==, -ENOTTY);
}

static void test_add_batch(struct fixture *fx, gconstpointer data)
{
        for (unsigned i = 0; i < COUNTER_BATCH_MAX; i++)
                fx->mem->steps[i] = i + 1;
        g_assert_cmpint(add_batch(fx, 3), ==, 0);
        g_assert_cmpuint(ck_test_rounds(fx->t), ==, 3);   /* header, then the steps */
        g_assert_cmpuint(get(fx), ==, 1 + 2 + 3);
        g_assert_cmpint(add_batch(fx, COUNTER_BATCH_MAX), ==, 0);
        g_assert_cmpuint(get(fx), ==, 6 + COUNTER_BATCH_MAX * (COUNTER_BATCH_MAX + 1) / 2);
}

static void test_bad_batch(struct fixture *fx, gconstpointer data)
{
        fx->mem->steps[0] = 5;
        g_assert_cmpint(add_batch(fx, 0), ==, -EINVAL);
        g_assert_cmpint(add_batch(fx, COUNTER_BATCH_MAX + 1), ==, -EINVAL);
        fx->mem->batch = (struct counter_batch){ .steps = (uintptr_t)fx->mem->steps, .count = 1, .reserved = 1 };
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_ADD_BATCH), &fx->mem->batch), ==, -EINVAL);
        /* steps the client does not have: the kernel's EFAULT */
        fx->mem->batch = (struct counter_batch){ .steps = 16, .count = 1 };
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_ADD_BATCH), &fx->mem->batch), ==, -EFAULT);
        /* nor the header itself */
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_ADD_BATCH), (void *)32), ==, -EFAULT);
        /* a sum that wraps changes nothing */
        fx->mem->steps[0] = 1;
        fx->mem->steps[1] = G_MAXUINT64;
        g_assert_cmpint(add_batch(fx, 2), ==, -EOVERFLOW);
        g_assert_cmpuint(get(fx), ==, 0);
}

/* Between the round that read the header and the round that reads the
 * steps, the client grows its count: the pipeline must refuse, not add
 * steps it never validated a count for. */
static void grow_count(struct ck_test *t, unsigned round, void *userdata)
{
        struct fixture *fx = userdata;

        if (round == 3)
                fx->mem->batch.count = COUNTER_BATCH_MAX;
}

static void test_batch_race(struct fixture *fx, gconstpointer data)
{
        for (unsigned i = 0; i < COUNTER_BATCH_MAX; i++)
                fx->mem->steps[i] = 1;
        ck_test_set_round_hook(fx->t, grow_count, fx);
        g_assert_cmpint(add_batch(fx, 2), ==, -EINVAL);
        ck_test_set_round_hook(fx->t, NULL, NULL);
        g_assert_cmpuint(get(fx), ==, 0);
        g_assert_cmpint(add_batch(fx, 2), ==, 0);
        g_assert_cmpuint(get(fx), ==, 2);
}

static void test_restricted_mode_refused(struct fixture *fx, gconstpointer data)
{
        /* a nested ioctl needs rounds: the family is served unrestricted
         * only, and a transport in restricted mode gets EIO for any of it */
        ck_test_set_unrestricted(fx->t, FALSE);
        fx->mem->steps[0] = 1;
        g_assert_cmpint(add_batch(fx, 1), ==, -EIO);
        g_assert_cmpint(ck_test_ioctl(fx->t, CK_REQUEST(COUNTER_GET), &fx->mem->value), ==, -EIO);
        g_assert_cmpuint(ck_test_rounds(fx->t), ==, 1);
        ck_test_set_unrestricted(fx->t, TRUE);
        g_assert_cmpuint(get(fx), ==, 0);
}

static void test_value_param(void)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
        struct ck_device *d;

        g_hash_table_insert(params, "value", "x1");
        g_assert_cmpint(ck_test_device_new("counter", "c", params, &d, &error), ==, -EINVAL);
        g_assert_error(error, CK_ERROR, EINVAL);
        g_hash_table_insert(params, "color", "red");
        g_clear_error(&error);
        g_assert_cmpint(ck_test_device_new("counter", "c", params, &d, &error), <, 0);
        g_assert_nonnull(strstr(error->message, "color"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_set_nonfatal_assertions();
#define ADD(path, fn) g_test_add(path, struct fixture, NULL, setup, fn, teardown)
        ADD("/counter/get-set-reset", test_get_set_reset);
        ADD("/counter/add-batch", test_add_batch);
        ADD("/counter/bad-batch", test_bad_batch);
        ADD("/counter/batch-race", test_batch_race);
        ADD("/counter/restricted-mode-refused", test_restricted_mode_refused);
        g_test_add_func("/counter/value-param", test_value_param);
        return g_test_run();
}
