/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-pipeline: the pipeline in-process, on the host.
 *
 *   loopback  ck_loopback_ioctl(): the in-process transport playing the
 *             kernel (copy-in, pipeline, copy-out), as unit tests drive it;
 *   pipeline  ck_pipeline_ioctl() alone, on a prepared request: what the
 *             CUSE transport calls once per kernel round;
 *   traced    the same with a trace ring of 4096 attached, as cusekitd
 *             runs by default.
 *
 * For atom-flat (restricted, one round) and atom (unrestricted: two rounds
 * per data ioctl), ATOM_GET and ATOM_SET (16-byte struct atom_state).
 * Prints "RESULT LABEL MEDIAN MIN MAX" in ns per ioctl.
 *
 *   bench-pipeline [--iter N] [--reps R] [--only pipeline-flat]
 *
 * Under callgrind (--toggle-collect=ck_pipeline_ioctl) with --only, the
 * instructions per call are stable where the times are not.
 */
#include "atom/atom-abi.h"
#include "loopback.h"
#include "pipeline.h"
#include "trace.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long iter = 2000000, reps = 7;
static const char *only;

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

struct bench {
        const char *label;
        const char *type;
        bool direct;             /* ck_pipeline_ioctl() rather than the loopback */
        unsigned long cmd;
        bool traced;             /* with cusekitd's default trace ring */
};

static struct atom_state state;   /* the client's argument */

/* ns per ioctl of one repetition */
static double run(const struct bench *b, struct ck_device *d)
{
        g_autoptr(ck_loopback) lb = NULL;
        if (ck_loopback_new(d, O_RDWR, &lb) < 0)
                g_error("ck_loopback_new");
        ck_loopback_expose(lb, &state, sizeof(state));
        uint64_t arg = (uint64_t)(uintptr_t)&state;
        long warm = iter / 10;
        uint64_t t0 = 0;

        if (!b->direct) {
                for (long i = -warm; i < iter; i++) {
                        if (i == 0)
                                t0 = now_ns();
                        if (ck_loopback_ioctl(lb, (unsigned)b->cmd, arg) != 0)
                                g_error("%s: ioctl failed", b->label);
                }
                return (double)(now_ns() - t0) / (double)(iter ? iter : 1);
        }

        /* As the CUSE transport does it: one request per kernel round, one
         * reply reused from call to call. */
        struct ck_file *f = ck_loopback_file(lb);
        struct ck_ioctl_reply *rep = g_new0(struct ck_ioctl_reply, 1);
        ck_ioctl_reply_init(rep);
        bool unrestricted = ck_device_unrestricted(d);
        bool in = _IOC_DIR(b->cmd) & _IOC_WRITE;
        struct ck_ioctl_request first = {
                .cmd = (unsigned)b->cmd, .arg = arg, .tid = gettid(), .unrestricted = unrestricted,
        };
        struct ck_ioctl_request data = first;
        data.in = in ? (const void *)&state : NULL;
        data.in_size = in ? sizeof(state) : 0;
        data.out_size = in ? 0 : sizeof(state);

        for (long i = -warm; i < iter; i++) {
                if (i == 0)
                        t0 = now_ns();
                if (unrestricted) {
                        ck_pipeline_ioctl(f, &first, rep);
                        if (rep->kind != CK_REPLY_RETRY)
                                g_error("%s: no retry", b->label);
                }
                ck_pipeline_ioctl(f, &data, rep);
                if (rep->kind != CK_REPLY_DATA)
                        g_error("%s: no data", b->label);
        }
        uint64_t t1 = now_ns();
        ck_ioctl_reply_clear(rep);
        g_free(rep);
        return (double)(t1 - t0) / (double)(iter ? iter : 1);
}

int main(int argc, char **argv)
{
        for (int i = 1; i + 1 < argc; i += 2) {
                if (!strcmp(argv[i], "--iter"))
                        iter = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--reps"))
                        reps = atol(argv[i + 1]);
                else if (!strcmp(argv[i], "--only"))
                        only = argv[i + 1];
                else {
                        fprintf(stderr, "usage: bench-pipeline [--iter N] [--reps R] [--only LABEL-PREFIX]\n");
                        return 2;
                }
        }
        if (reps < 1)
                reps = 1;

        static const struct bench benches[] = {
                { "pipeline-flat-get", "atom-flat", true, CK_REQUEST(ATOM_GET), false },
                { "pipeline-flat-set", "atom-flat", true, CK_REQUEST(ATOM_SET), false },
                { "pipeline-unrestricted-get", "atom", true, CK_REQUEST(ATOM_GET), false },
                { "pipeline-unrestricted-set", "atom", true, CK_REQUEST(ATOM_SET), false },
                { "traced-flat-get", "atom-flat", true, CK_REQUEST(ATOM_GET), true },
                { "traced-flat-set", "atom-flat", true, CK_REQUEST(ATOM_SET), true },
                { "loopback-flat-get", "atom-flat", false, CK_REQUEST(ATOM_GET), false },
                { "loopback-flat-set", "atom-flat", false, CK_REQUEST(ATOM_SET), false },
                { "loopback-unrestricted-get", "atom", false, CK_REQUEST(ATOM_GET), false },
                { "loopback-unrestricted-set", "atom", false, CK_REQUEST(ATOM_SET), false },
        };
        for (size_t k = 0; k < G_N_ELEMENTS(benches); k++) {
                const struct bench *b = &benches[k];
                if (only && !g_str_has_prefix(b->label, only))
                        continue;
                g_autoptr(GError) error = NULL;
                g_autoptr(ck_device) d = NULL;
                if (ck_device_new(b->type, "bench0", NULL, &d, &error) < 0)
                        g_error("%s: %s", b->type, error->message);
                struct ck_trace *trace = b->traced ? ck_trace_new(4096) : NULL;
                ck_device_set_trace(d, trace);
                double *t = g_new(double, reps);
                for (long r = 0; r < reps; r++)
                        t[r] = run(b, d);
                qsort(t, (size_t)reps, sizeof(double), cmp_double);
                printf("RESULT %s %.1f %.1f %.1f\n", b->label, t[reps / 2], t[0], t[reps - 1]);
                g_free(t);
                ck_device_set_trace(d, NULL);
                ck_trace_free(trace);
        }
        return 0;
}
