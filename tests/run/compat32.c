/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Built -m32 -static, run by test-run-atom under `cusekit run` as
 * `test-run-compat32 NODE [FD REQUEST]`: a 32-bit
 * program's i386 calls (other numbers, other struct layouts) must not reach
 * an emulated device, nor slip past to a host node; its other files work.
 * Exit 0 when so; what went wrong on stdout otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int refused(const char *what, long r)
{
        if (r >= 0) {
                printf("%s reached the device (%ld)\n", what, r);
                return 1;
        }
        if (errno != ENOSYS) {
                printf("%s: %s, not ENOSYS\n", what, strerror(errno));
                return 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        const char *node = argc > 1 ? argv[1] : "/dev/atom0";
        int bad = 0;

        bad += refused("open", syscall(SYS_open, node, O_RDWR));
        bad += refused("openat", syscall(SYS_openat, AT_FDCWD, node, O_RDWR));
        bad += refused("open O_RDONLY", open(node, O_RDONLY));

        /* a device descriptor inherited from a 64-bit parent */
        if (argc > 3) {
                int dev = atoi(argv[2]);
                unsigned long request = strtoul(argv[3], NULL, 0);     /* one the device serves */
                char buf[64];
                bad += refused("read of the inherited descriptor", read(dev, buf, sizeof(buf)));
                bad += refused("ioctl of the inherited descriptor", syscall(SYS_ioctl, dev, request, buf));
        }

        /* everything else is the kernel's, as without the run */
        int fd = open("/proc/self/exe", O_RDONLY);
        char magic[4];
        if (fd < 0 || read(fd, magic, 4) != 4 || memcmp(magic, "\177ELF", 4) != 0) {
                printf("a plain file does not work: %s\n", strerror(errno));
                bad++;
        }
        if (fd >= 0)
                close(fd);
        fd = open("/dev/null", O_WRONLY);
        if (fd < 0 || write(fd, "x", 1) != 1) {
                printf("/dev/null does not work: %s\n", strerror(errno));
                bad++;
        }
        printf("%s\n", bad ? "FAILED" : "32-bit calls refused with ENOSYS, other files served");
        return bad ? 1 : 0;
}
