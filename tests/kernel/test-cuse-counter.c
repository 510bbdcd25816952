/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The example module's typed client (examples/counter, built against the
 * installed SDK in CI): against counter:counter0 served by a cusekitd that
 * loaded it with --module (in the test VM: a real node, the real kernel),
 * or under cusekit run --module (CK_TEST_TRANSPORT=run).
 */
#include "counter-abi.h"

#include "cuse-test.h"

#include <cusekit/client.h>

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static void test_get_set_reset(void)
{
        int fd = open_node("counter0", O_RDWR);
        struct counter_value v = { .value = 41 };

        g_assert_cmpint(cusekit_write(fd, COUNTER_SET, &v), ==, 0);
        v.value = 0;
        g_assert_cmpint(cusekit_read(fd, COUNTER_GET, &v), ==, 0);
        g_assert_cmpuint(v.value, ==, 41);
        g_assert_cmpint(cusekit_call(fd, COUNTER_RESET), ==, 0);
        g_assert_cmpint(cusekit_read(fd, COUNTER_GET, &v), ==, 0);
        g_assert_cmpuint(v.value, ==, 0);
        close(fd);
}

static void test_add_batch(void)
{
        int fd = open_node("counter0", O_RDWR);
        __u64 steps[COUNTER_BATCH_MAX];
        struct counter_value v;

        g_assert_cmpint(cusekit_call(fd, COUNTER_RESET), ==, 0);
        for (unsigned i = 0; i < COUNTER_BATCH_MAX; i++)
                steps[i] = 1000 + i;
        struct counter_batch b = { .steps = (uintptr_t)steps, .count = COUNTER_BATCH_MAX };
        g_assert_cmpint(cusekit_write(fd, COUNTER_ADD_BATCH, &b), ==, 0);
        g_assert_cmpint(cusekit_read(fd, COUNTER_GET, &v), ==, 0);
        g_assert_cmpuint(v.value, ==, 1000 * COUNTER_BATCH_MAX + COUNTER_BATCH_MAX * (COUNTER_BATCH_MAX - 1) / 2);
        close(fd);
}

static void test_bad_batch(void)
{
        int fd = open_node("counter0", O_RDWR);
        __u64 steps[2] = { 1, G_MAXUINT64 };
        struct counter_value v;

        g_assert_cmpint(cusekit_call(fd, COUNTER_RESET), ==, 0);
        struct counter_batch b = { .steps = (uintptr_t)steps, .count = 0 };
        g_assert_cmpint(cusekit_write(fd, COUNTER_ADD_BATCH, &b), ==, -EINVAL);
        b.count = COUNTER_BATCH_MAX + 1;
        g_assert_cmpint(cusekit_write(fd, COUNTER_ADD_BATCH, &b), ==, -EINVAL);
        b.count = 2;
        g_assert_cmpint(cusekit_write(fd, COUNTER_ADD_BATCH, &b), ==, -EOVERFLOW);

        /* steps in memory the client does not have: the kernel's own EFAULT */
        void *gone = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert_true(gone != MAP_FAILED);
        b = (struct counter_batch){ .steps = (uintptr_t)gone, .count = 1 };
        g_assert_cmpint(cusekit_write(fd, COUNTER_ADD_BATCH, &b), ==, -EFAULT);
        munmap(gone, 4096);

        g_assert_cmpint(cusekit_read(fd, COUNTER_GET, &v), ==, 0);
        g_assert_cmpuint(v.value, ==, 0);
        g_assert_cmpint(cusekit_ioctl_none(fd, _IO(COUNTER_IOC_GROUP, 0x55)), ==, -ENOTTY);
        close(fd);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_set_nonfatal_assertions();
        /* cuse (cusekitd) or run (cusekit run): the same test, two transports */
        const char *transport = g_getenv("CK_TEST_TRANSPORT") ? g_getenv("CK_TEST_TRANSPORT") : "cuse";
        g_autofree char *get_set_reset = g_strdup_printf("/%s/counter/get-set-reset", transport);
        g_autofree char *add_batch = g_strdup_printf("/%s/counter/add-batch", transport);
        g_autofree char *bad_batch = g_strdup_printf("/%s/counter/bad-batch", transport);
        g_test_add_func(get_set_reset, test_get_set_reset);
        g_test_add_func(add_batch, test_add_batch);
        g_test_add_func(bad_batch, test_bad_batch);
        return g_test_run();
}
