/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* cusekit abi MODULE.so|TYPE [--table|--header|--check]: its options for
 * the command table; after parsing, argv[0] is "abi", argv[1] the family.
 * Needs no daemon. */
extern const GOptionEntry cusekit_abi_options[];
int cusekit_abi(int argc, char **argv);
