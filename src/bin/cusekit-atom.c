/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cusekit-atom: every atom ioctl through the typed client, on a real node.
 * The README's demo; also a handy check that a node answers. */
#include "atom/atom-abi.h"

#include <cusekit/client.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report(const char *what, int r)
{
        if (r < 0)
                printf("%-40s -> error: %s\n", what, strerror(-r));
        else
                printf("%-40s -> %d\n", what, r);
        return r < 0;
}

int main(int argc, char **argv)
{
        const char *path = argc > 1 ? argv[1] : "/dev/atom0";
        int failures = 0;

        if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
                printf("Usage: %s [NODE]\nRuns every atom ioctl on NODE (default /dev/atom0) through the typed client.\n",
                       argv[0]);
                return argc > 2 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "cusekit-atom: %s: %s\n", path, strerror(errno));
                return EXIT_FAILURE;
        }

        struct atom_state s = { .value = 1 };
        failures += report("ATOM_SET  {value=1}      (_IOW)", cusekit_write(fd, ATOM_SET, &s));
        failures += report("ATOM_GET                 (_IOR)", cusekit_read(fd, ATOM_GET, &s));
        printf("%-40s    value=%u flags=%#x\n", "", s.value, s.flags);
        struct atom_flip flip = { .count = 1 };
        failures += report("ATOM_FLIP {count=1}      (_IOWR)", cusekit_write_read(fd, ATOM_FLIP, &flip));
        printf("%-40s    old=%u\n", "", flip.old);
        failures += report("ATOM_POKE 1 (classic, by value)", cusekit_write_value(fd, ATOM_POKE, 1));
        s = (struct atom_state){ .value = 0 };
        failures += report("ATOM_LOAD {value=0} (_IOR that lies)", cusekit_write(fd, ATOM_LOAD, &s));
        char text[] = "hello from a nested pointer";
        struct atom_blob blob = { .data = (uintptr_t)text, .len = sizeof(text) };
        failures += report("ATOM_BLOB_SET (nested fetch)", cusekit_write(fd, ATOM_BLOB_SET, &blob));
        char room[64] = { 0 };
        blob = (struct atom_blob){ .data = (uintptr_t)room, .len = sizeof(room) };
        failures += report("ATOM_BLOB_GET (nested copy-out)", cusekit_write_read(fd, ATOM_BLOB_GET, &blob));
        printf("%-40s    len=%u \"%s\"\n", "", blob.len, room);
        s = (struct atom_state){ .value = 2 };
        report("ATOM_SET {value=2} (invalid: EINVAL)", cusekit_write(fd, ATOM_SET, &s));
        failures += report("ATOM_RESET               (_IO)", cusekit_call(fd, ATOM_RESET));
        close(fd);
        return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
