/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-bare-cuse: the anchor cusekit is measured against.  A bare libfuse
 * CUSE server written the way libfuse's CUSE example serves ioctls:
 * UNRESTRICTED, the first call of a data ioctl always answered with
 * FUSE_IOCTL_RETRY naming the argument, the second with the data.  No GLib,
 * no pipeline, one thread, fuse_session_loop().
 *
 *   bench-bare-cuse --name NAME --major M --minor N [--pidfile F]
 *
 * BARE_GET (_IOR int) returns the value, BARE_SET (_IOW int) stores it;
 * read() returns as many bytes as asked (up to 64 KiB), write() takes all.
 * The pidfile is written once the node exists (init_done); SIGTERM ends it.
 */
#include "bare-abi.h"

#include <cuse_lowlevel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int value;
static char data[65536];
static const char *pidfile;

static void bare_init_done(void *userdata)
{
        (void)userdata;
        if (pidfile) {
                FILE *f = fopen(pidfile, "w");
                if (f) {
                        fprintf(f, "%d\n", getpid());
                        fclose(f);
                }
        }
}

static void bare_open(fuse_req_t req, struct fuse_file_info *fi)
{
        fi->direct_io = 1;
        fi->nonseekable = 1;
        fuse_reply_open(req, fi);
}

static void bare_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
        (void)off, (void)fi;
        fuse_reply_buf(req, data, size < sizeof(data) ? size : sizeof(data));
}

static void bare_write(fuse_req_t req, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
        (void)buf, (void)off, (void)fi;
        fuse_reply_write(req, size);
}

static void bare_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned flags,
                       const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
        struct iovec iov = { .iov_base = arg, .iov_len = sizeof(int) };

        (void)fi, (void)flags;
        switch ((unsigned)cmd) {
        case BARE_GET:
                if (!out_bufsz)                    /* round 1: ask for room */
                        fuse_reply_ioctl_retry(req, NULL, 0, &iov, 1);
                else
                        fuse_reply_ioctl(req, 0, &value, sizeof(value));
                break;
        case BARE_SET:
                if (!in_bufsz)                     /* round 1: ask for the int */
                        fuse_reply_ioctl_retry(req, &iov, 1, NULL, 0);
                else {
                        memcpy(&value, in_buf, sizeof(value));
                        fuse_reply_ioctl(req, 0, NULL, 0);
                }
                break;
        default:
                fuse_reply_err(req, ENOTTY);
        }
}

static const struct cuse_lowlevel_ops ops = {
        .init_done = bare_init_done,
        .open = bare_open,
        .read = bare_read,
        .write = bare_write,
        .ioctl = bare_ioctl,
};

int main(int argc, char **argv)
{
        const char *name = "bare0";
        unsigned major = 0, minor = 0;

        for (int i = 1; i + 1 < argc; i += 2) {
                if (!strcmp(argv[i], "--name"))
                        name = argv[i + 1];
                else if (!strcmp(argv[i], "--major"))
                        major = (unsigned)atoi(argv[i + 1]);
                else if (!strcmp(argv[i], "--minor"))
                        minor = (unsigned)atoi(argv[i + 1]);
                else if (!strcmp(argv[i], "--pidfile"))
                        pidfile = argv[i + 1];
                else {
                        fprintf(stderr, "usage: %s --name NAME --major M --minor N [--pidfile F]\n", argv[0]);
                        return 2;
                }
        }
        char devname[256];
        snprintf(devname, sizeof(devname), "DEVNAME=%s", name);
        const char *dev_info[] = { devname };
        const struct cuse_info ci = {
                .dev_major = major,
                .dev_minor = minor,
                .dev_info_argc = 1,
                .dev_info_argv = dev_info,
                .flags = CUSE_UNRESTRICTED_IOCTL,
        };
        char *fargv[] = { argv[0], (char *)"-f", (char *)"-s", NULL };
        int mt;
        struct fuse_session *se = cuse_lowlevel_setup(3, fargv, &ci, &ops, &mt, NULL);
        if (!se)
                return 1;
        int r = fuse_session_loop(se);
        cuse_lowlevel_teardown(se);
        if (pidfile)
                unlink(pidfile);
        return r < 0 ? 1 : 0;
}
