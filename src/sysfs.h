/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated /sys of a transport that serves paths (cusekit run).
 *
 * ck_sysfs_new() builds inside ROOT a real tree that stands for the parts
 * of /sys the devices change; a program's path P under /sys is served from
 * ROOT+P when lstat(ROOT+P) succeeds and ck_sysfs_is_host(P) is false,
 * else from the host's own P:
 *
 *   ROOT/sys/class/CLASS/        the host's entries (links, same text) + ours
 *   ROOT/sys/dev/char/           the host's MAJ:MIN links + ours
 *   ROOT/sys/devices/.../NAME/   our class devices: attributes, links, power/
 *
 * Every directory on the way that the host also has (/sys, /sys/devices,
 * /sys/devices/virtual, /sys/class, ...) is merged: the host's links are
 * copied as they are (a link is only its text), the host's directories and
 * files are placeholders (an empty directory or file of the host's mode) so
 * that a directory listing is complete and native; ck_sysfs_is_host() says
 * a path is such a placeholder: serve it, and everything below it, from
 * the host.  The host's entries are those at ck_sysfs_new() time.
 *
 * Our attribute files are regular files of the kernel's mode and size
 * (4096), without contents: every one, fixed or not, is served through
 * ck_sysfs_attr_open/show/store().  show() and store() run the families'
 * code: call them where the devices run (the default main context).
 */
#pragma once

#include <cusekit/device.h>

#include <stdbool.h>
#include <sys/stat.h>

/* Where udevd keeps what it knows of each device: ROOT stands for the
 * entries of our devices whose class has .udev_properties
 * (CK_UDEV_DATA_DIR/cMAJ:MIN), the host for every other path there. */
#define CK_UDEV_DATA_DIR "/run/udev/data"

/* The kernel's PAGE_SIZE: the buffer of show() and the most one write() stores. */
#define CK_SYSFS_PAGE 4096u

typedef struct ck_sysfs ck_sysfs;
struct ck_sysfs_attr;

/* Builds the tree in @root, an existing empty directory (best on tmpfs:
 * 1000 devices take 0.3 s there, 10 s and more on a busy ext4), for @devices
 * (@n of them; device i is the character device @major:(@first_minor + i),
 * as its node).  Devices whose type has no .sysfs get nothing.  0 or
 * -errno with @error set; @ret untouched then, and @root left empty. */
int ck_sysfs_new(const char *root, struct ck_device *const *devices, size_t n, unsigned major,
                 unsigned first_minor, struct ck_sysfs **ret, GError **error);
/* Removes the tree (not @root itself) and frees. */
void ck_sysfs_free(struct ck_sysfs *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_sysfs, ck_sysfs_free)

/* ROOT, as given. */
const char *ck_sysfs_root(const struct ck_sysfs *s);

/* The resolver's question for each program path @path it walks (absolute,
 * normalized): does ROOT stand for it?  True when @path is /sys or below,
 * ROOT+@path exists and is no placeholder, or @path is one of our udev
 * database entries; then *@ret_real is ROOT+@path
 * (to g_free) and *@ret_st its lstat().  False: the host's @path. */
bool ck_sysfs_lookup(const struct ck_sysfs *s, const char *path, char **ret_real, struct stat *ret_st);

/* For a real path under ROOT (e.g. what /proc/PID/fd/N of a directory
 * descriptor we injected names), the program's path it stands for: a
 * pointer into @real_path ("/sys/dev/char/120:0"); NULL if not under ROOT/sys. */
const char *ck_sysfs_program_path(const struct ck_sysfs *s, const char *real_path);

/* @path: a program's absolute, normalized path ("/sys/block").  True when
 * ROOT+@path is a placeholder for the host's @path. */
bool ck_sysfs_is_host(const struct ck_sysfs *s, const char *path);

/* The attribute whose real file is @real_path (a path under ROOT; links
 * in it are followed) or has @st's device and inode; NULL: not one of
 * ours (then the file is served as it is). */
struct ck_sysfs_attr *ck_sysfs_attr_at(const struct ck_sysfs *s, const char *real_path);
struct ck_sysfs_attr *ck_sysfs_attr_by_stat(const struct ck_sysfs *s, const struct stat *st);

/* The program's path of the attribute ("/sys/devices/virtual/rtc/rtc7/date"),
 * its mode (0444, ...) and its device. */
const char *ck_sysfs_attr_path(const struct ck_sysfs_attr *a);
unsigned ck_sysfs_attr_mode(const struct ck_sysfs_attr *a);
struct ck_device *ck_sysfs_attr_device(const struct ck_sysfs_attr *a);

/* May an open with @flags (O_RDONLY/O_WRONLY/O_RDWR, O_TRUNC...) proceed?
 * 0 or -EACCES.  The files are root's: @privileged (CAP_DAC_OVERRIDE)
 * skips the owner check; the kernfs check (a write wants a write bit in
 * the mode, a read a read bit) holds for everyone. */
int ck_sysfs_attr_open(const struct ck_sysfs_attr *a, int flags, bool privileged);

/* The attribute's text, as the kernel's sysfs_kf_seq_show(): @size must be
 * at least CK_SYSFS_PAGE; the length (< CK_SYSFS_PAGE) or -errno (-EIO:
 * write-only).  Call when the program reads from offset 0. */
ssize_t ck_sysfs_attr_show(struct ck_sysfs_attr *a, char *buf, size_t size);

/* One write() of @len bytes, as kernfs_fop_write_iter(): more than a page
 * is cut to a page, 0 bytes store nothing; the bytes stored or -errno
 * (-EIO: no store). */
ssize_t ck_sysfs_attr_store(struct ck_sysfs_attr *a, const void *buf, size_t len);
