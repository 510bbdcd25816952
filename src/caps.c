/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The caller's capabilities, as the kernel's capable() sees them: the
 * effective set of the requesting thread (/proc/PID/status, CapEff), and
 * only in the daemon's own user namespace (capable() asks about the
 * initial one; a caller in a child namespace has none of them there).
 */
#include "cusekit-private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean same_user_ns(pid_t pid)
{
        char path[64], mine[64] = "", theirs[64] = "";

        g_snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        ssize_t a = readlink("/proc/self/ns/user", mine, sizeof(mine) - 1);
        ssize_t b = readlink(path, theirs, sizeof(theirs) - 1);
        /* without namespace support both fail alike: one namespace */
        return a == b && (a < 0 || strcmp(mine, theirs) == 0);
}

static gboolean pid_capable(pid_t pid, int cap)
{
        g_autofree char *text = NULL;
        char path[64];

        if (cap < 0 || cap > 63)
                return FALSE;
        if (pid <= 0)                 /* no process behind the call (in-process tests) */
                return TRUE;
        g_snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (!g_file_get_contents(path, &text, NULL, NULL))
                return FALSE;         /* gone: nobody to answer anyway */
        const char *line = strstr(text, "\nCapEff:");
        if (!line)
                return FALSE;
        guint64 effective = g_ascii_strtoull(line + strlen("\nCapEff:"), NULL, 16);
        return (effective >> cap & 1) && same_user_ns(pid);
}

gboolean ck_call_capable(struct ck_call *c, int cap)
{
        return pid_capable(ck_call_pid(c), cap);
}

gboolean ck_file_capable(struct ck_file *f, int cap)
{
        return pid_capable(f->opener, cap);
}
