/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hosting devices, whatever carries their requests: the device specs
 * (--device and a config file's [device NAME] groups), the device models,
 * the trace ring, persistent state in a state directory, the control socket
 * and bus.  cusekitd (CUSE) and `cusekit run` build on it; it knows no
 * transport.  Functions return 0 or -errno with a GError that names the
 * bad input.
 */
#pragma once

#include "cusekit-private.h"
#include "spec.h"

#include <sys/types.h>

struct ck_host;
typedef struct ck_host ck_host;

/* @transport_keys: device spec keys the transport takes for itself (CUSE:
 * the node's mode and group), kept out of the device model; NULL: none. */
int ck_host_new(const char *const *transport_keys, struct ck_host **ret);
/* Saves pending state, removes the control socket, frees the devices. */
void ck_host_free(struct ck_host *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ck_host, ck_host_free)

/* A setting by its long option name: state-dir, state-interval (ms),
 * control-socket (a path or "none"), control-mode (octal), trace-size,
 * bus, bus-name.  Checked here; a setting given once stays (the command
 * line is set before the config file is read). */
int ck_host_set(struct ck_host *h, const char *key, const char *value, GError **error);
/* The value given, or NULL. */
const char *ck_host_get(const struct ck_host *h, const char *key);
/* Is @key one of the settings above? */
gboolean ck_host_is_setting(const char *key);
/* Every setting's key, NULL-terminated, for help texts. */
const char *const *ck_host_settings(void);

/* One --device TYPE:NAME[,key=value...] spec. */
int ck_host_add_device(struct ck_host *h, const char *spec, GError **error);
/* Reads @path: its [device NAME] groups and the settings in [@group]
 * (those not given already).  Any other group, a key of [@group] that is
 * neither a setting nor in @own_keys, a key a device type does not take,
 * or a group or key given twice is an error naming file, line and key.
 * @ret_kf (optional): the file, for the caller's @own_keys. */
int ck_host_load_config(struct ck_host *h, const char *path, const char *group, const char *const *own_keys,
                        GKeyFile **ret_kf, GError **error);

/* The user the devices are served as once start-up is over (after a
 * privilege drop): the state directory and the control socket are made
 * theirs.  Default: the calling user. */
void ck_host_set_owner(struct ck_host *h, uid_t uid, gid_t gid);

/* Makes the device models and the trace ring and applies saved state;
 * nothing is created on disk yet.  Errors name the device. */
int ck_host_create_devices(struct ck_host *h, GError **error);
/* After ck_host_create_devices(): creates the state directory, saves state
 * from now on, opens the control socket (@default_control_socket unless
 * control-socket is set) and joins the bus. */
int ck_host_start(struct ck_host *h, const char *default_control_socket, GError **error);
/* Writes pending state now (ck_host_free() does too). */
int ck_host_flush(struct ck_host *h, GError **error);

guint ck_host_n_devices(const struct ck_host *h);
struct ck_device *ck_host_device(const struct ck_host *h, guint i);
const struct ck_device_spec *ck_host_spec(const struct ck_host *h, guint i);
/* State files written so far. */
guint64 ck_host_state_writes(const struct ck_host *h);

/* A whole decimal number within [@min, @max]: 0, -EINVAL or -ERANGE. */
int ck_parse_integer(const char *text, gint64 min, gint64 max, gint64 *ret);
/* An octal file mode up to 07777. */
gboolean ck_parse_mode(const char *text, mode_t *ret);
